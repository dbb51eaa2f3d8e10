"""Markdown (``.md``): optional YAML front matter for metadata; the body is rendered to plain text."""

from __future__ import annotations

import re

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kg.ingest.common import Draft, Parsed, Source, clean_text, read_meta, sha256_hex
from kg.ingest.text import decode

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def split_front_matter(text: str) -> tuple[str | None, str]:
    """``(yaml_or_None, body)``; the front matter must open on the very first line with ``---``."""
    match = _FRONT.match(text)
    if not match:
        return None, text
    return match.group(1) or "", text[match.end() :]


def _inline(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "softbreak":
            parts.append(" ")
        elif child.type == "hardbreak":
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


def markdown_to_text(body: str) -> str:
    """Plain text with one block a paragraph (blank line between), list items one a line with ``- ``."""
    md = MarkdownIt("commonmark").enable("table")
    blocks: list[tuple[str, int]] = []  # (text, group): consecutive blocks of one list or table share a group
    lists: list[list[int]] = []  # per open list: [next ordinal or -1 for bullets]
    prefix = ""
    row: list[str] = []
    in_cell = False
    groups = 0
    for token in md.parse(body):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open", "table_open"):
            groups += 1
        if kind in ("bullet_list_open", "ordered_list_open"):
            start = token.attrGet("start")
            lists.append([int(start) if isinstance(start, int | str) and str(start).isdigit() else 1]
                         if kind == "ordered_list_open" else [-1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            ordinal = lists[-1][0]
            prefix = "- " if ordinal < 0 else f"{ordinal}. "
            if ordinal >= 0:
                lists[-1][0] += 1
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "inline" and in_cell:
            row.append(_inline(token).strip())
        elif kind == "inline":
            text = _inline(token).strip()
            if text:
                blocks.append((prefix + text, groups if prefix else 0))
            prefix = ""
        elif kind == "tr_close":
            if row:
                blocks.append((" | ".join(row), groups))
            row = []
        elif kind in ("fence", "code_block"):
            blocks.append((token.content.rstrip("\n"), 0))
        elif kind == "html_block":
            text = _TAG.sub(" ", token.content).strip()
            if text:
                blocks.append((text, 0))
    out: list[str] = []
    for i, (text, group) in enumerate(blocks):
        if i:
            out.append("\n" if group and group == blocks[i - 1][1] else "\n\n")
        out.append(text)
    return "".join(out)


def read_md(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    decoded = decode(data)
    if decoded.text is None:
        out.problems.append(source.problem(decoded.error or "cannot decode"))
        return out
    front, body = split_front_matter(decoded.text.replace("\r\n", "\n"))
    fields: dict[str, object] = {}
    if front is not None:
        try:
            loaded = yaml.safe_load(front)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            line = mark.line + 2 if mark is not None else None
            out.problems.append(source.problem(f"front matter is not valid YAML ({one_problem(err)}); fix it", line))
            return out
        if loaded is not None and not isinstance(loaded, dict):
            out.problems.append(source.problem("front matter must be a YAML mapping (key: value lines); fix it"))
            return out
        fields = {str(k): v for k, v in (loaded or {}).items()}
    complaints: list[str] = []
    meta = read_meta(fields, complaints)
    if decoded.warning:
        complaints.insert(0, decoded.warning)
    if complaints:
        out.problems.append(source.problem("; ".join(complaints)))
    text = clean_text(markdown_to_text(body))
    out.drafts.append(
        Draft(format="md", text=text, sha256=sha256_hex(data), url=meta.url, title=meta.title,
              publisher=meta.publisher, date=meta.date, authors=meta.authors)
    )
    return out


def one_problem(err: yaml.YAMLError) -> str:
    problem = getattr(err, "problem", None)
    return str(problem) if problem else type(err).__name__
