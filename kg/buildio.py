"""Safe writing for `kg build`: where a build may write, one build at a time, temp files moved into place.

Every output is written beside its final name as ``NAME.tmp-<pid>`` and moved over it with ``os.replace``,
so a reader (or a build killed half-way) sees either the old file or the new one, never a torn one.
Leftover temp files of a killed build are removed by the next build (which holds the build lock, so no
other build can be writing them).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import IO

from kg.errors import BuildError, InputError

LOCK_FILE = ".kg-build.lock"
TMP_MARK = ".tmp-"
# What a build folder holds: a folder with none of these and other files in it is not a build folder.
BUILD_NAMES = frozenset({"manifest.json", "graph.trig", "store", "store.d", "cache", "graph.html", "cite-index",
                         LOCK_FILE})


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output(out: Path, corpus: Sequence[Path]) -> None:
    """Refuse an output folder inside a corpus folder, a file, or a non-empty folder that is not a build."""
    target = out.resolve()
    for arg in corpus:
        if not arg.is_dir():
            continue
        root = arg.resolve()
        if _inside(target, root):
            raise InputError(f"{out}: the output folder is inside the corpus folder {arg}; "
                             "nothing is written inside a corpus: choose another -o")
        if _inside(root, target) and root.relative_to(target).parts[0] in BUILD_NAMES:
            raise InputError(f"{arg}: the corpus folder is inside the build outputs of {out}; move it or "
                             "choose another -o")
    if target.exists() and not target.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another -o")
    if target.is_dir():
        names = {p.name for p in target.iterdir()}
        if names and not names & BUILD_NAMES:
            raise InputError(f"{out}: folder is not empty and holds no kg build; choose another -o "
                             "(or an empty or new folder)")


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``out`` for one build (released by the OS even after ``kill -9``)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK_FILE
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            raise BuildError(f"{out}: another `kg build` is writing this folder; wait for it to finish") from err
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def tmp_path(path: Path) -> Path:
    return path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")


def _disk_error(path: Path, err: OSError) -> BuildError:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return BuildError(f"{path}: the disk is full; free some space and rerun `kg build` "
                          "(the previous build is untouched)")
    return BuildError(f"{path}: cannot write ({err.strerror or err}); the previous build is untouched")


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path``; move it over ``path`` when the block succeeds, else remove it."""
    tmp = tmp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise _disk_error(path, err) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def atomic_text(path: Path, *, sync: bool = False) -> Iterator[IO[str]]:
    """A UTF-8 text file (``\\n`` line ends) that replaces ``path`` only when the block finishes."""
    with _replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        yield handle
        handle.flush()
        if sync:
            os.fsync(handle.fileno())


@contextlib.contextmanager
def atomic_binary(path: Path, *, sync: bool = False) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only when the block finishes."""
    with _replacing(path) as tmp, open(tmp, "wb") as handle:
        yield handle
        handle.flush()
        if sync:
            os.fsync(handle.fileno())


def code_digest(head: str, modules: Iterable[str]) -> str:
    """SHA-256 (hex) of ``head`` and the source of ``modules`` (paths inside the ``kg`` package, in the order
    given): what a cached result is tied to, so that a change to the code that made it discards it."""
    digest = hashlib.sha256(head.encode())
    package = resources.files("kg")
    for name in modules:
        digest.update(f"{name}\0".encode())
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()


def write_text(path: Path, text: str, *, sync: bool = False) -> None:
    with atomic_text(path, sync=sync) as handle:
        handle.write(text)


def write_bytes(path: Path, data: bytes, *, sync: bool = False) -> None:
    with _replacing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        if sync:
            os.fsync(handle.fileno())


def remove_stale(folder: Path) -> int:
    """Remove temp files and folders (``*.tmp-<pid>``) left in ``folder`` by a killed build; call under the lock."""
    removed = 0
    if not folder.is_dir():
        return 0
    for entry in folder.iterdir():
        if TMP_MARK not in entry.name:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


__all__ = ["BUILD_NAMES", "atomic_binary", "atomic_text", "build_lock", "check_output", "code_digest", "remove_stale",
           "tmp_path", "write_bytes", "write_text"]
