"""Matching predictions to gold: surface-form normalisation and the entity alignment of one document."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import partial

from kg.evaluate.gold import GoldDocument, GoldEntity
from kg.iris import slug
from kg.records import Entity, Extraction

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u00a0": " "})
_POSSESSIVE = re.compile(r"(?:'s|s')$")
_ARTICLE = re.compile(r"^(?:the|a|an) ")
_SPACE = re.compile(r"\s+")


def normalise(form: str) -> str:
    """Case, quotes, dashes, spacing, a leading article and a trailing possessive do not matter."""
    text = unicodedata.normalize("NFKC", form).translate(_QUOTES).casefold()
    text = _SPACE.sub(" ", text).strip(" .,;:\"'()[]")
    text = _ARTICLE.sub("", text)
    text = _POSSESSIVE.sub("", text).strip()
    return text


def predicted_forms(entity: Entity) -> set[str]:
    forms = {entity.name, *entity.aliases, *(m.text for m in entity.mentions)}
    return {n for n in (normalise(f) for f in forms) if n}


def gold_forms(entity: GoldEntity) -> set[str]:
    return {n for n in (normalise(f) for f in entity.forms) if n}


@dataclass(frozen=True)
class Alignment:
    """One document: which predicted entity stands for which gold entity."""

    assigned: dict[str, str]  # gold name -> predicted entity IRI (one-to-one)
    matches: dict[str, frozenset[str]]  # gold name -> every predicted IRI whose forms match it
    duplicates: dict[str, str]  # predicted IRI -> gold name it matches but another prediction took
    spurious: tuple[str, ...]  # predicted IRIs that match no gold entity
    predicted: dict[str, Entity]  # IRI -> predicted entity


def _rank(entity: Entity, forms: set[str]) -> tuple[int, int, str]:
    """Prefer a prediction whose canonical name is a gold form, then the one with most mentions."""
    return (0 if normalise(entity.name) in forms else 1, -len(entity.mentions), entity.id)


def align(gold: GoldDocument, extraction: Extraction) -> Alignment:
    predicted = {e.id: e for e in extraction.entities}
    pforms = {iri: predicted_forms(e) for iri, e in predicted.items()}
    matches: dict[str, frozenset[str]] = {}
    for entity in gold.entities:
        forms = gold_forms(entity)
        matches[entity.name] = frozenset(iri for iri, f in pforms.items() if f & forms)
    assigned: dict[str, str] = {}
    taken: set[str] = set()
    # Gold entities with fewer candidates choose first, so a shared candidate goes where it is the only one.
    for entity in sorted(gold.entities, key=lambda e: (len(matches[e.name]), e.name)):
        forms = gold_forms(entity)
        free = [predicted[i] for i in matches[entity.name] if i not in taken]
        candidates = sorted(free, key=partial(_rank, forms=forms))
        if candidates:
            assigned[entity.name] = candidates[0].id
            taken.add(candidates[0].id)
    duplicates: dict[str, str] = {}
    spurious: list[str] = []
    for iri in sorted(predicted):
        if iri in taken:
            continue
        owners = sorted(name for name, ids in matches.items() if iri in ids)
        if owners:
            duplicates[iri] = owners[0]
        else:
            spurious.append(iri)
    return Alignment(assigned, matches, duplicates, tuple(spurious), predicted)


def resolve(iri: str, gold: GoldDocument, alignment: Alignment) -> set[str]:
    """Gold entity names a predicted IRI stands for (falls back to the IRI's slug for entities not listed)."""
    names = {name for name, ids in alignment.matches.items() if iri in ids}
    if names or iri in alignment.predicted:
        return names
    tail = iri.rstrip("/").rsplit("/", 1)[-1]
    return {e.name for e in gold.entities if tail in {slug(f) for f in e.forms}}


def ref_matches(ref_id: str, ref_name: str, gold_name: str, gold: GoldDocument, alignment: Alignment) -> bool:
    """Does a predicted reference (attribution) stand for the gold entity ``gold_name``?"""
    entity = gold.entity(gold_name)
    if entity is None:
        return normalise(ref_name) == normalise(gold_name)
    return gold_name in resolve(ref_id, gold, alignment) or normalise(ref_name) in gold_forms(entity)
