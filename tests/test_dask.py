"""`kg build --dask`: extraction on a real Dask cluster (scheduler and worker on loopback) is byte-identical."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oxigraph_server import free_port

DASK = str(Path(sys.executable).parent / "dask")


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, dash = free_port(), free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("dask")
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--dashboard-address", f"127.0.0.1:{dash}", "--no-show"],
                              stdout=(log / "s.out").open("w"), stderr=subprocess.STDOUT)]
    time.sleep(1.0)
    procs.append(subprocess.Popen([DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                                   "--host", "127.0.0.1", "--no-dashboard", "--local-directory", str(log)],
                                  stdout=(log / "w.out").open("w"), stderr=subprocess.STDOUT))
    try:
        import distributed

        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(1, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _build(corpus: Path, out: Path, *extra: str) -> None:
    subprocess.run([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--no-progress", *extra],
                   check=True, capture_output=True, text=True, timeout=900)


def test_dask_build_is_byte_identical_to_local(scheduler: str, seeds_dir: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    _build(corpus, tmp_path / "local")
    _build(corpus, tmp_path / "dask", "--dask", scheduler)
    local = (tmp_path / "local" / "graph.trig").read_bytes()
    assert local and local == (tmp_path / "dask" / "graph.trig").read_bytes()


def test_unreachable_scheduler_is_one_clear_error(seeds_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "kg", "build", str(seeds_dir), "-o", str(tmp_path / "b"),
                           "--no-progress", "--dask", f"tcp://127.0.0.1:{free_port()}"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert "Dask scheduler" in last and "Traceback" not in proc.stderr
