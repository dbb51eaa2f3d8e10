"""How firmly a predicate is stated: negated, hedged or asserted (lexicon in kg/patterns/claims_modality.json).

The checks look at one predicate (a verb or copula token) and what governs it, so a negation inside a
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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Token

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


def _next_word(tok: Token) -> str:
    doc = tok.doc
    return doc[tok.i + 1].lower_ if tok.i + 1 < len(doc) else ""


ABILITY_MODALS = frozenset({"could", "can"})


def _comparative(tok: Token) -> bool:
    """"far more likely than": a comparison of probabilities, not a hedge."""
    return any(c.lower_ in ("more", "less", "most", "least") for c in tok.children) or tok.tag_ in ("JJR", "JJS")


def _governors(tok: Token) -> Iterable[Token]:
    """Verbs and adjectives that govern ``tok`` through open complements ("expected to", "plans to")."""
    cur = tok
    for _ in range(4):
        if cur.dep_ not in ("xcomp", "ccomp", "acomp") or cur.head.i == cur.i:
            return
        if cur.dep_ == "ccomp" and not any(c.dep_ == "aux" and c.lower_ == "to" for c in cur.children):
            return
        cur = cur.head
        yield cur


def negation_cue(pred: Token) -> str | None:
    """The words that negate predicate ``pred`` itself, or None."""
    lex = lexicon()
    for child in pred.children:
        if child.dep_ == "neg" or (child.dep_ == "advmod" and child.lower_ in lex.negation_words):
            if child.lower_ == "no":  # "no longer", "no more"
                continue
            if _next_word(child) in lex.not_negations_after:
                continue
            return child.text
        if (
            child.dep_ == "advmod"
            and child.lower_ in ("longer", "more")
            and (any(g.lower_ == "no" for g in child.children) or pred.doc[max(child.i - 1, 0)].lower_ == "no")
        ):
            return f"no {child.lower_}"
        if child.dep_ in ("nsubj", "nsubjpass", "dobj", "attr"):  # "no company has ...", "found no evidence"
            if child.lower_ in lex.negation_words:
                return child.text
            for det in child.children:
                if det.dep_ == "det" and det.lower_ in lex.negation_determiners:
                    return det.text
    complement = any(c.dep_ == "xcomp" for c in pred.children)
    if complement and pred.lemma_.lower() in lex.negating_governors:
        return f"{pred.text} to"  # "failed to close"
    if complement and pred.lemma_.lower() == "have" and any(c.lower_ == "yet" for c in pred.children):
        return f"{pred.text} yet to"  # "has yet to release"
    for gov in _governors(pred):
        if gov.lemma_.lower() in lex.negating_governors:
            return f"{gov.text} to"
        if gov.lemma_.lower() == "have" and any(c.lower_ == "yet" for c in gov.children):
            return f"{gov.text} yet to"
        neg = negation_cue(gov)
        if neg is not None:
            return neg
    if pred.lemma_.lower() in lex.negating_verbs:
        return pred.text
    return None


def hedge_cue(pred: Token, *, include_conjuncts: bool = True) -> str | None:
    """The word or phrase that hedges predicate ``pred`` (or a predicate coordinated with it), or None."""
    lex = lexicon()
    preds = [pred]
    if include_conjuncts:
        preds += [c for c in pred.children if c.dep_ == "conj" and c.pos_ in ("VERB", "AUX")]
    for p in preds:
        cue = _hedge_one(p, lex, is_main=p is pred)
        if cue is not None:
            return cue
    return None


def _hedge_one(pred: Token, lex: ModalityLexicon, *, is_main: bool) -> str | None:
    negated = any(c.dep_ == "neg" for c in pred.children)
    for child in pred.children:
        ability = negated and child.lower_ in ABILITY_MODALS  # "could not be verified": was not able to be
        if child.dep_ == "aux" and child.lower_ in lex.hedge_modals and not ability:
            return child.text
        if child.dep_ in ("advmod", "amod") and child.lower_ in lex.hedge_adverbs and not _comparative(child):
            return child.text
        if child.dep_ == "mark" and child.lower_ in ("if", "unless", "whether"):
            return child.text
        if child.dep_ in ("acomp", "attr") and child.lower_ in lex.hedge_adjectives and not _comparative(child):
            return child.text  # "is unlikely to", "it is unclear how"
    if pred.lemma_.lower() in lex.hedge_verbs and pred.pos_ == "VERB":
        return pred.text
    if is_main and pred.lower_ in lex.hedge_adjectives and pred.dep_ == "ROOT":
        return pred.text
    for gov in _governors(pred):
        lemma = gov.lemma_.lower()
        if lemma in lex.hedge_governors or lemma in lex.hedge_verbs or gov.lower_ in lex.hedge_adjectives:
            return f"{gov.text} to" if gov.pos_ != "ADJ" else gov.text
        for child in gov.children:
            if child.dep_ == "aux" and child.lower_ in lex.hedge_modals:
                return child.text
            if child.dep_ == "advmod" and child.lower_ in lex.hedge_adverbs:
                return child.text
    return None


def phrase_hedge(text: str) -> str | None:
    """A hedging phrase in ``text`` ("according to people familiar with", "is expected to"), or None."""
    found = lexicon().hedge_phrases.search(text)
    return found.group(0) if found else None


def phrase_negation(text: str) -> str | None:
    found = lexicon().no_longer.search(text)
    return found.group(0) if found else None


__all__ = ["ModalityLexicon", "hedge_cue", "lexicon", "negation_cue", "phrase_hedge", "phrase_negation"]
