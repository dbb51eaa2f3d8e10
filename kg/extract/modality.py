"""How firmly a predicate is stated: negated, hedged or asserted (lexicon in kg/patterns/claims_modality.json).

The checks look at one predicate (a verb or copula token, by its index in a :class:`kg.extract.docview.DocView`)
and what governs it, so a negation inside a
relative clause does not negate the sentence. Rules, in order:

* **negated** when the predicate itself is negated: a ``neg`` child ("not", "n't", "never"), "no longer",
  "has yet to", a negating governor ("failed to", "refused to", "denied ..."), or a subject with "no"
  ("no company has ...").  "not just / not only / not merely X (but Y)" is *not* a negation.
* **hedged** for a modal ("may", "might", "could"), a hedging adverb ("reportedly", "likely"), a hedging verb as
  the predicate ("appears", "seems", "suggests") or governor ("is expected to", "plans to"), a conditional
  ("if ..."), or a hedging phrase anywhere in the sentence ("according to people familiar with ...").

These functions only find cues; how they combine is the caller's choice. Claims (kg/extract/claims.py) call a
statement that is both hedged and negated ("may not release") hedged, as docs/annotation-guidelines.md asks;
"could not" / "cannot" with a negation is inability, so "could not be verified" is negated, not hedged.
Relations (kg/extract/relation_frames.py) drop negated and hedged predicates alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.docview import DocView
from kg.extract.spans import pattern_data


@dataclass(frozen=True)
class ModalityLexicon:
    hedge_modals: frozenset[str]
    hedge_adverbs: frozenset[str]
    hedge_verbs: frozenset[str]
    hedge_governors: frozenset[str]
    hedge_adjectives: frozenset[str]
    hedge_phrases: re.Pattern[str]
    hedge_nouns: frozenset[str]
    negation_words: frozenset[str]
    negation_determiners: frozenset[str]
    negating_governors: frozenset[str]
    negating_verbs: frozenset[str]
    not_negations_after: frozenset[str]
    no_longer: re.Pattern[str]


def _words(data: dict[str, object], key: str) -> frozenset[str]:
    values = data[key]
    assert isinstance(values, list)
    return frozenset(str(v).lower() for v in values)


def _phrases(data: dict[str, object], key: str) -> re.Pattern[str]:
    values = data[key]
    assert isinstance(values, list)
    alternatives = sorted((re.escape(str(v)).replace(r"\ ", r"\s+") for v in values), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def lexicon() -> ModalityLexicon:
    data = pattern_data("claims_modality")
    return ModalityLexicon(
        hedge_modals=_words(data, "hedge_modals"),
        hedge_adverbs=_words(data, "hedge_adverbs"),
        hedge_verbs=_words(data, "hedge_verbs"),
        hedge_governors=_words(data, "hedge_governors"),
        hedge_adjectives=_words(data, "hedge_adjectives"),
        hedge_phrases=_phrases(data, "hedge_phrases"),
        hedge_nouns=_words(data, "hedge_nouns"),
        negation_words=_words(data, "negation_words"),
        negation_determiners=_words(data, "negation_determiners"),
        negating_governors=_words(data, "negating_governors"),
        negating_verbs=_words(data, "negating_verbs"),
        not_negations_after=_words(data, "not_negations_after"),
        no_longer=_phrases(data, "no_longer"),
    )


ABILITY_MODALS = frozenset({"could", "can"})
OPEN_COMPLEMENTS = frozenset({"xcomp", "ccomp", "acomp"})


def _comparative(view: DocView, i: int) -> bool:
    """"far more likely than": a comparison of probabilities, not a hedge."""
    lower = view.lower
    return any(lower[c] in ("more", "less", "most", "least") for c in view.children[i]) or view.tag[i] in (
        "JJR", "JJS")


def _governors(view: DocView, i: int) -> Iterator[int]:
    """Verbs and adjectives that govern token ``i`` through open complements ("expected to", "plans to")."""
    dep, head = view.dep, view.head
    cur = i
    for _ in range(4):
        if dep[cur] not in OPEN_COMPLEMENTS or head[cur] == cur:
            return
        if dep[cur] == "ccomp" and not any(dep[c] == "aux" and view.lower[c] == "to" for c in view.children[cur]):
            return
        cur = head[cur]
        yield cur


def negation_cue(view: DocView, pred: int) -> str | None:
    """The words that negate predicate ``pred`` (a token index) itself, or None."""
    lex = lexicon()
    lower, dep, orth, children = view.lower, view.dep, view.orth, view.children
    for child in children[pred]:
        d, w = dep[child], lower[child]
        if d == "neg" or (d == "advmod" and w in lex.negation_words):
            if w == "no":  # "no longer", "no more"
                continue
            nxt = lower[child + 1] if child + 1 < len(lower) else ""
            if nxt in lex.not_negations_after:
                continue
            return orth[child]
        if d == "advmod" and w in ("longer", "more") and (
            any(lower[g] == "no" for g in children[child]) or lower[max(child - 1, 0)] == "no"
        ):
            return f"no {w}"
        if d in ("nsubj", "nsubjpass", "dobj", "attr"):  # "no company has ...", "found no evidence"
            if w in lex.negation_words:
                return orth[child]
            for det in children[child]:
                if dep[det] == "det" and lower[det] in lex.negation_determiners:
                    return orth[det]
    complement = any(dep[c] == "xcomp" for c in children[pred])
    lemma = view.lemma[pred]
    if complement and lemma in lex.negating_governors:
        return f"{orth[pred]} to"  # "failed to close"
    if complement and lemma == "have" and any(lower[c] == "yet" for c in children[pred]):
        return f"{orth[pred]} yet to"  # "has yet to release"
    for gov in _governors(view, pred):
        if view.lemma[gov] in lex.negating_governors:
            return f"{orth[gov]} to"
        if view.lemma[gov] == "have" and any(lower[c] == "yet" for c in children[gov]):
            return f"{orth[gov]} yet to"
        neg = negation_cue(view, gov)
        if neg is not None:
            return neg
    if lemma in lex.negating_verbs:
        return orth[pred]
    return None


def hedge_cue(view: DocView, pred: int, *, include_conjuncts: bool = True) -> str | None:
    """The word or phrase that hedges predicate ``pred`` (a token index), or a predicate coordinated with it,
    or None."""
    lex = lexicon()
    preds = [pred]
    if include_conjuncts:
        preds += [c for c in view.children[pred] if view.dep[c] == "conj" and view.pos[c] in ("VERB", "AUX")]
    for p in preds:
        cue = _hedge_one(view, p, lex, is_main=p == pred)
        if cue is not None:
            return cue
    return None


def _hedge_one(view: DocView, pred: int, lex: ModalityLexicon, *, is_main: bool) -> str | None:
    lower, dep, orth, children = view.lower, view.dep, view.orth, view.children
    negated = any(dep[c] == "neg" for c in children[pred])
    for child in children[pred]:
        d, w = dep[child], lower[child]
        ability = negated and w in ABILITY_MODALS  # "could not be verified": was not able to be
        if d == "aux" and w in lex.hedge_modals and not ability:
            return orth[child]
        if d in ("advmod", "amod") and w in lex.hedge_adverbs and not _comparative(view, child):
            return orth[child]
        if d == "mark" and w in ("if", "unless", "whether"):
            return orth[child]
        if d in ("acomp", "attr") and w in lex.hedge_adjectives and not _comparative(view, child):
            return orth[child]  # "is unlikely to", "it is unclear how"
    if view.lemma[pred] in lex.hedge_verbs and view.pos[pred] == "VERB":
        return orth[pred]
    if is_main and lower[pred] in lex.hedge_adjectives and dep[pred] == "ROOT":
        return orth[pred]
    for gov in _governors(view, pred):
        lemma = view.lemma[gov]
        if lemma in lex.hedge_governors or lemma in lex.hedge_verbs or lower[gov] in lex.hedge_adjectives:
            return f"{orth[gov]} to" if view.pos[gov] != "ADJ" else orth[gov]
        for child in children[gov]:
            if dep[child] == "aux" and lower[child] in lex.hedge_modals:
                return orth[child]
            if dep[child] == "advmod" and lower[child] in lex.hedge_adverbs:
                return orth[child]
    return None


def phrase_hedge(text: str) -> str | None:
    """A hedging phrase in ``text`` ("according to people familiar with", "is expected to"), or None."""
    found = lexicon().hedge_phrases.search(text)
    return found.group(0) if found else None


def phrase_negation(text: str) -> str | None:
    found = lexicon().no_longer.search(text)
    return found.group(0) if found else None


__all__ = ["ModalityLexicon", "hedge_cue", "lexicon", "negation_cue", "phrase_hedge", "phrase_negation"]
