"""From units to groups of units, reusing what the previous clustering found for everything that did not change.

A unit is *dirty* when it is new, when the documents stating it (or how many of its claims each states) changed,
or when the weight or stop-term status of one of its terms changed. Pair scores and candidate rules depend on
nothing but the two units and the weights of their terms (``kg.cluster_scoring``), so

- the strong edges and contradiction pairs between two clean units are kept; every dirty unit is scored against
  all units again;
- the components (connected by strong edges) that hold no dirty or removed unit, and that no new edge reaches,
  are the same as before, and so are their clusters (``kg.cluster_link``: a component is clustered on its own);
- the others are found again (breadth-first over the edges from the dirty units) and clustered again.

When the collection-wide weights (the IDF of an unseen term, the mean IDF) move, everything is dirty. A clean
build is the same computation with an empty state.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kg.claim_similarity import SimilarityParams
from kg.cluster_features import FeatureTable, TableWeights
from kg.cluster_link import agglomerate, signature
from kg.cluster_scoring import PairScorer
from kg.cluster_state import ClusterState

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass
class Units:
    ids: list[str]  # unit ids, sorted
    table: FeatureTable  # the features of each unit
    docs: list[Counter[str]]  # document id -> claims of the unit it states
    claims: list[list[int]]  # claim item indices of each unit
    of_item: list[int]  # claim item -> unit
    docs_key: list[str]  # digest of each unit's documents (kg.cluster_state.docs_digest)


@dataclass
class Update:
    groups: list[list[int]]  # clusters as sorted unit indices, ordered by their first unit
    edges: IntArray  # strong edges (a < b), sorted
    scores: FloatArray
    contradictions: IntArray  # (a < b), sorted
    component: list[int]  # unit -> smallest unit of its component
    cluster: list[int]  # unit -> smallest unit of its cluster
    independent: dict[str, int] = field(default_factory=dict)
    dirty: int = 0  # units scored again
    reclustered: int = 0  # units whose component was clustered again


def _sorted(edges: IntArray, *columns: FloatArray) -> tuple[IntArray, list[FloatArray]]:
    if not len(edges):
        return edges, list(columns)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    return edges[order], [c[order] for c in columns]


def update(old: ClusterState, units: Units, weights: TableWeights, term_signed: FloatArray, pair_signed: FloatArray,
           similarity: SimilarityParams, max_postings: int, min_shared_terms: int) -> Update:
    """``term_signed``/``pair_signed``: the weight of every term id and pair key (``weights.pair_keys``), negative
    for stop terms, NaN for terms no unit holds (see ``TableWeights.signed``)."""
    n = len(units.ids)
    reuse = bool(old.units) and old.weights_global == [weights.unseen, weights.mean]
    old_index = {u: i for i, u in enumerate(old.units)} if reuse else {}
    touched = _changed_terms(old, units.table, weights, term_signed, pair_signed) if reuse else np.zeros(n, bool)

    dirty = np.ones(n, dtype=np.bool_)
    to_new = np.full(len(old.units), -1, dtype=np.int64)
    for i, uid in enumerate(units.ids):
        o = old_index.get(uid)
        if o is None:
            continue
        to_new[o] = i
        dirty[i] = old.unit_docs[o] != units.docs_key[i] or bool(touched[i])

    # edges and contradictions: kept between clean units, found again for dirty ones
    kept_old = np.zeros(len(old.units), dtype=np.bool_)
    if reuse:
        kept_old = (to_new >= 0) & ~dirty[np.maximum(to_new, 0)]
    edge_rows: list[IntArray] = [np.zeros((0, 2), dtype=np.int64)]
    score_rows: list[FloatArray] = [np.zeros(0, dtype=np.float64)]
    contra_rows: list[IntArray] = [np.zeros((0, 2), dtype=np.int64)]
    if reuse and len(old.edges):
        keep = kept_old[old.edges[:, 0]] & kept_old[old.edges[:, 1]]
        edge_rows.append(to_new[old.edges[keep]])
        score_rows.append(old.edge_scores[keep])
    if reuse and len(old.contradictions):
        keep = kept_old[old.contradictions[:, 0]] & kept_old[old.contradictions[:, 1]]
        contra_rows.append(to_new[old.contradictions[keep]])
    doc_index: dict[str, int] = {}
    single = [doc_index.setdefault(next(iter(d)), len(doc_index)) if len(d) == 1 else -1 for d in units.docs]
    all_dirty = bool(dirty.all())
    to_score = np.flatnonzero(dirty)
    if len(to_score):
        scorer = PairScorer(units.table, single, weights, similarity, max_postings, min_shared_terms)
        found = scorer.score(to_score, only_after=all_dirty)
        del scorer
        keep = found.same | found.contradicts
        if not all_dirty:  # a pair of two dirty units is found from both sides: keep it once
            keep &= ~(dirty[found.other] & (found.other < found.src))
        a = np.minimum(found.src, found.other)[keep]
        b = np.maximum(found.src, found.other)[keep]
        same = found.same[keep]
        edge_rows.append(np.stack([a[same], b[same]], axis=1))
        score_rows.append(found.score[keep][same])
        contra = found.contradicts[keep]
        contra_rows.append(np.stack([a[contra], b[contra]], axis=1))
        del found
    edges, (scores,) = _sorted(np.concatenate(edge_rows), np.concatenate(score_rows))
    contradictions, _ = _sorted(np.concatenate(contra_rows))

    region = _region(old, units, dirty, to_new, kept_old, edges, reuse)
    component = [-1] * n
    cluster = [-1] * n
    groups: list[list[int]] = []
    if reuse:  # untouched components keep their clusters
        by_label: dict[int, list[int]] = defaultdict(list)
        for o in np.flatnonzero(kept_old).tolist():
            i = int(to_new[o])
            if not region[i]:
                by_label[old.cluster[o]].append(i)
                component[i] = int(to_new[old.component[o]])
        for members in by_label.values():
            members.sort()
            groups.append(members)
            for i in members:
                cluster[i] = members[0]
    comps = _components(np.flatnonzero(region).tolist(), edges)
    for comp, (local_edges, local_scores) in zip(comps, _edges_by_component(comps, n, region, edges, scores),
                                                 strict=True):
        inside = [(a, b, sc) for (a, b), sc in zip(local_edges, local_scores, strict=True)]
        parts = agglomerate([units.docs[u] for u in comp], inside, [signature(units.table.kind_of(u)) for u in comp],
                            similarity.merge_threshold)
        for part in parts:
            members = [comp[k] for k in part]
            groups.append(members)
            for i in members:
                cluster[i] = members[0]
                component[i] = comp[0]
    groups.sort()
    return Update(groups, edges, scores, contradictions, component, cluster, dirty=int(dirty.sum()),
                  reclustered=int(region.sum()))


def _changed_terms(old: ClusterState, table: FeatureTable, weights: TableWeights, term_signed: FloatArray,
                   pair_signed: FloatArray) -> np.ndarray:
    """Units holding a term or pair whose weight or stop status differs from the previous build's (term ids
    agree: this build's vocabulary extends the previous one)."""
    n = len(table)
    before = np.full(len(term_signed), np.nan)
    known = min(len(old.term_weights), len(term_signed))
    before[:known] = old.term_weights[:known]
    same = (before == term_signed) | (np.isnan(before) & np.isnan(term_signed))
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(table.t_off))
    hit = np.bincount(owner[~same[table.t_ids]], minlength=n) > 0
    common, at_old, at_new = np.intersect1d(old.pair_keys, weights.pair_keys, assume_unique=True,
                                            return_indices=True)
    changed = np.union1d(np.setxor1d(old.pair_keys, weights.pair_keys, assume_unique=True),
                         common[old.pair_weights[at_old] != pair_signed[at_new]])
    owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(table.p_off))
    hit |= np.bincount(owner[np.isin(table.p_keys, changed)], minlength=n) > 0
    return hit


def _edges_by_component(comps: Sequence[Sequence[int]], n: int, region: np.ndarray, edges: IntArray,
                        scores: FloatArray) -> list[tuple[list[list[int]], list[float]]]:
    """The edges inside each component, as local node indices (sorted), with their scores."""
    comp_of = np.full(n, -1, dtype=np.int64)
    for k, comp in enumerate(comps):
        comp_of[list(comp)] = k
    out: list[tuple[list[list[int]], list[float]]] = [([], []) for _ in comps]
    if not len(edges):
        return out
    mask = region[edges[:, 0]] & region[edges[:, 1]]
    sel, sel_scores = edges[mask], scores[mask]
    ks = comp_of[sel[:, 0]]
    order = np.argsort(ks, kind="stable")
    sel, sel_scores, ks = sel[order], sel_scores[order], ks[order]
    bounds = np.searchsorted(ks, np.arange(len(comps) + 1))
    for k, comp in enumerate(comps):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        if lo == hi:
            continue
        nodes = np.asarray(comp, dtype=np.int64)
        local = np.searchsorted(nodes, sel[lo:hi])
        out[k] = (local.tolist(), sel_scores[lo:hi].tolist())
    return out


def _region(old: ClusterState, units: Units, dirty: np.ndarray, to_new: IntArray, kept_old: np.ndarray,
            edges: IntArray, reuse: bool) -> np.ndarray:
    """Units whose component must be clustered again: dirty units, the old components that held a dirty or
    removed unit, and every old component a strong edge from those reaches."""
    n = len(units.ids)
    if not reuse:
        return np.ones(n, dtype=np.bool_)
    label = np.full(n, -1, dtype=np.int64)  # old component of clean units
    kept = np.flatnonzero(kept_old)
    label[to_new[kept]] = np.asarray(old.component, dtype=np.int64)[kept]
    touched = set(np.asarray(old.component, dtype=np.int64)[~kept_old].tolist())
    members: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(label.tolist()):
        if lab >= 0:
            members[lab].append(i)
    region = dirty.copy()
    for lab in touched:
        region[members.get(lab, [])] = True
    if not len(edges):
        return region
    targets, bounds = _adjacency(n, edges)
    frontier = np.flatnonzero(region)
    while len(frontier):
        reached = np.concatenate([targets[bounds[u]:bounds[u + 1]] for u in frontier.tolist()])
        reached = np.unique(reached[~region[reached]])
        grow: list[int] = []
        for v in reached.tolist():
            if not region[v]:
                add = members[int(label[v])] if label[v] >= 0 else [v]
                region[add] = True
                grow.extend(add)
        frontier = np.asarray(grow, dtype=np.int64)
    return region


def _adjacency(n: int, edges: IntArray) -> tuple[IntArray, IntArray]:
    """Neighbours of node ``u``: ``targets[bounds[u]:bounds[u + 1]]``."""
    both = np.concatenate([edges, edges[:, ::-1]])
    order = np.argsort(both[:, 0], kind="stable")
    both = both[order]
    return both[:, 1], np.searchsorted(both[:, 0], np.arange(n + 1))


def _components(nodes: Sequence[int], edges: IntArray) -> list[list[int]]:
    """Connected components of ``nodes`` over ``edges`` (sorted lists, ordered by their first node)."""
    parent = {u: u for u in nodes}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if len(edges) and nodes:
        inside = np.zeros(int(max(nodes)) + 1, dtype=np.bool_)
        inside[list(nodes)] = True
        a, b = edges[:, 0], edges[:, 1]
        ok = (a <= max(nodes)) & (b <= max(nodes))
        ok[ok] = inside[a[ok]] & inside[b[ok]]
        for x, y in edges[ok].tolist():
            rx, ry = find(x), find(y)
            if rx != ry:
                parent[max(rx, ry)] = min(rx, ry)
    found: dict[int, list[int]] = defaultdict(list)
    for u in nodes:
        found[find(u)].append(u)
    return sorted(sorted(c) for c in found.values())
