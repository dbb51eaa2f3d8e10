"""Candidate pairs of claim units and their scores, for many units at once (numpy), equal to ``compare`` bit for bit.

A *unit* is a distinct set of claim features (syndicated copies of a sentence are one unit). Two units are a
candidate pair when they

- are not both stated by one and the same single document (a document repeating itself is no corroboration),
- share at least ``min_shared_terms`` terms held by at most ``max_postings`` units (terms more common than that
  are *stop terms*: they still count in the score, but two claims sharing nothing but stop terms are never
  compared).

Both rules depend on nothing but the two units and the weights of their terms, and so does the score: with
:class:`kg.claim_similarity.TermWeights` on a grid the sums are exact, so the score of a pair is the same float
whether it was computed from one side or the other, in a clean build or an incremental one. Every candidate
scoring at least ``floor`` is decided as :func:`kg.claim_similarity.decide` decides (conflicts, contradictions).

Terms are integer ids; each unit's terms, its bonus pairs and the posting list of every term are flat numpy
arrays with offsets (CSR). Units are scored in blocks: the postings of a block's terms are gathered into one
array of (unit, candidate) keys and summed per key, so the cost is about the sum of the posting lengths with no
Python work per unit or per candidate. The conflict rules (years, polarity, figures) depend only on each side's
figures, years and polarity: they are decided once per distinct pair of those, not per candidate pair.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from kg.claim_similarity import ClaimFeatures, Comparison, SimilarityParams, TermWeights
from kg.claim_text import Quantity, quantities_agree, quantities_conflict
from kg.cluster_features import FeatureTable, Kind, TableWeights, entity_terms

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
_V = TypeVar("_V")

REASONS = ("similar", "dissimilar", "negation", "figures", "years")
SIMILAR, DISSIMILAR, NEGATION, FIGURES, YEARS = range(5)
BLOCK_ENTRIES = 1 << 18  # gathered postings per block (bounds the scorer's temporary arrays to about 20 MB)

def bonus_pairs(feats: ClaimFeatures) -> list[str]:
    """The adjacent-term pairs that earn the pair bonus (pairs of two entities do not)."""
    return sorted(p for p in feats.pairs if not _entity_pair(p))


def _entity_pair(p: str) -> bool:
    return p.startswith("@") and "+@" in p  # "a+b": parts never hold "+"


def significant_figures(feats: ClaimFeatures) -> bool:
    """Could this claim's figures earn the agreeing-figures bonus (a unit, or 1,000 and more)?"""
    return any(q.unit or q.value >= 1000 for q in feats.quantities)


def expand(starts: IntArray, lengths: IntArray) -> IntArray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])`` without the loop."""
    total = int(lengths.sum()) if len(lengths) else 0
    if not total:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths
    return np.repeat(starts - before, lengths) + np.arange(total, dtype=np.int64)


@dataclass(frozen=True)
class Scored:
    """A candidate pair of units (``a < b``) that scored at least the floor, and its decision."""

    a: int
    b: int
    result: Comparison


@dataclass(frozen=True)
class ScoredPairs:
    """Candidates scoring at least the floor: ``src`` the unit they were scored from, ``other`` the candidate;
    each pair's score and decision (``reason``: an index into :data:`REASONS`)."""

    src: IntArray
    other: IntArray
    score: FloatArray
    same: BoolArray
    contradicts: BoolArray
    reason: npt.NDArray[np.int8]

    def __len__(self) -> int:
        return len(self.src)


def _sum(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Sum of ``weights`` per value of ``index`` (0..size-1), as floats."""
    total: FloatArray = np.bincount(index, weights=weights, minlength=size).astype(np.float64, copy=False)
    return total


class PairScorer:
    """Scores the candidates of units against all units. ``table`` holds the units 0..n-1; ``single[u]`` is the
    index of the one document stating unit ``u``, or -1 when several documents state it."""

    def __init__(self, table: FeatureTable, single: Sequence[int], weights: TableWeights,
                 params: SimilarityParams, max_postings: int, min_shared_terms: int) -> None:
        n = len(table)
        self.n = n
        self.table = table
        self.weights = weights
        self.params = params
        self.min_shared = min_shared_terms
        self.single: IntArray = np.asarray(single, dtype=np.int64).reshape(n)
        # one id space: term ids, then V + the index of each distinct pair key
        v = len(table.vocab.terms)
        term_ent = entity_terms(table.vocab)
        self.w: FloatArray = np.concatenate([weights.term_w, weights.pair_w])
        self.ent: BoolArray = np.concatenate([term_ent, np.zeros(len(weights.pair_keys), dtype=np.bool_)])
        self.t_off, self.t_ids = table.t_off, table.t_ids  # int32: the scorer's arrays are as small as they can be
        keys = table.p_keys
        bonus = ~(term_ent[keys >> 32] & term_ent[keys & 0xFFFFFFFF])  # pairs of two entities earn no bonus
        p_owner = np.repeat(np.arange(n, dtype=np.int32), np.diff(table.p_off))
        self.b_ids = (v + np.searchsorted(weights.pair_keys, keys[bonus])).astype(np.int32)
        self.b_off: IntArray = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(p_owner[bonus], minlength=n), out=self.b_off[1:])
        del keys, bonus, p_owner
        size = len(self.w)
        self.stop: BoolArray = np.concatenate([weights.term_df, weights.pair_df]) > max_postings
        # every (id, unit) held as one sorted key id * n + unit: the posting lists of the non-stop ids (units
        # ascending in each) and, for stop ids, the keys looked up when a pair is scored
        t_owner = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.t_off))
        held = np.concatenate([self.t_ids.astype(np.int64) * n + t_owner,
                               self.b_ids.astype(np.int64) * n + np.repeat(np.arange(n, dtype=np.int64),
                                                                           np.diff(self.b_off))])
        held.sort()
        stop = self.stop[held // n]
        self.stop_keys: IntArray = held[stop]
        held = held[~stop]
        del stop
        self.p_units = (held % n).astype(np.int32)
        self.p_off: IntArray = np.searchsorted(held, np.arange(size + 1, dtype=np.int64) * n)
        del held
        self.st_off, self.st_ids = self._stop_rows(self.t_off, self.t_ids)
        self.sb_off, self.sb_ids = self._stop_rows(self.b_off, self.b_ids)
        term_w = self.w[self.t_ids]
        self.sq: FloatArray = _sum(t_owner, term_w * term_w, n)
        self.lin: FloatArray = _sum(t_owner, term_w, n)
        self.entities: BoolArray = _sum(t_owner, self.ent[self.t_ids].astype(np.float64), n) > 0
        del t_owner, term_w
        self.kinds: list[Kind] = table.vocab.kinds.items
        kind_figures = np.asarray([any(q.unit or q.value >= 1000 for q in k[0]) for k in self.kinds], dtype=np.bool_)
        self.kind: IntArray = table.kind.astype(np.int64)
        self.figures: BoolArray = kind_figures[self.kind] if len(self.kind) else np.zeros(0, dtype=np.bool_)
        # per kind: its figures (by id), years (by id), polarity and the units its figures are in (bits)
        quantities: dict[frozenset[Quantity], int] = {}
        years: dict[frozenset[int], int] = {}
        units: dict[str, int] = {}
        self.k_q = np.asarray([quantities.setdefault(k[0], len(quantities)) for k in self.kinds], dtype=np.int64)
        self.k_y = np.asarray([years.setdefault(k[1], len(years)) for k in self.kinds], dtype=np.int64)
        self.k_neg = np.asarray([k[2] for k in self.kinds], dtype=np.bool_)
        self.k_units = np.asarray([_unit_bits(k[0], units) for k in self.kinds], dtype=np.int64)
        self.quantities, self.years = list(quantities), list(years)
        self._no_years = years.get(frozenset(), -1)
        self._figures: dict[tuple[int, int], tuple[bool, bool]] = {}  # (agree, conflict) of two sets of figures
        self._years: dict[tuple[int, int], bool] = {}  # do two sets of years conflict
        self._named: dict[int, tuple[frozenset[str], frozenset[str]]] = {}  # entities and names of a unit
        self.shorter_floor = params.min_terms * weights.mean
        self.one_minus_share = 1 - params.cosine_share
        self.floor = min(params.merge_threshold, params.contradiction_threshold, params.negation_threshold)

    @classmethod
    def of_features(cls, units: Sequence[ClaimFeatures], single: Sequence[int], weights: TermWeights,
                    params: SimilarityParams, max_postings: int, min_shared_terms: int) -> PairScorer:
        """A scorer of these features with these weights (fitted elsewhere)."""
        table = FeatureTable.of(units)
        return cls(table, single, TableWeights.of(table, weights), params, max_postings, min_shared_terms)

    def _stop_rows(self, off: IntArray, ids: IntArray) -> tuple[IntArray, IntArray]:
        held = self.stop[ids]
        owner = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(off))
        rows = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner[held], minlength=self.n), out=rows[1:])
        return rows, ids[held]

    # --- scoring ----------------------------------------------------------------------------------------------

    def scores(self, u: int, *, only_after: bool) -> Iterator[Scored]:
        """Candidates of unit ``u`` scoring at least the floor (``only_after``: only units with a larger index)."""
        found = self.score(np.asarray([u], dtype=np.int64), only_after=only_after)
        for i in range(len(found)):
            a, b = sorted((int(found.src[i]), int(found.other[i])))
            yield Scored(a, b, Comparison(float(found.score[i]), bool(found.same[i]), bool(found.contradicts[i]),
                                          REASONS[int(found.reason[i])]))

    def score(self, us: IntArray, *, only_after: bool) -> ScoredPairs:
        """Candidates of the units ``us`` scoring at least the floor (``only_after``: only candidates with a
        larger index than the unit scored)."""
        us = np.asarray(us, dtype=np.int64)
        # the postings each unit gathers: cut the units into blocks of about BLOCK_ENTRIES
        starts, ends = self.t_off[us], self.t_off[us + 1]
        occ = self.t_ids[expand(starts, ends - starts)]
        sizes = np.where(self.stop[occ], 0, self.p_off[occ + 1] - self.p_off[occ])
        owner = np.repeat(np.arange(len(us), dtype=np.int64), ends - starts)
        per_unit = _sum(owner, sizes.astype(np.float64), len(us)).astype(np.int64)
        first = (np.cumsum(per_unit) - per_unit) // BLOCK_ENTRIES
        bounds = [0, *(np.flatnonzero(np.diff(first)) + 1).tolist(), len(us)]
        parts = [self._block(us[lo:hi], only_after) for lo, hi in itertools.pairwise(bounds) if hi > lo]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return ScoredPairs(empty, empty, np.zeros(0), np.zeros(0, dtype=np.bool_), np.zeros(0, dtype=np.bool_),
                               np.zeros(0, dtype=np.int8))
        if len(parts) == 1:
            return parts[0]
        return ScoredPairs(np.concatenate([x.src for x in parts]), np.concatenate([x.other for x in parts]),
                           np.concatenate([x.score for x in parts]), np.concatenate([x.same for x in parts]),
                           np.concatenate([x.contradicts for x in parts]), np.concatenate([x.reason for x in parts]))

    def _gather(self, block: IntArray, off: IntArray, ids: IntArray) -> tuple[IntArray, IntArray, IntArray]:
        """Postings of the non-stop ids of each unit of ``block``: (local owner, candidate, id) per entry."""
        starts, ends = off[block], off[block + 1]
        pos = expand(starts, ends - starts)
        owner = np.repeat(np.arange(len(block), dtype=np.int64), ends - starts)
        found = ids[pos]
        live = ~self.stop[found]
        owner, found = owner[live], found[live]
        lengths = self.p_off[found + 1] - self.p_off[found]
        cand = self.p_units[expand(self.p_off[found], lengths)]
        return np.repeat(owner, lengths), cand, np.repeat(found, lengths)

    def _stop_hits(self, cu: IntArray, cv: IntArray, off: IntArray, ids: IntArray) -> tuple[IntArray, IntArray]:
        """For candidate pairs (cu, cv): (pair index, id) of every stop id of ``cu`` that ``cv`` holds too."""
        lengths = off[cu + 1] - off[cu]
        pair = np.repeat(np.arange(len(cu), dtype=np.int64), lengths)
        sid = ids[expand(off[cu], lengths)]
        if not len(sid):
            return pair, sid
        query = sid.astype(np.int64) * self.n + cv[pair]
        at = np.searchsorted(self.stop_keys, query)
        at[at == len(self.stop_keys)] = 0
        hit = self.stop_keys[at] == query if len(self.stop_keys) else np.zeros(len(query), dtype=np.bool_)
        return pair[hit], sid[hit]

    def _block(self, block: IntArray, only_after: bool) -> ScoredPairs:
        n = self.n
        owner, cand, tid = self._gather(block, self.t_off, self.t_ids)
        src = block[owner]
        keep = cand != src
        if only_after:
            keep &= cand > src
        single = self.single[src]
        keep &= (single < 0) | (self.single[cand] != single)
        key = owner[keep] * n + cand[keep]
        wt = self.w[tid[keep]]
        ent = self.ent[tid[keep]].astype(np.float64)
        keys, inv, count = np.unique(key, return_inverse=True, return_counts=True)
        m = len(keys)
        lin = _sum(inv, wt, m)
        sq = _sum(inv, wt * wt, m)
        shared_ent = _sum(inv, ent, m)
        ok = count >= self.min_shared
        keys, lin, sq, shared_ent = keys[ok], lin[ok], sq[ok], shared_ent[ok]
        cu, cv = block[keys // n], keys % n
        m = len(keys)
        pair, sid = self._stop_hits(cu, cv, self.st_off, self.st_ids)
        if len(pair):
            sw = self.w[sid]
            lin = lin + _sum(pair, sw, m)
            sq = sq + _sum(pair, sw * sw, m)
            shared_ent = shared_ent + _sum(pair, self.ent[sid].astype(np.float64), m)
        bonus = np.zeros(m, dtype=np.float64)
        b_owner, b_cand, b_id = self._gather(block, self.b_off, self.b_ids)
        if len(b_owner) and m:
            query = b_owner * n + b_cand
            at = np.searchsorted(keys, query)
            at[at == m] = 0
            hit = keys[at] == query
            bonus += _sum(at[hit], self.w[b_id[hit]], m)
        pair, sid = self._stop_hits(cu, cv, self.sb_off, self.sb_ids)
        if len(pair):
            bonus = bonus + _sum(pair, self.w[sid], m)
        score = self._combine(cu, cv, lin, sq, shared_ent, bonus)
        p = self.params
        near = score + p.agreeing_figures_bonus >= self.floor
        cu, cv, score = cu[near], cv[near], score[near]
        a, b = np.minimum(cu, cv), np.maximum(cu, cv)
        agree, verdict = self._decide_kinds(a, b)
        value = np.where(agree, np.minimum(score + p.agreeing_figures_bonus, 1.0), np.minimum(score, 1.0))
        above = value >= self.floor
        cu, cv, a, b, value, verdict = cu[above], cv[above], a[above], b[above], value[above], verdict[above]
        reason = np.where(verdict == SIMILAR, np.where(value >= p.merge_threshold, SIMILAR, DISSIMILAR), verdict)
        same = reason == SIMILAR
        contradicts = ((reason == NEGATION) & (value >= p.negation_threshold)) | (
            (reason == FIGURES) & (value >= p.contradiction_threshold))
        for i in np.flatnonzero(contradicts & (reason == FIGURES)).tolist():
            # different figures only contradict when both claims are about a named thing in common
            contradicts[i] = self._share_a_name(int(a[i]), int(b[i]))
        return ScoredPairs(cu, cv, value, same, contradicts, reason.astype(np.int8))

    def _names(self, u: int) -> tuple[frozenset[str], frozenset[str]]:
        found = self._named.get(u)
        if found is None:
            found = self._named[u] = (self.table.entities(u), self.table.names(u))
        return found

    def _share_a_name(self, a: int, b: int) -> bool:
        """:func:`kg.claim_similarity.share_a_name` of two units."""
        (ea, na), (eb, nb) = self._names(a), self._names(b)
        if ea and eb:
            return bool(ea & eb)
        return bool(na & nb)

    def _decide_kinds(self, a: IntArray, b: IntArray) -> tuple[BoolArray, IntArray]:
        """Per pair: do the figures earn the agreeing bonus, and the conflict found (SIMILAR for none), as
        ``decide`` finds it: years first, then polarity, then figures. Years and figures are compared once per
        distinct pair of sets, and only when both sides have some (figures: in a unit in common)."""
        ka, kb = self.kind[a], self.kind[b]
        m = len(a)
        conflict_years = np.zeros(m, dtype=np.bool_)
        ya, yb = self.k_y[ka], self.k_y[kb]
        both = (ya != self._no_years) & (yb != self._no_years) & (ya != yb)
        for i, found in zip(np.flatnonzero(both).tolist(), self._pairs(self._years, ya[both], yb[both],
                                                                        self._years_conflict), strict=True):
            conflict_years[i] = found
        agree = np.zeros(m, dtype=np.bool_)
        conflict_figures = np.zeros(m, dtype=np.bool_)
        shared = (self.k_units[ka] & self.k_units[kb]) != 0
        qa, qb = self.k_q[ka][shared], self.k_q[kb][shared]
        at = np.flatnonzero(shared).tolist()
        for i, (ok, bad) in zip(at, self._pairs(self._figures, qa, qb, self._figures_verdict), strict=True):
            agree[i], conflict_figures[i] = ok, bad
        verdict = np.full(m, SIMILAR, dtype=np.int64)
        verdict[conflict_figures] = FIGURES
        verdict[self.k_neg[ka] != self.k_neg[kb]] = NEGATION
        verdict[conflict_years] = YEARS
        return agree & self.figures[a] & self.figures[b], verdict

    @staticmethod
    def _pairs(cache: dict[tuple[int, int], _V], xs: IntArray, ys: IntArray,
               compute: Callable[[int, int], _V]) -> list[_V]:
        """``compute(x, y)`` for each pair, computed once per distinct pair (``cache``)."""
        out = []
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
            found = cache.get((x, y))
            if found is None:
                found = cache[(x, y)] = compute(x, y)
            out.append(found)
        return out

    def _years_conflict(self, x: int, y: int) -> bool:
        return not self.years[x] & self.years[y]

    def _figures_verdict(self, x: int, y: int) -> tuple[bool, bool]:
        qa, qb = self.quantities[x], self.quantities[y]
        return quantities_agree(qa, qb, significant=True), quantities_conflict(qa, qb)

    def _combine(self, cu: IntArray, cv: IntArray, lin: FloatArray, sq: FloatArray, shared_ent: FloatArray,
                 bonus: FloatArray) -> FloatArray:
        """``similarity`` without the figures bonus and the cap, in the same order of float operations."""
        p = self.params
        cosine = sq / np.sqrt(self.sq[cu] * self.sq[cv])
        shorter = np.maximum(np.minimum(self.lin[cu], self.lin[cv]), self.shorter_floor)
        overlap = np.minimum(lin / shorter, 1.0)
        score = p.cosine_share * cosine + self.one_minus_share * overlap
        has_bonus = bonus > 0
        if has_bonus.any():
            extra = np.minimum(p.pair_bonus * bonus / self.weights.unseen, p.pair_bonus_cap)
            score = np.where(has_bonus, score + extra, score)
        disjoint = self.entities[cu] & self.entities[cv] & (shared_ent == 0)
        score = np.where(disjoint, score * p.disjoint_entities_factor, score)
        result: FloatArray = score
        return result


def _unit_bits(quantities: frozenset[Quantity], units: dict[str, int]) -> int:
    """One bit per unit the figures are in (two sets of figures without a unit in common neither agree nor
    conflict); all bits once there are more units than bits."""
    bits = 0
    for q in quantities:
        k = units.setdefault(q.unit, len(units))
        bits |= 1 << k if k < 62 else (1 << 62) - 1
    return bits
