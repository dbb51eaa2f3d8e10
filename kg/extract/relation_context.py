"""State shared by the relation rules of one doc: mentions, units, entity resolution, type checks, results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Token

from kg.extract.spans import Located, MentionIndex, Unit, is_a, pattern_data, root_class, units
from kg.records import Document, Entity

PRONOUNS = frozenset({"it", "this", "its"})
RELATIVE_PRONOUNS = frozenset({"which", "that", "who", "whom"})


@dataclass(frozen=True)
class Signature:
    domain: tuple[str, ...] | None
    range: tuple[str, ...] | None


@dataclass(frozen=True)
class RelationData:
    """The parts of kg/patterns/relations.json every rule needs."""

    raw: dict[str, Any]
    signatures: dict[str, Signature]
    symmetric: frozenset[str]
    hedge_factor: float
    resolution_factor: float
    report_nouns: frozenset[str]
    generic_nouns: frozenset[str]
    anaphors: dict[str, tuple[str, ...]]
    anaphor_window: int


def _types(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    assert isinstance(value, list)
    return tuple(str(v) for v in value)


@lru_cache(maxsize=1)
def relation_data() -> RelationData:
    raw = pattern_data("relations")
    sigs = {
        name: Signature(_types(sig.get("domain")), _types(sig.get("range"))) for name, sig in raw["signatures"].items()
    }
    return RelationData(
        raw=raw,
        signatures=sigs,
        symmetric=frozenset(raw["symmetric"]),
        hedge_factor=float(raw["hedge_factor"]),
        resolution_factor=float(raw["resolution_factor"]),
        report_nouns=frozenset(str(n).lower() for n in raw["report_nouns"]),
        generic_nouns=frozenset(str(n).lower() for n in raw["generic_nouns"]),
        anaphors={str(k).lower(): tuple(v) for k, v in raw["anaphors"].items()},
        anaphor_window=int(raw["anaphor_window_units"]),
    )


@dataclass(frozen=True)
class Resolved:
    """A token resolved to an entity: the tokens that name it and how sure the resolution is."""

    entity: Entity
    first: int
    last: int
    factor: float = 1.0


@dataclass(frozen=True)
class Found:
    subject: Entity
    predicate: str
    object: Entity
    first: int  # evidence: first token
    last: int  # evidence: last token (inclusive)
    rule: str
    confidence: float


class Context:
    """Everything the rules read about one doc, and the relations found so far (in text order)."""

    def __init__(self, doc: Doc, document: Document, entities: Sequence[Entity], offset: int) -> None:
        self.doc = doc
        self.document = document
        self.offset = offset
        self.data = relation_data()
        self.index = MentionIndex(doc, entities, offset)
        self.units = units(doc)
        self._unit_of: list[int] = [-1] * len(doc)
        for unit in self.units:
            for i in range(unit.first, unit.last + 1):
                self._unit_of[i] = unit.index
        self._topics: dict[int, Resolved | None] = {}
        self.found: list[Found] = []

    # units --------------------------------------------------------------
    def unit_of(self, tok: Token) -> Unit | None:
        u = self._unit_of[tok.i]
        return self.units[u] if u >= 0 else None

    def same_unit(self, *toks: Token) -> bool:
        ids = {self._unit_of[t.i] for t in toks}
        return len(ids) == 1 and -1 not in ids

    def is_question(self, unit: Unit) -> bool:
        return self.doc[unit.last].text == "?" or (
            self.doc[unit.last].is_punct and unit.last > unit.first and self.doc[unit.last - 1].text == "?"
        )

    # resolution ---------------------------------------------------------
    def resolve(self, tok: Token, *, pronouns: bool = False) -> Resolved | None:
        """The entity ``tok`` names: its mention, a named compound or apposition of a generic noun
        ("the Qwen model", "the startup DeepSeek"), the document's report for a bare "the report", or,
        with ``pronouns``, the previous sentence's subject for "it"."""
        loc = self.index.at(tok.i)
        if loc is not None:
            return Resolved(loc.entity, loc.first, loc.last)
        lemma = tok.lemma_.lower()
        if tok.pos_ in ("NOUN", "PROPN") and (lemma in self.data.generic_nouns or lemma in self.data.report_nouns):
            for child in tok.children:
                if child.dep_ in ("compound", "appos", "nmod") and (named := self.index.at(child.i)) is not None:
                    return Resolved(named.entity, min(named.first, tok.i), max(named.last, tok.i))
        if lemma in self.data.report_nouns and self._bare_reference(tok):
            report = self.index.salient("Report")
            if report is not None:
                first = min([tok.i] + [c.i for c in tok.children if c.dep_ in ("det", "amod") and c.i < tok.i])
                return Resolved(report, first, tok.i, self.data.resolution_factor)
        if pronouns and tok.lower_ in PRONOUNS and tok.dep_ in ("nsubj", "nsubjpass", "poss"):
            unit = self.unit_of(tok)
            if unit is not None and unit.index > 0:
                topic = self.topic(unit.index - 1)
                if topic is not None:
                    return Resolved(topic.entity, tok.i, tok.i, topic.factor * self.data.resolution_factor)
        return None

    def _bare_reference(self, tok: Token) -> bool:
        """"the report", "this analysis": definite, with no organisation or name of its own."""
        definite = False
        for child in tok.children:
            if child.dep_ == "det":
                definite = child.lower_ in ("the", "this", "that", "these", "its", "their")
            elif child.dep_ in ("compound", "poss", "nmod", "appos") and child.pos_ in ("PROPN", "NOUN", "PRON"):
                if child.pos_ == "PROPN" or child.dep_ == "poss":
                    return False
            elif child.dep_ == "prep" and child.lower_ in ("by", "from", "of"):
                return False
        return definite

    def topic(self, unit_index: int) -> Resolved | None:
        """The resolved subject of a unit's main clause (what "it" in the next sentence refers to)."""
        if unit_index in self._topics:
            return self._topics[unit_index]
        self._topics[unit_index] = None  # guards against cycles
        unit = self.units[unit_index]
        result: Resolved | None = None
        for i in range(unit.first, unit.last + 1):
            tok = self.doc[i]
            if tok.head.i == tok.i or not unit.first <= tok.head.i <= unit.last:
                for child in tok.children:
                    if child.dep_ in ("nsubj", "nsubjpass") and unit.first <= child.i <= unit.last:
                        result = self.resolve(child, pronouns=True)
                        break
                break
        self._topics[unit_index] = result
        return result

    def antecedent(self, noun: Token, before: int) -> Located | None:
        """The nearest mention before token ``before`` whose class fits the anaphoric noun ("the university")."""
        wanted = self.data.anaphors.get(noun.lemma_.lower())
        unit = self.unit_of(noun)
        if not wanted or unit is None:
            return None
        first_unit = self.units[max(0, unit.index - self.data.anaphor_window)]
        for loc in reversed(self.index.in_range(first_unit.first, before - 1, nested=True)):
            if is_a(loc.type, wanted):
                return loc
        return None

    # results ------------------------------------------------------------
    def admit(
        self,
        subject: Entity,
        predicate: str,
        obj: Entity,
        subject_types: Sequence[str] | None = None,
        object_types: Sequence[str] | None = None,
        *,
        same_root: bool = False,
    ) -> bool:
        """Whether the ontology's signature and the rule's own types allow this relation."""
        if subject.id == obj.id:
            return False
        sig = self.data.signatures.get(predicate)
        if sig is None:
            return False
        if not (is_a(subject.type, sig.domain) and is_a(obj.type, sig.range)):
            return False
        if not (is_a(subject.type, subject_types) and is_a(obj.type, object_types)):
            return False
        return not (same_root and root_class(subject.type) != root_class(obj.type))

    def add(
        self, subject: Entity, predicate: str, obj: Entity, first: int, last: int, rule: str, confidence: float
    ) -> None:
        self.found.append(Found(subject, predicate, obj, first, last, rule, round(min(confidence, 1.0), 3)))

    def earlier(self, subject: Entity, predicate: str, *, before: int, units_back: int = 1) -> list[Found]:
        """Relations found so far with this subject and predicate, in the sentence of token ``before`` (ending
        before it) or in the ``units_back`` sentences before that."""
        unit = self._unit_of[before]
        return [
            f
            for f in self.found
            if f.predicate == predicate
            and f.subject.id == subject.id
            and f.last < before
            and unit - units_back <= self._unit_of[f.first] <= unit
        ]


__all__ = [
    "PRONOUNS",
    "RELATIVE_PRONOUNS",
    "Context",
    "Found",
    "RelationData",
    "Resolved",
    "Signature",
    "relation_data",
]
