"""JSON records: ``.json`` (one record, or a list of records) and ``.jsonl`` (one record a line).

Fields: ``text`` is required and ``id`` is required in ``.jsonl`` (a ``.json`` file holding one record may
leave it out: the path gives the id); ``url``, ``title``, ``publisher``, ``date`` (ISO 8601) and
``authors`` are optional. Each bad record is one problem naming the line (``.jsonl``) or index (``.json``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from kg.ingest.common import Draft, Parsed, Source, clean_text, read_meta, sha256_hex


def canonical_sha256(record: dict[str, Any]) -> str:
    blob = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return sha256_hex(blob.encode("utf-8"))


def _record(record: object, fmt: str, sha: str, id_required: bool, where: str) -> tuple[Draft | None, str | None]:
    """A draft, or the reason the record is refused (second item is a warning when the draft is kept)."""
    if not isinstance(record, dict):
        return None, f"{where} is not a JSON object"
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, f"{where} has no 'text' (a non-empty string is required)"
    raw_id = record.get("id")
    record_id: str | None = None
    if isinstance(raw_id, str) and raw_id.strip() and raw_id == raw_id.strip() and "\n" not in raw_id:
        record_id = raw_id
    elif isinstance(raw_id, int) and not isinstance(raw_id, bool):
        record_id = str(raw_id)
    elif raw_id is not None:
        return None, f"{where} has an 'id' that is not a non-empty string without surrounding spaces"
    elif id_required:
        return None, f"{where} has no 'id' (required in .jsonl files)"
    complaints: list[str] = []
    meta = read_meta(record, complaints)
    draft = Draft(format=fmt, text=clean_text(text), sha256=sha, record_id=record_id, url=meta.url,
                  title=meta.title, publisher=meta.publisher, date=meta.date, authors=meta.authors)
    return draft, (f"{where}: " + "; ".join(complaints)) if complaints else None


def read_jsonl(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            out.problems.append(source.problem("line is not UTF-8; save the file as UTF-8", number))
            continue
        except (ValueError, RecursionError) as err:
            out.problems.append(source.problem(f"line is not valid JSON ({_reason(err)}); fix or remove it", number))
            continue
        sha = canonical_sha256(record) if isinstance(record, dict) else ""
        draft, message = _record(record, "jsonl", sha, id_required=True, where="record")
        if message:
            out.problems.append(source.problem(message, number))
        if draft is not None:
            out.drafts.append(replace(draft, line=number))
    if not out.drafts and not out.problems:
        out.problems.append(source.problem("no records (only blank lines)"))
    return out


def read_json(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    try:
        loaded = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        out.problems.append(source.problem("not UTF-8; save the file as UTF-8"))
        return out
    except (ValueError, RecursionError) as err:
        out.problems.append(source.problem(f"not valid JSON ({_reason(err)}); fix it"))
        return out
    if isinstance(loaded, list):
        for index, record in enumerate(loaded):
            sha = canonical_sha256(record) if isinstance(record, dict) else ""
            draft, message = _record(record, "json", sha, id_required=True, where=f"record [{index}]")
            if message:
                out.problems.append(source.problem(message))
            if draft is not None:
                out.drafts.append(draft)
        if not loaded:
            out.problems.append(source.problem("an empty list: no records"))
        return out
    draft, message = _record(loaded, "json", sha256_hex(data), id_required=False, where="the record")
    if message:
        out.problems.append(source.problem(message))
    if draft is not None:
        out.drafts.append(draft)
    return out


def _reason(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} at column {err.colno}"
    return type(err).__name__
