"""A pool of query worker processes for `kg serve`, with a timeout that really stops a query: a worker still
busy at the deadline is killed (SIGKILL) and replaced, while the other workers keep answering."""

from __future__ import annotations

import json
import logging
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import KgError

log = logging.getLogger("kg.serve")


class WorkerError(KgError):
    """A worker could not start."""


@dataclass(eq=False)
class Worker:
    proc: subprocess.Popen[bytes]
    isolated: bool = False
    jobs: int = 0
    store: str = ""  # the store generation it opened (BUILD/store is a link a new build moves)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            log.error("worker %d did not exit after SIGKILL", self.pid)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    """Read ``size`` bytes, or None at EOF or when the deadline passes first."""
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int, deadline: float | None) -> bytes | None:
    head = _read_exact(fd, 4, deadline)
    if head is None:
        return None
    return _read_exact(fd, struct.unpack(">I", head)[0], deadline)


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    rows: int | None = None
    truncated: bool = False
    error: str = ""
    worker: int | None = None


@dataclass
class WorkerPool:
    """``size`` workers over the build at ``build``; ``run`` gives each job to an idle one."""

    build: Path
    size: int = 2
    start_timeout: float = 60.0
    _idle: queue.Queue[Worker] = field(default_factory=queue.Queue)
    _all: set[Worker] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False
    _spawner: threading.Thread | None = None
    _wanted: queue.Queue[int | None] = field(default_factory=queue.Queue)

    def start(self) -> None:
        """Start every worker and wait until each has opened the store."""
        procs = [self._spawn() for _ in range(self.size)]
        for proc in procs:
            self._idle.put(self._await_ready(proc))

    @property
    def isolated(self) -> bool:
        with self._lock:
            return bool(self._all) and all(w.isolated for w in self._all)

    def _current_store(self) -> str:
        return os.path.realpath(self.build / "store")

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen([sys.executable, "-m", "kg.serve_worker", str(self.build)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True)

    def _await_ready(self, proc: subprocess.Popen[bytes]) -> Worker:
        assert proc.stdout is not None
        frame = _read_frame(proc.stdout.fileno(), time.monotonic() + self.start_timeout)
        if frame is None:
            proc.kill()
            proc.wait()
            raise WorkerError(f"a query worker did not start (exit code {proc.returncode}); see the messages above")
        hello = json.loads(frame)
        worker = Worker(proc, isolated=bool(hello.get("isolated")), store=str(hello.get("store", "")))
        with self._lock:
            self._all.add(worker)
        return worker

    def _replace(self, dead: Worker) -> None:
        """Kill a worker and have another started; the pool stays usable meanwhile."""
        dead.kill()
        with self._lock:
            self._all.discard(dead)
            if self._closed:
                return
            if self._spawner is None:
                # One long-lived thread starts every replacement: the kernel kills a worker when the *thread*
                # that started it ends (PR_SET_PDEATHSIG), so it cannot be a short-lived request thread.
                self._spawner = threading.Thread(target=self._spawn_loop, name="kg-worker-spawner", daemon=True)
                self._spawner.start()
        self._wanted.put(1)

    def _spawn_loop(self) -> None:
        while self._wanted.get() is not None:
            try:
                worker = self._await_ready(self._spawn())
            except (WorkerError, OSError) as err:
                log.error("could not replace a query worker: %s", err)
                continue
            if self._closed:
                worker.kill()
            else:
                self._idle.put(worker)

    def run(self, job: Mapping[str, object], timeout: float) -> Outcome:
        """Run one job within ``timeout`` seconds (waiting for a free worker counts)."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return Outcome(503, error=f"all {self.size} query workers stayed busy for {timeout:g} s; try again")
        assert worker.proc.stdin is not None and worker.proc.stdout is not None
        try:
            data = json.dumps(job).encode()
            worker.proc.stdin.write(struct.pack(">I", len(data)) + data)
            fd = worker.proc.stdout.fileno()
            head = _read_frame(fd, deadline)
            body = _read_frame(fd, deadline) if head is not None else None
        except (BrokenPipeError, OSError) as err:
            log.error("query worker %d failed: %s", worker.pid, err)
            self._replace(worker)
            return Outcome(500, error="the query worker died; it has been replaced")
        if head is None or body is None:
            timed_out = time.monotonic() >= deadline
            self._replace(worker)
            if timed_out:
                return Outcome(503, error=f"the query ran longer than the {timeout:g} s limit and was stopped",
                               worker=worker.pid)
            return Outcome(500, error="the query worker died (out of memory?); it has been replaced",
                           worker=worker.pid)
        worker.jobs += 1
        if worker.store != self._current_store():
            self._replace(worker)  # a new build landed: this worker's answers come from the old one
        else:
            self._idle.put(worker)
        meta = json.loads(head)
        status = int(meta.get("status", 500))
        if status != 200:
            return Outcome(status, error=str(meta.get("error", "")), worker=worker.pid)
        return Outcome(200, body, str(meta["content_type"]), int(meta.get("rows", 0)), bool(meta.get("truncated")),
                       worker=worker.pid)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        self._wanted.put(None)
        for worker in workers:
            worker.kill()


__all__ = ["Outcome", "Worker", "WorkerError", "WorkerPool"]
