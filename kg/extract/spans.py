"""Shared helpers for relations and claims: entity mentions on tokens, sentence units, pattern data.

Everything here maps between three coordinate systems:

* document offsets (``Document.text``; what records carry),
* ``doc`` character offsets (into the doc's text; equal to document offsets minus ``offset`` for a chunk),
* token indices of ``doc``.

A *unit* is a sentence of the parser cut at line breaks: headings, bullets and paragraphs never share a unit,
whatever the parser's sentence boundaries say.
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from spacy.tokens import Doc, Token

from kg.errors import InputError
from kg.records import Entity, Mention

ROOT_CLASSES = ("Organization", "Model", "Benchmark", "Place", "Person", "Report", "Policy")


@lru_cache(maxsize=16)
def pattern_data(name: str) -> dict[str, Any]:
    """The JSON object in ``kg/patterns/<name>.json`` (cached; treat it as read-only)."""
    resource = resources.files("kg").joinpath("patterns", f"{name}.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"kg/patterns/{name}.json: pattern file missing; reinstall policy-kg") from err
    except json.JSONDecodeError as err:
        raise InputError(f"kg/patterns/{name}.json: not valid JSON ({err}); fix the file") from err
    if not isinstance(data, dict):
        raise InputError(f"kg/patterns/{name}.json: expected a JSON object at the top level")
    return data


@lru_cache(maxsize=1)
def class_parents() -> dict[str, str]:
    """Ontology class -> its parent class below the disjoint roots (e.g. ``Lab -> Organization``)."""
    parents = pattern_data("relations")["class_parents"]
    return {str(k): str(v) for k, v in parents.items()}


def is_a(type_name: str, wanted: Sequence[str] | None) -> bool:
    """Whether an entity of class ``type_name`` fits one of ``wanted`` (``None`` or empty = anything)."""
    if not wanted:
        return True
    parents = class_parents()
    current: str | None = type_name
    while current is not None:
        if current in wanted:
            return True
        current = parents.get(current)
    return False


def root_class(type_name: str) -> str:
    parents = class_parents()
    current = type_name
    while current in parents:
        current = parents[current]
    return current


@dataclass(frozen=True)
class Located:
    """One entity mention placed on the tokens of ``doc``."""

    entity: Entity
    mention: Mention
    first: int  # first token index
    last: int  # last token index (inclusive)

    @property
    def type(self) -> str:
        return self.entity.type


class MentionIndex:
    """Entity mentions of one doc (or chunk), by token.

    Mentions may nest ("a new [Stanford University] report" is a mention of the report holding a mention of
    the university). ``at(i)`` gives the innermost mention on a token; ``mentions`` holds the outermost ones
    (no two overlap: longest first, then earliest), ``all`` every mention in text order.
    """

    def __init__(
        self, doc: Doc, entities: Sequence[Entity], offset: int = 0, heads: Sequence[int] | None = None
    ) -> None:
        self.doc = doc
        self.offset = offset
        self._heads = heads  # each token's head index, when the caller has them (saves Token objects)
        end_char = offset + (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0)
        candidates: list[tuple[int, int, str, Entity, Mention]] = []
        for ent in entities:
            for m in ent.mentions:
                if offset <= m.start < m.end <= end_char:
                    candidates.append((m.start, m.end, ent.id, ent, m))
        # longest first, then earliest, then IRI: deterministic whatever the input order
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0], c[2]))
        self._inner: list[Located | None] = [None] * len(doc)
        outer: list[Located | None] = [None] * len(doc)
        every: list[Located] = []
        top: list[Located] = []
        seen: set[tuple[int, int, str]] = set()
        for start, end, iri, ent, m in candidates:
            span = doc.char_span(start - offset, end - offset, alignment_mode="expand")
            if span is None or len(span) == 0 or (span.start, span.end, iri) in seen:
                continue
            seen.add((span.start, span.end, iri))
            loc = Located(ent, m, span.start, span.end - 1)
            every.append(loc)
            for i in range(span.start, span.end):
                self._inner[i] = loc  # shorter mentions come later and win
            if all(outer[i] is None for i in range(span.start, span.end)):
                top.append(loc)
                for i in range(span.start, span.end):
                    outer[i] = loc
        self.mentions: tuple[Located, ...] = tuple(sorted(top, key=lambda loc: loc.first))
        self.all: tuple[Located, ...] = tuple(sorted(every, key=lambda loc: (loc.first, -loc.last)))
        self._top_firsts = [loc.first for loc in self.mentions]
        self._all_firsts = [loc.first for loc in self.all]
        counts: dict[str, int] = {}
        for loc in self.all:
            counts[loc.entity.id] = counts.get(loc.entity.id, 0) + 1
        self.counts = counts
        self._salient: dict[str, Entity | None] = {}

    def at(self, i: int) -> Located | None:
        """The innermost mention covering token ``i``."""
        return self._inner[i] if 0 <= i < len(self._inner) else None

    def in_range(self, first: int, last: int, *, nested: bool = False) -> list[Located]:
        """Mentions wholly inside tokens ``first..last`` (inclusive), in text order; outermost ones only unless
        ``nested``."""
        pool, firsts = (self.all, self._all_firsts) if nested else (self.mentions, self._top_firsts)
        lo = bisect.bisect_left(firsts, first)
        hi = bisect.bisect_right(firsts, last)
        return [loc for loc in pool[lo:hi] if loc.last <= last]

    def head_of(self, loc: Located) -> Token:
        """The syntactic head of a mention: its token whose head lies outside it (else the last token)."""
        heads = self._heads
        if heads is not None:
            for i in range(loc.first, loc.last + 1):
                if not loc.first <= heads[i] <= loc.last or heads[i] == i:
                    return self.doc[i]
            return self.doc[loc.last]
        for i in range(loc.first, loc.last + 1):
            tok = self.doc[i]
            if not loc.first <= tok.head.i <= loc.last or tok.head.i == tok.i:
                return tok
        return self.doc[loc.last]

    def salient(self, type_name: str) -> Entity | None:
        """The entity of a class mentioned most often in this doc (ties: first mentioned); computed once per
        class."""
        if type_name in self._salient:
            return self._salient[type_name]
        best: tuple[int, int, Entity] | None = None
        for loc in self.all:
            if not is_a(loc.type, [type_name]):
                continue
            key = (self.counts[loc.entity.id], -loc.first, loc.entity)
            if best is None or key[:2] > best[:2]:
                best = key
        self._salient[type_name] = best[2] if best else None
        return self._salient[type_name]

    def chars(self, first: int, last: int) -> tuple[int, int]:
        """Document offsets covering tokens ``first..last`` (inclusive)."""
        start = self.doc[first].idx
        end = self.doc[last].idx + len(self.doc[last].text)
        return start + self.offset, end + self.offset


@dataclass(frozen=True)
class Unit:
    """A sentence cut at line breaks: tokens ``first..last`` (inclusive), never whitespace at either end."""

    index: int
    first: int
    last: int
    paragraph: int  # units on the same line share a paragraph number


def units(doc: Doc) -> list[Unit]:
    """Sentence units of ``doc`` in order (needs sentence boundaries: a parser or a sentencizer)."""
    found: list[Unit] = []
    paragraph = 0
    for sent in doc.sents:
        start: int | None = None
        for tok in sent:
            if tok.is_space:
                if "\n" in tok.text:
                    if start is not None:
                        _append(found, doc, start, tok.i - 1, paragraph)
                        start = None
                    paragraph += 1
                continue
            if start is None:
                start = tok.i
        if start is not None:
            _append(found, doc, start, sent.end - 1, paragraph)
        if "\n" in sent[-1].whitespace_:
            paragraph += 1
    return found


def _append(found: list[Unit], doc: Doc, first: int, last: int, paragraph: int) -> None:
    while last > first and doc[last].is_space:
        last -= 1
    if not doc[first].is_space:
        found.append(Unit(len(found), first, last, paragraph))


def subtree_range(tok: Token, unit: Unit) -> tuple[int, int]:
    """Token range of ``tok``'s subtree, clipped to its unit."""
    return max(tok.left_edge.i, unit.first), min(tok.right_edge.i, unit.last)


def children(tok: Token, *deps: str) -> Iterator[Token]:
    return (c for c in tok.children if c.dep_ in deps)


CONTRASTIVE = frozenset({"instead", "than", "rather", "not", "nor", "unlike", "except", "versus", "vs", "vs."})


def with_conjuncts(tok: Token) -> list[Token]:
    """``tok`` and the tokens coordinated with it ("Alibaba and Tencent"), not contrasted ones ("Qwen instead of
    Llama", "X rather than Y", "X, not Y")."""
    found = [tok]
    frontier = [tok]
    while frontier:
        cur = frontier.pop()
        for child in cur.children:
            if child.dep_ != "conj" or child in found:
                continue
            between = tok.doc[min(cur.i, child.i) + 1 : max(cur.i, child.i)]
            if any(t.lower_ in CONTRASTIVE for t in between if t.dep_ in ("cc", "preconj", "advmod", "neg", "prep")):
                continue
            found.append(child)
            frontier.append(child)
    return found


__all__ = [
    "CONTRASTIVE",
    "ROOT_CLASSES",
    "Located",
    "MentionIndex",
    "Unit",
    "children",
    "class_parents",
    "is_a",
    "pattern_data",
    "root_class",
    "subtree_range",
    "units",
    "with_conjuncts",
]
