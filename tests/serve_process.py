"""A real `python -m kg serve` process on a free loopback port, for the endpoint and query-page tests."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class KgServer:
    url: str  # http://127.0.0.1:PORT/
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def endpoint(self) -> str:
        return self.url + "sparql"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def workers(self) -> set[int]:
        """Process ids of the server's query workers (its children)."""
        children: set[int] = set()
        for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
            text = (task / "children").read_text().split()
            children.update(int(pid) for pid in text)
        return children


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


@contextmanager
def running_server(build: Path, log: Path, *args: str) -> Iterator[KgServer]:
    """Start `kg serve --port 0 …` and yield once it prints its address; stop it (SIGTERM) afterwards."""
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--build", str(build), "--port", "0", *args],
                                stdout=subprocess.PIPE, stderr=err, cwd=ROOT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    try:
        deadline = time.monotonic() + 60
        line = b""
        while not line.endswith(b"\n"):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"kg serve did not start: {log.read_text(errors='replace')}")
            if select.select([proc.stdout], [], [], 0.5)[0]:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    raise RuntimeError(f"kg serve exited: {log.read_text(errors='replace')}")
                line += chunk
        match = re.search(r"http://127\.0\.0\.1:\d+/", line.decode())
        assert match, line
        yield KgServer(match.group(), proc, log)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
