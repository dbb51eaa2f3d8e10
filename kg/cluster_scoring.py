"""Candidate pairs of claim units and their scores, for every unit at once (numpy), equal to ``compare`` bit for bit.

A *unit* is a distinct set of claim features (syndicated copies of a sentence are one unit). Two units are a
candidate pair when they

- are not both stated by one and the same single document (a document repeating itself is no corroboration),
- share at least ``min_shared_terms`` terms held by at most ``max_postings`` units (terms more common than that
  are *stop terms*: they still count in the score, but two claims sharing nothing but stop terms are never
  compared).

Both rules depend on nothing but the two units and the weights of their terms, and so does the score: with
:class:`kg.claim_similarity.TermWeights` on a grid the sums are exact, so the score of a pair is the same float
whether it was computed from one side or the other, in a clean build or an incremental one. Every candidate
scoring at least ``floor`` is decided with :func:`kg.claim_similarity.decide` (conflicts, contradictions).

The per-unit work is a few numpy calls over the posting lists of its terms (no Python loop over candidates), so
scoring all candidates costs about the sum of their posting lengths.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kg.claim_similarity import ClaimFeatures, Comparison, SimilarityParams, TermWeights, decide
from kg.claim_text import quantities_agree

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def bonus_pairs(feats: ClaimFeatures) -> list[str]:
    """The adjacent-term pairs that earn the pair bonus (pairs of two entities do not)."""
    return sorted(p for p in feats.pairs if not (p.startswith("@") and "+@" in p))  # "a+b": parts never hold "+"


def significant_figures(feats: ClaimFeatures) -> bool:
    """Could this claim's figures earn the agreeing-figures bonus (a unit, or 1,000 and more)?"""
    return any(q.unit or q.value >= 1000 for q in feats.quantities)


@dataclass(frozen=True)
class Scored:
    """A candidate pair of units (``a < b``) that scored at least the floor, and its decision."""

    a: int
    b: int
    result: Comparison


class PairScorer:
    """Scores the candidates of units against all units. ``units`` are indexed 0..n-1; ``single[u]`` is the index
    of the one document stating unit ``u``, or -1 when several documents state it; ``scored``: the only units
    that will be scored (posting lists are then built for their terms alone), None for all."""

    def __init__(self, units: Sequence[ClaimFeatures], single: Sequence[int], weights: TermWeights,
                 params: SimilarityParams, max_postings: int, min_shared_terms: int,
                 scored: Sequence[int] | None = None) -> None:
        n = len(units)
        self.units = units
        self.weights = weights
        self.params = params
        self.min_shared = min_shared_terms
        self.single: IntArray = np.asarray(single, dtype=np.int64).reshape(n)
        chosen = range(n) if scored is None else scored
        self._bonus: dict[int, list[str]] = {u: bonus_pairs(units[u]) for u in chosen}
        wanted: set[str] | None = None
        if scored is not None:
            wanted = {t for u in scored for t in units[u].terms} | {p for u in scored for p in self._bonus[u]}
        lists: dict[str, list[int]] = defaultdict(list)
        pair_lists: dict[str, list[int]] = defaultdict(list)
        for u, feats in enumerate(units):
            for t in (feats.terms if wanted is None else feats.terms & wanted):
                lists[t].append(u)
            if wanted is None:
                for p in self._bonus[u]:
                    pair_lists[p].append(u)
            else:
                for p in feats.pairs & wanted:  # in wanted: a bonus pair (that is a property of the pair)
                    pair_lists[p].append(u)
        self.postings: dict[str, IntArray] = {}
        self.members: dict[str, BoolArray] = {}  # stop terms: membership over all units
        for table in (lists, pair_lists):
            for t, found in table.items():
                arr = np.asarray(found, dtype=np.int64)
                if len(found) > max_postings:
                    mask = np.zeros(n, dtype=np.bool_)
                    mask[arr] = True
                    self.members[t] = mask
                else:
                    self.postings[t] = arr
        sq, lin = zip(*(weights.norms(f.terms) for f in units), strict=True) if n else ((), ())
        self.sq: FloatArray = np.asarray(sq, dtype=np.float64)
        self.lin: FloatArray = np.asarray(lin, dtype=np.float64)
        self.entities: BoolArray = np.asarray([bool(f.entities) for f in units], dtype=np.bool_)
        self.figures: BoolArray = np.asarray([significant_figures(f) for f in units], dtype=np.bool_)
        self.shorter_floor = params.min_terms * weights.mean
        self.one_minus_share = 1 - params.cosine_share
        self.floor = min(params.merge_threshold, params.contradiction_threshold, params.negation_threshold)

    def _gather(self, keys: Sequence[str]) -> tuple[IntArray, FloatArray, FloatArray]:
        """Concatenated postings of ``keys`` (non-stop ones), each entry with its key's weight and entity flag."""
        arrays = [self.postings[k] for k in keys if k in self.postings]
        if not arrays:
            empty = np.zeros(0, dtype=np.int64)
            return empty, np.zeros(0), np.zeros(0)
        found = [k for k in keys if k in self.postings]
        lengths = [len(a) for a in arrays]
        ids = np.concatenate(arrays)
        w = np.repeat(np.asarray([self.weights(k) for k in found], dtype=np.float64), lengths)
        ent = np.repeat(np.asarray([k.startswith("@") for k in found], dtype=np.float64), lengths)
        return ids, w, ent

    def scores(self, u: int, *, only_after: bool) -> Iterator[Scored]:
        """Candidates of unit ``u`` scoring at least the floor (``only_after``: only units with a larger index)."""
        feats = self.units[u]
        terms = sorted(feats.terms)
        ids, w, ent = self._gather(terms)
        if not len(ids):
            return
        cand, inv = np.unique(ids, return_inverse=True)
        count = np.bincount(inv, minlength=len(cand))
        lin = np.bincount(inv, weights=w, minlength=len(cand))
        sq = np.bincount(inv, weights=w * w, minlength=len(cand))
        shared_ent = np.bincount(inv, weights=ent, minlength=len(cand))
        keep = (count >= self.min_shared) & (cand != u)
        if only_after:
            keep &= cand > u
        if self.single[u] >= 0:
            keep &= self.single[cand] != self.single[u]
        if not keep.any():
            return
        cand, lin, sq, shared_ent = cand[keep], lin[keep], sq[keep], shared_ent[keep]
        for t in terms:
            mask = self.members.get(t)
            if mask is not None:
                has = mask[cand]
                weight = self.weights(t)
                lin = lin + weight * has
                sq = sq + (weight * weight) * has
                if t.startswith("@"):
                    shared_ent = shared_ent + has
        bonus = np.zeros(len(cand), dtype=np.float64)
        pairs = self._bonus[u]
        pids, pw, _ = self._gather(pairs)
        if len(pids):
            pos = np.searchsorted(cand, pids)
            pos[pos == len(cand)] = 0
            hit = cand[pos] == pids
            np.add.at(bonus, pos[hit], pw[hit])
        for p in pairs:
            mask = self.members.get(p)
            if mask is not None:
                bonus = bonus + self.weights(p) * mask[cand]
        score = self._combine(u, cand, lin, sq, shared_ent, bonus)
        for i in np.flatnonzero(score + self.params.agreeing_figures_bonus >= self.floor):
            v = int(cand[i])
            a, b = (u, v) if u < v else (v, u)
            value = float(score[i])
            if self.figures[u] and self.figures[v] and quantities_agree(
                    self.units[a].quantities, self.units[b].quantities, significant=True):
                value = min(value + self.params.agreeing_figures_bonus, 1.0)
            else:
                value = min(value, 1.0)
            if value >= self.floor:
                yield Scored(a, b, decide(self.units[a], self.units[b], value, self.params))

    def _combine(self, u: int, cand: IntArray, lin: FloatArray, sq: FloatArray, shared_ent: FloatArray,
                 bonus: FloatArray) -> FloatArray:
        """``similarity`` without the figures bonus and the cap, in the same order of float operations."""
        p = self.params
        cosine = sq / np.sqrt(self.sq[u] * self.sq[cand])
        shorter = np.maximum(np.minimum(self.lin[u], self.lin[cand]), self.shorter_floor)
        overlap = np.minimum(lin / shorter, 1.0)
        score = p.cosine_share * cosine + self.one_minus_share * overlap
        has_bonus = bonus > 0
        if has_bonus.any():
            extra = np.minimum(p.pair_bonus * bonus / self.weights.unseen, p.pair_bonus_cap)
            score = np.where(has_bonus, score + extra, score)
        if self.entities[u]:
            disjoint = self.entities[cand] & (shared_ent == 0)
            score = np.where(disjoint, score * p.disjoint_entities_factor, score)
        result: FloatArray = score
        return result
