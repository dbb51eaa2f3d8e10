"""Claims that state the same thing in different documents become one claim cluster (graph/cross).

``cluster_claims(extractions, iris, cache_dir=...)`` is called by the build. Every claim belongs to exactly one
cluster (singletons included, so ``kg cite`` can count sources for any claim). Method, in order:

1. **Units** (``kg.claim_similarity``): the features of each claim (content stems, entities, figures, years,
   polarity); claims with identical features (syndicated copies) form one *unit*, named by a digest of them.
2. **Weights**: IDF over the units, on a grid (``TermWeights``): one document moves no weight but those of the
   few terms whose frequency crosses a grid line.
3. **Pairs** (``kg.cluster_scoring``): units of different documents that share at least two terms held by at
   most ``max_postings`` units are scored; pairs at or above the merge threshold without a conflict are *strong
   edges*; conflicting pairs similar enough are contradictions.
4. **Components** of the strong edges, and **average-linkage agglomeration** inside each one
   (``kg.cluster_link``); two clusters whose claims conflict (years, figures) never merge.
5. **Per cluster**: IRI from its smallest member claim IRI, label = the member most similar to the others (ties:
   shorter, then smaller IRI), sources = its documents, independent sources = ``kg.independence``;
   contradiction links between clusters, both ways.

Everything a pair or a component yields depends on nothing outside it, so with ``cache_dir`` an incremental
build keeps what the previous build found for every unit that did not change (same documents, same weights of
its terms) and clusters again only the components that hold a changed unit: the result is the same as a clean
build's, bit for bit (``kg.cluster_state``). See ``docs/claim-clustering.md`` for the method and its evaluation.
"""

from __future__ import annotations

import gc
import hashlib
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from kg.claim_similarity import ClaimFeatures, SimilarityParams, TermWeights, claim_features
from kg.claim_text import LEXICON_FILE
from kg.cluster_state import (
    FEATURES_VERSION,
    STATE_FORMAT,
    ClusterState,
    Interner,
    docs_digest,
    features_line,
    load_state,
    save_state,
    unit_id,
)
from kg.cluster_update import Units, update
from kg.independence import IndependenceParams, NearDuplicates, Source, independent_count
from kg.iris import Iris
from kg.records import Claim, ClaimCluster, Document, Extraction

CLUSTER_DIR = "clusters"
METHOD_VERSION = "2"  # bump when the same units and weights could give other clusters


@dataclass(frozen=True)
class ClusterParams:
    similarity: SimilarityParams = field(default_factory=SimilarityParams)
    independence: IndependenceParams = field(default_factory=IndependenceParams)
    max_postings: int = 1000  # terms held by more units are stop terms: they never make two units candidates
    min_shared_terms: int = 2  # non-stop terms two units must share to be compared


@dataclass(frozen=True)
class ClaimItem:
    """A claim with its document, the names of whom it credits (for independence) and a digest of what its
    features are computed from."""

    claim: Claim
    document: Document
    credits: tuple[str, ...]
    spans: tuple[tuple[int, int, str], ...]
    key: str


def claim_items(extractions: Sequence[Extraction]) -> list[ClaimItem]:
    """Every claim of every extraction, sorted by claim IRI."""
    items: list[ClaimItem] = []
    keys: dict[tuple[str, tuple[tuple[int, int, str], ...], tuple[str, ...], bool],
               tuple[str, tuple[tuple[int, int, str], ...]]] = {}
    for ex in extractions:
        names: dict[str, tuple[str, ...]] = {e.id: (e.name, *e.aliases) for e in ex.entities}
        mentions = sorted((m.start, m.end, e.id) for e in ex.entities for m in e.mentions)
        starts = [m[0] for m in mentions]
        for claim in ex.claims:
            spans = tuple((s - claim.start, e - claim.start, iri)
                          for s, e, iri in mentions[bisect_left(starts, claim.start):bisect_left(starts, claim.end)]
                          if e <= claim.end)
            credits: list[str] = []
            for ref in (claim.reported_by, claim.attributed_to):
                if ref is not None:
                    credits.extend((ref.name, *names.get(ref.id, ())))
            about = tuple(sorted(claim.about))
            negated = claim.modality == "negated"
            found = keys.get((claim.text, spans, about, negated))
            if found is None:  # a repeated sentence is hashed once, and its spans kept once
                blob = repr((claim.text, spans, list(about), negated))
                found = keys[(claim.text, spans, about, negated)] = (
                    hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24], spans)
            key, spans = found
            items.append(ClaimItem(claim, ex.document, tuple(dict.fromkeys(credits)), spans, key))
    items.sort(key=lambda it: it.claim.id)
    return items


def state_signature(params: ClusterParams) -> str:
    """What a kept state must have been computed with: method, parameters and lexicon."""
    lexicon = resources.files("kg.patterns").joinpath(LEXICON_FILE).read_bytes()
    return hashlib.sha1(repr((STATE_FORMAT, FEATURES_VERSION, METHOD_VERSION, params)).encode() + lexicon).hexdigest()


def _units(items: Sequence[ClaimItem], old: ClusterState,
           interner: Interner) -> tuple[Units, dict[str, str], dict[str, str]]:
    """The units of the claims (features of unchanged claims from the state); also claim key -> unit id, and
    unit id -> features line."""
    feats: dict[str, ClaimFeatures] = {}
    lines: dict[str, str] = {}
    claim_units: dict[str, str] = {}
    item_unit: list[str] = []
    for it in items:
        uid = claim_units.get(it.key)  # the same input seen in this build (a repeated sentence): analysed once
        if uid is None:
            uid = old.claims.get(it.key)
            if uid is not None and uid in old.features:
                if uid not in feats:
                    feats[uid], lines[uid] = old.features[uid], old.lines[uid]
            else:
                f = claim_features(it.claim.text, entity_spans=it.spans, about=it.claim.about,
                                   negated=it.claim.modality == "negated")
                line = features_line(f)
                uid = unit_id(line)
                if uid not in feats:
                    feats[uid] = interner.features(f)
                lines.setdefault(uid, line)
            claim_units[it.key] = uid
        item_unit.append(uid)
    ids = sorted(feats)
    index = {u: i for i, u in enumerate(ids)}
    docs: list[Counter[str]] = [Counter() for _ in ids]
    claims: list[list[int]] = [[] for _ in ids]
    of_item = [index[u] for u in item_unit]
    for i, u in enumerate(of_item):
        docs[u][items[i].document.id] += 1
        claims[u].append(i)
    units = Units(ids, [feats[u] for u in ids], docs, claims, of_item, [docs_digest(d) for d in docs])
    return units, claim_units, lines


def cluster_claims(
    extractions: Sequence[Extraction], iris: Iris, params: ClusterParams | None = None,
    cache_dir: Path | None = None,
) -> list[ClaimCluster]:
    """Cluster every claim of the build; sorted by cluster IRI. Deterministic for the same extractions.

    ``cache_dir``: where the previous clustering was kept (read, then replaced by this one's); the result is the
    same with or without it.

    The cyclic garbage collector is paused meanwhile: clustering allocates millions of small objects that hold no
    reference cycles, and the collector's passes over them cost a third of an incremental run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _cluster_claims(extractions, iris, params, cache_dir)
    finally:
        if enabled:
            gc.enable()


def _cluster_claims(extractions: Sequence[Extraction], iris: Iris, params: ClusterParams | None,
                    cache_dir: Path | None) -> list[ClaimCluster]:
    p = params or ClusterParams()
    interner = Interner()
    old = load_state(cache_dir, state_signature(p), interner)
    items = claim_items(extractions)
    units, claim_units, lines = _units(items, old, interner)
    df: Counter[str] = Counter()
    for f in units.features:
        df.update(f.terms)
        df.update(f.pairs)
    weights = TermWeights.from_counts(df, len(units.ids))
    terms = {t: (weights(t) if c <= p.max_postings else -weights(t)) for t, c in df.items()}
    result = update(old, units, terms, weights, p.similarity, p.max_postings, p.min_shared_terms)
    clusters = _records(items, units, result.groups, result.edges, result.scores, result.contradictions, iris,
                        p, old.independent, result.independent)
    if cache_dir is not None:
        save_state(cache_dir, ClusterState(
            signature=old.signature, claims=claim_units, features=dict(zip(units.ids, units.features, strict=True)),
            lines=lines,
            units=units.ids, unit_docs=units.docs_key, component=result.component,
            cluster=result.cluster, terms=terms, weights_global=[weights.unseen, weights.mean],
            edges=result.edges, edge_scores=result.scores, contradictions=result.contradictions,
            independent=result.independent))
    return clusters


def _records(items: Sequence[ClaimItem], units: Units, groups: Sequence[Sequence[int]], edges: np.ndarray,
             scores: np.ndarray, contradictions: np.ndarray, iris: Iris, p: ClusterParams,
             known: dict[str, int], independent: dict[str, int]) -> list[ClaimCluster]:
    """One record per group of units (``independent`` receives each cluster's count by sources digest)."""
    n = len(units.ids)
    group_of = np.zeros(n, dtype=np.int64)
    for g, group in enumerate(groups):
        group_of[list(group)] = g
    size = np.asarray([len(c) for c in units.claims], dtype=np.float64)
    centrality = size - 1.0
    if len(edges):
        a, b = edges[:, 0], edges[:, 1]
        inside = group_of[a] == group_of[b]
        np.add.at(centrality, a[inside], size[b[inside]] * scores[inside])
        np.add.at(centrality, b[inside], size[a[inside]] * scores[inside])
    doc_iri: dict[str, str] = {}
    doc_digest: dict[str, str] = {}
    cluster_ids: list[str] = []
    records: list[tuple[str, str, tuple[str, ...], int, str]] = []
    missing: dict[str, list[int]] = {}
    for group in groups:
        claim_idx = sorted(i for u in group for i in units.claims[u])
        members = tuple(items[i].claim.id for i in claim_idx)
        cid = iris.cluster(members[0])
        best = min(claim_idx, key=lambda i: (-centrality[units.of_item[i]], len(items[i].claim.text),
                                             items[i].claim.id))
        doc_ids = {items[i].document.id for i in claim_idx}
        key = _sources_key(items, claim_idx, doc_iri, doc_digest, iris) if len(claim_idx) > 1 else ""
        if key and key not in known:
            missing[key] = claim_idx
        cluster_ids.append(cid)
        records.append((cid, items[best].claim.text, members, len(doc_ids), key))
    if missing:
        sources = {key: [_source(items[i], doc_iri[items[i].document.id]) for i in claim_idx]
                   for key, claim_idx in missing.items()}
        near = NearDuplicates({s.id: s.text for found in sources.values() for s in found}, p.independence)
        for key, found in sources.items():
            known[key] = independent_count(found, near)
    against: dict[str, set[str]] = defaultdict(set)
    if len(contradictions):
        ga, gb = group_of[contradictions[:, 0]], group_of[contradictions[:, 1]]
        apart = ga != gb
        for x, y in np.unique(np.stack([ga[apart], gb[apart]], axis=1), axis=0).tolist():
            against[cluster_ids[x]].add(cluster_ids[y])
            against[cluster_ids[y]].add(cluster_ids[x])
    clusters = []
    for cid, label, members, n_sources, key in records:
        if key:
            independent[key] = known[key]
        clusters.append(ClaimCluster(id=cid, label=label, members=members, sources=n_sources,
                                     independent_sources=known[key] if key else 1,
                                     contradicts=tuple(sorted(against.get(cid, ())))))
    clusters.sort(key=lambda c: c.id)
    return clusters


def _source(item: ClaimItem, iri: str) -> Source:
    doc = item.document
    return Source(id=iri, text=doc.text, title=doc.title, publisher=doc.publisher, url=doc.url,
                  credits=item.credits, date=doc.date)


def _sources_key(items: Sequence[ClaimItem], claim_idx: Sequence[int], doc_iri: dict[str, str],
                 doc_digest: dict[str, str], iris: Iris) -> str:
    """A digest of everything ``independence`` reads from the sources of these claims."""
    parts = []
    for i in claim_idx:
        doc = items[i].document
        digest = doc_digest.get(doc.id)
        if digest is None:
            doc_iri[doc.id] = iris.document(doc.id)
            blob = repr((doc.text, doc.title, doc.publisher, doc.url, doc.date))
            digest = doc_digest[doc.id] = hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()
        parts.append(repr((doc_iri[doc.id], digest, items[i].credits)))
    parts.sort()
    return hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


__all__ = ["CLUSTER_DIR", "ClaimItem", "ClusterParams", "claim_items", "cluster_claims"]
