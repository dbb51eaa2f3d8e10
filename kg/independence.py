"""How many independent sources support a claim: syndicated copies and outlets that repeat another count once.

Documents supporting one claim cluster are grouped with a union-find; each group is one independent source.
Two documents fall into one group when

- ``near-duplicate``: their texts share most word 5-shingles (Jaccard >= 0.8, or the shorter one's shingles are
  >= 90% contained in the longer one: a syndicated copy with a different header or an extra paragraph);
- ``same-title``: their normalised titles are equal and at least five words long (syndication keeps headlines);
- ``repeats-outlet``: the supporting claim in one credits (reported by / attributed to) the outlet or
  organisation that published the other, or names it by its title (a report cited by name), and is not itself
  published by it;
- ``same-publisher``: both come from the same publisher (an outlet repeating itself is still one voice); the
  publisher is ``dct:publisher``, or the URL's host name when that is missing.

The method is described in ``docs/claim-clustering.md``.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

_WORD = re.compile(r"\w+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_HOST_NOISE = {"www", "amp", "m", "mobile", "news", "en", "edition"}
_SUFFIXES = {"com", "org", "net", "edu", "gov", "co", "uk", "cn", "hk", "sg", "io", "ai", "info", "int", "eu"}


@dataclass(frozen=True)
class Source:
    """One document supporting a cluster, with what the independence rules read."""

    id: str  # document IRI
    text: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    credits: tuple[str, ...] = ()  # names and aliases of whom its supporting claims credit
    date: str | None = None  # ISO date: of two copies, the later one is the copy


@dataclass(frozen=True)
class IndependenceParams:
    shingle_size: int = 5
    jaccard: float = 0.8
    containment: float = 0.9
    min_shingles: int = 20  # shorter texts are compared by Jaccard only
    min_title_words: int = 5


@dataclass(frozen=True, order=True)
class Fold:
    """Why ``source`` counts together with ``other``: ``source`` is the copy (the later one, or the one that
    credits the other), ``other`` the original."""

    source: str
    other: str
    rule: str  # "near-duplicate" | "same-title" | "repeats-outlet" | "same-publisher"


@dataclass(frozen=True)
class Independence:
    groups: tuple[tuple[str, ...], ...]  # document IRIs; one group per independent source, sorted
    folds: tuple[Fold, ...]

    @property
    def count(self) -> int:
        return len(self.groups)


ShingleCache = MutableMapping[str, frozenset[int]]


def name_key(name: str) -> str:
    """Case, accents, punctuation and a leading "The" do not matter: "The Business Times" ~ "business times"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    words = _NON_ALNUM.sub(" ", folded).split()
    if words and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def host_name(url: str | None) -> str | None:
    """The distinctive label of a URL's host: ``https://www.scmp.com/x`` -> ``scmp``."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    labels = [label for label in host.split(".") if label and label not in _HOST_NOISE]
    while len(labels) > 1 and labels[-1] in _SUFFIXES:
        labels.pop()
    return labels[-1] if labels else None


def publisher_keys(source: Source) -> frozenset[str]:
    """The publisher's name; the URL's host name only when the publisher is unknown (a document's ``url`` may
    record the page it relied on rather than where it was published)."""
    if source.publisher and name_key(source.publisher):
        return frozenset({name_key(source.publisher)})
    host = host_name(source.url)
    return frozenset({host}) if host else frozenset()


def shingles(text: str, size: int) -> frozenset[int]:
    """Hashed word ``size``-grams of a text (case-folded); the hash is stable within a process."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) < size:
        return frozenset({hash(tuple(words))}) if words else frozenset()
    return frozenset(hash(tuple(words[i : i + size])) for i in range(len(words) - size + 1))


def near_duplicate(a: frozenset[int], b: frozenset[int], params: IndependenceParams) -> bool:
    if not a or not b:
        return False
    inter = len(a & b)
    if inter / len(a | b) >= params.jaccard:
        return True
    smaller = min(len(a), len(b))
    return smaller >= params.min_shingles and inter / smaller >= params.containment


def _near_arrays(a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], params: IndependenceParams) -> bool:
    """:func:`near_duplicate` on sorted arrays of distinct shingles (the same arithmetic, the same verdict)."""
    if not len(a) or not len(b):
        return False
    inter = len(np.intersect1d(a, b, assume_unique=True))
    if inter / (len(a) + len(b) - inter) >= params.jaccard:
        return True
    smaller = min(len(a), len(b))
    return smaller >= params.min_shingles and inter / smaller >= params.containment


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def independence(
    sources: Sequence[Source],
    params: IndependenceParams | None = None,
    cache: ShingleCache | None = None,
) -> Independence:
    """Group the sources of one cluster into independent sources (deterministic: sorted by document IRI)."""
    p = params or IndependenceParams()
    by_id: dict[str, Source] = {}
    for src in sorted(sources, key=lambda s: s.id):
        if src.id in by_id:  # one document, several claims: pool their credits
            old = by_id[src.id]
            by_id[src.id] = Source(old.id, old.text, old.title, old.publisher, old.url,
                                   (*old.credits, *src.credits), old.date)
        else:
            by_id[src.id] = src
    ids = sorted(by_id)
    uf = _UnionFind(ids)
    folds: list[Fold] = []
    shingle_cache: ShingleCache = cache if cache is not None else {}

    def shingled(src: Source) -> frozenset[int]:
        if src.id not in shingle_cache:
            shingle_cache[src.id] = shingles(src.text, p.shingle_size)
        return shingle_cache[src.id]

    pubs = {i: publisher_keys(by_id[i]) for i in ids}
    names = {i: pubs[i] | (frozenset({name_key(by_id[i].title or "")}) - {""}) for i in ids}
    credits = {i: frozenset(name_key(c) for c in by_id[i].credits) - {""} for i in ids}
    for x, a in enumerate(ids):
        for b in ids[x + 1 :]:
            rule = _rule(by_id[a], by_id[b], pubs, names, credits, shingled, p)
            if rule:
                copy, original = _orient(by_id[a], by_id[b], rule, names, credits)
                folds.append(Fold(copy, original, rule))
                uf.union(a, b)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(uf.find(i), []).append(i)
    return Independence(tuple(sorted(tuple(g) for g in groups.values())), tuple(sorted(folds)))


def _orient(
    a: Source, b: Source, rule: str, names: dict[str, frozenset[str]], credits: dict[str, frozenset[str]]
) -> tuple[str, str]:
    """(copy, original) of a folded pair; ``a.id < b.id``."""
    if rule == "repeats-outlet":
        return (a.id, b.id) if credits[a.id] & names[b.id] else (b.id, a.id)
    if (a.date or "9999") > (b.date or "9999"):
        return a.id, b.id
    return b.id, a.id


def _rule(
    a: Source,
    b: Source,
    pubs: dict[str, frozenset[str]],
    names: dict[str, frozenset[str]],
    credits: dict[str, frozenset[str]],
    shingled: Callable[[Source], frozenset[int]],
    p: IndependenceParams,
) -> str:
    if near_duplicate(shingled(a), shingled(b), p):
        return "near-duplicate"
    if a.title and b.title:
        ta, tb = name_key(a.title), name_key(b.title)
        if ta == tb and len(ta.split()) >= p.min_title_words:
            return "same-title"
    if pubs[a.id] & pubs[b.id]:
        return "same-publisher"
    if (credits[a.id] & names[b.id] - pubs[a.id]) or (credits[b.id] & names[a.id] - pubs[b.id]):
        return "repeats-outlet"
    return ""


class NearDuplicates:
    """Which documents are near-duplicates, for many clusters at once: a prefix filter over word shingles.

    Two near-duplicates share at least ``min(jaccard, containment)`` of the smaller one's shingles, so at least
    one of the smaller one's ``floor((1 - that) * size) + 1`` rarest shingles (rarest over ``texts``) is in the
    other: only such pairs are compared. Exact (the same verdicts as :func:`near_duplicate`), and close to linear
    when documents share little beyond common phrases."""

    def __init__(self, texts: Mapping[str, str], params: IndependenceParams | None = None) -> None:
        """``texts``: document id -> text, each read once (a mapping that makes texts on access keeps only one
        at a time)."""
        self.params = p = params or IndependenceParams()
        self._share = min(p.jaccard, p.containment)
        # sorted arrays rather than sets of Python ints: 8 bytes a shingle instead of ~60 (10,000 documents of
        # 800 words: 60 MB instead of 450 MB); each document's is a slice of one array, filled as texts are read
        self.docs = sorted(texts)
        buffer = array("q")
        lengths = np.zeros(len(self.docs), dtype=np.int64)
        for k, d in enumerate(self.docs):
            found = shingles(texts[d], p.shingle_size)
            buffer.frombytes(np.sort(np.fromiter(found, dtype=np.int64, count=len(found))).tobytes())
            lengths[k] = len(found)
        values = np.frombuffer(buffer, dtype=np.int64) if len(buffer) else np.zeros(0, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        self.sets: dict[str, npt.NDArray[np.int64]] = {
            d: values[start:end] for d, start, end in zip(self.docs, starts[:-1].tolist(), starts[1:].tolist(),
                                                          strict=True)}
        # every shingle with the document holding it, sorted by shingle: the holders of a shingle are a slice
        order = np.argsort(values, kind="stable").astype(np.int32)  # int32: half the memory of argsort's int64
        self._sorted = values[order]
        self._holders = np.repeat(np.arange(len(self.docs), dtype=np.int32), lengths)[order]
        del order
        self._index = {d: k for k, d in enumerate(self.docs)}
        self._candidates: dict[str, frozenset[str]] = {}
        self._verdicts: dict[tuple[str, str], bool] = {}

    def candidates(self, a: str) -> frozenset[str]:
        """The documents holding one of ``a``'s rarest shingles (its prefix: rarest over ``texts``, ties: smaller
        hash) whose (size, id) is not smaller than ``a``'s: every near-duplicate of ``a`` that is not smaller
        than it is among them (computed once per document)."""
        found = self._candidates.get(a)
        if found is None:
            mine = self.sets[a]
            lo = np.searchsorted(self._sorted, mine, side="left")
            hi = np.searchsorted(self._sorted, mine, side="right")
            keep = int((1 - self._share) * len(mine) + 1e-9) + 1
            pick = np.argsort(hi - lo, kind="stable")[:keep]  # ``mine`` is sorted: ties stay by hash
            lengths = (hi - lo)[pick]
            before = np.cumsum(lengths) - lengths
            at = np.repeat(lo[pick] - before, lengths) + np.arange(int(lengths.sum()))
            ka = self._key(a)
            found = frozenset(b for b in (self.docs[i] for i in np.unique(self._holders[at]).tolist())
                              if b != a and self._key(b) >= ka)
            self._candidates[a] = found
        return found

    def _key(self, d: str) -> tuple[int, str]:
        return len(self.sets[d]), d

    def pairs(self, docs: Iterable[str]) -> list[tuple[str, str]]:
        """The near-duplicate pairs among ``docs`` (each ``(a, b)`` with ``a < b``), sorted."""
        inside = set(docs)
        found: set[tuple[str, str]] = set()
        for a in sorted(inside):
            if a not in self._index:
                continue
            near = self.candidates(a)
            for b in (near & inside if len(near) > len(inside) else inside & near):
                pair = (a, b) if a < b else (b, a)
                if pair in found:
                    continue
                verdict = self._verdicts.get(pair)
                if verdict is None:
                    verdict = self._verdicts[pair] = _near_arrays(self.sets[a], self.sets[b], self.params)
                if verdict:
                    found.add(pair)
        return sorted(found)


def independent_count(sources: Sequence[Source], near: NearDuplicates) -> int:
    """``independence(sources).count`` without listing every fold: near-duplicates through ``near`` (which must
    know every source's text), the other rules by their keys."""
    p = near.params
    by_id: dict[str, list[str]] = {}
    first: dict[str, Source] = {}
    for src in sorted(sources, key=lambda s: s.id):
        by_id.setdefault(src.id, []).extend(src.credits)
        first.setdefault(src.id, src)
    ids = sorted(by_id)
    uf = _UnionFind(ids)
    holders: dict[str, list[str]] = {}
    pubs = {i: publisher_keys(first[i]) for i in ids}
    for i in ids:
        src = first[i]
        names = set(pubs[i])
        title = name_key(src.title or "")
        if title:
            names.add(title)
            if src.title and len(title.split()) >= p.min_title_words:
                holders.setdefault("title\0" + title, []).append(i)
        for key in pubs[i]:
            holders.setdefault("pub\0" + key, []).append(i)
        for name in names:
            holders.setdefault("name\0" + name, []).append(i)
    for key, docs in holders.items():
        if not key.startswith("name\0"):
            for d in docs[1:]:
                uf.union(docs[0], d)
    for i in ids:
        for credit in {name_key(c) for c in by_id[i]} - {""} - pubs[i]:
            for other in holders.get("name\0" + credit, ()):
                if other != i:
                    uf.union(i, other)
    for a, b in near.pairs(ids):
        uf.union(a, b)
    return len({uf.find(i) for i in ids})
