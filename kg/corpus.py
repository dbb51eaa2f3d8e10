"""Reading a corpus: files or folders -> documents (sorted by id) plus one problem per bad input.

Folders are walked recursively in sorted order. Hidden files and folders (a name starting with ".") are
skipped, and so is a ``README*`` file directly inside a corpus folder (it describes the corpus; it is not a
document). A file named on its own is always read.

Formats: ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``, ``.pdf``, ``.json``, ``.jsonl``. Metadata for
formats that cannot carry it (``.txt``, ``.pdf``) may sit beside the file in ``NAME.EXT.meta.yaml`` (the
same fields as Markdown front matter; they override what the file itself says).

A document's id is its record's ``id`` (JSON records) or else its path relative to the corpus root without
the extension, with "/" separators. A second document with an id already seen is a problem and is skipped.
Nothing is ever written anywhere: reading is read-only.
"""

from __future__ import annotations

import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import yaml

from kg.config import Settings
from kg.corpus_index import CorpusIndex, FileEntry, racy, stat_key
from kg.errors import InputError
from kg.ingest.common import Draft, Parsed, Source, read_meta, sha256_hex
from kg.ingest.html import read_html
from kg.ingest.markdown import read_md
from kg.ingest.pdf import read_pdf
from kg.ingest.records import read_json, read_jsonl
from kg.ingest.text import read_txt
from kg.records import Document, Problem

Reader = Callable[[bytes, Source], Parsed]

READERS: dict[str, Reader] = {
    ".txt": read_txt,
    ".md": read_md,
    ".markdown": read_md,
    ".html": read_html,
    ".htm": read_html,
    ".pdf": read_pdf,
    ".json": read_json,
    ".jsonl": read_jsonl,
}
SIDECAR_SUFFIX = ".meta.yaml"

__all__ = ["READERS", "SIDECAR_SUFFIX", "CorpusResult", "read_corpus"]


@dataclass(frozen=True)
class CorpusResult:
    documents: tuple[Document, ...]  # sorted by id
    problems: tuple[Problem, ...]  # one per bad input, naming the file (and line)
    by_format: dict[str, int] = field(default_factory=dict)  # documents per format


@dataclass(frozen=True)
class _File:
    path: Path  # as it can be opened
    display: str  # as the user named it (root argument joined with the relative path)
    rel: str  # POSIX path relative to the corpus root


def _walk(arg: Path) -> Iterator[_File]:
    """Files under ``arg`` (or ``arg`` itself), sorted; hidden names and a root README are skipped."""
    if not arg.is_dir():
        yield _File(arg, arg.as_posix(), arg.name)
        return
    for dirpath, dirnames, filenames in os.walk(arg):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        here = Path(dirpath)
        for name in sorted(filenames):
            if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
                continue
            if here == arg and name.upper().startswith("README"):
                continue
            path = here / name
            rel = path.relative_to(arg).as_posix()
            yield _File(path, (PurePosixPath(arg.as_posix()) / rel).as_posix(), rel)


def _read_bytes(file: _File, limit: int) -> tuple[bytes | None, Problem | None]:
    try:
        info = file.path.stat()
    except OSError as err:
        return None, Problem(file.display, f"cannot read: {err.strerror or err}")
    if not stat.S_ISREG(info.st_mode):
        return None, Problem(file.display, "not a regular file (a pipe, device or socket); skipped")
    if info.st_size > limit:
        message = f"{info.st_size} bytes is over the limit of {limit} (max_file_bytes); split it or raise the limit"
        return None, Problem(file.display, message)
    try:
        with file.path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        return None, Problem(file.display, f"cannot read: {err.strerror or err}")
    if len(data) > limit:
        return None, Problem(file.display, f"over the limit of {limit} bytes (max_file_bytes)")
    if not data.strip():
        return None, Problem(file.display, "empty file")
    return data, None


def _sidecar_path(file: _File) -> Path:
    return file.path.with_name(file.path.name + SIDECAR_SUFFIX)


def _sidecar_bytes(file: _File, limit: int) -> tuple[bytes | None, Problem | None]:
    side = _sidecar_path(file)
    if not side.is_file():
        return None, None
    return _read_bytes(_File(side, file.display + SIDECAR_SUFFIX, file.rel + SIDECAR_SUFFIX), limit)


def _sidecar(file: _File, data: bytes | None, problem: Problem | None) -> tuple[dict[str, object], Problem | None]:
    display = file.display + SIDECAR_SUFFIX
    if data is None:
        return {}, problem
    try:
        loaded = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as err:
        return {}, Problem(display, f"metadata is not valid UTF-8 YAML ({type(err).__name__}); fix it")
    if not isinstance(loaded, dict):
        return {}, Problem(display, "metadata must be a YAML mapping (key: value lines)")
    return {str(k): v for k, v in loaded.items()}, None


def _with_sidecar(draft: Draft, fields: dict[str, object], display: str, problems: list[Problem]) -> Draft:
    if not fields:
        return draft
    complaints: list[str] = []
    meta = read_meta(fields, complaints)
    if complaints:
        problems.append(Problem(display + SIDECAR_SUFFIX, "; ".join(complaints)))
    return replace(
        draft,
        url=meta.url or draft.url,
        title=meta.title or draft.title,
        publisher=meta.publisher or draft.publisher,
        date=meta.date or draft.date,
        authors=meta.authors or draft.authors,
    )


def _parse(file: _File, reader: Reader, data: bytes, side: tuple[bytes | None, Problem | None],
           settings: Settings) -> Parsed:
    source = Source(file.display, file.rel, max_chars=settings.max_file_bytes, max_pdf_pages=settings.max_pdf_pages)
    parsed = reader(data, source)
    fields, side_problem = _sidecar(file, *side)
    if side_problem:
        parsed.problems.append(side_problem)
    parsed.drafts = [_with_sidecar(d, fields, file.display, parsed.problems) for d in parsed.drafts]
    return parsed


def _read_file(file: _File, settings: Settings, index: CorpusIndex | None = None) -> Parsed:
    suffix = Path(file.rel).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        known = ", ".join(sorted(READERS))
        message = f"unknown extension {suffix or '(none)'!r}; expected one of {known}"
        return Parsed(problems=[Problem(file.display, message)])
    if index is None:
        data, problem = _read_bytes(file, settings.max_file_bytes)
        if data is None:
            return Parsed(problems=[problem] if problem else [])
        return _parse(file, reader, data, _sidecar_bytes(file, settings.max_file_bytes), settings)
    # with an index: unchanged stat -> the last result; changed stat but the same bytes -> no parsing
    key = CorpusIndex.key(file.display, file.rel)
    read_at = time.time_ns()
    here, side_here = stat_key(file.path), stat_key(_sidecar_path(file))
    entry = index.previous.get(key)
    if entry is not None and entry.trusted and here is not None and (entry.stat, entry.side_stat) == (here, side_here):
        index.current[key] = entry
        index.reused += 1
        return entry.parsed()
    data, problem = _read_bytes(file, settings.max_file_bytes)
    if data is None:
        return Parsed(problems=[problem] if problem else [])
    side = _sidecar_bytes(file, settings.max_file_bytes)
    if here is None:  # replaced while being read: not remembered
        return _parse(file, reader, data, side, settings)
    sha, side_sha = sha256_hex(data), None if side[0] is None else sha256_hex(side[0])
    if entry is not None and (entry.sha256, entry.side_sha256) == (sha, side_sha) and side[1] is None:
        parsed = entry.parsed()
        index.reused += 1
    else:
        parsed = _parse(file, reader, data, side, settings)
        index.parsed += 1
    if side[1] is None:  # a sidecar that could not be read is never remembered
        trusted = not (racy(here, read_at) or racy(side_here, read_at))
        index.current[key] = FileEntry(here, sha, side_here, side_sha, trusted, tuple(parsed.drafts),
                                       tuple(parsed.problems))
    return parsed


def read_corpus(paths: Sequence[Path], settings: Settings, index: CorpusIndex | None = None) -> CorpusResult:
    """Reads every document under ``paths``; bad inputs become problems and the rest still loads.

    ``index``: what the last build's reading gave (:mod:`kg.corpus_index`); files whose stat or bytes are
    unchanged are not parsed again, and ``index.current`` receives this reading's entries.
    Raises InputError only when a path given does not exist.
    """
    documents: dict[str, Document] = {}
    problems: list[Problem] = []
    for arg in paths:
        if not arg.exists():
            raise InputError(f"{arg}: no such file or folder; pass corpus files or folders")
        for file in _walk(arg):
            parsed = _read_file(file, settings, index)
            problems.extend(parsed.problems)
            for draft in parsed.drafts:
                doc_id = draft.record_id or str(PurePosixPath(file.rel).with_suffix(""))
                if not draft.text.strip():
                    problems.append(Problem(file.display, "no text after extraction", draft.line))
                    continue
                if doc_id in documents:
                    first = documents[doc_id].path
                    message = f"duplicate document id {doc_id!r} (first in {first}); skipped"
                    problems.append(Problem(file.display, message, draft.line))
                    continue
                documents[doc_id] = Document(
                    id=doc_id, path=file.rel, format=draft.format, text=draft.text, sha256=draft.sha256,
                    url=draft.url, title=draft.title, publisher=draft.publisher, date=draft.date,
                    authors=draft.authors, page_starts=draft.page_starts,
                )
    ordered = tuple(documents[k] for k in sorted(documents))
    counts = Counter(d.format for d in ordered)
    return CorpusResult(
        documents=ordered,
        problems=tuple(sorted(problems, key=lambda p: (p.path, p.line or 0))),
        by_format={k: counts[k] for k in sorted(counts)},
    )
