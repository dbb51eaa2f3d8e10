"""Unknown organisation names found by the words around them, whatever the statistical NER called them.

Two contexts, both read from ``org_contexts`` in ``kg/patterns/entities_types.json``:

* a role noun + "at" + a capitalised name: "an analyst at Northbridge Insights", "researchers at the Open
  Evaluation Forum";
* a capitalised name + ", a/an/the ... <appositive noun>": "ZhenFund, an early investor in Manus",
  "Halden Capital, a venture firm".

The small NER model misses such names or calls them anything (``CARDINAL``, ``FAC``, ``PERSON``); the
context says what they are. The scan is linear: a set lookup per token, and work only around the hits.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from kg.extract.annotations import annotated
from kg.extract.lexicon import EntityLexicon
from kg.extract.linking import SeedIndex, normalize

_NAME_JOINERS = frozenset({"&", "-", "of", "for", "and"})


@dataclass(frozen=True)
class OrgContext:
    start: int  # token indices, end exclusive
    end: int
    type: str
    noun: int = -1  # token index of the appositive noun that typed it (-1: none)


def _capital(text: str) -> bool:
    return bool(text) and (text[0].isupper() or (text[0].isdigit() and any(c.isupper() for c in text)))


def _run_after(doc: Doc, texts: list[str], start: int, limit: int) -> int:
    """End (exclusive) of the capitalised name starting at ``start`` ("Open Evaluation Forum", "Lowe & Co")."""
    end = start
    j = start
    while j < len(texts) and j - start < limit:
        text = texts[j]
        if "\n" in text:
            break
        if _capital(text):
            end = j + 1
            if "\n" in doc[j].whitespace_:
                break
        elif text not in _NAME_JOINERS or end != j:
            break
        j += 1
    return end


def _run_before(doc: Doc, texts: list[str], end: int, limit: int) -> int:
    """Start of the capitalised name ending just before ``end``."""
    start = end
    j = end - 1
    while j >= 0 and end - j <= limit:
        text = texts[j]
        if "\n" in text or ("\n" in doc[j].whitespace_ and j < end - 1):
            break
        if _capital(text):
            start = j
        elif text not in _NAME_JOINERS or start != j + 1:
            break
        j -= 1
    return start


class OrgContextFinder:
    """See the module docstring."""

    def __init__(self, index: SeedIndex, lexicon: EntityLexicon, dictionary: frozenset[str]) -> None:
        self.index = index
        self.lexicon = lexicon
        self.dictionary = dictionary  # common English words: "Meanwhile, a startup ..." names nothing

    def _proper(self, doc: Doc, start: int, end: int) -> bool:
        """A run that starts a sentence is a name only if the tagger calls its first word a proper noun and a
        lone word is no common English word ("However, an investor ...", "Critics, a group ...")."""
        first = doc[start]
        if start > 0 and not first.is_sent_start and "\n" not in doc[start - 1].text_with_ws:
            return True
        if annotated(doc).tagged and first.tag_ not in ("NNP", "NNPS"):
            return False
        return end - start > 1 or first.lower_ not in self.dictionary

    def find(self, doc: Doc, texts: list[str], persons: set[int]) -> list[OrgContext]:
        """Organisation names by context (``persons``: token indices the NER labels PERSON)."""
        lex = self.lexicon
        roles, preps = lex.org_role_nouns, lex.org_role_preps
        lowers = [t.lower() for t in texts]
        out: list[OrgContext] = []
        limit = lex.org_max_name_tokens
        for i, lower in enumerate(lowers):
            if lower in roles and i + 2 < len(texts) and lowers[i + 1] in preps:
                start = i + 2 + (lowers[i + 2] == "the")
                end = _run_after(doc, texts, start, limit)
                found = self._name(doc, texts, start, end, None, persons)
                if found is not None:
                    out.append(found)
            elif lower == "," and i + 2 < len(texts) and lowers[i + 1] in lex.org_appositive_determiners:
                at = self._appositive_noun(texts, lowers, i + 2)
                start = _run_before(doc, texts, i, limit)
                if at < 0:
                    found = self._person(doc, texts, lowers, start, i)
                else:
                    found = self._name(doc, texts, start, i, lowers[at], persons)
                    if found is not None and found.type == lex.context_nouns.get(lowers[at]):
                        found = OrgContext(found.start, found.end, found.type, at)
                if found is not None:
                    out.append(found)
            elif lower == "," and i + 2 < len(texts):
                found = self._person(doc, texts, lowers, _run_before(doc, texts, i, limit), i)
                if found is not None:
                    out.append(found)
        return out

    def _person(self, doc: Doc, texts: list[str], lowers: list[str], start: int, end: int) -> OrgContext | None:
        """A name + ", a/an <role noun> at ..." ("Marta Quell, an analyst at ...") or ", <one modifier>? <role
        noun> of/at ..." ("Lukas Miller, policy director of ...") is a person: two or three capitalised words the
        seed and the name heads do not know."""
        lex = self.lexicon
        k = end + 1
        if k < len(lowers) and lowers[k] in ("a", "an"):
            noun = lowers[k + 1] if k + 1 < len(lowers) else ""
        else:
            if k + 1 < len(lowers) and lowers[k] not in lex.org_role_nouns and texts[k][:1].islower():
                k += 1  # "policy director", "senior analyst"
            noun = lowers[k] if k < len(lowers) else ""
            nxt = lowers[k + 1] if k + 1 < len(lowers) else ""
            if nxt not in lex.org_role_preps and nxt not in ("of", "for"):
                return None
        if noun not in lex.org_role_nouns or noun in lex.org_person_nouns:
            return None
        if not 2 <= end - start <= 3 or any(not texts[k][:1].isupper() or not texts[k].isalpha() for k in
                                             range(start, end)):
            return None
        name = doc[start:end].text
        if self.index.lookup(name) or texts[end - 1] in lex.name_heads or self.index.place(name):
            return None
        return OrgContext(start, end, "Person") if self._proper(doc, start, end) else None

    def _appositive_noun(self, texts: list[str], lowers: list[str], first: int) -> int:
        """Index of the organisation noun heading ", a/an/the ..." (within a few lower-case words, before any
        punctuation or preposition: "an analyst at Center for ..." has none: -1)."""
        lex = self.lexicon
        for k in range(first, min(first + lex.org_appositive_window, len(lowers))):
            word = lowers[k]
            if word in _NAME_JOINERS - {"-"} or word in lex.org_role_preps or word in ("in", "with", "on", "by"):
                return -1
            if not word[:1].isalnum() and word not in ("-", "\u2010", "\u2011"):
                return -1
            if texts[k][:1].isupper() and k > first:
                continue  # "a Beijing-based lab", "an AI startup": names modify, they do not head
            if word in lex.context_nouns or word in lex.org_appositive_nouns:
                nxt = lowers[k + 1] if k + 1 < len(lowers) else ""
                if nxt in lex.context_nouns or nxt in lex.org_appositive_nouns:
                    continue  # "a venture capital firm": the last noun heads the phrase
                return k
        return -1

    def _name(
        self, doc: Doc, texts: list[str], start: int, end: int, noun: str | None, persons: set[int]
    ) -> OrgContext | None:
        if end <= start:
            return None
        lex = self.lexicon
        words = [w for w in texts[start:end] if w not in _NAME_JOINERS]
        if not words or not _capital(texts[start]) or not _capital(texts[end - 1]):
            return None
        if end < len(texts) and texts[end] in ("-", "\u2010", "\u2011"):
            return None  # "Beijing-based ...": a modifier, not the name
        if not self._proper(doc, start, end):
            return None
        name = doc[start:end].text
        norm = normalize(name)
        if norm in lex.stop_names or norm in lex.pronouns or self.index.lookup(name):
            return None
        if self.index.place(name) or name in self.index.demonyms:
            return None
        if any(w.lower() in lex.calendar_words or any(c.isdigit() for c in w) for w in words):
            return None
        if all(w.lower() in lex.generic_words for w in words):
            return None
        head = lex.name_heads.get(words[-1]) if len(words) > 1 else None
        for phrase, type_name in lex.name_contains.items():
            if phrase in name:
                head = type_name
        if head is not None and (head != lex.org_default_type or noun is None):
            return OrgContext(start, end, head) if head != "Person" else None
        if noun is None:  # "analysts at Bernstein": whatever the NER says, a role is held at an organisation
            return OrgContext(start, end, lex.org_default_type)
        is_person = any(i in persons for i in range(start, end))
        if is_person and noun in lex.org_person_nouns:
            return None
        type_name = lex.context_nouns.get(noun) or lex.org_appositive_nouns.get(noun) or lex.org_default_type
        return OrgContext(start, end, type_name) if type_name not in ("Model", "Person") else None


__all__ = ["OrgContext", "OrgContextFinder"]
