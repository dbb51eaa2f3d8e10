"""Capitals that stand for their country's government: "Washington wants ...", "Beijing said ...".

The guidelines make such a mention part of the country ("Washington" when it stands for the US government),
and the literal city a separate entity (the "WASHINGTON, Jan 16 -" dateline). Which reading applies is read
from cues listed in ``metonyms`` of ``kg/patterns/entities_places.json``: a dateline, words after the name
("Washington, D.C.", "Washington-based"), words before it ("the city of"), the verb the name is the subject
of, and else the name's default reading.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

from kg.extract.annotations import annotated
from kg.extract.lexicon import EntityLexicon, Metonym
from kg.extract.linking import SeedIndex

_HYPHENS = frozenset({"-", "\u2010", "\u2011"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass"})

Reading = tuple[str, str] | None  # (type, link key), or None: no place mention at all ("Washington state")


def _literal(doc: Doc, texts: list[str], i: int, lex: EntityLexicon, line_start: bool) -> bool:
    """Whether the capital at token ``i`` is the city itself."""
    nxt = texts[i + 1] if i + 1 < len(texts) else ""
    nxt2 = texts[i + 2] if i + 2 < len(texts) else ""
    after = lex.metonym_literal_after

    def literal_word(word: str) -> bool:
        return word in after or word.split("-")[0] in after  # "D.C.-based"

    if literal_word(nxt) or ((nxt == "," or nxt in _HYPHENS) and literal_word(nxt2)):
        return True
    if line_start and (
        (texts[i].isupper() and len(texts[i]) > 1)
        or (nxt == "," and (nxt2.lower() in lex.calendar_words or nxt2[:1].isdigit()))
    ):
        return True  # a dateline: "WASHINGTON, Jan 16 -", "Beijing, March 3"
    before = " ".join(texts[max(0, i - 2) : i]).casefold()
    return any(before.endswith(phrase) for phrase in lex.metonym_literal_before)


def _reading(doc: Doc, i: int, entry: Metonym, literal: bool, lex: EntityLexicon) -> str:
    if literal:
        return "city"
    if entry.default == "country":
        return "country"
    if annotated(doc).parsed:
        tok = doc[i]
        if tok.dep_ in _SUBJECTS and tok.head.lemma_.lower() in lex.metonym_verbs:
            return "country"
    return "city"


def read_metonyms(
    doc: Doc,
    texts: list[str],
    lex: EntityLexicon,
    index: SeedIndex,
    covered: set[int],
    line_initial: Callable[[Doc, int], bool],
) -> dict[int, Reading]:
    """Token index -> the reading of each one-token capital in ``doc`` outside ``covered`` (tokens of longer
    names: "University of Washington", "Washington Post")."""
    found: dict[int, Reading] = {}
    readings: dict[int, tuple[str, bool]] = {}  # token -> (reading, decided by a literal cue)
    metonyms = lex.metonyms
    for i, text in enumerate(texts):
        entry = metonyms.get(text.casefold()) if text[:1].isupper() else None
        if entry is None or i in covered:
            continue
        nxt = texts[i + 1] if i + 1 < len(texts) else ""
        if nxt in lex.metonym_not_place_after:
            found[i] = None
            continue
        literal = _literal(doc, texts, i, lex, line_initial(doc, i))
        readings[i] = (_reading(doc, i, entry, literal, lex), literal)
    for i, (reading, literal) in sorted(readings.items()):
        if reading == "city" and not literal:
            # "Washington and Beijing should cooperate": capitals coordinated with a government read alike
            for j in (i - 2, i + 2):
                if j in readings and readings[j][0] == "country" and texts[min(i, j) + 1] in ("and", "or", "&"):
                    reading = "country"
        entry = metonyms[texts[i].casefold()]
        key = index.place(entry.country if reading == "country" else entry.city)
        if key is None:
            continue
        target = index.target(key)
        found[i] = (target.type if target is not None else ("Country" if reading == "country" else "City"), key)
    return found


__all__ = ["Reading", "read_metonyms"]
