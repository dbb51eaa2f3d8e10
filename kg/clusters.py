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
import json
import zlib
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol, cast

import numpy as np
import numpy.typing as npt

from kg.claim_similarity import ClaimFeatures, SimilarityParams, claim_features
from kg.claim_text import LEXICON_FILE
from kg.cluster_features import FeatureRows, FeatureTable, TableWeights
from kg.cluster_state import (
    FEATURES_VERSION,
    STATE_FORMAT,
    ClusterState,
    docs_digest,
    features_from_json,
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


IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ClusterParams:
    similarity: SimilarityParams = field(default_factory=SimilarityParams)
    independence: IndependenceParams = field(default_factory=IndependenceParams)
    max_postings: int = 1000  # terms held by more units are stop terms: they never make two units candidates
    min_shared_terms: int = 2  # non-stop terms two units must share to be compared


@dataclass(frozen=True)
class DocumentInfo:
    """What clustering keeps of a document: its IRI, a digest of what ``independence`` reads, and those fields
    (the text compressed: it is only read for the clusters whose independent sources are counted again)."""

    id: str
    iri: str
    digest: str
    packed_text: bytes
    title: str | None
    publisher: str | None
    url: str | None
    date: str | None

    @classmethod
    def of(cls, doc: Document, iris: Iris) -> DocumentInfo:
        blob = repr((doc.text, doc.title, doc.publisher, doc.url, doc.date))
        digest = hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()
        return cls(doc.id, iris.document(doc.id), digest, zlib.compress(doc.text.encode("utf-8", "surrogatepass"), 1),
                   doc.title, doc.publisher, doc.url, doc.date)

    @property
    def text(self) -> str:
        return zlib.decompress(self.packed_text).decode("utf-8", "surrogatepass")


@dataclass
class ClaimTable:
    """Every claim of the build as columns, sorted by claim IRI: its IRI, document, input (claims with equal
    input digests share one: its text and unit) and the names of whom it credits (for independence). Claims and
    documents are not kept as objects: a build holds every claim at once here."""

    ids: list[str]
    doc: IntArray  # claim -> index into ``docs``
    input: IntArray  # claim -> index into ``texts`` / ``input_unit``
    credits: list[tuple[str, ...]]  # equal tuples are one object
    texts: list[str]  # per distinct input
    input_keys: list[str]  # per distinct input: its digest
    docs: list[DocumentInfo]


def _spans(ex: Extraction) -> tuple[list[int], list[tuple[int, int, str]]]:
    mentions = sorted((m.start, m.end, e.id) for e in ex.entities for m in e.mentions)
    return [m[0] for m in mentions], mentions


def input_key(claim: Claim, spans: tuple[tuple[int, int, str], ...]) -> str:
    """A digest of everything a claim's features are computed from."""
    blob = repr((claim.text, spans, sorted(claim.about), claim.modality == "negated"))
    return hashlib.sha1(blob.encode("utf-8", "surrogatepass")).hexdigest()[:24]


ClaimInputs = tuple[tuple[str, str], ...]
"""Per claim of an extraction, in order: its input digest and its features line (``features_line``)."""


def _claim_spans(ex: Extraction) -> Iterator[tuple[Claim, tuple[tuple[int, int, str], ...]]]:
    """Each claim with the entity mentions inside it (offsets relative to the claim)."""
    starts, mentions = _spans(ex)
    for claim in ex.claims:
        yield claim, tuple((s - claim.start, e - claim.start, iri)
                           for s, e, iri in mentions[bisect_left(starts, claim.start):bisect_left(starts, claim.end)]
                           if e <= claim.end)


def _features(claim: Claim, spans: tuple[tuple[int, int, str], ...]) -> ClaimFeatures:
    return claim_features(claim.text, entity_spans=spans, about=claim.about, negated=claim.modality == "negated")


def claim_inputs(ex: Extraction) -> ClaimInputs:
    """What clustering computes of each claim of ``ex`` on its own, for the worker that extracted it to compute
    (``kg.build_work.render``): the build process then only parses the features of claims it has not seen."""
    return tuple((input_key(claim, spans), features_line(_features(claim, spans))) for claim, spans in _claim_spans(ex))


class _WithInputs(Protocol):
    def with_inputs(self) -> Iterator[tuple[Extraction, ClaimInputs | None]]: ...


def state_signature(params: ClusterParams) -> str:
    """What a kept state must have been computed with: method, parameters and lexicon."""
    lexicon = resources.files("kg.patterns").joinpath(LEXICON_FILE).read_bytes()
    return hashlib.sha1(repr((STATE_FORMAT, FEATURES_VERSION, METHOD_VERSION, params)).encode() + lexicon).hexdigest()


def _collect(extractions: Sequence[Extraction], old: ClusterState,
             iris: Iris) -> tuple[ClaimTable, Units, dict[str, int]]:
    """One pass over the extractions: the claim table and the units (features of unchanged claims from the
    state); also each distinct claim input's unit. A claim's entity spans are only held while its features are
    computed, and features are kept as ids (``kg.cluster_features``)."""
    ids: list[str] = []
    doc = array("i")
    inputs = array("i")
    credits: list[tuple[str, ...]] = []
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    seen: dict[str, int] = {}  # input digest -> its index (a repeated sentence is analysed once)
    texts: list[str] = []
    keys: list[str] = []
    input_unit: list[str] = []
    n_old = len(old.table) if old.table is not None else 0
    fresh = FeatureRows(old.vocab)
    rows: dict[str, int] = {}  # unit id -> its row: in the state's table (< n_old), else n_old + row in ``fresh``
    docs: list[DocumentInfo] = []
    source = cast(_WithInputs, extractions).with_inputs() if hasattr(extractions, "with_inputs") else (
        (ex, None) for ex in extractions)
    for d, (ex, given) in enumerate(source):
        docs.append(DocumentInfo.of(ex.document, iris))
        names: dict[str, tuple[str, ...]] = {e.id: (e.name, *e.aliases) for e in ex.entities}
        spans_of = iter(()) if given is not None else _claim_spans(ex)
        for j, claim in enumerate(ex.claims):
            if given is not None:
                key, line = given[j]
                spans: tuple[tuple[int, int, str], ...] = ()
            else:
                _claim, spans = next(spans_of)
                key, line = input_key(claim, spans), ""
            named: list[str] = []
            for ref in (claim.reported_by, claim.attributed_to):
                if ref is not None:
                    named.extend((ref.name, *names.get(ref.id, ())))
            credit = tuple(dict.fromkeys(named))
            k = seen.get(key)
            if k is None:
                k = seen[key] = len(keys)
                keys.append(key)
                texts.append(claim.text)
                o = old.claims.get(key) if n_old else None
                if o is not None:
                    uid = old.units[o]
                    rows.setdefault(uid, o)
                else:
                    f = features_from_json(json.loads(line)) if line else _features(claim, spans)
                    if not line:
                        line = features_line(f)
                    uid = unit_id(line)
                    if uid not in rows:
                        rows[uid] = n_old + fresh.add(f)
                input_unit.append(uid)
            ids.append(claim.id)
            doc.append(d)
            inputs.append(k)
            credits.append(shared.setdefault(credit, credit))
    del seen, shared
    order = sorted(range(len(ids)), key=ids.__getitem__)
    table = ClaimTable([ids[i] for i in order], np.frombuffer(doc, dtype=np.int32).astype(np.int64)[order],
                       np.frombuffer(inputs, dtype=np.int32).astype(np.int64)[order], [credits[i] for i in order],
                       texts, keys, docs)
    del ids, doc, inputs, credits
    unit_ids = sorted(rows)
    pool = FeatureTable.concat(old.table, fresh.table()) if old.table is not None else fresh.table()
    features = pool.take(np.asarray([rows[u] for u in unit_ids], dtype=np.int64))
    del pool, fresh, rows
    index = {u: i for i, u in enumerate(unit_ids)}
    of_input = [index[u] for u in input_unit]
    del index, input_unit
    return table, _units(table, unit_ids, features, of_input), dict(zip(keys, of_input, strict=True))


def _units(table: ClaimTable, ids: list[str], features: FeatureTable, of_input: list[int]) -> Units:
    """The units (sorted by unit id) with their documents and claims."""
    of_item = np.asarray(of_input, dtype=np.int64)[table.input] if len(table.input) else np.zeros(0, dtype=np.int64)
    docs: list[Counter[str]] = [Counter() for _ in ids]
    doc_ids = [d.id for d in table.docs]
    for u, d in zip(of_item.tolist(), table.doc.tolist(), strict=True):
        docs[u][doc_ids[d]] += 1
    order = np.argsort(of_item, kind="stable")
    bounds = np.searchsorted(of_item[order], np.arange(len(ids) + 1))
    flat = order.tolist()
    claims = [flat[bounds[u]:bounds[u + 1]] for u in range(len(ids))]
    return Units(ids, features, docs, claims, of_item.tolist(), [docs_digest(d) for d in docs])


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
    old = load_state(cache_dir, state_signature(p))
    table, units, claim_units = _collect(extractions, old, iris)
    weights = TableWeights.fit(units.table)
    term_signed, pair_signed = weights.signed(p.max_postings)
    result = update(old, units, weights, term_signed, pair_signed, p.similarity, p.max_postings,
                    p.min_shared_terms)
    old_independent = old.independent
    del old
    clusters = _records(table, units, result.groups, result.edges, result.scores, result.contradictions, iris,
                        p, old_independent, result.independent)
    del table
    if cache_dir is not None:
        save_state(cache_dir, ClusterState(
            signature=state_signature(p), claims=claim_units, vocab=units.table.vocab, table=units.table,
            units=units.ids, unit_docs=units.docs_key, component=result.component, cluster=result.cluster,
            term_weights=term_signed, pair_keys=weights.pair_keys, pair_weights=pair_signed,
            weights_global=[weights.unseen, weights.mean], edges=result.edges, edge_scores=result.scores,
            contradictions=result.contradictions, independent=result.independent))
    return clusters


def _records(table: ClaimTable, units: Units, groups: Sequence[Sequence[int]], edges: np.ndarray,
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
    ids, texts, of_input = table.ids, table.texts, table.input.tolist()
    of_doc = table.doc.tolist()
    rank = (-centrality).tolist()
    cluster_ids: list[str] = []
    records: list[tuple[str, str, tuple[str, ...], int, str]] = []
    missing: dict[str, list[int]] = {}
    for group in groups:
        claim_idx = sorted(i for u in group for i in units.claims[u]) if len(group) > 1 else units.claims[group[0]]
        members = tuple(ids[i] for i in claim_idx)
        cid = iris.cluster(members[0])
        best = min(claim_idx, key=lambda i: (rank[units.of_item[i]], len(texts[of_input[i]]), ids[i]))
        n_docs = len({of_doc[i] for i in claim_idx})
        key = _sources_key(table, claim_idx) if len(claim_idx) > 1 else ""
        if key and key not in known:
            missing[key] = claim_idx
        cluster_ids.append(cid)
        records.append((cid, texts[of_input[best]], members, n_docs, key))
    if missing:
        involved = {int(table.doc[i]) for claim_idx in missing.values() for i in claim_idx}
        near = NearDuplicates(_Texts({table.docs[d].iri: table.docs[d] for d in involved}), p.independence)
        for key, claim_idx in missing.items():  # ``independent_count`` reads the texts through ``near``
            known[key] = independent_count([_source(table, i) for i in claim_idx], near)
        del near
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


class _Texts(Mapping[str, str]):
    """Document IRI -> text, decompressed on access (``NearDuplicates`` reads each once: one text at a time)."""

    def __init__(self, docs: dict[str, DocumentInfo]) -> None:
        self._docs = docs

    def __getitem__(self, iri: str) -> str:
        return self._docs[iri].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)


def _source(table: ClaimTable, i: int) -> Source:
    """The source of claim ``i`` for ``independent_count`` (without its text: that is in ``NearDuplicates``)."""
    doc = table.docs[int(table.doc[i])]
    return Source(id=doc.iri, text="", title=doc.title, publisher=doc.publisher, url=doc.url,
                  credits=table.credits[i], date=doc.date)


def _sources_key(table: ClaimTable, claim_idx: Sequence[int]) -> str:
    """A digest of everything ``independence`` reads from the sources of these claims."""
    parts = []
    for i in claim_idx:
        doc = table.docs[int(table.doc[i])]
        parts.append(repr((doc.iri, doc.digest, table.credits[i])))
    parts.sort()
    return hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:24]


__all__ = [
    "CLUSTER_DIR",
    "ClaimInputs",
    "ClaimTable",
    "ClusterParams",
    "DocumentInfo",
    "claim_inputs",
    "cluster_claims",
    "input_key",
]
