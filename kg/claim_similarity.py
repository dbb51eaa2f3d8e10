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
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import Stemmer

LEXICON_FILE = "cite_lexicon.json"

EntitySpan = tuple[int, int, str]
"""(start, end, entity IRI) with offsets relative to the claim text."""


@dataclass(frozen=True)
class Lexicon:
    stopwords: frozenset[str]
    phrases: re.Pattern[str]
    phrase_map: Mapping[str, str]
    stem_class: Mapping[str, str]
    entity_forms: re.Pattern[str] | None
    entity_form_keys: Mapping[str, str]
    negation: re.Pattern[str]
    negation_exceptions: re.Pattern[str]
    negation_cancellers: re.Pattern[str]
    number_words: Mapping[str, float]
    number_word_pattern: re.Pattern[str]
    months: Mapping[str, int]
    dates: re.Pattern[str]
    scale_words: Mapping[str, float]
    currencies: Mapping[str, str]


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _bounded(words: Iterable[str], flags: int = 0) -> re.Pattern[str]:
    """Match any of ``words`` as whole words (boundaries that also work around '.' and '$')."""
    return re.compile(rf"(?<![\w$]){'(?:' + _alternation(words) + ')'}(?!\w)", flags)


@lru_cache(maxsize=4)
def load_lexicon(name: str = LEXICON_FILE) -> Lexicon:
    """The lexicon shipped in ``kg/patterns`` (cached: it is read once per process)."""
    data = json.loads(resources.files("kg.patterns").joinpath(name).read_text(encoding="utf-8"))
    phrases: dict[str, str] = data["phrases"]
    stem_class = {stem: canon for canon, stems in data["stem_classes"].items() for stem in stems}
    forms = {form: key for key, values in data["entity_forms"].items() if not key.startswith("_") for form in values}
    return Lexicon(
        stopwords=frozenset(data["stopwords"]),
        phrases=_bounded(phrases),
        phrase_map=phrases,
        stem_class=stem_class,
        entity_forms=_bounded(forms) if forms else None,
        entity_form_keys=forms,
        negation=re.compile(rf"{_bounded(data['negation_cues']).pattern}|n't(?!\w)"),
        negation_exceptions=_bounded(data["negation_exceptions"]),
        negation_cancellers=re.compile(rf"\W*(?:\w+\W+){{0,3}}?{_bounded(data['negation_cancellers']).pattern}"),
        number_words=data["number_words"],
        number_word_pattern=_bounded(data["number_words"]),
        months=data["months"],
        dates=re.compile(
            rf"(?<!\w)(?:\d{{1,2}}\s+)?(?P<month>{_alternation(data['months'])})\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?,?"
            r"\s+(?P<year>(?:19|20)\d\d)(?!\w)"
            r"|(?<![\w.])(?P<iy>(?:19|20)\d\d)-(?P<im>0[1-9]|1[0-2])(?:-\d\d)?(?![\w.])"
        ),
        scale_words=data["scale_words"],
        currencies=data["currency_symbols"],
    )


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


_TOKEN = re.compile(r"[a-z][a-z0-9]*|[0-9]+[a-z][a-z0-9]*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'"})
_POSSESSIVE = re.compile(r"'s\b|(?<=s)'(?!\w)")


def normalise(text: str) -> str:
    """NFKC, typographic apostrophes folded, possessives dropped (case kept)."""
    return _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text).translate(_APOSTROPHES))


def tokens(text: str, lexicon: Lexicon | None = None) -> list[str]:
    """Content terms of a text: lower-cased, phrases folded, stopwords dropped, stemmed, synonyms folded.

    Used for claim comparison and as the BM25 analyser of ``kg cite`` (queries and claims alike).
    """
    lex = lexicon or load_lexicon()
    low = normalise(text).lower()
    low = lex.phrases.sub(lambda m: f" {lex.phrase_map[m.group(0)]} ", low)
    words = [w for w in _TOKEN.findall(low) if len(w) > 1 and w not in lex.stopwords]
    stems = _stemmer().stemWords(words)
    classes = lex.stem_class
    return [w if w.startswith("qxent") else classes.get(s, s) for w, s in zip(words, stems, strict=True)]


_PLACEHOLDER = re.compile(r"^qxent\d+q$")


# --- quantities ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quantity:
    unit: str  # "%", "pp", a currency code ("USD"), or "" for a bare count
    value: float


_NUMBER = re.compile(
    r"(?<![\w.\-])(?P<cur>us\$|hk\$|s\$|[$€£¥])?\s?"
    r"(?<![\w.\-])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w.]\d)"
    r"(?:\s*(?P<scale>thousand|million|billion|trillion|mn|bn|tn|k|m|b)(?![a-z]))?"
    r"(?:\s*(?P<unit>%|percent|pp|usd|dollars?|euros?|eur|pounds|gbp|yuan|rmb|cny)(?![a-z]))?(?![a-z])",
)


def quantities(text: str, lexicon: Lexicon | None = None) -> tuple[frozenset[Quantity], frozenset[int], str]:
    """Figures, dates and years stated in ``text``, and the text with them blanked out (lower-cased, phrases folded).

    A date with a month ("September 2025", "2025-09-16") is the figure ``Quantity("date", 202509)``: two claims
    giving different months for the same event conflict. A bare year only goes to ``years``."""
    lex = lexicon or load_lexicon()
    low = lex.phrases.sub(lambda m: f" {lex.phrase_map[m.group(0)]} ", normalise(text).lower())
    found: set[Quantity] = set()
    years: set[int] = set()

    def date(m: re.Match[str]) -> str:
        year = int(m.group("year") or m.group("iy"))
        month = lex.months[m.group("month")] if m.group("month") else int(m.group("im"))
        years.add(year)
        found.add(Quantity("date", year * 100 + month))
        return " "

    low = lex.dates.sub(date, low)
    low = lex.number_word_pattern.sub(lambda m: _fmt(lex.number_words[m.group(0)]), low)

    def take(m: re.Match[str]) -> str:
        raw = m.group("num").replace(",", "")
        value = float(raw)
        scale, unit, cur = m.group("scale"), m.group("unit"), m.group("cur")
        if scale:
            value *= lex.scale_words[scale]
        if unit in ("%", "percent"):
            code = "%"
        elif unit == "pp":
            code = "pp"
        elif cur or unit:
            code = lex.currencies.get((cur or unit or "").lower(), "USD")
        else:
            code = ""
        if code == "" and not scale and "." not in raw and "," not in m.group("num") and 1900 <= value <= 2100:
            years.add(int(value))
        else:
            found.add(Quantity(code, value))
        return " "

    rest = _NUMBER.sub(take, low)
    return frozenset(found), frozenset(years), rest


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _close(a: float, b: float, unit: str) -> bool:
    if unit == "date":  # year and month: no rounding
        return a == b
    return abs(a - b) <= 0.025 * max(abs(a), abs(b)) + 1e-9


def quantities_conflict(a: frozenset[Quantity], b: frozenset[Quantity]) -> bool:
    """Both state figures in the same unit and none of them agree (within rounding, 2.5%)."""
    for unit in {q.unit for q in a} & {q.unit for q in b}:
        va = [q.value for q in a if q.unit == unit]
        vb = [q.value for q in b if q.unit == unit]
        if not any(_close(x, y, unit) for x in va for y in vb):
            return True
    return False


def quantities_agree(a: frozenset[Quantity], b: frozenset[Quantity], *, significant: bool = False) -> bool:
    """Some figure of ``a`` equals one of ``b``; ``significant``: only figures with a unit, or of 1,000 and
    more (a bare "2.0" is as likely a version number as a figure)."""
    return any(x.unit == y.unit and _close(x.value, y.value, x.unit) and (not significant or x.unit or x.value >= 1000)
               for x in a for y in b)


# --- features -----------------------------------------------------------------------------------------------


def entity_key(iri: str) -> str:
    """``…/entity/united-states`` -> ``united-states`` (seed keys line up with the place names of the lexicon)."""
    _head, sep, tail = iri.rpartition("/entity/")
    return tail if sep and "/" not in tail else iri


def is_negated(text: str, lexicon: Lexicon | None = None) -> bool:
    """A negation cue that is neither an intensifier ("not just", "not only") nor the negation of a negative
    verb within three words ("not to walk away from", "have not stopped": a double negative asserts)."""
    lex = lexicon or load_lexicon()
    low = lex.negation_exceptions.sub(" ", normalise(text).lower())
    return any(lex.negation_cancellers.match(low, m.end()) is None for m in lex.negation.finditer(low))


@dataclass(frozen=True)
class ClaimFeatures:
    terms: frozenset[str]  # content stems, and "@key" for each entity
    pairs: frozenset[str]  # adjacent terms ("a+b", sorted: word order does not matter)
    entities: frozenset[str]  # entity keys
    quantities: frozenset[Quantity]
    years: frozenset[int]
    negated: bool


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
        return f" qxent{order.index(key)}q "

    masked = text
    last = len(text) + 1
    for start, end, iri in sorted(entity_spans, reverse=True):
        if 0 <= start < end <= min(last, len(text)):
            masked = masked[:start] + placeholder(entity_key(iri)) + masked[end:]
            last = start
    tables: list[tuple[re.Pattern[str], Mapping[str, str]]] = []
    if gazetteer:
        tables.append((_bounded(gazetteer), gazetteer))
    if lex.entity_forms is not None:
        tables.append((lex.entity_forms, lex.entity_form_keys))
    for pattern, table in tables:

        def replace(m: re.Match[str], table: Mapping[str, str] = table) -> str:
            return placeholder(entity_key(table[m.group(0)]))

        masked = pattern.sub(replace, masked)
    keys = set(order) | {entity_key(iri) for iri in about}
    quants, years, rest = quantities(masked, lex)
    seq = ["@" + order[int(t[5:-1])] if _PLACEHOLDER.match(t) else t for t in tokens(rest, lex)]
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
    )


# --- weights and scores -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermWeights:
    """Smoothed inverse document frequency of each term over a collection of claims (1.0 when unfitted)."""

    idf: Mapping[str, float]
    unseen: float = 1.0
    mean: float = 1.0  # mean IDF of the fitted vocabulary

    @classmethod
    def uniform(cls) -> TermWeights:
        return cls({}, 1.0, 1.0)

    @classmethod
    def fit(cls, features: Iterable[ClaimFeatures]) -> TermWeights:
        df: Counter[str] = Counter()
        n = 0
        for feats in features:
            n += 1
            df.update(feats.terms)
            df.update(feats.pairs)
        idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in df.items()}
        unigram = [v for t, v in idf.items() if "+" not in t]
        return cls(idf, math.log(n + 1) + 1.0, sum(unigram) / len(unigram) if unigram else 1.0)

    def __call__(self, term: str) -> float:
        return self.idf.get(term, self.unseen)


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
    entity_weight: float = 1.0  # weight of an entity term relative to a word of the same IDF
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

    def w(term: str) -> float:
        return weights(term) * (params.entity_weight if term.startswith("@") else 1.0)

    sq_a = sum(w(t) ** 2 for t in a.terms)
    sq_b = sum(w(t) ** 2 for t in b.terms)
    cosine = sum(w(t) ** 2 for t in common) / math.sqrt(sq_a * sq_b)
    floor = params.min_terms * weights.mean
    shorter = max(min(sum(w(t) for t in a.terms), sum(w(t) for t in b.terms)), floor)
    overlap = min(sum(w(t) for t in common) / shorter, 1.0)
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


def compare(
    a: ClaimFeatures, b: ClaimFeatures, weights: TermWeights, params: SimilarityParams | None = None
) -> Comparison:
    p = params or SimilarityParams()
    score = similarity(a, b, weights, p)
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
        return Comparison(score, False, score >= floor, conflict)
    same = score >= p.merge_threshold
    return Comparison(score, same, False, "similar" if same else "dissimilar")


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
