"""Average-linkage agglomeration of the units of one component, and the pieces a cluster record is made of.

A component is a set of units connected by strong edges (pairs scoring at least the merge threshold). Two
clusters can only merge when their link reaches the threshold, and a mean reaches it only if some pair does, so
clusters never cross components: each component is clustered on its own, and the result depends on nothing
but the component (its units in unit-id order, their documents, their strong edges, their figures and years).
That is what lets an incremental build keep the clusters of every component it did not touch.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence

from kg.claim_text import Quantity, quantities_conflict
from kg.cluster_features import Kind

Signature = tuple[frozenset[int], frozenset[Quantity]]


def signature(kind: Kind) -> Signature | None:
    """What a merge must check against the other side (years and figures), or None for neither."""
    quantities, years, _negated = kind
    return (years, quantities) if years or quantities else None


def _conflict(x: Signature, y: Signature) -> bool:
    if x[0] and y[0] and not x[0] & y[0]:
        return True
    return quantities_conflict(x[1], y[1])


def agglomerate(docs: Sequence[Counter[str]], edges: Sequence[tuple[int, int, float]],
                signatures: Sequence[Signature | None], threshold: float) -> list[list[int]]:
    """Average linkage over the nodes ``0..n-1`` of one component.

    ``docs[i]``: documents of node ``i`` with how many of its claims each states; ``edges``: ``(i, j, score)``
    with ``i < j``, sorted. The link of two clusters is the mean score over their pairs of claims from
    *different* documents (pairs without an edge count 0; same-document pairs neither help nor hurt); the best
    link at or above ``threshold`` merges first (ties: smaller node ids). Two clusters never merge when a claim
    of one conflicts with a claim of the other (years, figures); polarity cannot differ inside a component."""
    members: dict[int, list[int]] = {i: [i] for i in range(len(docs))}
    counts: dict[int, Counter[str]] = {i: Counter(d) for i, d in enumerate(docs)}
    sizes: dict[int, int] = {i: sum(d.values()) for i, d in enumerate(docs)}
    sigs: dict[int, set[Signature]] = {i: ({s} if s is not None else set()) for i, s in enumerate(signatures)}

    def overlap(a: int, b: int) -> int:
        """Pairs of claims of ``a`` and ``b`` stated by one and the same document."""
        ca, cb = counts[a], counts[b]
        small, large = (ca, cb) if len(ca) <= len(cb) else (cb, ca)
        return sum(c * large[d] for d, c in small.items() if d in large)

    # for every pair of linked clusters: the summed score over their cross-document claim pairs, and the number
    # of their same-document claim pairs (both add up when clusters merge)
    links: dict[int, dict[int, float]] = defaultdict(dict)
    same: dict[int, dict[int, int]] = defaultdict(dict)
    for i, j, s in edges:
        same[i][j] = same[j][i] = overlap(i, j)
        links[i][j] = links[j][i] = s * (sizes[i] * sizes[j] - same[i][j])

    def link(a: int, b: int) -> float:
        n = sizes[a] * sizes[b] - same[a][b]
        return links[a][b] / n if n else 0.0

    def blocked(a: int, b: int) -> bool:
        return any(_conflict(x, y) for x in sigs[a] for y in sigs[b])

    # every entry holds link() as computed when pushed: an entry whose value differs now is stale
    heap = [(-value, i, j) for i, j, _s in edges if (value := link(i, j)) >= threshold]
    heapq.heapify(heap)
    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members or link(a, b) != -neg or blocked(a, b):
            continue  # merged away, stale entry, or conflicting claims
        b_links, b_same = links.pop(b), same.pop(b)
        for c in links[a]:
            if c != b and c not in b_links:
                same[a][c] += overlap(b, c)
        for c, s in b_links.items():
            del links[c][b]
            del same[c][b]
            if c != a:
                together = (same[a][c] if c in links[a] else overlap(a, c)) + b_same[c]
                links[a][c] = links[a].get(c, 0.0) + s
                links[c][a] = links[a][c]
                same[a][c] = same[c][a] = together
        links[a].pop(b, None)
        same[a].pop(b, None)
        for c in links[a]:
            same[c][a] = same[a][c]
        members[a].extend(members.pop(b))
        counts[a].update(counts.pop(b))
        sizes[a] += sizes.pop(b)
        sigs[a] |= sigs.pop(b)
        for c in links[a]:  # the heap orders its entries fully: the order of pushes does not matter
            value = link(a, c)
            if value >= threshold:
                heapq.heappush(heap, (-value, min(a, c), max(a, c)))
    return [sorted(m) for _, m in sorted(members.items())]
