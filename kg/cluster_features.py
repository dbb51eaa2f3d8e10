"""The features of many claim units as integer ids in flat numpy arrays: what clustering holds per unit.

A :class:`kg.claim_similarity.ClaimFeatures` is a handful of Python sets of strings (~3 KB a unit); a build holds
one per distinct claim, so clustering keeps them as a :class:`FeatureTable` instead:

- **terms** (content stems and ``@entity`` terms) as ids into a :class:`Vocabulary`, one flat ``int32`` array with
  offsets per unit (CSR);
- **adjacent pairs** as ``int64`` keys ``min(a, b) << 32 | max(a, b)`` of their two term ids (the pair ``"a+b"`` of
  ``claim_features`` is the unordered pair of two different terms of the claim);
- **names** (capitalised words, for anchoring figures) as ids into a second vocabulary;
- each unit's **kind**: its figures, years and polarity, one id per distinct combination (most claims share a few).

The entities of a unit are its ``@`` terms. :meth:`FeatureTable.features` gives a unit's ``ClaimFeatures`` back
(equal to the one it was made from).
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from kg.claim_similarity import WEIGHT_STEP, ClaimFeatures, TermWeights, idf_level
from kg.claim_text import Quantity

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Kind = tuple[frozenset[Quantity], frozenset[int], bool]  # quantities, years, negated
T = TypeVar("T", bound=Hashable)


class Vocabulary(Generic[T]):
    """Items numbered in the order they were first seen."""

    def __init__(self, items: Iterable[T] = ()) -> None:
        self.items: list[T] = list(items)
        self.index: dict[T, int] = {w: i for i, w in enumerate(self.items)}

    def id(self, item: T) -> int:
        found = self.index.get(item)
        if found is None:
            found = self.index[item] = len(self.items)
            self.items.append(item)
        return found

    def __len__(self) -> int:
        return len(self.items)


def pair_key(a: int, b: int) -> int:
    return (min(a, b) << 32) | max(a, b)


def _offsets(lengths: IntArray) -> IntArray:
    off = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=off[1:])
    return off


def _rows(off: IntArray, values: npt.NDArray[np.generic], rows: IntArray) -> tuple[IntArray, npt.NDArray[np.generic]]:
    """The CSR rows ``rows`` of (off, values), as a new CSR."""
    lengths = off[rows + 1] - off[rows]
    total = int(lengths.sum())
    if not total:
        return _offsets(lengths), values[:0].copy()
    before = np.cumsum(lengths) - lengths
    at = np.repeat(off[rows] - before, lengths) + np.arange(total, dtype=np.int64)
    return _offsets(lengths), values[at]


class Vocabularies:
    """The vocabularies of one build (the tables of a build share them: ids agree)."""

    def __init__(self, terms: Iterable[str] = (), names: Iterable[str] = (), kinds: Iterable[Kind] = ()) -> None:
        self.terms: Vocabulary[str] = Vocabulary(terms)
        self.names: Vocabulary[str] = Vocabulary(names)
        self.kinds: Vocabulary[Kind] = Vocabulary(kinds)


class FeatureTable:
    """Features of units ``0..n-1`` (see the module)."""

    def __init__(self, vocab: Vocabularies, t_off: IntArray, t_ids: IntArray, p_off: IntArray, p_keys: IntArray,
                 n_off: IntArray, n_ids: IntArray, kind: IntArray) -> None:
        self.vocab = vocab
        self.t_off, self.t_ids = t_off, t_ids
        self.p_off, self.p_keys = p_off, p_keys
        self.n_off, self.n_ids = n_off, n_ids
        self.kind = kind

    @classmethod
    def empty(cls, vocab: Vocabularies) -> FeatureTable:
        zero = np.zeros(1, dtype=np.int64)
        none = np.zeros(0, dtype=np.int64)
        return cls(vocab, zero, none.astype(np.int32), zero, none, zero, none.astype(np.int32), none.astype(np.int32))

    @classmethod
    def of(cls, features: Iterable[ClaimFeatures], vocab: Vocabularies | None = None) -> FeatureTable:
        rows = FeatureRows(vocab or Vocabularies())
        for f in features:
            rows.add(f)
        return rows.table()

    def __len__(self) -> int:
        return len(self.kind)

    def terms(self, u: int) -> IntArray:
        return self.t_ids[self.t_off[u]:self.t_off[u + 1]]

    def pairs(self, u: int) -> IntArray:
        return self.p_keys[self.p_off[u]:self.p_off[u + 1]]

    def kind_of(self, u: int) -> Kind:
        return self.vocab.kinds.items[int(self.kind[u])]

    def entities(self, u: int) -> frozenset[str]:
        words = self.vocab.terms.items
        return frozenset(w[1:] for w in (words[t] for t in self.terms(u).tolist()) if w.startswith("@"))

    def names(self, u: int) -> frozenset[str]:
        names = self.vocab.names.items
        return frozenset(names[i] for i in self.n_ids[self.n_off[u]:self.n_off[u + 1]].tolist())

    def features(self, u: int) -> ClaimFeatures:
        words = self.vocab.terms.items
        quantities, years, negated = self.kind_of(u)
        pairs = frozenset("+".join(sorted((words[k >> 32], words[k & 0xFFFFFFFF]))) for k in self.pairs(u).tolist())
        return ClaimFeatures(frozenset(words[t] for t in self.terms(u).tolist()), pairs, self.entities(u),
                             quantities, years, negated, self.names(u))

    def take(self, rows: IntArray) -> FeatureTable:
        """The units ``rows`` (in that order), as a new table."""
        rows = np.asarray(rows, dtype=np.int64)
        t_off, t_ids = _rows(self.t_off, self.t_ids, rows)
        p_off, p_keys = _rows(self.p_off, self.p_keys, rows)
        n_off, n_ids = _rows(self.n_off, self.n_ids, rows)
        return FeatureTable(self.vocab, t_off, t_ids, p_off, p_keys, n_off, n_ids,  # type: ignore[arg-type]
                            self.kind[rows])

    @staticmethod
    def concat(a: FeatureTable, b: FeatureTable) -> FeatureTable:
        """``a``'s units then ``b``'s (both over the same vocabularies)."""
        def off(x: IntArray, y: IntArray) -> IntArray:
            return np.concatenate([x[:-1], y + x[-1]])

        return FeatureTable(a.vocab, off(a.t_off, b.t_off), np.concatenate([a.t_ids, b.t_ids]),
                            off(a.p_off, b.p_off), np.concatenate([a.p_keys, b.p_keys]),
                            off(a.n_off, b.n_off), np.concatenate([a.n_ids, b.n_ids]),
                            np.concatenate([a.kind, b.kind]))


class FeatureRows:
    """Builds a :class:`FeatureTable` one unit at a time (compact ``array`` buffers, no per-unit objects)."""

    def __init__(self, vocab: Vocabularies) -> None:
        self.vocab = vocab
        self.t_ids = array("i")
        self.t_len = array("i")
        self.p_keys = array("q")
        self.p_len = array("i")
        self.n_ids = array("i")
        self.n_len = array("i")
        self.kind = array("i")

    def add(self, f: ClaimFeatures) -> int:
        """Append a unit; returns its row."""
        term = self.vocab.terms.id
        ids = [term(t) for t in f.terms]
        self.t_ids.extend(ids)
        self.t_len.append(len(ids))
        keys = []
        for p in f.pairs:
            a, _, b = p.partition("+")
            keys.append(pair_key(term(a), term(b)))
        self.p_keys.extend(keys)
        self.p_len.append(len(keys))
        name = self.vocab.names.id
        names = [name(x) for x in f.names]
        self.n_ids.extend(names)
        self.n_len.append(len(names))
        self.kind.append(self.vocab.kinds.id((f.quantities, f.years, f.negated)))
        return len(self.kind) - 1

    def __len__(self) -> int:
        return len(self.kind)

    def table(self) -> FeatureTable:
        def lengths(buffer: array[int]) -> IntArray:
            return np.frombuffer(buffer, dtype=np.int32).astype(np.int64) if len(buffer) else np.zeros(
                0, dtype=np.int64)

        def values(buffer: array[int], dtype: type[np.generic]) -> IntArray:
            found: IntArray = np.frombuffer(buffer, dtype=dtype).copy() if len(buffer) else np.zeros(0, dtype=dtype)
            return found

        return FeatureTable(self.vocab, _offsets(lengths(self.t_len)), values(self.t_ids, np.int32),
                            _offsets(lengths(self.p_len)), values(self.p_keys, np.int64),
                            _offsets(lengths(self.n_len)), values(self.n_ids, np.int32),
                            values(self.kind, np.int32))


def entity_terms(vocab: Vocabularies) -> npt.NDArray[np.bool_]:
    """Which term ids are entity terms (``@key``)."""
    return np.fromiter((w.startswith("@") for w in vocab.terms.items), dtype=np.bool_, count=len(vocab.terms))


__all__ = ["FeatureRows", "FeatureTable", "Kind", "TableWeights", "Vocabularies", "Vocabulary", "entity_terms",
           "pair_key"]


class TableWeights:
    """:class:`kg.claim_similarity.TermWeights` over a table's ids: the weight of every term id and of every
    distinct pair key the units hold, with their unit frequencies (``df``)."""

    def __init__(self, term_w: FloatArray, term_df: IntArray, pair_keys: IntArray, pair_w: FloatArray,
                 pair_df: IntArray, unseen: float, mean: float) -> None:
        self.term_w, self.term_df = term_w, term_df
        self.pair_keys, self.pair_w, self.pair_df = pair_keys, pair_w, pair_df
        self.unseen, self.mean = unseen, mean

    @classmethod
    def fit(cls, table: FeatureTable) -> TableWeights:
        """IDF over the table's units, exactly as ``TermWeights.from_counts`` computes it."""
        term_df = np.bincount(table.t_ids, minlength=len(table.vocab.terms)).astype(np.int64)
        pair_keys, pair_df = np.unique(table.p_keys, return_counts=True)
        top = idf_level(len(table))
        levels: dict[int, float] = {}

        def idf(counts: IntArray) -> FloatArray:
            distinct = np.unique(counts)
            for c in distinct.tolist():
                if c not in levels:
                    levels[c] = 1.0 + WEIGHT_STEP * (top - idf_level(c))
            values = np.asarray([levels[c] for c in distinct.tolist()], dtype=np.float64)
            found: FloatArray = values[np.searchsorted(distinct, counts)] if len(counts) else np.zeros(0)
            return found

        unseen = 1.0 + WEIGHT_STEP * top
        term_w = idf(term_df)
        held = term_df > 0
        term_w[~held] = unseen
        unigram = term_w[held]
        mean = float(unigram.sum()) / len(unigram) if len(unigram) else 1.0
        return cls(term_w, term_df, pair_keys.astype(np.int64), idf(pair_df.astype(np.int64)),
                   pair_df.astype(np.int64), unseen, WEIGHT_STEP * round(mean / WEIGHT_STEP))

    @classmethod
    def of(cls, table: FeatureTable, weights: TermWeights) -> TableWeights:
        """The weights ``weights`` gives the table's terms and pairs (for scoring features fitted elsewhere)."""
        words = table.vocab.terms.items
        term_df = np.bincount(table.t_ids, minlength=len(words)).astype(np.int64)
        pair_keys, pair_df = np.unique(table.p_keys, return_counts=True)
        term_w = np.asarray([weights(w) for w in words], dtype=np.float64)
        pair_w = np.asarray([weights("+".join(sorted((words[k >> 32], words[k & 0xFFFFFFFF]))))
                             for k in pair_keys.tolist()], dtype=np.float64)
        return cls(term_w, term_df, pair_keys.astype(np.int64), pair_w, pair_df.astype(np.int64), weights.unseen,
                   weights.mean)

    def signed(self, max_postings: int) -> tuple[FloatArray, FloatArray]:
        """Each held term's and pair's weight, negative for stop terms (NaN for terms no unit holds): what a
        unit's pair scores depend on."""
        terms = np.where(self.term_df > max_postings, -self.term_w, self.term_w)
        terms[self.term_df == 0] = np.nan
        pairs: FloatArray = np.where(self.pair_df > max_postings, -self.pair_w, self.pair_w)
        return terms, pairs
