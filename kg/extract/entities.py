"""Entities of one document: candidate spans (``kg_entity_candidates``) -> canonical, typed entities.

Steps, each a small function over :class:`kg.extract.groups.DocEntities`:

1. link every candidate to a seed entity, a lexicon name or a new entity named after it (IRIs: seed key or
   ``Iris.entity(name)``); a model version gets its family;
2. drop names seen only in headlines (title case makes the NER see names everywhere there);
3. repeated names, abbreviations, short forms, "the university" (:mod:`kg.extract.coref`);
4. report references (:mod:`kg.extract.reports`);
5. records: one :class:`kg.records.Entity` per group, mentions with exact offsets, merges with their rules.
"""

from __future__ import annotations

import bisect
import re

from spacy.tokens import Doc, Span

from kg.extract.candidates import CANDIDATES
from kg.extract.coref import abbreviations, definite_references, propagate, short_forms
from kg.extract.groups import DocEntities, Group
from kg.extract.lexicon import load_lexicon
from kg.extract.linking import SeedIndex, normalize
from kg.extract.reports import link_reports
from kg.extract.short_versions import full_name
from kg.iris import Iris
from kg.records import Document, Entity
from kg.seed import SeedKB

_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_SMALL = frozenset({"a", "an", "the", "and", "or", "of", "in", "on", "at", "to", "for", "by", "with", "from", "as",
                    "vs", "vs.", "is", "are", "its", "it", "but", "nor", "via", "up", "into", "over"})
_SENTENCE_END = tuple(".!?;\"”)’")
_AFTER_ANY = float("inf")


_INDEXES: dict[int, tuple[SeedKB, SeedIndex]] = {}


def seed_index(seed: SeedKB) -> SeedIndex:
    """The lookups over ``seed``, built once per seed object (found by identity: hashing a whole seed knowledge
    base for each document costs more than the lookups save)."""
    held = _INDEXES.get(id(seed))
    if held is None or held[0] is not seed:
        if len(_INDEXES) >= 8:
            _INDEXES.clear()
        held = _INDEXES[id(seed)] = (seed, SeedIndex(seed, load_lexicon()))
    return held[1]


def headline_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of lines that read as headlines: short, no closing punctuation, mostly capitalised."""
    found = []
    for m in _LINE.finditer(text):
        line = m.group(0).strip()
        if not line:
            continue
        if line.startswith("#"):
            found.append((m.start(), m.end()))
            continue
        words = _WORD.findall(line)
        if not words or len(words) > 16 or line.endswith(_SENTENCE_END):
            continue
        content = [w for w in words if w.lower() not in _SMALL]
        if content and sum(1 for w in content if w[:1].isupper()) / len(content) >= 0.7:
            found.append((m.start(), m.end()))
    return found


def _in(ranges: list[tuple[int, int]], offset: int) -> bool:
    """Whether ``offset`` lies in one of ``ranges`` (sorted, non-overlapping): a bisection, not a scan."""
    k = bisect.bisect_right(ranges, (offset, _AFTER_ANY)) - 1
    return k >= 0 and ranges[k][0] <= offset < ranges[k][1]


def _choose(state: DocEntities, key: str, named: set[str]) -> str:
    """An alias several seed entities share ("BIS"): the one the document also names unambiguously or by
    its full name, else the component's choice from context (the first option)."""
    options = key.split("|")
    if len(options) == 1:
        return key
    for option in options:
        if option in named:
            return option
    for option in options:
        target = state.index.target(option)
        if target is not None and state.in_text(target.name):
            return option
    return options[0]


def _link(state: DocEntities, span: Span, named: set[str]) -> Group | None:
    rule, type_name = span.id_, span.label_
    key = _choose(state, span.kb_id_, named)
    index = state.index
    if rule == "model-version":
        group = state.name_group(span.text.rstrip(".,;:!?"))
        group.vote("Model", rule)
        target = index.target(key) if key else None
        if target is not None:
            group.family = target.seed.iri if target.seed is not None else state.iris.entity(target.name)
        group.merges.add((group.name, "model-version"))
        return group
    if rule == "model-short":
        return _short_version(state, span.text, key)
    if key:
        target = index.target(key)
        if target is None:
            return None
        group = state.target_group(target)
        if group.seed is not None and group.seed.type == "Model":
            root = index.root_family(group.seed)
            if root.iri != group.seed.iri:
                group.family = root.iri
        return group
    group = state.name_group(span.text)
    group.vote(type_name, rule)
    return group


def _short_version(state: DocEntities, surface: str, key: str) -> Group | None:
    """"R1-0528" -> DeepSeek-R1-0528, "V3.1" -> DeepSeek-V3.1: the seed model of that name, else a new model
    linked to its family."""
    index = state.index
    target = index.target(key)
    if target is None:
        return None
    name = full_name(surface, target)
    seeds = [e for e in index.lookup(name) if e.type == "Model"]
    if seeds:
        return state.seed_group(seeds[0])
    group = state.name_group(name)
    group.vote("Model", "model-version")
    family = index.target(index.family_of(name))
    if family is not None:
        group.family = family.seed.iri if family.seed is not None else state.iris.entity(family.name)
    return group


def _link_candidates(state: DocEntities, spans: list[Span], headlines: list[tuple[int, int]]) -> None:
    body_names = {normalize(s.text) for s in spans if not _in(headlines, s.start_char)}
    named = {s.kb_id_ for s in spans if s.kb_id_ and "|" not in s.kb_id_}
    body: list[str] = []  # the text outside headlines, joined on first use
    outside: dict[str, bool] = {}
    for span in spans:
        rule = span.id_
        if not span.kb_id_ and rule not in ("model-version",) and _in(headlines, span.start_char):
            name = normalize(span.text)
            if name not in body_names and not _occurs_outside(state.document.text, span.text, headlines, body,
                                                              outside):
                continue  # a headline fragment: "A New Frontier", "Key Terms Simplified"
        group = _link(state, span, named)
        if group is None:
            continue
        state.add(group, span.start, span.end, "demonym" if rule == "demonym" else None)


def _occurs_outside(
    text: str, surface: str, ranges: list[tuple[int, int]], body: list[str], seen: dict[str, bool]
) -> bool:
    """Whether ``surface`` occurs in ``text`` outside the headline ``ranges``: one substring search of the text
    between headlines (built once, in ``body``), remembered per surface in ``seen``."""
    if surface not in seen:
        if not body:
            parts, pos = [], 0
            for a, b in ranges:
                parts.append(text[pos:a])
                pos = b
            parts.append(text[pos:])
            body.append("\n".join(parts))
        seen[surface] = surface in body[0]
    return seen[surface]


def extract_entities(doc: Doc, document: Document, seed: SeedKB, iris: Iris) -> tuple[Entity, ...]:
    """The entities of ``document`` (``doc`` is ``document.text`` run through :func:`kg.nlp.load_nlp`).

    Each entity has its mentions (exact offsets into ``document.text``), the merges that folded other
    surface forms into it (with their rule), its ontology class and, for model versions, its family.
    Sorted by IRI.
    """
    if CANDIDATES not in doc.spans:
        raise ValueError(
            f"{document.path}: the doc has no '{CANDIDATES}' spans; make it with kg.nlp.load_nlp(settings, seed)"
        )
    state = DocEntities(doc, document, seed_index(seed), load_lexicon(), iris)
    spans = sorted(doc.spans[CANDIDATES], key=lambda s: (s.start, s.end))
    _link_candidates(state, spans, headline_ranges(document.text))
    propagate(state)
    abbreviations(state)
    short_forms(state)
    definite_references(state)
    link_reports(state)
    _nearest_families(state)
    return state.entities()


def _nearest_families(state: DocEntities) -> None:
    """A model's family link goes to the nearest family the document names ("gpt-oss-120b" -> gpt-oss when
    gpt-oss is mentioned), else to the root family (GPT): the guidelines' partOf for versions."""
    index = state.index
    for group in state.groups.values():
        if group.seed is not None and group.seed.type == "Model":
            chain = index.ancestors(group.seed)
        elif group.family is not None and (start := index.seed.get(group.family)) is not None:
            chain = [start, *index.ancestors(start)]
        else:
            continue
        if not chain:
            continue
        present = [ent for ent in chain if ent.iri in state.groups and state.groups[ent.iri].mentions]
        group.family = (present[0] if present else chain[-1]).iri


__all__ = ["extract_entities", "headline_ranges", "seed_index"]
