"""Claims that state the same thing in different documents become one claim cluster (graph/cross).

``cluster_claims(extractions, iris)`` is called by the build. Every claim belongs to exactly one cluster
(singletons included, so ``kg cite`` can count sources for any claim). Method, in order:

1. **Features** (``kg.claim_similarity``): content stems, entities (extracted mentions inside the claim and
   ``Claim.about``), figures, years and polarity (``modality == "negated"``) of each claim.
2. **Candidates**: claims with identical features (syndicated copies) form one group, scored once. Groups of
   *different* documents that share at least two terms are candidates, found through an inverted index (terms
   held by more than ``max_postings`` groups do not generate candidates; they still count in scores); each
   group is scored against at most ``max_candidates`` others, those sharing the most IDF weight with it.
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
    max_candidates: int = 50


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
    groups: tuple[tuple[int, ...], ...]  # items with identical features (syndicated copies), by first item
    scores: dict[tuple[int, int], float]  # (group, group) -> score, groups named by their first item, a < b
    cannot_link: frozenset[tuple[int, int]]  # conflicting figures, years or polarity
    contradictions: tuple[tuple[int, int], ...]

    def score(self, group_a: int, group_b: int) -> float:
        if group_a == group_b:
            return 1.0
        return self.scores.get((min(group_a, group_b), max(group_a, group_b)), 0.0)


def score_pairs(items: Sequence[ClaimItem], params: ClusterParams) -> tuple[PairScores, TermWeights]:
    """Candidate pairs through an inverted index, each scored and checked for conflicts.

    Claims with identical features (a syndicated copy repeats the sentence) form one group and are scored once.
    Each group is compared with at most ``max_candidates`` others: those sharing the most IDF weight with it."""
    by_features: dict[ClaimFeatures, list[int]] = {}
    for i, it in enumerate(items):
        by_features.setdefault(it.features, []).append(i)
    groups = sorted(tuple(g) for g in by_features.values())
    weights = TermWeights.fit(items[g[0]].features for g in groups)  # copies do not make their words common
    docs = {g[0]: frozenset(items[i].document.id for i in g) for g in groups}
    postings: dict[str, list[int]] = defaultdict(list)
    for g in groups:
        for term in items[g[0]].features.terms:
            postings[term].append(g[0])
    scores: dict[tuple[int, int], float] = {}
    cannot: set[tuple[int, int]] = set()
    contradictions: list[tuple[int, int]] = []
    for g in groups:
        i = g[0]
        feats = items[i].features
        count: dict[int, int] = defaultdict(int)
        mass: dict[int, float] = defaultdict(float)
        for term in feats.terms:
            post = postings[term]
            if len(post) > params.max_postings:
                continue
            weight = weights(term)
            for j in post:
                if j > i:
                    count[j] += 1
                    mass[j] += weight
        eligible = [j for j, c in count.items() if c >= params.min_shared_terms
                    and not (len(docs[i]) == 1 and docs[i] == docs[j])]
        for j in sorted(heapq.nsmallest(params.max_candidates, eligible, key=lambda j: (-mass[j], j))):
            result = compare(feats, items[j].features, weights, params.similarity)
            if result.reason in ("negation", "figures", "years"):
                cannot.add((i, j))
                if result.contradicts:
                    contradictions.append((i, j))
            else:
                scores[(i, j)] = result.score
    return PairScores(tuple(groups), scores, frozenset(cannot), tuple(contradictions)), weights


def agglomerate(items: Sequence[ClaimItem], pairs: PairScores, threshold: float) -> list[list[int]]:
    """Average linkage over sparse scores: the link of two clusters is the mean score over their pairs of claims
    from *different* documents (absent pairs score 0); same-document pairs neither help nor hurt. Groups of
    identical claims start out merged."""
    members: dict[int, list[int]] = {g[0]: list(g) for g in pairs.groups}
    docs: dict[int, Counter[str]] = {g[0]: Counter(items[i].document.id for i in g) for g in pairs.groups}
    blocked: dict[int, set[int]] = defaultdict(set)
    for i, j in pairs.cannot_link:
        blocked[i].add(j)
        blocked[j].add(i)

    def cross(a: int, b: int) -> int:
        small, large = (docs[a], docs[b]) if len(docs[a]) <= len(docs[b]) else (docs[b], docs[a])
        return len(members[a]) * len(members[b]) - sum(c * large[d] for d, c in small.items() if d in large)

    links: dict[int, dict[int, float]] = defaultdict(dict)
    for (i, j), s in sorted(pairs.scores.items()):
        links[i][j] = links[j][i] = s * cross(i, j)

    def link(a: int, b: int) -> float:
        n = cross(a, b)
        return links[a].get(b, 0.0) / n if n else 0.0

    # every entry holds link() as computed when pushed: an entry whose value differs now is stale
    heap = [(-link(i, j), i, j) for i, j in sorted(pairs.scores) if link(i, j) >= threshold]
    heapq.heapify(heap)

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


def _representative(group: Sequence[int], items: Sequence[ClaimItem], pairs: PairScores, first: dict[int, int]
                    ) -> int:
    """The member most similar to the others (ties: shorter text, then smaller IRI); ``first``: item -> group."""

    def centrality(i: int) -> float:
        return sum(pairs.score(first[i], first[j]) for j in group if j != i)

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
    first = {i: g[0] for g in pairs.groups for i in g}
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
                label=items[_representative(group, items, pairs, first)].claim.text,
                members=tuple(sorted(items[i].claim.id for i in group)),
                sources=len({s.id for s in sources}),
                independent_sources=indep.count if indep else 1,
                contradicts=tuple(sorted(against.get(cid, ()))),
            )
        )
    clusters.sort(key=lambda c: c.id)
    return clusters
