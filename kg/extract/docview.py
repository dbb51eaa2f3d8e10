"""What the relation and claim rules read about one parsed doc, computed once per doc and shared by both.

* ``text`` — the doc's text, taken from the document (a slice at ``offset``), never rebuilt from the tokens
  (``Doc.text`` joins every token on each access);
* ``orth``, ``lower``, ``lemma``, ``space``, ``punct``, ``alpha``, ``pos``, ``tag``, ``dep``, ``head``,
  ``children``, ``idx``, ``length`` — plain per-token lists, read with one ``Doc.to_array``: rules test these
  before they create ``Token`` objects (each ``doc[i]`` builds a new Python object, each attribute a string lookup);
* ``units`` — sentence units (kg/extract/spans.py) and, per token, the index of its unit (-1 outside any).

The view is cached in ``doc.user_data`` (dropped by :func:`kg.extract.annotations.forget`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.attrs import DEP, HEAD, IDX, IS_ALPHA, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH, POS, SENT_START, TAG
from spacy.tokens import Doc

from kg.extract.annotations import MENTIONS_KEY, VIEW_KEY
from kg.extract.spans import MentionIndex, Unit, units
from kg.records import Entity


@dataclass(frozen=True)
class DocView:
    text: str
    offset: int  # document offset of the doc's first character
    orth: list[str]  # token texts
    lower: list[str]
    lemma: list[str]  # lower-cased lemmas
    space: list[bool]
    punct: list[bool]
    alpha: list[bool]
    pos: list[str]
    tag: list[str]
    dep: list[str]
    head: list[int]  # index of the token's head (itself at a root)
    children: list[list[int]]  # each token's children in text order (as ``Token.children`` gives them)
    units: list[Unit]
    unit_of: list[int]
    idx: list[int]  # each token's character offset in ``text``
    length: list[int]  # each token's length in characters

    def roots(self, first: int, last: int) -> list[int]:
        """Tokens of ``first..last`` whose head lies outside that range (or who are their own head)."""
        head = self.head
        return [i for i in range(first, last + 1) if head[i] == i or not first <= head[i] <= last]

    def words(self, first: int, last: int) -> int:
        """Tokens of ``first..last`` that are neither punctuation nor whitespace."""
        punct, space = self.punct, self.space
        return sum(1 for i in range(first, last + 1) if not punct[i] and not space[i])

    def tokens_text(self, doc: Doc, first: int, last: int) -> str:
        """The text of tokens ``first..last`` (inclusive; ``last`` clipped to the doc), as ``doc[a:b].text``
        gives it, sliced from ``text`` instead of joined from the tokens."""
        last = min(last, len(doc) - 1)
        if last < first:
            return ""
        idx = self.idx
        return self.text[idx[first] : idx[last] + self.length[last]]


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
    orth, lower, lemma, space, punct, alpha, pos, tag, dep, head, starts, idx, length = _columns(doc)
    children: list[list[int]] = [[] for _ in head]
    for i, h in enumerate(head):
        if h != i:
            children[h].append(i)
    found = _units(doc, starts, orth, space) if len(starts) > 1 else units(doc)
    unit_of = [-1] * len(doc)
    for unit in found:
        for i in range(unit.first, unit.last + 1):
            unit_of[i] = unit.index
    view = DocView(text, offset, orth, lower, lemma, space, punct, alpha, pos, tag, dep, head, children, found, unit_of,
                   idx, length)
    doc.user_data[VIEW_KEY] = (len(doc), document_text, offset, view)
    return view


_COLUMNS = [ORTH, LOWER, LEMMA, POS, TAG, DEP, IS_SPACE, IS_PUNCT, IS_ALPHA, HEAD, SENT_START, IDX, LENGTH]
_Columns = tuple[list[str], list[str], list[str], list[bool], list[bool], list[bool], list[str], list[str],
                 list[str], list[int], list[int], list[int], list[int]]


def _columns(doc: Doc) -> _Columns:
    """The per-token lists of :class:`DocView` (and the sentence starts, as ``Doc.sents`` reads them) from one
    ``Doc.to_array`` call: no ``Token`` object per token; each distinct string is looked up once."""
    if len(doc) == 0:
        return [], [], [], [], [], [], [], [], [], [], [0], [], []
    arr = doc.to_array(_COLUMNS)  # unsigned: string hashes as they are; HEAD and SENT_START signed below
    strings = doc.vocab.strings

    def texts(column: list[int], fold: bool = False) -> list[str]:
        found = {h: strings[h] for h in set(column)}
        if fold:
            found = {h: text.lower() for h, text in found.items()}
        return [found[h] for h in column]

    cols = arr.T.tolist()
    signed = arr[:, 9:11].astype("int64").T.tolist()  # head offsets; sentence starts 1, others -1 or 0
    head = [i + rel for i, rel in enumerate(signed[0])]
    starts = [0, *(i for i, flag in enumerate(signed[1]) if flag == 1 and i)]
    space, punct, alpha = ([bool(flag) for flag in col] for col in cols[6:9])
    return (texts(cols[0]), texts(cols[1]), texts(cols[2], fold=True), space, punct, alpha, texts(cols[3]),
            texts(cols[4]), texts(cols[5]), head, starts, cols[11], cols[12])


def _units(doc: Doc, starts: list[int], orth: list[str], space: list[bool]) -> list[Unit]:
    """:func:`kg.extract.spans.units` from the plain lists (same units, no Token objects but one per sentence)."""
    found: list[Unit] = []
    paragraph = 0
    ends = [*starts[1:], len(doc)]

    def append(first: int, last: int) -> None:
        while last > first and space[last]:
            last -= 1
        if not space[first]:
            found.append(Unit(len(found), first, last, paragraph))

    for sent_start, sent_end in zip(starts, ends, strict=True):
        start: int | None = None
        for i in range(sent_start, sent_end):
            if space[i]:
                if "\n" in orth[i]:
                    if start is not None:
                        append(start, i - 1)
                        start = None
                    paragraph += 1
                continue
            if start is None:
                start = i
        if start is not None:
            append(start, sent_end - 1)
        if "\n" in doc[sent_end - 1].whitespace_:
            paragraph += 1
    return found


def mention_index(
    doc: Doc, entities: Sequence[Entity], offset: int = 0, heads: Sequence[int] | None = None
) -> MentionIndex:
    """The :class:`kg.extract.spans.MentionIndex` of ``entities`` on ``doc``, built once for the same entities
    (the same sequence object) and offset, then cached on the doc."""
    cached = doc.user_data.get(MENTIONS_KEY)
    if isinstance(cached, tuple) and len(cached) == 4:
        length, held, at, index = cached
        if length == len(doc) and held is entities and at == offset and isinstance(index, MentionIndex):
            return index
    index = MentionIndex(doc, entities, offset, heads)
    doc.user_data[MENTIONS_KEY] = (len(doc), entities, offset, index)
    return index


__all__ = ["DocView", "doc_text", "doc_view", "made_from", "mention_index"]
