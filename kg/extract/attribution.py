"""Who makes a claim: cues ("according to", "X said/found/argued"), speakers of quotes, report references.

Sources resolve, in order, to: the entity mentioned at the head of the source phrase (a person, an
organisation, a report); for "the report" / "the findings" / "Stanford's findings", the report the document is
about (a Report mention, else the most mentioned Report whose publishers fit an organisation named in the
phrase), else that organisation; for "it" / "they" / "the authors", the previous source; for "the company" /
"the university", the nearest earlier mention of that kind. Lexicons are in kg/patterns/claims.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Token

from kg.extract.docview import DocView
from kg.extract.modality import negation_cue
from kg.extract.spans import Located, MentionIndex, is_a, pattern_data
from kg.records import Entity
from kg.seed import SeedKB


@dataclass(frozen=True)
class ClaimLexicon:
    raw: dict[str, Any]
    verbs: frozenset[str]  # lemmas
    forms: dict[str, str]  # inflected form -> lemma
    needs: dict[str, frozenset[str]]
    hedging: frozenset[str]
    negating: frozenset[str]
    source_preps: tuple[tuple[str, ...], ...]
    backward: tuple[tuple[str, ...], ...]
    finding_nouns: frozenset[str]
    report_nouns: frozenset[str]
    author_nouns: frozenset[str]
    speaker_types: tuple[str, ...]
    pronoun_types: dict[str, tuple[str, ...]]
    org_anaphors: dict[str, tuple[str, ...]]
    anaphor_window: int
    member_nouns: frozenset[str]
    blocked_modifiers: frozenset[str]
    directive: frozenset[str]
    caveat_nouns: frozenset[str]


def _inflections(lemma: str) -> set[str]:
    if lemma.endswith("e"):
        return {lemma, lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    if lemma.endswith(("s", "sh", "ch", "x", "z")):
        return {lemma, lemma + "es", lemma + "ed", lemma + "ing"}
    if lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        return {lemma, lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    return {lemma, lemma + "s", lemma + "ed", lemma + "ing"}


@lru_cache(maxsize=1)
def claim_lexicon() -> ClaimLexicon:
    raw = pattern_data("claims")
    verbs = frozenset(str(v) for v in raw["attribution_verbs"])
    forms: dict[str, str] = {}
    for lemma in sorted(verbs):
        for form in raw["irregular_forms"].get(lemma) or _inflections(lemma):
            forms.setdefault(form, lemma)
        forms.setdefault(lemma, lemma)
    return ClaimLexicon(
        raw=raw,
        verbs=verbs,
        forms=forms,
        needs={k: frozenset(v) for k, v in raw["verb_needs"].items()},
        hedging=frozenset(raw["hedging_cues"]),
        negating=frozenset(raw["negating_cues"]),
        source_preps=tuple(tuple(p) for p in raw["source_prepositions"]),
        backward=tuple(tuple(p) for p in raw["backward_cues"]),
        finding_nouns=frozenset(raw["finding_nouns"]),
        report_nouns=frozenset(raw["report_nouns"]),
        author_nouns=frozenset(raw["author_nouns"]),
        speaker_types=tuple(raw["speaker_types"]),
        pronoun_types={k: tuple(v) for k, v in raw["pronoun_types"].items()},
        org_anaphors={k: tuple(v) for k, v in raw["org_anaphors"].items()},
        anaphor_window=int(raw["anaphor_window_units"]),
        member_nouns=frozenset(raw["member_nouns"]),
        blocked_modifiers=frozenset(raw["blocked_modifiers"]),
        directive=frozenset(raw["directive_cues"]),
        caveat_nouns=frozenset(raw["caveat_nouns"]),
    )


@dataclass(frozen=True)
class Source:
    """Who made a claim and the words that say so."""

    entity: Entity | None  # None: a cue whose speaker is unnamed ("according to people familiar with ...")
    cue: str | None
    first: int  # tokens of the attribution phrase (speaker and cue), excluded from "about"
    last: int
    kind: str  # "verb" | "according" | "quote" | "backward" | "negated" (a negated cue: "did not say")
    verb: Token | None = None  # the cue verb, when there is one
    content: Token | None = None  # the reported clause's predicate ("said [that X rose]" -> rose)
    backward: bool = False  # "This assessment comes from X": the source of the previous sentence


class SourceResolver:
    """Resolves source phrases of one doc, remembering the last source for "it" / "the authors"."""

    def __init__(self, index: MentionIndex, seed: SeedKB) -> None:
        self.index = index
        self.seed = seed
        self.lex = claim_lexicon()
        self.last: Entity | None = None
        self.last_report: Entity | None = None
        self.last_org: Entity | None = None
        self.carried: Entity | None = None  # the previous claim's source, for "it"/"she"/"they"
        reports: dict[str, Entity] = {}
        for loc in index.all:
            if is_a(loc.type, ["Report"]):
                reports.setdefault(loc.entity.id, loc.entity)
        counts = index.counts
        # the document's reports, most mentioned first (ties: by IRI)
        self._reports = sorted(reports.values(), key=lambda e: (-counts.get(e.id, 0), e.id))

    def remember(self, entity: Entity) -> None:
        self.last = entity
        if is_a(entity.type, ["Report"]):
            self.last_report = entity
        elif is_a(entity.type, ["Organization"]):
            self.last_org = entity

    # the report a phrase refers to --------------------------------------------------------------
    def report_for(self, orgs: Sequence[Entity]) -> Entity | None:
        """The document's report that fits the organisations named with it ("the Stanford report")."""
        ranked = self._reports
        last = self.last_report
        if last is not None and any(r.id == last.id for r in ranked):
            ranked = [last, *(r for r in ranked if r.id != last.id)]
        for report in ranked:
            if all(self._affiliated(report, org) for org in orgs):
                return report
        return None

    def _affiliated(self, report: Entity, org: Entity) -> bool:
        """Whether ``org`` published the report or is an ancestor (partOf) of a publisher (seed facts)."""
        known = self.seed.get(report.id)
        if known is None:
            return True
        frontier = [*known.facts_for("publishedBy"), *known.facts_for("authoredBy")]
        if not frontier:
            return True
        seen: set[str] = set()
        while frontier:
            iri = frontier.pop()
            if iri == org.id:
                return True
            if iri in seen:
                continue
            seen.add(iri)
            parent = self.seed.get(iri)
            if parent is not None:
                frontier += list(parent.facts_for("partOf"))
        return False

    # phrases -------------------------------------------------------------------------------------
    def resolve(self, head: Token, first: int, last: int) -> Entity | None:
        """The entity a source phrase (tokens ``first..last``, syntactic head ``head``) names."""
        lex = self.lex
        loc = self.index.at(head.i)
        if loc is not None:
            return loc.entity if is_a(loc.type, lex.speaker_types) else None
        inside = [m for m in self.index.in_range(first, last, nested=True) if is_a(m.type, lex.speaker_types)]
        lemma, lower = head.lemma_.lower(), head.lower_
        if lemma in lex.report_nouns or lower in lex.finding_nouns or lemma in lex.finding_nouns:
            return self._report_phrase(head, inside, lemma in lex.report_nouns)
        if lower in lex.pronoun_types and head.pos_ == "PRON":
            if self.carried is not None and is_a(self.carried.type, lex.pronoun_types[lower]):
                return self.carried
            return None
        definite = any(c.dep_ in ("det", "poss") and c.lower_ in DEFINITE for c in head.children)
        if lemma in lex.author_nouns or lower in lex.author_nouns:
            named = [m.entity for m in inside if is_a(m.type, ["Organization"])]
            if named:
                return named[-1]
            if not definite:
                return None  # "analysts said": unnamed
            return self.last_report or self.last_org or self.report_for(()) or self.last
        if lower in lex.org_anaphors and any(c.dep_ == "det" and c.lower_ == "the" for c in head.children):
            return self._antecedent(head, lex.org_anaphors[lower])
        blocked = any(c.lower_ in lex.blocked_modifiers for c in head.children if c.dep_ in ("amod", "compound"))
        if inside and (lemma in lex.member_nouns or lower in lex.member_nouns) and not blocked:
            return inside[-1].entity  # "Commerce Department officials said"
        return None

    def _report_phrase(self, head: Token, inside: list[Located], is_report: bool) -> Entity | None:
        """"the report", "Stanford's findings", "results published by the company", "evaluations by CAISI"."""
        reports = [m.entity for m in inside if is_a(m.type, ["Report"])]
        if reports:
            return reports[-1]
        orgs = [m.entity for m in inside if is_a(m.type, ["Organization", "Person"])]
        if not orgs:
            maker = self._maker(head)
            if maker is not None:
                orgs = [maker]
        report = self.report_for(orgs) if is_report or orgs else None
        if report is not None:
            return report
        if orgs:
            return orgs[-1]
        if not is_report:
            return self.last_report or self.report_for(()) or self.last
        return None

    def _maker(self, head: Token) -> Entity | None:
        """Who made the findings: "results published by the company", "evaluations by CAISI"."""
        for child in head.children:
            preps = [child] if child.dep_ == "prep" and child.lower_ in ("by", "from", "of") else []
            if child.dep_ == "acl":
                preps = [c for c in child.children if c.dep_ == "agent" or (c.dep_ == "prep" and c.lower_ == "by")]
            for prep in preps:
                for obj in prep.children:
                    if obj.dep_ != "pobj":
                        continue
                    loc = self.index.at(obj.i)
                    if loc is not None and is_a(loc.type, self.lex.speaker_types):
                        return loc.entity
                    if obj.lower_ in self.lex.org_anaphors:
                        return self._antecedent(obj, self.lex.org_anaphors[obj.lower_])
        return None

    def _antecedent(self, head: Token, wanted: Sequence[str]) -> Entity | None:
        """"the company": among mentions of a fitting class in the last ``anaphor_window_units`` sentences, the
        one the document mentions most (ties: the nearest)."""
        doc = head.doc
        sent = head.sent
        for _ in range(self.lex.anaphor_window):
            if sent.start == 0:
                break
            sent = doc[sent.start - 1].sent
        window = [m for m in self.index.in_range(sent.start, head.i - 1, nested=True) if is_a(m.type, wanted)]
        if not window:
            return None
        best = max(window, key=lambda m: (self.index.counts.get(m.entity.id, 0), m.first))
        return best.entity


# finding the attribution of one claim -------------------------------------------------------------------

DEFINITE = frozenset({"the", "its", "their", "his", "her", "these", "those", "this", "that"})
SKIP_BEFORE_VERB = frozenset({"also", "further", "has", "have", "had", "will", "would", "previously", "recently",
                              "now", "repeatedly", "separately", "additionally", "then", "later", "earlier", "once"})
NP_POS = frozenset({"DET", "ADJ", "NOUN", "PROPN", "PART", "NUM", "PRON", "ADV"})
NOT_CUE_NEXT = frozenset({"cent", "capita"})


def _depth(tok: Token) -> int:
    depth = 0
    while tok.head.i != tok.i and depth < 50:
        tok = tok.head
        depth += 1
    return depth


MAIN_CLAUSE_DEPS = frozenset({"ROOT", "conj", "parataxis", "xcomp", "ccomp"})
RELATIVE_WORDS = frozenset({"whose", "which", "who", "whom"})


def _main_clause(view: DocView, tok: Token, first: int, last: int) -> bool:
    """Whether ``tok`` heads the sentence's main clause (or a clause coordinated with it), not a relative or
    adverbial clause ("the company, whose chief executive had long argued that ...")."""
    lower, head, dep = view.lower, view.head, view.dep
    if any(lower[k] in RELATIVE_WORDS for k in range(max(first, tok.left_edge.i), tok.i)):
        return False  # "..., whose founder X long argued that ...": a relative clause the parser coordinated
    cur = tok.i
    for _ in range(8):
        if head[cur] == cur or not first <= head[cur] <= last:
            return True
        if dep[cur] not in MAIN_CLAUSE_DEPS:
            return False
        if dep[cur] == "ccomp" and view.lemma[head[cur]] not in ("say", "be"):
            return False
        cur = head[cur]
    return False


def _clip(first: int, last: int, lo: int, hi: int) -> tuple[int, int]:
    return max(first, lo), min(last, hi)


CLAUSE_DEPS = frozenset({"relcl", "acl", "advcl", "punct", "cc", "conj", "appos", "parataxis"})


def _np_end(tok: Token) -> int:
    """The last token of ``tok``'s noun phrase, without relative clauses, appositions and what follows a comma."""
    end = tok.i
    for child in tok.children:
        if child.i > tok.i and child.dep_ not in CLAUSE_DEPS:
            end = max(end, _np_end(child))
    return end


class Attributor:
    """Finds the source cue of a claim span (tokens ``first..last``) of one doc."""

    def __init__(self, resolver: SourceResolver, quoted: Sequence[bool], view: DocView) -> None:
        self.resolver = resolver
        self.lex = resolver.lex
        self.quoted = quoted  # per token: inside a quotation?
        self.view = view
        self._first_words = {p[0] for p in self.lex.source_preps}
        self._backward_lemmas = {p[0] for p in self.lex.backward if p[0] != "be"}

    def find(self, first: int, last: int, doc_tokens: Any) -> Source | None:
        found = self._source_preposition(first, last, doc_tokens)
        if found is not None and found.entity is not None:
            return found
        return self._backward_cue(first, last, doc_tokens) or self._verb_cue(first, last, doc_tokens) or found

    # "according to X" ------------------------------------------------------------------------------
    def _source_preposition(self, first: int, last: int, doc: Any) -> Source | None:
        lower = self.view.lower
        for i in range(first, last + 1):
            if self.quoted[i] or lower[i] not in self._first_words:
                continue
            for phrase in self.lex.source_preps:
                end = i + len(phrase) - 1
                if end >= last or any(lower[i + k] != w for k, w in enumerate(phrase)):
                    continue
                prep = doc[end]
                heads = [c for c in prep.children if c.dep_ in ("pobj", "dobj")]
                nxt = doc[end + 1]
                if heads:
                    head = heads[0]
                    a, b = _clip(head.left_edge.i, _np_end(head), end + 1, last)
                else:
                    a = b = end + 1
                    while b + 1 <= last and not doc[b + 1].is_punct:
                        b += 1
                    nouns = [t for t in doc[a : b + 1] if t.pos_ in ("NOUN", "PROPN", "PRON")]
                    head = nouns[-1] if nouns else nxt
                if nxt.lower_ in NOT_CUE_NEXT:
                    continue
                head = self._head_noun(head, a, b)
                entity = self.resolver.resolve(head, a, b)
                cue = " ".join(doc[i + k].lower_ for k in range(len(phrase)))
                root = self._root(first, last, doc)
                backward = root is not None and root.lemma_ == "be" and any(
                    c.dep_ == "nsubj" and c.lower_ in ("this", "that") for c in root.children
                )
                return Source(entity, cue, i, b, "according", content=root, backward=backward)
        return None

    def _head_noun(self, head: Token, a: int, b: int) -> Token:
        """"a new report by Stanford University": the report, not the university, heads the source."""
        if head.dep_ == "pobj" and head.head.lower_ in ("by", "from", "of") and head.head.head.i >= a:
            owner = head.head.head
            if owner.lemma_.lower() in self.lex.report_nouns or owner.lower_ in self.lex.finding_nouns:
                return owner
        return head

    def _root(self, first: int, last: int, doc: Any) -> Token | None:
        for i in self.view.roots(first, last):
            tok: Token = doc[i]
            if self.view.pos[i] in ("VERB", "AUX") or any(c.dep_ in ("nsubj", "nsubjpass") for c in tok.children):
                return tok
        return None

    # "X said", "the report argues", "..., the report says" -----------------------------------------
    def _is_cue(self, tok: Token, doc: Any, first: int, last: int) -> str | None:
        lemma = tok.lemma_.lower()
        if lemma not in self.lex.verbs:
            lemma = self.lex.forms.get(tok.lower_, "")
            if not lemma or tok.pos_ not in ("VERB", "NOUN") or (tok.pos_ == "NOUN" and lemma not in self.lex.needs):
                return None
        elif tok.pos_ != "VERB" and not (tok.pos_ == "NOUN" and lemma in self.lex.needs):
            return None  # a noun ("the report") is a cue only as a misparsed "point to" / "call for"
        needs = self.lex.needs.get(lemma)
        if needs is not None:
            kids = {c.lower_ for c in tok.children if first <= c.i <= last}  # not a quote mark of another line
            nxt = doc[tok.i + 1].lower_ if tok.i + 1 <= last else ""
            if not (kids & needs or nxt in needs):
                return None
        return lemma

    def _verb_cue(self, first: int, last: int, doc: Any) -> Source | None:
        candidates: list[tuple[int, int, Source]] = []
        lemmas, lowers, verbs, forms = self.view.lemma, self.view.lower, self.lex.verbs, self.lex.forms
        for i in range(first, last + 1):
            if self.quoted[i] or (lemmas[i] not in verbs and lowers[i] not in forms):
                continue
            tok = doc[i]
            lemma = self._is_cue(tok, doc, first, last)
            if lemma is None or not _main_clause(self.view, tok, first, last):
                continue
            phrase = self._subject(tok, first, last, doc)
            if phrase is None:
                continue
            head, a, b = phrase
            entity = self.resolver.resolve(head, a, b)
            if entity is None:
                continue
            if negation_cue(self.view, tok.i) is not None:
                # "X did not say whether ...": the outlet's own negative statement
                source = Source(None, tok.text.lower(), -1, -1, "negated", verb=tok, content=tok)
                candidates.append((_depth(tok), i, source))
                continue
            cue = tok.text
            particle = next((c for c in tok.children if c.dep_ in ("prep", "prt") and lemma in self.lex.needs
                             and c.lower_ in self.lex.needs[lemma]), None)
            cue_last = tok.i
            if particle is not None and particle.i == tok.i + 1:
                cue, cue_last = f"{tok.text} {particle.text}", particle.i
            content = next((c for c in tok.children if c.dep_ in ("ccomp", "xcomp") and first <= c.i <= last), None)
            source = Source(entity, cue.lower(), min(a, tok.i), max(b, cue_last), "verb", verb=tok, content=content)
            candidates.append((_depth(tok), i, source))
        if not candidates:
            return None
        return min(candidates, key=lambda c: (c[0], c[1]))[2]

    def _subject(self, verb: Token, first: int, last: int, doc: Any) -> tuple[Token, int, int] | None:
        for child in verb.children:
            if child.dep_ in ("nsubj", "nsubjpass") and first <= child.i <= last and not self.quoted[child.i]:
                if child.lower_ in ("which", "that", "who") and verb.dep_ == "relcl":
                    ante = self._head_noun(verb.head, first, last)
                    return ante, max(first, ante.left_edge.i), ante.i
                a, b = _clip(child.left_edge.i, _np_end(child), first, last)
                return child, a, b
        # the parser missed the subject: the noun phrase right before the verb ("Stanford's findings point to")
        j = verb.i - 1
        while j >= first and (doc[j].lower_ in SKIP_BEFORE_VERB or doc[j].dep_ == "neg"):
            j -= 1
        b = j
        while j >= first and not self.quoted[j] and (doc[j].pos_ in NP_POS or doc[j].text in ("’s", "'s", "-")):
            j -= 1
        a = j + 1
        if a > b or b - a > 8:
            return self._initial_subject(verb, first, doc)
        nouns = [t for t in doc[a : b + 1] if t.pos_ in ("NOUN", "PROPN", "PRON")]
        if not nouns:
            return self._initial_subject(verb, first, doc)
        return nouns[-1], a, b

    def _initial_subject(self, verb: Token, first: int, doc: Any) -> tuple[Token, int, int] | None:
        """"The Center for AI Standards and Innovation (CAISI), part of NIST, said ...": a name opening the
        sentence, followed only by appositions up to the verb, is its subject."""
        start = first + 1 if doc[first].lower_ == "the" else first
        loc = self.resolver.index.at(start)
        if loc is None or loc.first != start or loc.last >= verb.i:
            return None
        between = doc[loc.last + 1 : verb.i]
        if any(t.tag_ in ("VBZ", "VBP", "VBD", "MD") for t in between) or not any(t.text == "," for t in between):
            return None
        return doc[loc.last], first, loc.last

    # "This assessment comes from X" -----------------------------------------------------------------
    def _backward_cue(self, first: int, last: int, doc: Any) -> Source | None:
        for i in range(first, last + 1):
            if self.view.lemma[i] not in self._backward_lemmas:
                continue
            tok = doc[i]
            for phrase in self.lex.backward:
                if tok.lemma_.lower() != phrase[0] or phrase[0] == "be":
                    continue
                prep = next((c for c in tok.children if c.dep_ == "prep" and c.lower_ == phrase[-1]), None)
                subj = next((c for c in tok.children if c.dep_ == "nsubj"), None)
                if prep is None or subj is None or not self._demonstrative(subj):
                    continue
                obj = next((c for c in prep.children if c.dep_ == "pobj"), None)
                if obj is None and (named := self.resolver.index.at(prep.i + 1)) is not None:
                    obj = doc[named.last]  # "comes from Beyond DeepSeek", read by the parser as a preposition
                if obj is None:
                    continue
                a, b = _clip(obj.left_edge.i, _np_end(obj), first, last)
                entity = self.resolver.resolve(self._head_noun(obj, a, b), a, b)
                if entity is None:
                    continue
                cue = f"{tok.text} {prep.text}".lower()
                return Source(entity, cue, subj.left_edge.i, b, "backward", verb=tok, content=tok, backward=True)
        return None

    def _demonstrative(self, subj: Token) -> bool:
        if subj.lower_ in ("this", "that", "these", "those"):
            return True
        dets = {c.lower_ for c in subj.children if c.dep_ == "det"}
        return bool(dets & {"this", "that", "these", "those"}) and (
            subj.lemma_.lower() in self.lex.finding_nouns or subj.lower_ in self.lex.finding_nouns
        )


__all__ = ["Attributor", "ClaimLexicon", "Source", "SourceResolver", "claim_lexicon"]
