"""Within-document coreference by rule: repeated names, abbreviations, short forms and "the university".

* ``propagate`` — a new entity's full name found again where no candidate was tagged (the NER is not
  consistent from one sentence to the next);
* ``abbreviations`` — "Center for Security and Emerging Technology (CSET)": CSET elsewhere is that centre
  (rule ``abbreviation``);
* ``short_forms`` — "Webster" for Graham Webster, "Moonshot" for Moonshot AI (rule ``short-form``);
* ``definite_references`` — "the university", "the company", "the Beijing-based group" to the most salient
  earlier entity of a fitting type: subjects of recent sentences over names that merely modify a noun
  (rule ``short-form``; weights in kg/patterns/coref.json).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from spacy.tokens import Token

from kg.errors import InputError
from kg.extract.annotations import annotated
from kg.extract.docview import DocView, doc_view
from kg.extract.groups import DocEntities, Group
from kg.extract.linking import ORG_TYPES, PLACE_TYPES, normalize

_WORDS = re.compile(r"[A-Za-z0-9]+")
_VERSION_TAIL = re.compile(r"^.*?[A-Za-z][-\u2010\u2011 ]([A-Z]\d+(?:\.\d+)?)$")


def _token_pattern(state: DocEntities, first: int, last: int) -> tuple[str, ...] | None:
    span = state.doc.char_span(first, last, alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    return tuple(t.text for t in span if not t.is_space)


def _scan(state: DocEntities, patterns: dict[tuple[str, ...], Group], rule: str | None) -> None:
    """Add a mention wherever a pattern's tokens occur on free, capitalised tokens."""
    if not patterns:
        return
    by_first: dict[str, list[tuple[tuple[str, ...], Group]]] = defaultdict(list)
    for pattern, group in patterns.items():
        by_first[pattern[0]].append((pattern, group))
    for options in by_first.values():
        options.sort(key=lambda pg: -len(pg[0]))
    doc = state.doc
    texts = state.texts
    tagged = annotated(doc).tagged
    n = len(doc)
    i = 0
    while i < n:
        found = by_first.get(texts[i])
        if not found or state.owner[i] is not None:
            i += 1
            continue
        for pattern, group in found:
            end = i + len(pattern)
            if end > n or tuple(texts[i:end]) != pattern or not state.free(i, end):
                continue
            if tagged and len(pattern) == 1 and doc[i].pos_ not in ("PROPN", "NOUN", "X"):
                continue
            state.add(group, i, end, rule)
            i = end - 1
            break
        i += 1


def propagate(state: DocEntities) -> None:
    """Every other occurrence of a new entity's name (as it was written) is a mention too."""
    patterns: dict[tuple[str, ...], Group] = {}
    for group in state.groups.values():
        if group.seed is not None:
            continue
        for first, last in sorted(group.mentions):
            pattern = _token_pattern(state, first, last)
            if pattern and any(ch.isupper() for ch in pattern[0][:1]):
                patterns.setdefault(pattern, group)
    _scan(state, patterns, None)


def _initials_match(acronym: str, name: str) -> bool:
    letters = [c for c in acronym if c.isalnum()]
    initials = [c for w in _WORDS.findall(name) for c in (w if w.isupper() else w[0].upper())]
    if len(letters) < 2 or not initials or letters[0].upper() != initials[0]:
        return False
    pos = 0
    for letter in letters:
        while pos < len(initials) and initials[pos] != letter.upper():
            pos += 1
        if pos == len(initials):
            return False
        pos += 1
    return True


def abbreviations(state: DocEntities) -> None:
    """"Full Name (ACR)" defines ACR for this document; other entities named ACR are folded into Full Name."""
    doc = state.doc
    found: dict[str, Group] = {}
    texts = state.texts
    for i in range(1, len(doc) - 2):
        if texts[i] != "(" or texts[i + 2] != ")":
            continue
        acr = texts[i + 1]
        core = acr.replace(".", "").replace("&", "")
        if not (2 <= len(core) <= 10 and core.isalnum() and core.upper() == core and any(c.isalpha() for c in core)):
            continue
        owner = state.owner[i - 1]
        group = state.groups.get(owner) if owner else None
        if group is None or not _initials_match(acr, group.name):
            continue
        others = [e for e in state.index.lookup(acr) if group.seed is None or e.iri != group.seed.iri]
        if others:
            continue  # ACR already names another seed entity
        found.setdefault(acr, group)
    if not found:
        return
    for group in list(state.groups.values()):
        target = found.get(group.name)
        if group.seed is None and target is not None and target is not group:
            state.move(group, target, "abbreviation")
    _scan(state, {(acr,): group for acr, group in found.items()}, "abbreviation")


def _short_form(group: Group, state: DocEntities) -> list[tuple[str, ...]]:
    lex = state.lexicon
    words = group.name.split()
    forms: list[tuple[str, ...]] = []
    if group.type == "Person" and len(words) >= 2:
        names = [w for w in words if w[:1].isupper() and w.isalpha() and w.lower() not in lex.person_titles]
        if len(names) >= 2:
            forms.extend([(names[-1],), (names[0],)])
    elif group.type == "Model":
        m = _VERSION_TAIL.match(group.name)
        if m:
            forms.append((m.group(1),))  # "K2" for Kimi K2, "M1" for MiniMax-M1
    elif group.type in ORG_TYPES:
        rest = list(words)
        while len(rest) > 1 and rest[-1] in lex.name_heads and rest[-1] not in ("Times", "Post", "News", "Journal"):
            rest.pop()
        if rest != words and 1 <= len(rest) <= 2:
            forms.append(tuple(rest))
        first = words[0] if words else ""
        if len(words) >= 3 and (state.index.place(first) or first in state.index.demonyms):
            forms.append(tuple(words[1:]))  # "UK AI Security Institute" -> "AI Security Institute"
    good = []
    for form in forms:
        text = " ".join(form)
        norm = normalize(text)
        if len(text) < (2 if group.type in ("Model", "Person") else 3) or not all(w[:1].isupper() for w in form):
            continue
        others = [e for e in state.index.lookup(text) if group.seed is None or e.iri != group.seed.iri]
        if others or state.index.place(text) or text in state.index.demonyms:
            continue
        if norm in lex.generic_words or norm in lex.stop_names or norm in lex.pronouns:
            continue
        good.append(form)
    return good


def short_forms(state: DocEntities) -> None:
    """A later (or earlier) "Webster" or "Moonshot" is Graham Webster or Moonshot AI when that is unambiguous."""
    owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for group in state.groups.values():
        for form in _short_form(group, state):
            owners[form].add(group.iri)
    forms = {form: state.groups[next(iter(iris))] for form, iris in owners.items() if len(iris) == 1}
    if not forms:
        return
    for group in list(state.groups.values()):
        target = forms.get(tuple(group.name.split()))
        if group.seed is None and target is not None and target.iri != group.iri and group.iri in state.groups:
            state.move(group, target, "short-form")
    _scan(state, forms, "short-form")


@dataclass(frozen=True)
class CorefData:
    extra_nouns: dict[str, tuple[str, ...]]
    located_words: frozenset[str]
    role_weights: dict[str, float]
    default_weight: float
    sentence_decay: float


@lru_cache(maxsize=1)
def coref_data() -> CorefData:
    """kg/patterns/coref.json, read once."""
    resource = resources.files("kg").joinpath("patterns", "coref.json")
    try:
        raw = json.loads(resource.read_text(encoding="utf-8"))
        return CorefData(
            extra_nouns={str(k): tuple(str(t) for t in v) for k, v in raw["extra_nouns"].items()},
            located_words=frozenset(str(w).lower() for w in raw["located_words"]),
            role_weights={str(k): float(v) for k, v in raw["role_weights"].items()},
            default_weight=float(raw["default_weight"]),
            sentence_decay=float(raw["sentence_decay"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InputError(f"kg/patterns/coref.json: unreadable or incomplete ({err}); reinstall policy-kg") from err


def _located_end(state: DocEntities, first: int, noun: int) -> int | None:
    """"the Beijing-based (search) company": the index after "based" when a place's name and "-based" open the
    modifiers between ``first`` and ``noun``, else None."""
    k = first
    owner = state.owner[k]
    group = state.groups.get(owner) if owner is not None else None
    if group is None or group.type not in PLACE_TYPES:
        return None
    while k < noun and state.owner[k] == owner:
        k += 1
    if k < noun and state.texts[k] in ("-", "\u2010", "\u2011"):
        k += 1
    if k < noun and state.lowers[k] in coref_data().located_words:
        return k + 1
    return None


def _salient(state: DocEntities, view: DocView, start: int, types: tuple[str, ...], sent_starts: list[int]
             ) -> Group | None:
    """The most salient earlier entity of a fitting class within the window (see kg/patterns/coref.json)."""
    data = coref_data()
    heads, deps = view.head, view.dep
    here = bisect_right(sent_starts, start) - 1
    scores: dict[str, tuple[float, int]] = {}
    low = max(0, start - state.lexicon.definite_window)
    k = start - 1
    while k >= low:
        owner = state.owner[k]
        if owner is None or owner not in state.groups:
            k -= 1
            continue
        j = k
        while j - 1 >= low and state.owner[j - 1] == owner:
            j -= 1
        group = state.groups[owner]
        if group.type in types and (group.type not in PLACE_TYPES or group.type == "Country"):
            head = next((m for m in range(j, k + 1) if not j <= heads[m] <= k), k)
            weight = data.role_weights.get(deps[head], data.default_weight)
            back = here - (bisect_right(sent_starts, k) - 1)
            score, nearest = scores.get(owner, (0.0, k))
            scores[owner] = (score + weight * data.sentence_decay**back, max(nearest, k))
        k = j - 1
    if not scores:
        return None
    best = max(scores.items(), key=lambda kv: kv[1])
    return state.groups[best[0]]


def _inside_name(state: DocEntities, tok: Token) -> bool:
    """Whether ``tok`` sits in a noun phrase headed by a mention (up to the nearest verb)."""
    for anc in tok.ancestors:
        if anc.pos_ in ("VERB", "AUX"):
            return False
        if state.owner[anc.i] is not None:
            return True
    return False


def definite_references(state: DocEntities) -> None:
    """"the university", "the Beijing-based company" -> the most salient earlier entity of a fitting class
    (needs a parse). A reference with a name in apposition ("the model, Qwen3") names its own referent."""
    doc = state.doc
    if not annotated(doc).parsed:
        return
    view = doc_view(doc, state.document.text)
    if view is None:  # DocEntities checked that doc was made from the document's text
        raise ValueError(f"{state.document.path}: the spaCy doc does not match the document text")
    lex = state.lexicon
    extra = coref_data().extra_nouns
    sent_starts: list[int] | None = None
    for i, lower in enumerate(state.lowers):
        types = lex.definite_nouns.get(lower) or extra.get(lower)
        if not types or state.owner[i] is not None:
            continue
        tok = doc[i]
        if tok.tag_ != "NN" or tok.dep_ == "compound":
            continue
        lefts = list(tok.lefts)
        dets = [c for c in lefts if c.dep_ == "det" and c.lower_ == "the"]
        if not dets or (tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "of"):
            continue
        if any(c.dep_ == "appos" and c.pos_ == "PROPN" for c in tok.children):
            continue
        start = dets[0].i
        located = _located_end(state, start + 1, tok.i) if start + 1 < tok.i else None
        if located is None:
            modifiers = [doc[k] for k in range(start + 1, tok.i)]
            if any(
                m.lower_ not in lex.definite_modifiers and m.text not in state.index.demonyms and not m.is_punct
                for m in modifiers
            ):
                continue  # "the larger model" compares; only "the (same|new|Chinese) model" refers back
            first = start
        else:  # "the Beijing-based search company": the place keeps its mention; the noun refers
            if any(doc[k].tag_ != "NN" or doc[k].dep_ != "compound" for k in range(located, tok.i)):
                continue
            first = tok.i
        if not state.free(first, tok.i + 1) or any("\n" in state.texts[k] for k in range(start, tok.i)):
            continue
        if sent_starts is None:
            sent_starts = [s.start for s in doc.sents]
        if _inside_name(state, tok):
            # inside a named phrase ("Alibaba Cloud, the group's cloud arm"; "Li, the company's chief"): the
            # relation rules resolve it with the name in view (kg/extract/relation_context.py, antecedent)
            continue
        antecedent = _salient(state, view, start, types, sent_starts)
        if antecedent is not None:
            state.add(antecedent, first, tok.i + 1, "short-form")


__all__ = ["abbreviations", "definite_references", "propagate", "short_forms"]
