"""`kg cite`: find the claims that answer a query and every source that supports them, quoted exactly.

QUERY is a claim or cluster IRI, an entity name or alias (typos forgiven), or free text.

Ranking. Claims are ranked with BM25 (``bm25s``) over their texts, analysed like claim clustering does
(stems without stopwords, ``kg.claim_similarity.tokens``). Entity names in the query (exact or fuzzy with
``rapidfuzz``) expand the query with the entity's other names, and claims linked to a matched entity get a
boost: attributed to it or to its work (a report it published, a person who works for it) most, about it
next, reported by it least. Results are claim clusters, scored by their best member.

Each result carries the cluster's label, its source counts, every supporting claim with its attribution
chain, document and exact quote (``oa:exact`` with prefix/suffix and offsets), and contradicting clusters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyoxigraph
from rapidfuzz import fuzz, process, utils

from kg.cite_index import RankIndex, build_rank_index, rank_index
from kg.cite_store import (
    Agent,
    CiteIndex,
    ClaimInfo,
    ClusterInfo,
    EntityInfo,
    as_backend,
    load_claims,
    load_details,
)
from kg.claim_text import load_lexicon, tokens
from kg.errors import InputError
from kg.independence import Source, independence
from kg.sparql_backend import SparqlBackend
from kg.sparql_endpoint import DEFAULT_TIMEOUT, EndpointBackend
from kg.store import open_store

LINK_BOOST = {"attributedTo": 1.0, "about": 0.6, "reportedBy": 0.3}
WORK_FACTOR = 0.9  # a claim attributed to a report DigiChina published counts nearly as DigiChina's own
ENTITY_TEXT_WEIGHT = 0.3  # when the query *is* an entity name: what it said first, mentions of it after
EXPANSION_WEIGHT = 0.5  # BM25 of the matched entities' other names, relative to the query's own words
FUZZY_WHOLE = 88.0  # the whole query names an entity (rapidfuzz ratio, 0-100)
FUZZY_PART = 90.0  # a word or phrase of the query names an entity
SUGGESTIONS = 5


@dataclass(frozen=True)
class Support:
    """One supporting claim: what it says, who said it, where, and the exact quote."""

    claim: ClaimInfo
    counted_with: str | None = None  # document IRI of the source this one is not independent of
    fold_rule: str | None = None  # near-duplicate | same-title | repeats-outlet | same-publisher


@dataclass(frozen=True)
class CiteResult:
    rank: int
    score: float
    cluster: str | None  # None for a claim outside any cluster (a build made without clustering)
    label: str
    modality: str  # of the representative claim (the one whose text is the label)
    sources: int
    independent_sources: int
    matched_claim: str  # the member that matched the query best
    supports: tuple[Support, ...]
    contradicted_by: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CiteAnswer:
    query: str
    mode: str  # "claim" | "cluster" | "entity" | "text"
    entities: tuple[Agent, ...]  # entities the query was read as naming
    results: tuple[CiteResult, ...]
    suggestions: tuple[str, ...] = ()  # nearest entity names, when nothing matched
    min_sources: int = 1
    total_matches: int = 0  # clusters that matched before --limit

    @property
    def found(self) -> bool:
        return bool(self.results)


@dataclass(frozen=True)
class _Match:
    entities: dict[str, float] = field(default_factory=dict)  # entity IRI -> match strength 0..1
    whole: bool = False  # the whole query is an entity name
    rest: str = ""  # the words of the query that name no entity


def cite(build: Path, query: str, *, limit: int = 10, min_sources: int = 1) -> CiteAnswer:
    """Look ``query`` up in the build at ``build`` (the ranking index is cached in the build folder)."""
    return cite_store(open_store(build), query, limit=limit, min_sources=min_sources, build=build)


def cite_endpoint(
    url: str, query: str, *, limit: int = 10, min_sources: int = 1, timeout: float = DEFAULT_TIMEOUT,
    auth: tuple[str, str] | None = None, default_graph: str = "auto",
) -> CiteAnswer:
    """Look ``query`` up in a build pushed to the SPARQL server at ``url`` (its query endpoint).

    The ranking index is read from the server on each call (not cached: see :mod:`kg.cite_index`)."""
    query = _checked(query, limit, min_sources)
    with EndpointBackend.connect(url, timeout=timeout, auth=auth, default_graph=default_graph) as backend:
        return _cite(backend, build_rank_index(backend), query, limit, min_sources)


def cite_store(
    store: pyoxigraph.Store | SparqlBackend, query: str, *, limit: int = 10, min_sources: int = 1,
    build: Path | None = None,
) -> CiteAnswer:
    query = _checked(query, limit, min_sources)
    source = as_backend(store)
    return _cite(source, rank_index(source, build), query, limit, min_sources)


def _checked(query: str, limit: int, min_sources: int) -> str:
    query = query.strip()
    if not query:
        raise InputError("kg cite: the query is empty; give a claim IRI, an entity name or some words")
    if limit < 1 or min_sources < 1:
        raise InputError("kg cite: --limit and --min-sources must be at least 1")
    return query


def _cite(store: SparqlBackend, ranker: RankIndex, query: str, limit: int, min_sources: int) -> CiteAnswer:
    index = ranker.index
    if re.match(r"^https?://\S+$", query):
        claim = next((r for r in index.claims if r.iri == query), None)
        if claim is not None:
            key = claim.cluster or claim.iri
            return _answer(store, index, query, "claim", [(key, 1.0, query)], _Match(), 1, min_sources)
        if query in index.clusters:
            return _answer(store, index, query, "cluster", [(query, 1.0, "")], _Match(), 1, min_sources)
        if query in index.entities:
            match = _Match({query: 1.0}, whole=True)
            ranked = _by_cluster(index, rank_claims(ranker, "", match))
            return _answer(store, index, query, "entity", ranked, match, limit, min_sources)
        return CiteAnswer(query, "claim", (), (), suggest(query.rsplit("/", 1)[-1], index.entities), min_sources)
    match = match_entities(query, index.entities)
    ranked = _by_cluster(index, rank_claims(ranker, query, match))
    return _answer(store, index, query, "entity" if match.whole else "text", ranked, match, limit, min_sources)


def _by_cluster(index: CiteIndex, scores: np.ndarray) -> list[tuple[str, float, str]]:
    """(cluster, score of its best member, that member), best first."""
    best: dict[str, tuple[float, str]] = {}
    for row, value in zip(index.claims, scores.tolist(), strict=True):
        if value <= 0:
            continue
        key = row.cluster or row.iri  # a claim outside any cluster (older builds) stands alone
        old = best.get(key)
        if old is None or value > old[0]:  # claims are sorted by IRI: ties keep the smaller one
            best[key] = (value, row.iri)
    def order(kv: tuple[str, tuple[float, str]]) -> tuple[float, int, str]:
        return (-round(kv[1][0], 9), -index.clusters.get(kv[0], 1), kv[0])  # ties: better-supported first

    return [(c, s, m) for c, (s, m) in sorted(best.items(), key=order)]


def _answer(
    store: SparqlBackend,
    index: CiteIndex,
    query: str,
    mode: str,
    ranked: Sequence[tuple[str, float, str]],
    match: _Match,
    limit: int,
    min_sources: int,
) -> CiteAnswer:
    entities = tuple(_agent(index.entities[e]) for e in sorted(match.entities))
    kept = [r for r in ranked if index.clusters.get(r[0], 1) >= min_sources]  # a lone claim has one source
    results = _assemble(store, kept, limit)
    suggestions = () if results else suggest(query, index.entities)
    return CiteAnswer(query, mode, entities, results, suggestions, min_sources, len(kept))


# --- entity matching ----------------------------------------------------------------------------------------


def _names(entities: dict[str, EntityInfo]) -> dict[str, set[str]]:
    """Case-folded name -> entities that go by it."""
    table: dict[str, set[str]] = {}
    for iri, info in entities.items():
        for name in info.names:
            key = utils.default_process(name)
            if key:
                table.setdefault(key, set()).add(iri)
    return table


def match_entities(query: str, entities: dict[str, EntityInfo]) -> _Match:
    """Entities the query names: the whole query (exact or fuzzy), else its words and phrases."""
    table = _names(entities)
    whole = utils.default_process(query)
    if whole in table:
        return _Match({e: 1.0 for e in table[whole]}, whole=True)
    best = process.extractOne(whole, list(table), scorer=fuzz.ratio, score_cutoff=FUZZY_WHOLE)
    if best is not None and len(whole) >= 4:
        return _Match({e: best[1] / 100 for e in table[best[0]]}, whole=True)
    stop = load_lexicon().stopwords
    words = whole.split()
    found: dict[str, float] = {}
    named: set[int] = set()
    names = list(table)
    for size in range(min(4, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i: i + size])
            if size == 1 and (phrase in stop or len(phrase) < 2):
                continue
            hits: dict[str, float] = {e: 1.0 for e in table.get(phrase, ())}
            if not hits and len(phrase) >= 5:
                near = process.extractOne(phrase, names, scorer=fuzz.ratio, score_cutoff=FUZZY_PART)
                if near is not None:
                    hits = {e: near[1] / 100 for e in table[near[0]]}
            if hits:
                named.update(range(i, i + size))
            for e, strength in hits.items():
                found[e] = max(found.get(e, 0.0), strength)
    return _Match(found, whole=False, rest=" ".join(w for n, w in enumerate(words) if n not in named))


def suggest(query: str, entities: dict[str, EntityInfo], n: int = SUGGESTIONS) -> tuple[str, ...]:
    """The entity names nearest to the query (rapidfuzz WRatio over every name), one per entity, best first."""
    owner: dict[str, list[str]] = {}
    for iri, info in sorted(entities.items()):
        for name in info.names:
            owner.setdefault(name, []).append(iri)
    hits = process.extract(query, list(owner), scorer=fuzz.WRatio, processor=utils.default_process,
                           limit=None, score_cutoff=30)
    best: dict[str, tuple[float, str]] = {}
    for name, score, _i in hits:
        for iri in owner[name]:
            if iri not in best or (-score, name) < (-best[iri][0], best[iri][1]):
                best[iri] = (score, name)
    ordered = sorted(best.items(), key=lambda kv: (-kv[1][0], entities[kv[0]].label, kv[0]))
    out: list[str] = []
    for iri, (_score, name) in ordered:
        label = entities[iri].label
        text = label if utils.default_process(name) == utils.default_process(label) else f"{label} ({name})"
        if text not in out:
            out.append(text)
    return tuple(out[:n])


# --- ranking ------------------------------------------------------------------------------------------------


def rank_claims(ranker: RankIndex, query: str, match: _Match) -> np.ndarray:
    """A score per claim of ``index.claims``: BM25 of the query (plus entity-name expansion) + entity links.

    Unless the query is only an entity name, a claim must contain at least one of the query's other content
    words: "Tencent quarterly revenue" finds nothing rather than everything about Tencent."""
    index = ranker.index
    n = len(index.claims)
    scores = np.zeros(n, dtype=np.float64)
    if n == 0 or ranker.bm25 is None:
        return scores
    own = [t for t in tokens(query) if t]
    content = [t for t in tokens(match.rest) if t] if match.entities and not match.whole else own
    expansion = [t for e in sorted(match.entities) for name in index.entities[e].names for t in tokens(name)]
    expansion = [t for t in dict.fromkeys(expansion) if t not in own]
    if own:
        scores += ranker.bm25.get_scores(own)
    if expansion:
        scores += EXPANSION_WEIGHT * ranker.bm25.get_scores(expansion)
    top = float(scores.max())
    if top > 0:
        scores /= top  # BM25 part in 0..1
    if match.whole:
        scores *= ENTITY_TEXT_WEIGHT
    if match.entities:
        works = {w: s * WORK_FACTOR for e, s in match.entities.items() for w in index.works.get(e, ())}
        strength = {**works, **match.entities}
        for i, row in enumerate(index.claims):
            links = index.links.get(row.iri, {})
            boost = 0.0
            for kind, weight in LINK_BOOST.items():
                for e in links.get(kind, ()):
                    if e in strength:
                        boost = max(boost, weight * strength[e])
            scores[i] += boost
    if content and not match.whole:  # some word of the query besides entity names must occur in the claim
        scores[ranker.bm25.get_scores(content) <= 0] = 0.0
    return scores


# --- assembling results -------------------------------------------------------------------------------------


def _assemble(
    store: SparqlBackend, ranked: Sequence[tuple[str, float, str]], limit: int
) -> tuple[CiteResult, ...]:
    """Details of the first ``limit`` ranked clusters (a claim outside any cluster stands for itself)."""
    chunk = ranked[:limit]
    details = load_details(store, [c for c, _s, m in chunk if c != m])
    for iri, claim in load_claims(store, [m for c, _s, m in chunk if c == m]).items():
        details[iri] = ClusterInfo(iri, claim.text, 1, 1, (claim,), ())
    out: list[CiteResult] = []
    for cluster, score, matched in chunk:
        info = details.get(cluster)
        if info is not None and info.members:
            out.append(_result(len(out) + 1, score, info, matched))
    return tuple(out)


def _result(rank: int, score: float, info: ClusterInfo, matched: str) -> CiteResult:
    folds = _folds(info)
    supports = tuple(
        Support(m, *folds.get(m.document.iri, (None, None)))
        for m in sorted(info.members, key=lambda m: (m.document.date or "9999", m.document.id, m.quote.start
                                                      if m.quote else 0, m.iri))
    )
    representative = next((m for m in info.members if m.text == info.label), info.members[0] if info.members
                          else None)
    return CiteResult(
        rank=rank,
        score=round(score, 6),
        cluster=None if any(m.iri == info.iri for m in info.members) else info.iri,
        label=info.label,
        modality=representative.modality if representative else "asserted",
        sources=info.sources,
        independent_sources=info.independent_sources,
        matched_claim=matched or (representative.iri if representative else ""),
        supports=supports,
        contradicted_by=info.contradicts,
    )


def _folds(info: ClusterInfo) -> dict[str, tuple[str, str]]:
    """Which source each non-independent document counts with, and why (same rules as the build)."""
    if info.sources < 2:
        return {}
    sources = [
        Source(m.document.iri, m.document.text, m.document.title, m.document.publisher, m.document.url,
               tuple(n for a in (m.reported_by, m.attributed_to) if a for n in (a.name, *a.names)), m.document.date)
        for m in info.members
    ]
    result = independence(sources)
    best: dict[str, tuple[str, str]] = {}
    for fold in result.folds:  # one explanation per copy: the most telling rule
        old = best.get(fold.source)
        if old is None or _RULE_ORDER.index(fold.rule) < _RULE_ORDER.index(old[1]):
            best[fold.source] = (fold.other, fold.rule)
    return best


_RULE_ORDER = ("near-duplicate", "same-title", "repeats-outlet", "same-publisher")


def _agent(info: EntityInfo) -> Agent:
    return Agent(info.iri, info.label, info.type, info.names)
