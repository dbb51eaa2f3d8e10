"""Name-shape rules: model names with versions ("Qwen2.5-72B", "Kimi K2") and institution names by their
head word ("Tsinghua University", "Ministry of Commerce", "Center for ... and ...", "Moonshot AI").

Both scanners are linear: the model finder runs one precompiled regex over the text and parses the few hits;
the institution finder looks each token up in a dict of head words and only expands around the hits.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from spacy.tokens import Doc, Token

from kg.extract.annotations import annotated
from kg.extract.lexicon import EntityLexicon
from kg.extract.linking import ModelBase, SeedIndex

_WORD = re.compile(r"[A-Za-z]+")
_HYPHEN_SEPS = ("-", "\u2010", "\u2011")
_UNKNOWN_BASE = re.compile(r"(?<![\w.\-'’/])[A-Z][A-Za-z]*[a-z][A-Za-z]*(?=-\d)")


@dataclass(frozen=True)
class ModelMatch:
    start: int  # character offsets into the text
    end: int
    family: str  # link key of the family ("" unknown)


class ModelFinder:
    """Finds model names: a known base (seed model or lab, lexicon family) plus version segments, or an unknown
    capitalised base with a size suffix ("Foo-34B")."""

    def __init__(self, index: SeedIndex, lexicon: EntityLexicon) -> None:
        self.index = index
        self.lexicon = lexicon
        self.bases: dict[str, ModelBase] = index.model_bases
        self.version_folded = frozenset(v.casefold() for v in lexicon.version_words)
        alternation = "|".join(re.escape(b) for b in sorted(self.bases, key=lambda b: (-len(b), b)))
        self.base_re = re.compile(rf"(?<![\w.\-'’/])(?:{alternation})(?=[-\u2010\u2011 ]?[0-9A-Za-z])", re.IGNORECASE)

    def find(self, text: str) -> list[ModelMatch]:
        found: list[ModelMatch] = []
        taken_until = -1
        for m in self.base_re.finditer(text):
            if m.start() < taken_until:
                continue
            base = self.bases[m.group(0).casefold()]
            end = self._parse(text, m.end(), base, unknown=False)
            if end is not None:
                found.append(ModelMatch(m.start(), end, self.index.family_of(text[m.start() : end])))
                taken_until = end
        known_starts = [f.start for f in found]  # known-base matches: in text order, never overlapping
        known = list(found)
        unknown_until = -1  # unknown-base matches come in text order too
        hits = [
            m for m in _UNKNOWN_BASE.finditer(text)
            if m.group(0).casefold() not in self.bases and m.group(0).casefold() not in self.lexicon.generic_words
        ]
        learnt = self._learnt_bases(text, hits) if hits else set()
        for m in hits:
            k = bisect.bisect_right(known_starts, m.start()) - 1
            if m.start() < unknown_until or (k >= 0 and m.start() < known[k].end):
                continue
            base = ModelBase(m.group(0), standalone=False, lab=False, letters=frozenset())
            end = self._parse(text, m.end(), base, unknown=m.group(0) not in learnt)
            if end is not None:
                found.append(ModelMatch(m.start(), end, self.index.family_of(text[m.start() : end])))
                unknown_until = end
        return sorted(found, key=lambda f: f.start)

    def _learnt_bases(self, text: str, hits: list[re.Match[str]]) -> set[str]:
        """Unknown bases this document shows to be model families: written with a size somewhere
        ("Movor-3.5-235B") or named as a family ("the Beiko family")."""
        learnt: set[str] = set()
        for m in hits:
            base = m.group(0)
            if base in learnt:
                continue
            if self._parse(text, m.end(), ModelBase(base, False, False, frozenset()), unknown=True) is not None:
                learnt.add(base)
                continue
            if text[max(0, m.start() - 3) : m.start()] in ("'s ", "’s "):
                learnt.add(base)  # "Zevarin Research's Minda-4.2"
                continue
            for noun in self.lexicon.family_nouns:
                if f"{base} {noun}" in text:
                    learnt.add(base)
                    break
        return learnt

    def _segment(self, text: str, pos: int, sep: str) -> tuple[int, str] | None:
        """One version segment at ``pos``: (end, kind) with kind "size", "version" or "word"."""
        for kind, rx in (("size", self.lexicon.size_re), ("version", self.lexicon.version_re)):
            m = rx.match(text, pos)
            if m and not _continues(text, m.end()):
                return m.end(), kind
        w = _WORD.match(text, pos)
        if w and not _continues(text, w.end()):
            word = w.group(0)
            if sep == " " and word in self.lexicon.version_words and word[:1].isupper():
                return w.end(), "word"
            if sep in _HYPHEN_SEPS and word.casefold() in self.version_folded:
                return w.end(), "word"
            if sep in _HYPHEN_SEPS and _name_part(word):
                return w.end(), "name"  # "Qwen-SEA-LION-v4": a capitalised part glued into the model's name
        return None

    def _parse(self, text: str, pos: int, base: ModelBase, *, unknown: bool) -> int | None:
        end = pos
        numeric = sized = False
        first = True
        while True:
            step = None
            for sep in (*_HYPHEN_SEPS, " ", ""):
                if sep and not text.startswith(sep, end):
                    continue
                if sep == "" and not (first and text[end : end + 1].isdigit() and text[end - 1 : end].isalpha()):
                    continue
                if sep == " " and unknown:
                    continue
                seg = self._segment(text, end + len(sep), sep)
                if seg is None:
                    continue
                seg_end, kind = seg
                value = text[end + len(sep) : seg_end]
                if sep == " " and kind != "word" and not _space_ok(value, kind, base, first):
                    continue
                step = (seg_end, kind, value)
                break
            if step is None:
                break
            end, kind, value = step
            numeric = numeric or any(ch.isdigit() for ch in value)
            sized = sized or kind == "size"
            first = False
        if not numeric or (unknown and not sized):
            return None
        return end


def _name_part(word: str) -> bool:
    """A hyphen-glued part of a compound model name: an acronym ("SEA", "LION") or a capitalised word ("Coder",
    "Nemotron"); never a lower-case word ("Qwen-based")."""
    if len(word) < 2 or not word[0].isupper():
        return False
    return word.isupper() or (len(word) >= 3 and word[1:].islower())


def _continues(text: str, pos: int) -> bool:
    """Whether a segment ending at ``pos`` runs on into more letters or digits (then it is not a segment)."""
    return pos < len(text) and (text[pos].isalnum() or text[pos] == "_")


def _space_ok(value: str, kind: str, base: ModelBase, first: bool) -> bool:
    """A version after a space: "Kimi K2", "Llama 3.1 405B"; never a year ("DeepSeek 2025") or a count."""
    letter_digit = value[:1].isalpha()
    if base.lab and first:
        return letter_digit and kind == "version" and value[:1].upper() in base.letters
    if kind == "size" or letter_digit or "." in value:
        return True
    return (base.standalone or not first) and value.isdigit() and int(value) < 100


# ---------------------------------------------------------------------- institution names by head word
@dataclass(frozen=True)
class ShapeMatch:
    start: int  # token indices, end exclusive
    end: int
    type: str


class ShapeFinder:
    """"... University", "University of ...", "Center for ...", "... AI" and the other name-shape rules."""

    def __init__(self, index: SeedIndex, lexicon: EntityLexicon) -> None:
        self.lexicon = lexicon
        self.suffix = {h: lexicon.name_heads[h] for h in lexicon.shape_suffix if h in lexicon.name_heads}
        self.prefix = {h: lexicon.prefix_heads[h] for h in lexicon.shape_prefix if h in lexicon.prefix_heads}
        self.heads = frozenset(self.suffix) | frozenset(self.prefix)
        self.place_words = (
            frozenset(d.casefold() for d in index.demonyms)
            | frozenset(f for f in index.forms if index.place(f))
            | frozenset(index.places)
        )
        self.tail_connectors = frozenset({"and", "of", "for", "on", "in", "the", "&", "-", "de"})

    def find(self, doc: Doc, texts: list[str]) -> Iterator[ShapeMatch]:
        """Name shapes in ``doc`` (``texts``: its token texts, computed once by the caller)."""
        tagged = annotated(doc).tagged
        heads = self.heads
        for i, text in enumerate(texts):
            if text not in heads:
                continue
            tok = doc[i]
            start = self._left(doc, tok.i, text, tagged)
            end = tok.i + 1
            prep = doc[tok.i + 1].lower_ if tok.i + 2 < len(doc) else ""
            if text in self.prefix and (prep in ("of", "for") or (prep == "on" and text in self.lexicon.on_heads)):
                end = self._tail(doc, tok.i + 2)
            if start == tok.i and end == tok.i + 1:
                continue
            if end == tok.i + 1 and text not in self.suffix:
                continue
            type_name = self._type(doc[start:end].text, text, end > tok.i + 1)
            if type_name:
                yield ShapeMatch(start, end, type_name)

    def _nameish(self, tok: Token, tagged: bool) -> bool:
        text = tok.text
        if not (text[:1].isupper() or (text[:1].isdigit() and any(c.isalpha() for c in text))):
            return False
        if tok.is_stop and not text.isupper():
            return False
        if text in self.heads and text not in ("AI",):
            return False
        return not (tagged and tok.is_sent_start and tok.pos_ not in ("PROPN", "NOUN", "ADJ"))

    def _left(self, doc: Doc, head: int, head_text: str, tagged: bool) -> int:
        start = head
        j = head - 1
        while j >= 0:
            tok = doc[j]
            if self._nameish(tok, tagged):
                start = j
            elif tok.text in ("-", "&", "and") and j > 0 and self._nameish(doc[j - 1], tagged) and start == j + 1:
                pass  # "Human-Centered", "Development and Reform": continue through the connector
            else:
                break
            j -= 1
        ands = [k for k in range(start, head) if doc[k].text == "and"]
        if ands and (start == 0 or doc[start - 1].lower_ != "the"):
            # "the National Development and Reform Commission" is one name; "OpenAI and Stanford University" two
            start = ands[-1] + 1
        if head_text in ("AI", "Labs"):
            return self._check_lab(doc, start, head, tagged)
        return start

    def _check_lab(self, doc: Doc, start: int, head: int, tagged: bool) -> int:
        """"Moonshot AI", "Sakana AI" but not "Chinese AI", "Generative AI", "US AI" or "Open-Source AI"."""
        words = [t for t in doc[start:head] if t.text not in ("-", "&", "and")]
        words = words[-3:]
        if not words:
            return head
        bad = self.lexicon.generic_words | self.place_words
        if any(w.lower_ in bad for w in words):
            return head
        if words[0].i > 0 and doc[words[0].i - 1].text == "-":
            return head
        if tagged and not any(w.pos_ == "PROPN" for w in words):
            return head
        return words[0].i

    def _tail(self, doc: Doc, pos: int) -> int:
        """End (exclusive) of the name after "of/for/on": capitalised words and connectors, ending on a word."""
        end = pos - 1  # without a tail the match ends at the head word (+ preposition is dropped)
        j = pos
        if j < len(doc) and doc[j].lower_ == "the":
            j += 1
        if j < len(doc) and doc[j].lower_ in self.lexicon.calendar_words:
            return end  # "the European Commission on July 10"
        last_word = -1
        while j < len(doc):
            tok = doc[j]
            if tok.text == "," and last_word >= 0 and self._serial_comma(doc, j):
                j += 1  # "Department for Science, Innovation and Technology"
                continue
            if "\n" in tok.text or (tok.is_punct and tok.text not in ("-", "&")):
                break
            if tok.text[:1].isupper() or (tok.text[:1].isdigit() and tok.text[-1:].isalpha()):
                if tok.text in self.heads and tok.text not in ("AI",) and last_word >= 0:
                    break
                last_word = j
            elif tok.lower_ not in self.tail_connectors or (
                tok.lower_ == "and" and j + 1 < len(doc) and doc[j + 1].lower_ == "the"
            ):
                break
            j += 1
        if last_word < 0:
            return end
        stop = last_word + 1
        nxt = doc[stop] if stop < len(doc) else None
        ands = [k for k in range(pos, stop) if doc[k].lower_ == "and"]
        if ands and ((nxt is not None and nxt.text in self.heads) or doc[stop - 1].text in self.suffix):
            # "Ministry of Commerce and Tsinghua University", "Allen Institute for AI and Mistral AI":
            # the last conjunct is the start of the next name
            stop = ands[-1]
            while stop > pos and doc[stop - 1].lower_ in self.tail_connectors:
                stop -= 1
        return stop

    @staticmethod
    def _serial_comma(doc: Doc, comma: int) -> bool:
        """A comma inside a name's list of words: capitalised words follow, then "and" + a capitalised word."""
        k = comma + 1
        while k < len(doc) and k <= comma + 4 and doc[k].text[:1].isupper():
            k += 1
        if k == comma + 1 or k + 1 >= len(doc):
            return False
        return doc[k].lower_ == "and" and doc[k + 1].text[:1].isupper()

    def _type(self, name: str, head: str, has_tail: bool) -> str | None:
        for phrase, type_name in self.lexicon.name_contains.items():
            if phrase in name:
                return type_name
        if has_tail:
            return self.prefix.get(head) or self.suffix.get(head)
        return self.suffix.get(head)


__all__ = ["ModelFinder", "ModelMatch", "ShapeFinder", "ShapeMatch"]
