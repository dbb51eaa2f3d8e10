"""Model versions written without their lab's name: "R1-0528" (a seed short name plus a version), and "V3.1"
listed beside a lab's model ("DeepSeek-R1, R1-0528 and V3.1") or after the lab's possessive ("DeepSeek's V3.1").

Both become candidates of rule ``model-short`` whose link key names what completes the name: the seed model
whose short name starts the surface ("R1" of DeepSeek-R1 -> "DeepSeek-R1-0528"), or the lab whose version
letters the surface starts with ("V" of DeepSeek -> "DeepSeek-V3.1"). :func:`full_name` rebuilds the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

from kg.extract.linking import SeedIndex, Target, seed_key

_HYPHENS = frozenset({"-", "\u2010", "\u2011"})
_BARE = re.compile(r"^[A-Z]\d+(?:\.\d+)*$")  # "V3.1", "R1", "K2"
_SUFFIX = re.compile(r"^(?:\d+|[A-Za-z]+\d*)$")  # the part after the hyphen: "0528", "Instruct"
_LIST = frozenset({",", "and", "or", "&"})
_POSSESSIVES = frozenset({"'s", "’s"})


@dataclass(frozen=True)
class ShortVersion:
    start: int  # token indices, end exclusive
    end: int
    key: str  # seed key of the model (short name + suffix) or of the lab (bare version)
    replaces: int  # start token of the candidate it extends (-1: none)


def _glued(doc: Doc, i: int) -> bool:
    return i > 0 and not doc[i - 1].whitespace_


def find_short_versions(
    doc: Doc, texts: list[str], index: SeedIndex, models: list[tuple[int, int, str]], labs: dict[str, str]
) -> list[ShortVersion]:
    """``texts``: the token texts of ``doc``; ``models``: (start, end, seed key) of the seed model candidates,
    in text order; ``labs``: seed key of a model -> seed key of its lab (labs with version letters only)."""
    out: list[ShortVersion] = []
    taken = {i for s, e, _ in models for i in range(s, e)}
    for start, end, key in models:
        target = index.target(key)
        if target is None or end + 1 >= len(doc) or target.name == doc[start:end].text:
            continue
        surface = doc[start:end].text
        if not target.name.endswith(surface) or doc[end].text not in _HYPHENS:
            continue  # only a short name ("R1" of "DeepSeek-R1") takes a glued suffix
        if _glued(doc, end) and _glued(doc, end + 1) and _SUFFIX.match(doc[end + 1].text):
            out.append(ShortVersion(start, end + 2, key, start))
    listed = sorted([*models, *((v.start, v.end, v.key) for v in out)])
    for i, text in enumerate(texts):
        if i == 0 or len(text) > 8 or not text[:1].isupper() or i in taken or not _BARE.match(text):
            continue
        lab = _lab_nearby(doc, i, index, listed, labs)
        if lab is not None:
            out.append(ShortVersion(i, i + 1, lab, -1))
    return out


def _lab_nearby(
    doc: Doc, i: int, index: SeedIndex, models: list[tuple[int, int, str]], labs: dict[str, str]
) -> str | None:
    """The lab a bare version belongs to: listed right after one of the lab's models, or after "<Lab>'s"."""
    letter = doc[i].text[0]
    prev = doc[i - 1].text
    if prev in _POSSESSIVES and i >= 2:
        for ent in index.lookup(doc[i - 2].text):
            letters = index.model_bases.get(ent.label.casefold())
            if letters is not None and letter in letters.letters:
                return seed_key(ent)
    j = i - 1
    while j >= 0 and doc[j].lower_ in _LIST:
        j -= 1
    if j == i - 1:
        return None
    for _start, end, key in models:
        if end - 1 == j:
            lab = labs.get(key)
            target = index.target(lab) if lab else None
            if target is not None and target.seed is not None:
                base = index.model_bases.get(target.name.casefold())
                if base is not None and letter in base.letters:
                    return lab
    return None


def full_name(surface: str, target: Target) -> str:
    """The canonical name of a short version: "R1-0528" of DeepSeek-R1 -> "DeepSeek-R1-0528"; "V3.1" of the
    lab DeepSeek -> "DeepSeek-V3.1"."""
    if target.type == "Model":
        head = re.split(r"[-\u2010\u2011]", surface, maxsplit=1)[0]
        if target.name.endswith(head):
            return target.name + surface[len(head) :]
        return surface
    return f"{target.name}-{surface}"


__all__ = ["ShortVersion", "find_short_versions", "full_name"]
