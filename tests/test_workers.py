"""Extraction workers do not outlive a build that was killed (SIGKILL/SIGTERM give it no chance to shut down)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _children(build: psutil.Process) -> list[psutil.Process]:
    try:
        return build.children(recursive=True)
    except psutil.Error:
        return []


def _running(p: psutil.Process) -> bool:
    """Exited processes whose new parent has not reaped them yet (zombies) count as ended."""
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _is_worker(p: psutil.Process) -> bool:
    try:
        return "spawn_main" in " ".join(p.cmdline())
    except psutil.Error:
        return False


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_workers_end_when_the_build_is_killed(tmp_path: Path, sig: signal.Signals) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(40):  # enough work that the build is still extracting when it is killed
        (corpus / f"doc{i:02d}.txt").write_text(
            f"Report {i}. Alibaba released Qwen3 in Hangzhou, analysts at Stanford University said. " * 60,
            encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(tmp_path / "build"),
                             "--workers", "2", "--no-progress"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    build = psutil.Process(proc.pid)
    deadline = time.monotonic() + 300
    children: list[psutil.Process] = []
    while sum(map(_is_worker, children)) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        children = _children(build)
    assert sum(map(_is_worker, children)) == 2, "the build did not start its two workers"
    os.kill(proc.pid, sig)
    proc.wait(timeout=60)
    alive = children  # the workers and multiprocessing's helper process
    deadline = time.monotonic() + 60
    while alive and time.monotonic() < deadline:
        time.sleep(0.5)
        alive = [p for p in alive if _running(p)]
    for p in alive:
        p.kill()
    assert not alive, f"{len(alive)} process(es) still running after the build was killed"
