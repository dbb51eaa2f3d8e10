"""Measuring one process run for the benchmarks: wall time, CPU seconds and peak memory (RSS) of the process
and every process it starts, sampled every 50 ms. Shared by bench/run.py and bench/validate_bench.py."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_S = 0.05


@dataclass(frozen=True)
class Run:
    wall_s: float
    cpu_s: float  # user + system of the process tree
    peak_rss_mb: int  # the tree's summed RSS at its highest sample
    peak_main_rss_mb: int  # the first process alone (e.g. `kg build` without its workers), at its highest
    exit_code: int | None  # None: stopped at the timeout
    stdout: str
    stderr: str


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and their children so far: the difference
    around a run is the CPU it took, which the machine's load changes far less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], cwd: Path, timeout: float | None = None) -> Run:
    """Run ``args`` (and whatever it starts) to completion, or until ``timeout`` seconds (then the whole
    process group is killed and ``exit_code`` is None), measuring it."""
    cpu_before = children_cpu()
    started = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    parent = psutil.Process(proc.pid)
    peak = peak_main = 0
    cpu_seen = 0.0
    stopped = False
    captured: dict[str, str] = {}

    def read() -> None:
        captured["out"], captured["err"] = proc.communicate()

    reader = threading.Thread(target=read, daemon=True)  # the pipes never fill while we sample
    reader.start()
    while proc.poll() is None:
        try:
            main_rss = parent.memory_info().rss
            tree = [parent, *parent.children(recursive=True)]
            rss = []
            cpu = 0.0
            for p in tree:
                try:
                    rss.append(p.memory_info().rss)
                    cpu += sum(p.cpu_times()[:2])
                except psutil.Error:
                    continue
            peak, peak_main = max(peak, sum(rss)), max(peak_main, main_rss)
            cpu_seen = max(cpu_seen, cpu)
        except psutil.Error:
            pass
        if timeout is not None and time.perf_counter() - started > timeout:
            os.killpg(proc.pid, signal.SIGKILL)
            stopped = True
            break
        time.sleep(SAMPLE_S)
    reader.join()
    wall = time.perf_counter() - started
    cpu_total = children_cpu() - cpu_before
    return Run(round(wall, 2), round(max(cpu_total, cpu_seen), 2), round(peak / 2**20), round(peak_main / 2**20),
               None if stopped else proc.returncode, captured.get("out", ""), captured.get("err", ""))


def checked(run: Run, args: list[str]) -> Run:
    """``run``, or a RuntimeError naming the command and its last error line when it failed."""
    if run.exit_code != 0:
        last = run.stderr.strip().splitlines()[-1:] or ["(no error output)"]
        raise RuntimeError(f"{' '.join(args)} failed ({run.exit_code}): {last[0]}")
    return run
