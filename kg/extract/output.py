"""`kg extract` output: extraction records as a JSON list or JSON Lines, to a stream or atomically to a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

from kg.config import Settings
from kg.corpus import read_corpus
from kg.errors import InputError
from kg.extract.pipeline import extract_documents
from kg.records import Problem
from kg.serialize import extraction_to_dict

Format = Literal["json", "jsonl"]
FORMATS: tuple[Format, ...] = ("json", "jsonl")


def extract_records(
    paths: Sequence[Path],
    settings: Settings,
    *,
    workers: int = 1,
    warn: Callable[[Problem], None] | None = None,
    progress: Callable[[int], None] | None = None,
    total: Callable[[int], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Read ``paths`` (files or folders), extract every document, yield one `kg extract` record each.

    ``warn`` receives each problem with an input (the rest still loads); ``total`` the number of documents.
    """
    corpus = read_corpus(list(paths), settings)
    for problem in corpus.problems:
        if warn is not None:
            warn(problem)
    if total is not None:
        total(len(corpus.documents))
    for extraction in extract_documents(corpus.documents, settings, workers=workers, progress=progress):
        yield extraction_to_dict(extraction)


def dump_records(records: Iterable[dict[str, Any]], fmt: Format, stream: TextIO) -> int:
    """Write ``records`` to ``stream``: ``json`` a list (2-space indent), ``jsonl`` one record a line."""
    count = 0
    if fmt == "jsonl":
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    stream.write("[")
    for record in records:
        body = json.dumps(record, ensure_ascii=False, indent=2)
        stream.write(("\n" if count == 0 else ",\n") + "\n".join("  " + line for line in body.splitlines()))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    return count


def check_output(out: Path, inputs: Sequence[Path]) -> None:
    """Refuse an output path inside an input folder (a later run would read it back as a document)."""
    target = out.resolve()
    for path in inputs:
        folder = path.resolve()
        if folder.is_dir() and folder in target.parents:
            raise InputError(f"{out}: is inside the corpus folder {path}; write the output somewhere else")
        if folder == target:
            raise InputError(f"{out}: is one of the inputs; write the output somewhere else")
    if target.is_dir():
        raise InputError(f"{out}: is a folder; give a file name for -o")


def write_records(records: Iterable[dict[str, Any]], fmt: Format, out: Path) -> int:
    """Write ``records`` to ``out`` through a temporary file in the same folder, then ``os.replace``: a failed
    run leaves any earlier output untouched."""
    folder = out.resolve().parent
    if not folder.is_dir():
        raise InputError(f"{out}: folder {folder} does not exist; create it first")
    handle, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            count = dump_records(records, fmt, stream)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


__all__ = ["FORMATS", "Format", "check_output", "dump_records", "extract_records", "write_records"]
