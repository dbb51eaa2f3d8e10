"""Shared pieces of the format readers: the draft record, text clean-up and metadata checks."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kg.records import Problem


@dataclass(frozen=True)
class Source:
    """Where a file came from: ``display`` names it in problems, ``rel`` is relative to its corpus root."""

    display: str
    rel: str  # POSIX, relative to the corpus root
    max_chars: int  # extracted text longer than this is refused
    max_pdf_pages: int = 500

    def problem(self, message: str, line: int | None = None) -> Problem:
        return Problem(path=self.display, message=message, line=line)


@dataclass(frozen=True)
class Draft:
    """A document before it has an id: what a reader found in one file (or one record)."""

    format: str
    text: str
    sha256: str
    record_id: str | None = None  # json/jsonl: the record's own id
    line: int | None = None  # jsonl: 1-based line of the record
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()
    page_starts: tuple[int, ...] = ()


@dataclass
class Parsed:
    drafts: list[Draft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# C0 controls except tab and newline, DEL, C1 controls, and lone surrogates cannot be kept in RDF literals
# portably; each becomes one space so offsets into the cleaned text stay simple.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK = re.compile(r"\n{3,}")


def clean_text(text: str) -> str:
    """Normalise line ends, drop a BOM and control characters, trim trailing spaces and runs of blank lines."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _MANY_BLANK.sub("\n\n", text)
    return text.strip()


_WS = re.compile(r"\s+")


def one_line(value: str) -> str:
    return _WS.sub(" ", value).strip()


_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\"{}|\\^`]+$")


@dataclass(frozen=True)
class Meta:
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: str | None = None
    authors: tuple[str, ...] = ()


def iso_date(value: object) -> str | None:
    """An ISO 8601 date or timestamp as a string, or None when ``value`` is not one."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text).isoformat()
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text if "T" in text else parsed.isoformat()


def read_meta(fields: Mapping[str, object], complain: list[str]) -> Meta:
    """Checks the optional metadata fields; each bad one is dropped and described in ``complain``."""

    def text_field(key: str) -> str | None:
        value = fields.get(key)
        if value is None:
            return None
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            cleaned = one_line(str(value))
            return cleaned or None
        complain.append(f"'{key}' must be a string, ignored")
        return None

    url = text_field("url")
    if url is not None and not _URL.match(url):
        complain.append(f"'url' {url!r} is not an absolute URL, ignored")
        url = None
    raw_date = fields.get("date")
    date = iso_date(raw_date) if raw_date is not None else None
    if raw_date is not None and date is None:
        complain.append(f"'date' {raw_date!r} is not ISO 8601 (YYYY-MM-DD), ignored")
    raw_authors = fields.get("authors", fields.get("author"))
    authors: tuple[str, ...] = ()
    if isinstance(raw_authors, str):
        authors = tuple(a for a in (one_line(p) for p in raw_authors.split(";")) if a)
    elif isinstance(raw_authors, list) and all(isinstance(a, str) for a in raw_authors):
        authors = tuple(a for a in (one_line(str(p)) for p in raw_authors) if a)
    elif raw_authors is not None:
        complain.append("'authors' must be a list of strings, ignored")
    return Meta(url=url, title=text_field("title"), publisher=text_field("publisher"), date=date, authors=authors)
