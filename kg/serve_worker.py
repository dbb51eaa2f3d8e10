"""A query worker for `kg serve`: a child process that runs one query at a time over the read-only store.

The server kills a worker whose query runs past the timeout (the only way to really stop pyoxigraph mid-query)
and starts a fresh one. Before it opens the store, a worker cuts itself off from the network where Linux
allows it (a new, empty network namespace), so even a query that slipped past the SERVICE checks could not
connect anywhere; and it asks the kernel to kill it if the server dies.

Messages on stdin/stdout are frames: a 4-byte big-endian length, then that many bytes. A job is one JSON
frame; an outcome is a JSON frame followed by a body frame.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import struct
import sys
from pathlib import Path
from typing import BinaryIO

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1


def write_frame(stream: BinaryIO, data: bytes) -> None:
    stream.write(struct.pack(">I", len(data)) + data)


def read_frame(stream: BinaryIO) -> bytes | None:
    head = stream.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    data = stream.read(size)
    return data if len(data) == size else None


def isolate_network() -> bool:
    """Move this process into a new network namespace with no interfaces up. True if that worked."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if libc.unshare(CLONE_NEWNET) == 0:
            return True
        return bool(libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0)
    except (OSError, AttributeError):
        return False


def main(argv: list[str]) -> int:
    isolated = isolate_network()
    from kg.query import open_dataset  # imported after isolation: unshare needs a single-threaded process
    from kg.serve_jobs import run_job

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but frames may reach the server's pipe
    store = os.path.realpath(Path(argv[0]) / "store")  # before opening: a newer build makes this worker stale
    ds = open_dataset(Path(argv[0]))
    run_job(ds, {"query": "ASK {}"}, isolated)  # warm up the parsers so the first real query is fast
    hello = {"ready": True, "isolated": isolated, "pid": os.getpid(), "store": store}
    write_frame(stdout, json.dumps(hello).encode())
    stdout.flush()
    while True:
        frame = read_frame(stdin)
        if frame is None:
            return 0
        head, body = run_job(ds, json.loads(frame), isolated)
        write_frame(stdout, json.dumps(head).encode())
        write_frame(stdout, body)
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
