"""What reading each corpus file gave last time, so that a rebuild does not parse unchanged files again.

``BUILD/cache/corpus-index.json`` keeps, for every file the last build read, the reader's result (the drafts
and problems) with what identified the bytes it came from: the file's ``stat`` (size, mtime, ctime, inode,
device) and SHA-256, and the same for its ``.meta.yaml`` sidecar. The next build trusts an entry without
reading the file only when every ``stat`` field is unchanged; when any differs, it reads the file and, if the
SHA-256 is the same, reuses the result without parsing, else parses it again.

``stat`` alone is trusted only where it can be: a write changes mtime and ctime (ctime cannot be set back),
but two writes within one tick of the file system's clock leave the same times. An entry whose file was
changed less than ``RACY_NS`` before it was read is therefore marked *racy* and read again next time (what
git does with its index). The index is tied to the reader code and the settings that change what readers
give (a digest of ``kg/corpus.py`` and ``kg/ingest/``, the size and page limits): any change empties it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kg import __version__
from kg.buildio import code_digest, write_text
from kg.ingest.common import Draft, Parsed
from kg.records import Problem

INDEX_FILE = "corpus-index.json"
INDEX_VERSION = 1
RACY_NS = 3_000_000_000  # a file changed this close to its reading is read again next time

StatKey = tuple[int, int, int, int, int]


def stat_key(path: Path) -> StatKey | None:
    """(size, mtime_ns, ctime_ns, inode, device) of a regular file; None when it is missing or not one."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev


def racy(key: StatKey | None, read_at_ns: int) -> bool:
    return key is not None and max(key[1], key[2]) >= read_at_ns - RACY_NS


def reader_signature(max_file_bytes: int, max_pdf_pages: int) -> str:
    """A digest of what decides a reader's result besides the file: the reader code and its limits."""
    ingest = sorted(e.name for e in resources.files("kg").joinpath("ingest").iterdir() if e.name.endswith(".py"))
    return code_digest(f"{INDEX_VERSION}\0{__version__}\0{max_file_bytes}\0{max_pdf_pages}\0",
                       ["corpus.py", "corpus_index.py", *(f"ingest/{name}" for name in ingest)])[:24]


@dataclass(frozen=True)
class FileEntry:
    """One file as last read: what identifies its bytes (and its sidecar's) and what its reader gave."""

    stat: StatKey
    sha256: str
    side_stat: StatKey | None
    side_sha256: str | None
    trusted: bool  # False: changed too close to its reading for stat to vouch for it (racy)
    drafts: tuple[Draft, ...]
    problems: tuple[Problem, ...]

    def parsed(self) -> Parsed:
        return Parsed(drafts=list(self.drafts), problems=list(self.problems))


def _draft(d: dict[str, Any]) -> Draft:
    return Draft(**{**d, "authors": tuple(d["authors"]), "page_starts": tuple(d["page_starts"])})


def _entry_to_json(e: FileEntry) -> dict[str, Any]:
    return {"stat": list(e.stat), "sha256": e.sha256, "side_stat": None if e.side_stat is None else list(e.side_stat),
            "side_sha256": e.side_sha256, "trusted": e.trusted, "drafts": [asdict(d) for d in e.drafts],
            "problems": [asdict(p) for p in e.problems]}


def _stat(value: Any) -> StatKey:
    size, mtime, ctime, ino, dev = (int(v) for v in value)
    return size, mtime, ctime, ino, dev


def _entry_from_json(d: dict[str, Any]) -> FileEntry:
    return FileEntry(stat=_stat(d["stat"]), sha256=str(d["sha256"]),
                     side_stat=None if d["side_stat"] is None else _stat(d["side_stat"]),
                     side_sha256=d["side_sha256"], trusted=bool(d["trusted"]),
                     drafts=tuple(_draft(x) for x in d["drafts"]), problems=tuple(Problem(**p) for p in d["problems"]))


class CorpusIndex:
    """The entries of the last build (``previous``) and those of this one (``current``, saved at the end)."""

    def __init__(self, signature: str, previous: dict[str, FileEntry] | None = None) -> None:
        self.signature = signature
        self.previous = previous or {}
        self.current: dict[str, FileEntry] = {}
        self.parsed = 0  # files parsed by their reader in this build
        self.reused = 0  # files served from the index (unchanged stat, or unchanged bytes)

    @staticmethod
    def key(display: str, rel: str) -> str:
        return f"{display}\0{rel}"

    @classmethod
    def load(cls, path: Path, signature: str) -> CorpusIndex:
        """The index at ``path``, or an empty one (missing, damaged, or for other reader code or limits)."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("signature") != signature:
                return cls(signature)
            entries = {str(k): _entry_from_json(v) for k, v in data["files"].items()}
        except FileNotFoundError:
            return cls(signature)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(signature)
        return cls(signature, entries)

    def save(self, path: Path) -> None:
        """Write this reading's entries (nothing to write when every file was served unchanged by its stat)."""
        if path.is_file() and self.current.keys() == self.previous.keys() and all(
                self.current[k] is self.previous[k] for k in self.current):
            return
        files = {k: _entry_to_json(self.current[k]) for k in sorted(self.current)}
        data = {"signature": self.signature, "files": files}
        write_text(path, json.dumps(data, separators=(",", ":")) + "\n")


__all__ = ["INDEX_FILE", "RACY_NS", "CorpusIndex", "FileEntry", "StatKey", "racy", "reader_signature", "stat_key"]
