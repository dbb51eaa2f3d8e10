"""Which stretches of a document are claims: sentence units cleaned of bullets, labels and trailing credits.

A claim candidate is a sentence unit (kg/extract/spans.py) with

* fragments the parser split off put back (a unit that starts in lower case, or with a closing quote);
* a leading bullet ("- ", "1. ") and a short label without a verb ("Geopolitical balance: ") removed;
* a trailing credit such as " (South China Morning Post)" removed and kept as the credit, which also
  applies to the other sentences of its paragraph that have none.

Dropped: navigation and bylines ("Source: https://...", "Read more"), headings (a line of its own without
final punctuation), questions, fragments without a predicate (glossary
entries, captions) and units shorter than ``min_words`` words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from spacy.tokens import Doc

from kg.extract.attribution import claim_lexicon
from kg.extract.docview import DocView
from kg.extract.spans import Located, MentionIndex, Unit
from kg.seed import SeedKB

TERMINAL = frozenset({".", "!", "?", "…", "”", '"', "’", "'", ")", "»", ":"})
OPENING_QUOTES = frozenset({"“", '"', "«", "‘"})
CLOSING_QUOTES = frozenset({"”", '"', "»", "’"})


@dataclass(frozen=True)
class Credit:
    """A trailing parenthetical credit: its tokens and what it names."""

    first: int
    last: int
    text: str
    mention: Located | None


@dataclass(frozen=True)
class Candidate:
    first: int  # claim tokens, inclusive
    last: int
    paragraph: int
    credit: Credit | None = None
    bulleted: bool = False
    kind: str = "sentence"  # "sentence" | "clause" (after ";" or ":") | "caveat" (", a claim that ...")


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], ...], re.Pattern[str]]:
    raw = claim_lexicon().raw
    navigation = tuple(re.compile(p, re.IGNORECASE) for p in raw["navigation"])
    return navigation, re.compile(raw["bullet"])


@lru_cache(maxsize=1)
def _dateline() -> re.Pattern[str]:
    return re.compile(claim_lexicon().raw["dateline"])


def _strip_dateline(
    doc: Doc, view: DocView, index: MentionIndex, seed: SeedKB, first: int, last: int
) -> tuple[int, Credit | None]:
    """"WASHINGTON, Jan 16 (Reuters) - ...": skip the dateline; its parenthetical is the piece's credit."""
    text = view.tokens_text(doc, first, min(last, first + 16))
    found = _dateline().match(text)
    if found is None:
        return first, None
    start = doc[first].idx
    end = start + found.end()
    credit = None
    if found.group("credit"):
        a = doc.char_span(start + found.start("credit"), start + found.end("credit"), alignment_mode="expand")
        if a is not None and len(a):
            located = index.in_range(a.start, a.end - 1)
            mention = located[0] if len(located) == 1 else None
            if mention is not None or any(e.type == "NewsOutlet" for e in seed.lookup(found.group("credit"))):
                credit = Credit(a.start, a.end - 1, found.group("credit"), mention)
    while first <= last and doc[first].idx < end:
        first += 1
    return first, credit


def _merged(doc: Doc, view: DocView, found: list[Unit], quoted: list[bool]) -> list[Unit]:
    """Put back fragments the parser split off a sentence (same line, starting lower-case or with the quote
    mark that closes a quotation opened before)."""
    _navigation, bullet = _patterns()
    merged: list[Unit] = []
    for unit in found:
        head = doc[unit.first]
        starts_low = head.text[:1].islower() and not bullet.match(view.tokens_text(doc, head.i, head.i + 1))
        closes = head.text in CLOSING_QUOTES and quoted[head.i] and head.i > 0 and quoted[head.i - 1]
        if merged and merged[-1].paragraph == unit.paragraph and (starts_low or closes):
            merged[-1] = replace(merged[-1], last=unit.last)
            continue
        merged.append(unit)
    return merged


def _credit(doc: Doc, view: DocView, index: MentionIndex, seed: SeedKB, first: int, last: int) -> Credit | None:
    """A parenthetical at the very end of tokens ``first..last`` that names an organisation."""
    orth = view.orth
    end = last
    if orth[end] == "." and end > first and orth[end - 1] == ")":
        end -= 1
    if orth[end] != ")":
        return None
    start = end - 1
    while start > first and orth[start] not in ("(", ")"):
        start -= 1
    if orth[start] != "(" or end - start - 1 < 1:
        return None
    if end - start - 1 > claim_lexicon().raw["credit_max_words"] or any(
        t.pos_ in ("VERB", "AUX") and t.tag_ != "VBN" for t in doc[start + 1 : end]
    ):
        return None
    inner = view.tokens_text(doc, start + 1, end - 1)
    located = index.in_range(start + 1, end - 1)
    mention = located[0] if len(located) == 1 and located[0].first == start + 1 else None
    if mention is None and not any(e.type != "Person" for e in seed.lookup(inner)):
        return None
    return Credit(start, last, inner, mention)


NOMINAL_ROOTS = frozenset({"NOUN", "PROPN", "NUM", "PRON", "DET", "ADJ", "X", "SYM"})
FINITE_TAGS = frozenset({"VBZ", "VBP", "VBD", "MD"})
VERBAL = frozenset({"VERB", "AUX"})


def _pieces(doc: Doc, view: DocView, first: int, last: int, quoted: list[bool]) -> list[tuple[int, int, str]]:
    """Split a sentence at ";", at a ":" between two clauses, and before a caveat (", a claim that ...")."""
    caveats = claim_lexicon().caveat_nouns
    cuts: list[tuple[int, str]] = []
    lower = view.lower
    for i in range(first + 2, last - 2):
        if quoted[i] or lower[i] not in (";", ":", ","):
            continue
        kind = _cut(doc, view, first, i, last, quoted, caveats)
        if kind is not None:
            cuts.append((i, kind))
    pieces: list[tuple[int, int, str]] = []
    start, kind = first, "sentence"
    for cut, next_kind in cuts:
        pieces.append((start, cut - 1, kind))
        start, kind = cut + 1, next_kind
    pieces.append((start, last, kind))
    return pieces


def _cut(
    doc: Doc, view: DocView, first: int, i: int, last: int, quoted: list[bool], caveats: frozenset[str]
) -> str | None:
    """What kind of piece starts after token ``i``, if the sentence splits there."""
    text = view.lower[i]
    if text == ";" and _finite(view, first, i - 1) and _finite(view, i + 1, last):
        return "clause"
    if text == ":" and _colon_clauses(doc, view, first, i, last, quoted):
        return "clause"
    caveat = view.lower[i + 1] in ("a", "an") and view.lemma[i + 2] in caveats
    if text == "," and caveat and _finite(view, i + 3, last):
        return "caveat"
    return None


def _finite(view: DocView, first: int, last: int) -> bool:
    tag, pos = view.tag, view.pos
    return any(tag[i] in FINITE_TAGS and pos[i] in VERBAL for i in range(first, last + 1))


def _colon_clauses(doc: Doc, view: DocView, first: int, colon: int, last: int, quoted: list[bool]) -> bool:
    """A ":" between two clauses ("X is an imperfect proxy: pipelines may inflate it"), not before a quote, a
    list or what a reporting verb introduces right away ("the report said: ...")."""
    if quoted[colon + 1] or view.lower[colon + 1] in ("“", '"', "‘") or colon - first < 3:
        return False
    if view.lemma[colon - 1] in claim_lexicon().verbs:
        return False
    pos, dep = view.pos, view.dep
    right_clause = any(
        pos[i] in VERBAL and dep[i] in ("ROOT", "parataxis", "conj", "ccomp")
        and any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in doc[i].children)
        for i in range(colon + 1, last + 1)
    )
    return _finite(view, first, colon - 1) and right_clause


def _has_predicate(doc: Doc, view: DocView, first: int, last: int, *, strict: bool = False) -> bool:
    """Whether the span states something: a verb (or a subject) at its root.

    A span whose root is a noun phrase ("The internal parameters of a model that ...", a caption) is not a
    claim. When the small parser returns no usable root (a preposition, a conjunction) the span is kept if it
    is long enough to be a sentence.
    """
    roots = view.roots(first, last)
    for i in roots:
        if view.pos[i] in VERBAL:
            return True
        if any(c.dep_ in ("nsubj", "nsubjpass", "csubj", "expl") for c in doc[i].children):
            return True
    if any(_main_finite(view, i, first, last) for i in range(first, last + 1)):
        return True
    alpha = view.alpha
    words = sum(1 for i in range(first, last + 1) if alpha[i])
    unparsed = all(view.pos[i] not in NOMINAL_ROOTS for i in roots) and words >= 8
    if strict:
        return unparsed
    # a running-text sentence the parser failed on ("American restrictions ..., reward labs that squeeze ...,
    # and efficient open models travel well"): any finite verb will do
    return unparsed or (_finite(view, first, last) and words >= 6)


def _main_finite(view: DocView, i: int, first: int, last: int) -> bool:
    """A finite verb that is not inside a relative or adverbial clause of the span."""
    if view.tag[i] not in FINITE_TAGS or view.pos[i] not in VERBAL:
        return False
    head, dep = view.head, view.dep
    cur = i
    while first <= head[cur] <= last and head[cur] != cur:
        if dep[cur] in ("relcl", "acl", "advcl", "ccomp", "pcomp", "csubj"):
            return False
        cur = head[cur]
    return dep[cur] not in ("relcl", "acl", "advcl")


def _strip_label(view: DocView, first: int, last: int) -> int:
    """Skip "Geopolitical balance:" (a short label without a verb) at the start."""
    limit = min(last, first + claim_lexicon().raw["label_max_words"] + 1)
    for i in range(first + 1, limit + 1):
        text = view.lower[i]
        if text == ":":
            if i < last and not any(view.pos[k] in VERBAL for k in range(first, i)):
                return i + 1
            return first
        if view.punct[i] and text not in ("-", "&", "'", "’"):
            return first
    return first


def candidates(
    doc: Doc, view: DocView, index: MentionIndex, seed: SeedKB, quoted: list[bool]
) -> tuple[list[Candidate], Credit | None]:
    """Claim candidates of ``doc`` in text order, and the credit of the whole piece.

    A credit alone on the last line of the text credits the whole piece (it is not spread to a paragraph); so
    does the outlet in a dateline ("BEIJING, March 3 (Reuters) - ...").
    """
    navigation, bullet = _patterns()
    lex = claim_lexicon().raw
    found: list[Candidate] = []
    dateline: Credit | None = None
    merged = _merged(doc, view, view.units, quoted)
    per_paragraph: dict[int, int] = {}
    for unit in merged:
        per_paragraph[unit.paragraph] = per_paragraph.get(unit.paragraph, 0) + 1
    for unit in merged:
        raw = view.tokens_text(doc, unit.first, unit.last)
        if any(p.search(raw) for p in navigation):
            continue
        first, last = unit.first, unit.last
        bulleted = False
        marker = bullet.match(view.tokens_text(doc, first, first + 2))
        if marker:
            bulleted = True
            while first <= last and doc[first].idx < doc[unit.first].idx + marker.end():
                first += 1
        if first > last:
            continue
        first, dated = _strip_dateline(doc, view, index, seed, first, last)
        if dated is not None and dateline is None:
            dateline = dated
        if first > last:
            continue
        credit = _credit(doc, view, index, seed, first, last)
        if credit is not None:
            last = credit.first - 1
            while last > first and view.space[last]:
                last -= 1
        first = _strip_label(view, first, last)
        if first > last:
            if credit is not None:
                found.append(Candidate(-1, -1, unit.paragraph, credit))  # a credit on its own line
            continue
        text = view.tokens_text(doc, first, last)
        if text.endswith("?") or text.rstrip("”\"’' ").endswith("?"):
            continue
        if per_paragraph[unit.paragraph] == 1 and view.lower[last][-1:] not in TERMINAL and not bulleted:
            continue  # a heading
        strict = bulleted or first > unit.first  # "Term: definition" bullets need a real predicate
        kept = False
        for a, b, kind in _pieces(doc, view, first, last, quoted):
            words = view.words(a, b)
            enough = words >= lex["min_words"] or (quoted[a] and words >= lex["quote_min_sentence_words"])
            if enough and _has_predicate(doc, view, a, b, strict=strict):
                found.append(Candidate(a, b, unit.paragraph, credit, bulleted, kind))
                kept = True
        if not kept and credit is not None:
            found.append(Candidate(-1, -1, unit.paragraph, credit))
    last_paragraph = merged[-1].paragraph if merged else -1
    piece: Credit | None = None
    if found and found[-1].first < 0 and found[-1].paragraph == last_paragraph and per_paragraph[last_paragraph] == 1:
        piece = found.pop().credit
    return _spread_credits(found), piece or dateline


def _spread_credits(found: list[Candidate]) -> list[Candidate]:
    """A paragraph's trailing credit applies to each of its sentences without one of its own."""
    credits: dict[int, Credit] = {}
    for cand in found:
        if cand.credit is not None:
            credits[cand.paragraph] = cand.credit  # the last one closes the paragraph
    spread = []
    for cand in found:
        if cand.first < 0:
            continue
        if cand.credit is None and cand.paragraph in credits:
            cand = replace(cand, credit=credits[cand.paragraph])
        spread.append(cand)
    return spread


def quoted_tokens(view: DocView) -> list[bool]:
    """Per token: inside a quotation (curly or straight double quotes; an unclosed one ends with its paragraph)."""
    inside = [False] * len(view.lower)
    open_at: int | None = None
    for i, text in enumerate(view.lower):
        if view.space[i] and "\n" in text:
            if open_at is not None:
                for k in range(open_at, i):
                    inside[k] = True
            open_at = None
            continue
        if text in ("“", "«") or (text == '"' and open_at is None):
            open_at = i
        elif text in ("”", "»") or (text == '"' and open_at is not None):
            if open_at is not None:
                for k in range(open_at, i + 1):
                    inside[k] = True
            open_at = None
    return inside


__all__ = ["Candidate", "Credit", "candidates", "quoted_tokens"]
