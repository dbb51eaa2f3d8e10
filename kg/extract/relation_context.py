"""State shared by the relation rules of one doc: mentions, units, entity resolution, type checks, results."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from kg.extract.docview import DocView, mention_index
from kg.extract.relation_data import PRONOUNS, RelationData, RoleClass, Signature, relation_data
from kg.extract.relation_roles import grammatical_subjects
from kg.extract.spans import Located, Unit, is_a, root_class, with_conjuncts
from kg.records import Document, Entity


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

    def __init__(self, doc: Doc, document: Document, entities: Sequence[Entity], view: DocView) -> None:
        self.doc = doc
        self.document = document
        self.view = view
        self.offset = view.offset
        self.data = relation_data()
        self.text: str = view.text
        self.index = mention_index(doc, entities, view.offset, view.head)
        # plain per-token lists: rules test these before touching Token objects
        self.lemmas: list[str] = view.lemma
        self.lowers: list[str] = view.lower
        self._unit_hedge: dict[int, bool] = {}
        self.units = view.units
        self._unit_of: list[int] = view.unit_of
        self._topics: dict[int, Resolved | None] = {}
        self.found: list[Found] = []
        self._by_subject: dict[tuple[str, str], list[Found]] = {}  # (subject IRI, predicate) -> found
        self._starts: dict[tuple[str, str], list[tuple[int, int]]] = {}  # (predicate, object) -> (first, index), sorted

    # units --------------------------------------------------------------
    def unit_of(self, tok: Token) -> Unit | None:
        u = self._unit_of[tok.i]
        return self.units[u] if u >= 0 else None

    def same_unit(self, *toks: Token) -> bool:
        ids = {self._unit_of[t.i] for t in toks}
        return len(ids) == 1 and -1 not in ids

    def unit_text(self, unit: Unit) -> str:
        doc = self.doc
        return self.text[doc[unit.first].idx : doc[unit.last].idx + len(doc[unit.last])]

    def unit_hedged(self, unit: Unit) -> bool:
        """Whether the sentence carries a hedging phrase ("according to people familiar with ...")."""
        if unit.index not in self._unit_hedge:
            from kg.extract.modality import phrase_hedge

            self._unit_hedge[unit.index] = phrase_hedge(self.unit_text(unit)) is not None
        return self._unit_hedge[unit.index]

    def may_relate(self, unit: Unit) -> bool:
        """Whether a unit holds two or more things a rule could resolve to an entity: mentions, and words that
        resolve without one ("it", "its", "whose", "the report", "the company's"). A relation joins two
        different entities, so a unit with fewer has none; the rules skip it."""
        count = len(self.index.in_range(unit.first, unit.last, nested=True))
        if count >= 2:
            return True
        words, lemmas = self.data.referring_words, self.data.referring_lemmas
        for i in range(unit.first, unit.last + 1):
            if self.lowers[i] in words or self.lemmas[i] in lemmas:
                count += 1
                if count >= 2:
                    return True
        return False

    def is_question(self, unit: Unit) -> bool:
        orth = self.view.orth
        return orth[unit.last] == "?" or (
            self.view.punct[unit.last] and unit.last > unit.first and orth[unit.last - 1] == "?"
        )

    # resolution ---------------------------------------------------------
    def resolve(self, tok: Token, *, pronouns: bool = False) -> Resolved | None:
        """The entity ``tok`` names: its mention, a named compound or apposition of a generic noun
        ("the Qwen model", "the startup DeepSeek"), the document's report for a bare "the report", or,
        with ``pronouns``, the previous sentence's subject for "it"."""
        loc = self.index.at(tok.i)
        lemma = tok.lemma_.lower()
        generic = lemma in self.data.generic_nouns or lemma in self.data.report_nouns
        described = loc is None or not loc.mention.text[:1].isupper() or loc.mention.text.lower().startswith("the ")
        if tok.pos_ in ("NOUN", "PROPN") and generic and described:
            # "the model, Qwen-SEA-LION-v4": the name in apposition beats any resolution of "the model" itself
            for child in tok.children:
                deps = ("compound", "appos", "nmod", "amod") if loc is None else ("appos",)
                named = self.index.at(child.i) if child.dep_ in deps else None
                if named is not None and child.dep_ == "amod" and is_a(named.type, ["Place"]):
                    named = None  # "the Chinese model" is no model called China; "the Qwen3 family" is Qwen3
                if named is not None and (loc is None or not loc.first <= child.i <= loc.last):
                    return Resolved(named.entity, min(named.first, tok.i), max(named.last, tok.i))
        if loc is not None:
            return Resolved(loc.entity, loc.first, loc.last)
        if lemma in self.data.of_nouns or tok.lower_ in self.data.of_nouns:  # "ten variants of its ERNIE 4.5 family"
            for prep in tok.children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    for obj in prep.children:
                        if obj.dep_ == "pobj" and (res := self.resolve(obj)) is not None:
                            return Resolved(res.entity, min(res.first, tok.i), max(res.last, tok.i), res.factor)
        if lemma in self.data.report_nouns and self._bare_reference(tok):
            report = self.index.salient("Report")
            if report is not None:
                first = min([tok.i] + [c.i for c in tok.children if c.dep_ in ("det", "amod") and c.i < tok.i])
                return Resolved(report, first, tok.i, self.data.resolution_factor)
        if self.data.anaphors.get(lemma) == ("Policy",) and self._bare_reference(tok):
            policy = self._policy_antecedent(tok, lemma)  # "the code, published by the European Commission"
            if policy is not None:
                return Resolved(policy, tok.i, tok.i, self.data.resolution_factor)
        if pronouns and tok.lower_ in PRONOUNS and tok.dep_ in ("nsubj", "nsubjpass", "poss"):
            unit = self.unit_of(tok)
            if unit is not None and unit.index > 0:
                topic = self.topic(unit.index - 1)
                if topic is not None:
                    return Resolved(topic.entity, tok.i, tok.i, topic.factor * self.data.resolution_factor)
        return None

    def resolve_many(self, tok: Token, *, pronouns: bool = False) -> list[Resolved]:
        """Like ``resolve``; a plural generic noun with examples ("Chinese companies, including Zhipu AI")
        stands for the examples."""
        res = self.resolve(tok, pronouns=pronouns)
        if res is not None:
            return [res]
        found: list[Resolved] = []
        if tok.pos_ == "NOUN":
            for prep in tok.children:
                example = prep.lower_ in self.data.example_preps or (
                    prep.lower_ == "as" and any(c.lower_ == "such" for c in prep.children)
                )
                if prep.dep_ == "prep" and example:
                    for obj in prep.children:
                        if obj.dep_ == "pobj":
                            found += [r for t in with_conjuncts(obj) if (r := self.resolve(t)) is not None]
        return found

    def possessive_pronoun(self, tok: Token, wanted: Sequence[str]) -> Resolved | None:
        """"its"/"their"/"whose": the subject of the clause it sits in (or the noun "whose" hangs on), else the
        nearest earlier mention of a wanted class in the sentence, else the previous sentence's subject."""
        lower = tok.lower_
        if lower == "whose":
            cur = tok.head
            for _ in range(4):
                if cur.dep_ == "relcl":
                    res = self.resolve(cur.head)
                    return res if res is not None and is_a(res.entity.type, wanted) else None
                if cur.head.i == cur.i:
                    break
                cur = cur.head
            return None
        verb = tok.head
        for _ in range(6):
            if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i:
                break
            verb = verb.head
        for subj in grammatical_subjects(verb) if verb.pos_ in ("VERB", "AUX") else []:
            res = self.resolve(subj, pronouns=True)
            if res is not None and is_a(res.entity.type, wanted) and not res.first <= tok.i <= res.last:
                return Resolved(res.entity, tok.i, tok.i, res.factor * self.data.resolution_factor)
        unit = self.unit_of(tok)
        if unit is None:
            return None
        for loc in reversed(self.index.in_range(unit.first, tok.i - 1, nested=True)):
            # a demonym modifying a noun ("Southeast Asian language models") is nothing "its" refers to
            if is_a(loc.type, wanted) and self.index.head_of(loc).dep_ != "amod":
                return Resolved(loc.entity, tok.i, tok.i, self.data.resolution_factor)
        if unit.index > 0:
            topic = self.topic(unit.index - 1)
            if topic is not None and is_a(topic.entity.type, wanted):
                return Resolved(topic.entity, tok.i, tok.i, topic.factor * self.data.resolution_factor)
        return None

    def _policy_antecedent(self, noun: Token, lemma: str) -> Entity | None:
        """"the code" -> the nearest earlier policy named with that word ("... Code of Practice"), else the only
        policy of the last ``anaphor_window_units`` sentences."""
        unit = self.unit_of(noun)
        if unit is None:
            return None
        first = self.units[max(0, unit.index - self.data.anaphor_window)].first
        fitting = [loc for loc in self.index.in_range(first, noun.i - 1, nested=True) if is_a(loc.type, ["Policy"])]
        word = lemma.rstrip("s")
        named = [loc for loc in fitting if word in {w.rstrip("s") for w in loc.entity.name.lower().split()}]
        if named:
            return named[-1].entity
        return fitting[-1].entity if len({loc.entity.id for loc in fitting}) == 1 else None

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

    def antecedent(
        self, noun: Token, before: int, exclude: str | None = None, prefix_of: str | None = None
    ) -> Located | None:
        """What an anaphoric noun ("the university", "the group") refers to: among earlier mentions of a fitting
        class in the last ``anaphor_window_units`` sentences (not ``exclude``), the one whose name begins
        ``prefix_of`` if any, else the entity the document mentions most, the nearest on ties."""
        wanted = self.data.anaphors.get(noun.lemma_.lower())
        unit = self.unit_of(noun)
        if not wanted or unit is None:
            return None
        first_unit = self.units[max(0, unit.index - self.data.anaphor_window)]
        fitting = [
            loc
            for loc in self.index.in_range(first_unit.first, before - 1, nested=True)
            if is_a(loc.type, wanted) and loc.entity.id != exclude
        ]
        if not fitting:
            return None
        if prefix_of:  # "Alibaba Cloud, the group's cloud arm": the group whose name it carries
            named = [loc for loc in fitting if prefix_of.lower().startswith(loc.entity.name.lower() + " ")]
            fitting = named or fitting
        return max(fitting, key=lambda loc: (self.index.counts.get(loc.entity.id, 0), loc.first))

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
        found = Found(subject, predicate, obj, first, last, rule, round(min(confidence, 1.0), 3))
        self.found.append(found)
        self._by_subject.setdefault((subject.id, predicate), []).append(found)
        insort(self._starts.setdefault((predicate, obj.id), []), (first, len(self.found) - 1))

    def last_with_object_before(self, predicate: str, obj: Entity, before: int) -> Found | None:
        """Of the relations found so far with this predicate and object, the one starting last before token
        ``before`` (of several starting there, the one found first); a lookup, not a scan."""
        starts = self._starts.get((predicate, obj.id), [])
        at = bisect_left(starts, (before, -1))
        if at == 0:
            return None
        first = starts[at - 1][0]
        return self.found[starts[bisect_left(starts, (first, -1))][1]]

    def has_found(self, subject: Entity, predicates: Sequence[str]) -> bool:
        """Whether a relation with this subject and one of ``predicates`` was found so far."""
        return any((subject.id, p) in self._by_subject for p in predicates)

    def earlier(self, subject: Entity, predicate: str, *, before: int, units_back: int = 1) -> list[Found]:
        """Relations found so far with this subject and predicate, in the sentence of token ``before`` (ending
        before it) or in the ``units_back`` sentences before that."""
        unit = self._unit_of[before]
        return [
            f
            for f in self._by_subject.get((subject.id, predicate), [])
            if f.last < before
            and unit - units_back <= self._unit_of[f.first] <= unit
        ]


__all__ = [
    "PRONOUNS",
    "Context",
    "Found",
    "RelationData",
    "Resolved",
    "RoleClass",
    "Signature",
    "relation_data",
]
