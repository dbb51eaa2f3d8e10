"""HTML (``.html``/``.htm``): main text and metadata through trafilatura, with DTD entity tricks refused first.

trafilatura parses with lxml's HTML parser, which does not expand entities declared in a DOCTYPE; we still
refuse any document that declares entities (XXE, "billion laughs") so no later change in a library can make
them dangerous, and the user learns the file is suspicious.
"""

from __future__ import annotations

import re
from typing import Any

import trafilatura

from kg.ingest.common import Draft, Parsed, Source, clean_text, one_line, read_meta, sha256_hex

_ENTITY_DECL = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^>\[]*\[", re.IGNORECASE)

# trafilatura's output tree: block elements become paragraphs, items of a list or rows of a table one a line
_BLOCKS = {"head", "p", "quote", "code", "item", "row"}


def declares_entities(data: bytes) -> bool:
    """True when the bytes (as UTF-8/ASCII-compatible or UTF-16 text) declare DTD entities."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    return bool(_ENTITY_DECL.search(data) or _INTERNAL_SUBSET.search(data))


def _block_text(element: Any) -> str:  # an lxml element of trafilatura's output tree
    """The text of one block; ``<lb/>`` and nested blocks start a new line, other whitespace collapses."""
    parts: list[str] = []
    for node in element.iter():
        if node is not element and (node.tag == "lb" or node.tag in _BLOCKS):
            parts.append("\n")
        if node.text and node.tag != "lb":
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    lines = (one_line(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def tree_to_text(body: Any) -> str:
    """Paragraphs separated by a blank line; list items (``- ``) and table rows (cells joined by `` | ``)."""
    out: list[str] = []

    def emit(text: str, tight: bool) -> None:
        if text:
            if out:
                out.append("\n" if tight else "\n\n")
            out.append(text)

    for block in body:
        tag = block.tag
        if tag == "list":
            items = [_block_text(item) for item in block.iter("item")]
            for i, text in enumerate(t for t in items if t):
                emit(f"- {text}", tight=i > 0)
        elif tag == "table":
            rows = [" | ".join(_block_text(cell) for cell in row.iter("cell")) for row in block.iter("row")]
            for i, text in enumerate(r for r in rows if r.strip(" |")):
                emit(text, tight=i > 0)
        else:
            emit(_block_text(block), tight=False)
    return "".join(out)


def read_html(data: bytes, source: Source) -> Parsed:
    out = Parsed()
    if declares_entities(data):
        out.problems.append(
            source.problem("refused: declares DTD entities (possible XXE or billion-laughs attack); remove the DOCTYPE")
        )
        return out
    result = trafilatura.bare_extraction(
        data,
        url=None,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    body = getattr(result, "body", None) if result is not None else None
    text = clean_text(tree_to_text(body)) if body is not None else ""
    if not text:
        out.problems.append(source.problem("no main text found in this HTML page; is it an article?"))
        return out
    complaints: list[str] = []
    author = getattr(result, "author", None)
    meta = read_meta(
        {
            "title": getattr(result, "title", None),
            "url": getattr(result, "url", None),
            "publisher": getattr(result, "sitename", None),
            "date": getattr(result, "date", None),
            "authors": author,
        },
        complaints,
    )
    if complaints:
        out.problems.append(source.problem("; ".join(complaints)))
    out.drafts.append(
        Draft(format="html", text=text, sha256=sha256_hex(data), url=meta.url,
              title=meta.title, publisher=meta.publisher, date=meta.date, authors=meta.authors)
    )
    return out
