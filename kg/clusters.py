"""Claims that state the same thing in different documents become one claim cluster (graph/cross).

``cluster_claims(extractions, iris)`` is called by the build. Every claim belongs to exactly one cluster
(singletons included, so ``kg cite`` can count sources for any claim). Method, in order:

1. **Features** (``kg.claim_similarity``): content stems, entities (extracted mentions inside the claim and
   ``Claim.about``), figures, years and polarity (``modality == "negated"``) of each claim.
2. **Candidates**: claims of *different* documents that share at least two terms, found through an inverted
   index (terms held by more than ``max_postings`` claims do not generate candidates; they still count in scores).
3. **Scores**: IDF (fitted on all claims of the build) weighted similarity; a pair whose figures, years or
   polarity conflict can never end up in one cluster, and is a contradiction when its content is similar enough.
4. **Average-linkage agglomeration** over the candidate scores with the merge threshold: the link of two clusters
   is the mean score of their cross-document claim pairs, so only evidence from different documents merges
   (a document that states the claim twice contributes both sentences, and counts as one source); two
   conflicting claims never end up in one cluster.
5. **Per cluster**: IRI from its smallest member claim IRI (stable when unrelated documents come and go),
   label = the member most similar to the others (ties: shorter, then smaller IRI), sources = its documents,
   independent sources = ``kg.independence``; contradiction links between clusters, both ways.

See ``docs/claim-clustering.md`` for the evaluation.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from kg.claim_similarity import ClaimFeatures, SimilarityParams, TermWeights, claim_features, compare
from kg.independence import IndependenceParams, ShingleCache, Source, independence
from kg.iris import Iris
from kg.records import Claim, ClaimCluster, Document, Extraction


@dataclass(frozen=True)
class ClusterParams:
    similarity: SimilarityParams = field(default_factory=SimilarityParams)
    independence: IndependenceParams = field(default_factory=IndependenceParams)
    max_postings: int = 1000
    min_shared_terms: int = 2


@dataclass(frozen=True)
class ClaimItem:
    """A claim with its document and the names of whom it credits (for independence)."""

    claim: Claim
    document: Document
    credits: tuple[str, ...]
    features: ClaimFeatures


def claim_items(extractions: Sequence[Extraction]) -> list[ClaimItem]:
    """Every claim of every extraction, sorted by claim IRI, with features and credited names."""
    items: list[ClaimItem] = []
    for ex in extractions:
        names: dict[str, tuple[str, ...]] = {e.id: (e.name, *e.aliases) for e in ex.entities}
        mentions = sorted((m.start, m.end, m.entity_id) for e in ex.entities for m in e.mentions)
        for claim in ex.claims:
            spans = [(s - claim.start, e - claim.start, iri) for s, e, iri in mentions
                     if claim.start <= s and e <= claim.end]
            credits: list[str] = []
            for ref in (claim.reported_by, claim.attributed_to):
                if ref is not None:
                    credits.extend((ref.name, *names.get(ref.id, ())))
            feats = claim_features(claim.text, entity_spans=spans, about=claim.about,
                                   negated=claim.modality == "negated")
            items.append(ClaimItem(claim, ex.document, tuple(dict.fromkeys(credits)), feats))
    items.sort(key=lambda it: it.claim.id)
    return items


@dataclass(frozen=True)
class PairScores:
    scores: dict[tuple[int, int], float]  # i < j, claims of different documents
    cannot_link: frozenset[tuple[int, int]]  # conflicting figures, years or polarity
    contradictions: tuple[tuple[int, int], ...]


def score_pairs(items: Sequence[ClaimItem], params: ClusterParams) -> tuple[PairScores, TermWeights]:
    """Candidate pairs through an inverted index, each scored and checked for conflicts."""
    weights = TermWeights.fit(it.features for it in items)
    postings: dict[str, list[int]] = defaultdict(list)
    for i, it in enumerate(items):
        for term in it.features.terms:
            postings[term].append(i)
    scores: dict[tuple[int, int], float] = {}
    cannot: set[tuple[int, int]] = set()
    contradictions: list[tuple[int, int]] = []
    for i, it in enumerate(items):
        shared: dict[int, int] = defaultdict(int)
        for term in it.features.terms:
            post = postings[term]
            if len(post) > params.max_postings:
                continue
            for j in post:
                if j > i:
                    shared[j] += 1
        for j in sorted(shared):
            if shared[j] < params.min_shared_terms or items[j].document.id == it.document.id:
                continue
            result = compare(it.features, items[j].features, weights, params.similarity)
            if result.reason in ("negation", "figures", "years"):
                cannot.add((i, j))
                if result.contradicts:
                    contradictions.append((i, j))
            else:
                scores[(i, j)] = result.score
    return PairScores(scores, frozenset(cannot), tuple(contradictions)), weights


def agglomerate(items: Sequence[ClaimItem], pairs: PairScores, threshold: float) -> list[list[int]]:
    """Average linkage over sparse scores: the link of two clusters is the mean score over their pairs of claims
    from *different* documents (absent pairs score 0); same-document pairs neither help nor hurt."""
    n = len(items)
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    docs: dict[int, Counter[str]] = {i: Counter([items[i].document.id]) for i in range(n)}
    blocked: dict[int, set[int]] = defaultdict(set)
    for i, j in pairs.cannot_link:
        blocked[i].add(j)
        blocked[j].add(i)
    links: dict[int, dict[int, float]] = defaultdict(dict)
    heap: list[tuple[float, int, int]] = []
    for (i, j), s in sorted(pairs.scores.items()):
        links[i][j] = links[j][i] = s
        if s >= threshold:
            heap.append((-s, i, j))
    heapq.heapify(heap)

    def link(a: int, b: int) -> float:
        cross = len(members[a]) * len(members[b]) - sum(c * docs[b][d] for d, c in docs[a].items())
        return links[a].get(b, 0.0) / cross if cross else 0.0

    while heap:
        neg, a, b = heapq.heappop(heap)
        if a not in members or b not in members or link(a, b) != -neg or b in blocked[a]:
            continue  # merged away, stale entry, or conflicting claims
        members[a].extend(members.pop(b))
        docs[a].update(docs.pop(b))
        for c in blocked.pop(b, set()):
            blocked[c].discard(b)
            blocked[c].add(a)
            blocked[a].add(c)
        for c, s in links.pop(b).items():
            links[c].pop(b, None)
            if c != a:
                links[a][c] = links[a].get(c, 0.0) + s
                links[c][a] = links[a][c]
        links[a].pop(b, None)
        for c in sorted(links[a]):
            value = link(a, c)
            if value >= threshold:
                heapq.heappush(heap, (-value, min(a, c), max(a, c)))
    return [sorted(m) for _, m in sorted(members.items())]


def _representative(group: Sequence[int], items: Sequence[ClaimItem], scores: dict[tuple[int, int], float]) -> int:
    def centrality(i: int) -> float:
        return sum(scores.get((min(i, j), max(i, j)), 0.0) for j in group if j != i)

    return min(group, key=lambda i: (-centrality(i), len(items[i].claim.text), items[i].claim.id))


def cluster_claims(
    extractions: Sequence[Extraction], iris: Iris, params: ClusterParams | None = None
) -> list[ClaimCluster]:
    """Cluster every claim of the build; sorted by cluster IRI. Deterministic for the same extractions."""
    p = params or ClusterParams()
    items = claim_items(extractions)
    pairs, _weights = score_pairs(items, p)
    groups = agglomerate(items, pairs, p.similarity.merge_threshold)
    cluster_of: dict[int, str] = {}
    for group in groups:
        cid = iris.cluster(items[group[0]].claim.id)  # items are sorted: group[0] holds the smallest IRI
        for i in group:
            cluster_of[i] = cid
    against: dict[str, set[str]] = defaultdict(set)
    for i, j in pairs.contradictions:
        a, b = cluster_of[i], cluster_of[j]
        if a != b:
            against[a].add(b)
            against[b].add(a)
    cache: ShingleCache = {}
    clusters: list[ClaimCluster] = []
    for group in groups:
        cid = cluster_of[group[0]]
        sources = [
            Source(
                id=iris.document(items[i].document.id),
                text=items[i].document.text,
                title=items[i].document.title,
                publisher=items[i].document.publisher,
                url=items[i].document.url,
                credits=items[i].credits,
                date=items[i].document.date,
            )
            for i in group
        ]
        indep = independence(sources, p.independence, cache) if len(group) > 1 else None
        clusters.append(
            ClaimCluster(
                id=cid,
                label=items[_representative(group, items, pairs.scores)].claim.text,
                members=tuple(sorted(items[i].claim.id for i in group)),
                sources=len({s.id for s in sources}),
                independent_sources=indep.count if indep else 1,
                contradicts=tuple(sorted(against.get(cid, ()))),
            )
        )
    clusters.sort(key=lambda c: c.id)
    return clusters
