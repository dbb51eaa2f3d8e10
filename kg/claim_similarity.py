"""Do two claims state the same thing? Lexical features, weighted overlap, and the conflicts that veto a merge.

A claim becomes a :class:`ClaimFeatures`: Snowball stems of its content words (stopwords and reporting verbs
dropped, domain phrases and near-synonyms folded to one term, see ``kg/patterns/cite_lexicon.json``), the
entities it names (from extracted mentions, ``Claim.about``, or a small case-sensitive list of place names),
the quantities and years it states, and whether it is negated. :func:`compare` scores two claims with an
IDF-weighted mix of cosine and overlap coefficient, and decides:

- ``same``: the score reaches the merge threshold and nothing conflicts (polarity, figures, years);
- ``contradicts``: the score reaches the contradiction threshold and one is the negation of the other, or both
  give different figures in the same unit.

The method and its evaluation are described in ``docs/claim-clustering.md``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from kg.claim_text import (
    PLACEHOLDER,
    Lexicon,
    Quantity,
    bounded_pattern,
    is_negated,
    load_lexicon,
    quantities,
    quantities_agree,
    quantities_conflict,
    tokens,
)

EntitySpan = tuple[int, int, str]
"""(start, end, entity IRI) with offsets relative to the claim text."""


_PLACEHOLDER = re.compile(rf"^{PLACEHOLDER}(\d+)q$")


def entity_key(iri: str) -> str:
    """``…/entity/united-states`` -> ``united-states`` (seed keys line up with the place names of the lexicon)."""
    _head, sep, tail = iri.rpartition("/entity/")
    return tail if sep and "/" not in tail else iri


_NAME = re.compile(r"\b[A-Z][\w\-.]*\w|\b\w*\d\w*[A-Z]\w*")
_NOT_NAMES = frozenset({"The", "A", "An", "It", "Its", "This", "That", "These", "Those", "In", "On", "At", "But",
                        "And", "According", "As", "By", "For", "If", "While", "When", "Some", "Such", "They", "We"})


@dataclass(frozen=True)
class ClaimFeatures:
    terms: frozenset[str]  # content stems, and "@key" for each entity
    pairs: frozenset[str]  # adjacent terms ("a+b", sorted: word order does not matter)
    entities: frozenset[str]  # entity keys
    quantities: frozenset[Quantity]
    years: frozenset[int]
    negated: bool
    names: frozenset[str] = frozenset()  # capitalised names in the text (anchors figures when entities are unknown)


def claim_features(
    text: str,
    *,
    entity_spans: Sequence[EntitySpan] = (),
    about: Iterable[str] = (),
    negated: bool | None = None,
    gazetteer: Mapping[str, str] | None = None,
    lexicon: Lexicon | None = None,
) -> ClaimFeatures:
    """Features of one claim.

    ``entity_spans`` are extracted mentions inside the claim (offsets relative to ``text``); ``about`` adds the
    claim's entities; ``gazetteer`` maps surface forms to entity IRIs or keys (case-sensitive) for raw text.
    ``negated``: the extractor's polarity (``modality == "negated"``); it is confirmed with :func:`is_negated`, so
    a double negative the extractor took for a negation counts as asserted.
    """
    lex = lexicon or load_lexicon()
    order: list[str] = []

    def placeholder(key: str) -> str:
        if key not in order:
            order.append(key)
        return f" {PLACEHOLDER}{order.index(key)}q "

    masked = text
    last = len(text) + 1
    for start, end, iri in sorted(entity_spans, reverse=True):
        if 0 <= start < end <= min(last, len(text)):
            masked = masked[:start] + placeholder(entity_key(iri)) + masked[end:]
            last = start
    tables: list[tuple[re.Pattern[str], Mapping[str, str]]] = []
    if gazetteer:
        tables.append((bounded_pattern(gazetteer), gazetteer))
    if lex.entity_forms is not None:
        tables.append((lex.entity_forms, lex.entity_form_keys))
    for pattern, table in tables:

        def replace(m: re.Match[str], table: Mapping[str, str] = table) -> str:
            return placeholder(entity_key(table[m.group(0)]))

        masked = pattern.sub(replace, masked)
    keys = set(order) | {entity_key(iri) for iri in about}
    quants, years, rest = quantities(masked, lex)
    seq = [("@" + order[int(m.group(1))]) if (m := _PLACEHOLDER.match(t)) else t for t in tokens(rest, lex)]
    terms = set(seq)
    terms.update("@" + k for k in keys)
    pairs = frozenset("+".join(sorted(pair)) for pair in itertools.pairwise(seq) if pair[0] != pair[1])
    return ClaimFeatures(
        terms=frozenset(terms),
        pairs=pairs,
        entities=frozenset(keys),
        quantities=quants,
        years=years,
        negated=is_negated(text, lex) and (negated is None or negated),
        names=frozenset(_NAME.findall(text)) - _NOT_NAMES,
    )


# --- weights and scores -------------------------------------------------------------------------------------


WEIGHT_STEP = 0.25
"""Weights live on a grid of this step (see :class:`TermWeights`)."""


def idf_level(count: int) -> int:
    """``round(ln(count + 1) / WEIGHT_STEP)``: document frequencies (and collection sizes) on a log grid."""
    return round(math.log(count + 1) / WEIGHT_STEP)


@dataclass(frozen=True)
class TermWeights:
    """Smoothed inverse document frequency of each term over a collection of claims, on a grid.

    ``idf(t) = 1 + WEIGHT_STEP * (idf_level(N) - idf_level(df(t)))``: the collection size and each term's document
    frequency are rounded on a log scale (steps of 0.25 nats, ~28%) before they are combined, so adding or removing
    one document moves no weight except for the few terms whose frequency crosses a grid line. Every weight is a
    multiple of 0.25: sums of weights and of squared weights are exact floats whatever their order, so a pair's
    score is the same bits however it was computed. ``mean`` (the mean IDF of the vocabulary) is rounded to the
    same step. Unfitted weights are all 1.0.
    """

    idf: Mapping[str, float]
    unseen: float = 1.0
    mean: float = 1.0  # mean IDF of the fitted vocabulary (unigrams), on the grid
    _norms: dict[frozenset[str], tuple[float, float]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls({}, 1.0, 1.0)

    @classmethod
    def from_counts(cls, df: Mapping[str, int], n: int) -> TermWeights:
        """Weights from document frequencies ``df`` over ``n`` claims (sorted iteration: deterministic mean)."""
        top = idf_level(n)
        idf = {t: 1.0 + WEIGHT_STEP * (top - idf_level(c)) for t, c in df.items()}
        unigram = [idf[t] for t in sorted(idf) if "+" not in t]
        mean = sum(unigram) / len(unigram) if unigram else 1.0
        return cls(idf, 1.0 + WEIGHT_STEP * top, WEIGHT_STEP * round(mean / WEIGHT_STEP))

    @classmethod
    def fit(cls, features: Iterable[ClaimFeatures]) -> TermWeights:
        df: Counter[str] = Counter()
        n = 0
        for feats in features:
            n += 1
            df.update(feats.terms)
            df.update(feats.pairs)
        return cls.from_counts(df, n)

    def __call__(self, term: str) -> float:
        return self.idf.get(term, self.unseen)

    def norms(self, terms: frozenset[str]) -> tuple[float, float]:
        """(sum of squared weights, sum of weights) of a term set, computed once per set."""
        found = self._norms.get(terms)
        if found is None:
            values = [self.idf.get(t, self.unseen) for t in terms]
            found = self._norms[terms] = (sum(v * v for v in values), sum(values))
        return found


@dataclass(frozen=True)
class SimilarityParams:
    """Parameters of the score and the decision, calibrated on labelled pairs (docs/claim-clustering.md)."""

    merge_threshold: float = 0.50
    contradiction_threshold: float = 0.50  # conflicting figures or dates
    negation_threshold: float = 0.80  # a claim and its negation: only near-identical wording (cues misfire)
    cosine_share: float = 0.7  # score = share * cosine + (1 - share) * overlap coefficient
    min_terms: float = 8.0  # the overlap coefficient of a claim shorter than this is taken over this many terms
    pair_bonus: float = 0.1  # per shared adjacent-term pair, scaled by its IDF relative to an unseen term
    pair_bonus_cap: float = 0.2
    disjoint_entities_factor: float = 0.5  # both name entities, none shared: probably about different things
    agreeing_figures_bonus: float = 0.1


@dataclass(frozen=True)
class Comparison:
    score: float
    same: bool
    contradicts: bool
    reason: str  # "similar", "dissimilar", "negation", "figures", "years"


def similarity(a: ClaimFeatures, b: ClaimFeatures, weights: TermWeights, params: SimilarityParams) -> float:
    """0..1: the mean of the IDF-weighted cosine and the weighted overlap coefficient of the two term sets,
    plus small bonuses for shared adjacent-term pairs and agreeing figures."""
    common = a.terms & b.terms
    if not common:
        return 0.0

    w = weights
    sq_a, lin_a = weights.norms(a.terms)
    sq_b, lin_b = weights.norms(b.terms)
    common_w = [w(t) for t in common]
    cosine = sum(v * v for v in common_w) / math.sqrt(sq_a * sq_b)
    shorter = max(min(lin_a, lin_b), params.min_terms * weights.mean)
    overlap = min(sum(common_w) / shorter, 1.0)
    score = params.cosine_share * cosine + (1 - params.cosine_share) * overlap
    shared_pairs = [t for t in a.pairs & b.pairs if not all(part.startswith("@") for part in t.split("+"))]
    if shared_pairs:
        bonus = params.pair_bonus * sum(weights(t) for t in shared_pairs) / weights.unseen
        score += min(bonus, params.pair_bonus_cap)
    if a.entities and b.entities and not a.entities & b.entities:
        score *= params.disjoint_entities_factor
    if quantities_agree(a.quantities, b.quantities, significant=True):
        score += params.agreeing_figures_bonus
    return min(score, 1.0)


def share_a_name(a: ClaimFeatures, b: ClaimFeatures) -> bool:
    """Do both claims name something in common (linked entities, else capitalised names in the text)?"""
    if a.entities and b.entities:
        return bool(a.entities & b.entities)
    return bool(a.names & b.names)


def decide(a: ClaimFeatures, b: ClaimFeatures, score: float, params: SimilarityParams) -> Comparison:
    """The decision for two claims whose similarity is ``score``: conflicts (years, polarity, figures) first."""
    p = params
    if a.years and b.years and not a.years & b.years:
        return Comparison(score, False, False, "years")
    conflict = (
        "negation"
        if a.negated != b.negated
        else "figures"
        if quantities_conflict(a.quantities, b.quantities)
        else ""
    )
    if conflict:
        floor = p.negation_threshold if conflict == "negation" else p.contradiction_threshold
        # Different figures only contradict when both claims are about a named thing in common: "the model
        # was trained on 5 trillion tokens" and "… 12 trillion tokens" may well be about different models.
        anchored = conflict == "negation" or share_a_name(a, b)
        return Comparison(score, False, anchored and score >= floor, conflict)
    same = score >= p.merge_threshold
    return Comparison(score, same, False, "similar" if same else "dissimilar")


def conflicting(a: ClaimFeatures, b: ClaimFeatures) -> bool:
    """Can these two claims never be in one cluster (different years, polarity or figures)?"""
    if a.years and b.years and not a.years & b.years:
        return True
    return a.negated != b.negated or quantities_conflict(a.quantities, b.quantities)


def compare(
    a: ClaimFeatures, b: ClaimFeatures, weights: TermWeights, params: SimilarityParams | None = None
) -> Comparison:
    p = params or SimilarityParams()
    return decide(a, b, similarity(a, b, weights, p), p)


# --- raw-text entry points (evaluation on labelled pairs) ---------------------------------------------------


def fit_weights(texts: Iterable[str], gazetteer: Mapping[str, str] | None = None) -> TermWeights:
    """IDF weights fitted on a collection of claim texts (e.g. every claim of a labelled pair set)."""
    return TermWeights.fit(claim_features(t, gazetteer=gazetteer) for t in texts)


def compare_texts(
    a_text: str,
    b_text: str,
    *,
    a_about: Iterable[str] = (),
    b_about: Iterable[str] = (),
    weights: TermWeights | None = None,
    gazetteer: Mapping[str, str] | None = None,
    params: SimilarityParams | None = None,
) -> Comparison:
    fa = claim_features(a_text, about=a_about, gazetteer=gazetteer)
    fb = claim_features(b_text, about=b_about, gazetteer=gazetteer)
    return compare(fa, fb, weights or TermWeights.uniform(), params)


def claim_pair_score(
    a_text: str,
    b_text: str,
    *,
    a_about: Iterable[str] = (),
    b_about: Iterable[str] = (),
    weights: TermWeights | None = None,
    gazetteer: Mapping[str, str] | None = None,
) -> float:
    """Similarity of two claim texts in 0..1 (see :func:`compare_texts`)."""
    return compare_texts(a_text, b_text, a_about=a_about, b_about=b_about, weights=weights, gazetteer=gazetteer).score


def same_claim(
    a_text: str,
    b_text: str,
    *,
    a_about: Iterable[str] = (),
    b_about: Iterable[str] = (),
    weights: TermWeights | None = None,
    gazetteer: Mapping[str, str] | None = None,
    params: SimilarityParams | None = None,
) -> bool:
    """Would clustering merge these two claims (stated in different documents)?

    ``weights``: fit them with :func:`fit_weights` on all the claim texts of the set being evaluated;
    ``gazetteer``: surface form -> entity IRI or key, e.g. from the seed knowledge base.
    """
    return compare_texts(
        a_text, b_text, a_about=a_about, b_about=b_about, weights=weights, gazetteer=gazetteer, params=params
    ).same
