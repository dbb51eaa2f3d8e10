"""What the relation and claim rules read about one parsed doc, computed once per doc and shared by both.

* ``text`` — the doc's text, taken from the document (a slice at ``offset``), never rebuilt from the tokens
  (``Doc.text`` joins every token on each access);
* ``lower``, ``lemma``, ``space`` — plain per-token lists, read in one pass: rules test these before they
  create ``Token`` objects (each ``doc[i]`` builds a new Python object);
* ``units`` — sentence units (kg/extract/spans.py) and, per token, the index of its unit (-1 outside any).

The view is cached in ``doc.user_data`` (dropped by :func:`kg.extract.annotations.forget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from kg.extract.annotations import MENTIONS_KEY, VIEW_KEY
from kg.extract.spans import MentionIndex, Unit, units
from kg.records import Entity


@dataclass(frozen=True)
class DocView:
    text: str
    offset: int  # document offset of the doc's first character
    lower: list[str]
    lemma: list[str]  # lower-cased lemmas
    space: list[bool]
    units: list[Unit]
    unit_of: list[int]

    def tokens_text(self, doc: Doc, first: int, last: int) -> str:
        """The text of tokens ``first..last`` (inclusive; ``last`` clipped to the doc), as ``doc[a:b].text``
        gives it, sliced from ``text`` instead of joined from the tokens."""
        last = min(last, len(doc) - 1)
        if last < first:
            return ""
        end = doc[last]
        return self.text[doc[first].idx : end.idx + len(end)]


def made_from(doc: Doc, text: str) -> bool:
    """Whether ``doc`` was made from ``text``: same length, and every 97th token (and the last) at its offset.

    A check, not a proof, that costs a few hundred token reads instead of rebuilding ``doc.text``."""
    if len(doc) == 0:
        return text == ""
    last = doc[-1]
    if last.idx + len(last.text_with_ws) != len(text):
        return False
    for i in range(0, len(doc), 97):
        tok = doc[i]
        if text[tok.idx : tok.idx + len(tok.text)] != tok.text:
            return False
    return text[last.idx : last.idx + len(last.text)] == last.text


def doc_text(doc: Doc, document_text: str, offset: int = 0) -> str | None:
    """The slice of ``document_text`` at ``offset`` that ``doc`` was made from, or None when it was not."""
    length = doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0
    text = document_text[offset : offset + length]
    return text if made_from(doc, text) else None


def doc_view(doc: Doc, document_text: str, offset: int = 0) -> DocView | None:
    """The view of ``doc`` (the spaCy Doc of ``document_text[offset:...]``), or None when the doc's text is not
    that slice. Built on first use, then cached on the doc."""
    cached = doc.user_data.get(VIEW_KEY)
    if isinstance(cached, tuple) and len(cached) == 4:
        length, source, at, view = cached
        if length == len(doc) and source is document_text and at == offset and isinstance(view, DocView):
            return view
    text = doc_text(doc, document_text, offset)
    if text is None:
        return None
    lower: list[str] = []
    lemma: list[str] = []
    space: list[bool] = []
    for tok in doc:
        lower.append(tok.lower_)
        lemma.append(tok.lemma_.lower())
        space.append(tok.is_space)
    found = units(doc)
    unit_of = [-1] * len(doc)
    for unit in found:
        for i in range(unit.first, unit.last + 1):
            unit_of[i] = unit.index
    view = DocView(text, offset, lower, lemma, space, found, unit_of)
    doc.user_data[VIEW_KEY] = (len(doc), document_text, offset, view)
    return view


def mention_index(doc: Doc, entities: Sequence[Entity], offset: int = 0) -> MentionIndex:
    """The :class:`kg.extract.spans.MentionIndex` of ``entities`` on ``doc``, built once for the same entities
    (the same sequence object) and offset, then cached on the doc."""
    cached = doc.user_data.get(MENTIONS_KEY)
    if isinstance(cached, tuple) and len(cached) == 4:
        length, held, at, index = cached
        if length == len(doc) and held is entities and at == offset and isinstance(index, MentionIndex):
            return index
    index = MentionIndex(doc, entities, offset)
    doc.user_data[MENTIONS_KEY] = (len(doc), entities, offset, index)
    return index


__all__ = ["DocView", "doc_text", "doc_view", "made_from", "mention_index"]
