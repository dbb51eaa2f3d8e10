"""Claim text analysis shared by clustering and `kg cite`: the lexicon, tokens, negation, figures and dates.

``tokens`` is the analyser of both claim comparison and the BM25 index of ``kg cite``: lower-cased words, domain
phrases folded to one term, stopwords and reporting verbs dropped, Snowball stems, near-synonym classes
(``kg/patterns/cite_lexicon.json``). ``quantities`` takes out figures with their units and month-precision dates;
``is_negated`` finds negation cues that are neither intensifiers nor double negatives.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import Stemmer

LEXICON_FILE = "cite_lexicon.json"
PLACEHOLDER = "qxent"  # a token starting with this stands for an entity (kg.claim_similarity): kept as it is


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


def bounded_pattern(words: Iterable[str], flags: int = 0) -> re.Pattern[str]:
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
        phrases=bounded_pattern(phrases),
        phrase_map=phrases,
        stem_class=stem_class,
        entity_forms=bounded_pattern(forms) if forms else None,
        entity_form_keys=forms,
        negation=re.compile(rf"{bounded_pattern(data['negation_cues']).pattern}|n't(?!\w)"),
        negation_exceptions=bounded_pattern(data["negation_exceptions"]),
        negation_cancellers=re.compile(rf"\W*(?:\w+\W+){{0,3}}?{bounded_pattern(data['negation_cancellers']).pattern}"),
        number_words=data["number_words"],
        number_word_pattern=bounded_pattern(data["number_words"]),
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
    return [w if w.startswith(PLACEHOLDER) else classes.get(s, s) for w, s in zip(words, stems, strict=True)]




def is_negated(text: str, lexicon: Lexicon | None = None) -> bool:
    """A negation cue that is neither an intensifier ("not just", "not only") nor the negation of a negative
    verb within three words ("not to walk away from", "have not stopped": a double negative asserts)."""
    lex = lexicon or load_lexicon()
    low = lex.negation_exceptions.sub(" ", normalise(text).lower())
    return any(lex.negation_cancellers.match(low, m.end()) is None for m in lex.negation.finditer(low))


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
    more (a bare "2.0" is as likely a version number as a figure). Symmetric in ``a`` and ``b``."""
    return any(x.unit == y.unit and _close(x.value, y.value, x.unit)
               and (not significant or x.unit or max(x.value, y.value) >= 1000)
               for x in a for y in b)


# --- features -----------------------------------------------------------------------------------------------
