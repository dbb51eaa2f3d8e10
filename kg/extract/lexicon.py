"""The entity lexicons in ``kg/patterns/entities_*.json``, loaded once into typed, read-only tables.

Everything a typing or filtering rule knows about English names lives in those files, not in code:
name heads ("... University"), context nouns ("startup X"), stop entities, demonyms and places beyond the
seed knowledge base, model families and version suffixes, report head nouns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from kg.errors import InputError

FILES = ("entities_types", "entities_stop", "entities_places", "entities_models")


@dataclass(frozen=True)
class ModelFamily:
    name: str
    aliases: tuple[str, ...]
    developer: str | None
    standalone: bool  # recognised without a version ("Llama"); else only with one ("Mistral-7B")


@dataclass(frozen=True)
class PlaceEntry:
    name: str
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]


@dataclass(frozen=True)
class DescribedPolicy:
    """A policy reporters name by description: head nouns and objects, and the seed label it names."""

    target: str
    heads: frozenset[str]
    objects: frozenset[str]
    bare: frozenset[str]


@dataclass(frozen=True)
class Metonym:
    """A capital that may stand for its country's government."""

    country: str
    city: str
    default: str  # "country" or "city": the reading when no cue decides


@dataclass(frozen=True)
class EntityLexicon:
    name_heads: dict[str, str]
    prefix_heads: dict[str, str]
    name_contains: dict[str, str]
    name_endings: dict[str, str]
    shape_suffix: frozenset[str]
    shape_prefix: frozenset[str]
    context_nouns: dict[str, str]
    ai_nouns: frozenset[str]
    ai_modifiers: frozenset[str]
    credit_type: str
    definite_nouns: dict[str, tuple[str, ...]]
    definite_window: int
    definite_modifiers: frozenset[str]
    gpe_prepositions: frozenset[str]
    on_heads: frozenset[str]
    report_nouns: frozenset[str]  # head words ("report", "paper")
    report_verbs: frozenset[str]
    report_preps: frozenset[str]
    report_determiners: frozenset[str]
    report_label_stopwords: frozenset[str]
    report_min_overlap: float
    stop_names: frozenset[str]
    generic_words: frozenset[str]
    connectors: frozenset[str]
    person_titles: frozenset[str]
    pronouns: frozenset[str]
    calendar_words: frozenset[str]
    sense_words: frozenset[str]
    sense_compounds: frozenset[str]
    language_nouns: frozenset[str]
    language_preps: frozenset[str]
    language_list_words: frozenset[str]
    product_nouns: frozenset[str]
    modifier_nouns: frozenset[str]
    context_detection_nouns: frozenset[str]
    org_role_nouns: frozenset[str]
    org_role_preps: frozenset[str]
    org_appositive_nouns: dict[str, str]
    org_person_nouns: frozenset[str]
    org_appositive_determiners: frozenset[str]
    org_appositive_window: int
    org_max_name_tokens: int
    org_default_type: str
    org_stake_nouns: frozenset[str]
    non_model_products: frozenset[str]
    described_policies: tuple[DescribedPolicy, ...]
    export_words: frozenset[str]
    described_max_modifiers: int
    described_stops: frozenset[str]
    publication_verbs: frozenset[str]
    speech_verbs: frozenset[str]
    countries: tuple[PlaceEntry, ...]
    regions: frozenset[str]
    region_demonyms: dict[str, str]  # adjective -> region name
    metonyms: dict[str, Metonym]  # casefolded name -> readings
    metonym_literal_after: frozenset[str]
    metonym_literal_before: tuple[str, ...]
    metonym_not_place_after: frozenset[str]
    metonym_verbs: frozenset[str]
    families: tuple[ModelFamily, ...]
    version_words: frozenset[str]
    family_nouns: frozenset[str]
    size_re: re.Pattern[str]
    version_re: re.Pattern[str]


def _load(name: str) -> dict[str, Any]:
    resource = resources.files("kg").joinpath("patterns", f"{name}.json")
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise InputError(f"kg/patterns/{name}.json: lexicon missing; reinstall policy-kg") from err
    except json.JSONDecodeError as err:
        raise InputError(f"kg/patterns/{name}.json: not valid JSON ({err}); fix the file") from err
    if not isinstance(data, dict):
        raise InputError(f"kg/patterns/{name}.json: expected a JSON object at the top level")
    return data


def _table(data: dict[str, Any], key: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in data[key].items() if not str(k).startswith("_")}


def _words(values: list[Any]) -> frozenset[str]:
    return frozenset(str(v) for v in values)


def _lower(values: list[Any]) -> frozenset[str]:
    return frozenset(str(v).casefold() for v in values)


@lru_cache(maxsize=1)
def load_lexicon() -> EntityLexicon:
    """The entity lexicons (cached per process). Raises ``InputError`` naming a malformed file."""
    types, stop, places, models = (_load(n) for n in FILES)
    try:
        org = types["org_contexts"]
        report_nouns = frozenset(str(n).split()[-1].casefold() for n in types["report_nouns"])
        return EntityLexicon(
            name_heads=_table(types, "name_heads"),
            prefix_heads=_table(types, "prefix_heads"),
            name_contains=_table(types, "name_contains"),
            name_endings=_table(types, "name_endings"),
            shape_suffix=_words(types["shape_heads"]["suffix"]),
            shape_prefix=_words(types["shape_heads"]["prefix"]),
            context_nouns=_table(types, "context_nouns"),
            ai_nouns=_lower(types["ai_context"]["nouns"]),
            ai_modifiers=_lower(types["ai_context"]["modifiers"]),
            credit_type=str(types["credit_type"]),
            definite_nouns={
                str(k): tuple(str(t) for t in v) for k, v in types["definite_nouns"].items() if not k.startswith("_")
            },
            definite_window=int(types["definite_window_tokens"]),
            definite_modifiers=_lower(types["definite_modifiers"]),
            gpe_prepositions=_lower(types["gpe_prepositions"]),
            on_heads=_words(types["on_heads"]),
            report_nouns=report_nouns,
            report_verbs=_lower(types["report_verbs"]),
            report_preps=_lower(types["report_preps"]),
            report_determiners=_lower(types["report_determiners"]),
            report_label_stopwords=_lower(types["report_label_stopwords"]),
            report_min_overlap=float(types["report_min_title_overlap"]),
            stop_names=_lower(stop["names"]) | frozenset(str(n).casefold().replace("-", " ") for n in stop["names"]),
            generic_words=_lower(stop["generic_words"]),
            connectors=_lower(stop["name_connectors"]),
            person_titles=_lower(stop["person_titles"]),
            pronouns=_lower(stop["pronouns"]),
            calendar_words=_lower(stop["calendar_words"]),
            sense_words=_lower(stop["sense_words"]),
            sense_compounds=_lower(stop["sense_compounds"]),
            language_nouns=_lower(stop["language_nouns"]),
            language_preps=_lower(stop["language_prepositions"]),
            language_list_words=_lower(stop["language_list_words"]),
            product_nouns=_lower(stop["product_nouns"]),
            modifier_nouns=_lower(stop["modifier_nouns"]),
            context_detection_nouns=_lower(types["context_detection_nouns"]),
            org_role_nouns=_lower(org["role_nouns"]),
            org_role_preps=_lower(org["role_prepositions"]),
            org_appositive_nouns={k.casefold(): v for k, v in _table(org, "appositive_nouns").items()},
            org_person_nouns=_lower(org["person_nouns"]),
            org_appositive_determiners=_lower(org["appositive_determiners"]),
            org_appositive_window=int(org["appositive_window"]),
            org_max_name_tokens=int(org["max_name_tokens"]),
            org_default_type=str(org["default_type"]),
            org_stake_nouns=_lower(org["stake_nouns"]),
            non_model_products=_lower(types["ai_context"]["non_model_products"]),
            described_policies=tuple(
                DescribedPolicy(str(e["target"]), _lower(e["heads"]), _lower(e["objects"]), _lower(e["bare"]))
                for e in types["described_policies"]["entries"]
            ),
            export_words=_lower(types["described_policies"]["export_words"]),
            described_max_modifiers=int(types["described_policies"]["max_modifiers"]),
            described_stops=_lower(types["described_policies"]["modifier_stops"]),
            publication_verbs=_lower(stop["publication_verbs"]),
            speech_verbs=_lower(stop["speech_verbs"]),
            countries=tuple(
                PlaceEntry(
                    name=str(c["name"]),
                    aliases=tuple(str(a) for a in c.get("aliases", ())),
                    demonyms=tuple(str(d) for d in c.get("demonyms", ())),
                )
                for c in places["countries"]
            ),
            regions=_words(places["regions"]),
            region_demonyms=_table(places, "region_demonyms"),
            metonyms={
                str(k).casefold(): Metonym(str(v["country"]), str(v["city"]), str(v["default"]))
                for k, v in places["metonyms"]["names"].items()
            },
            metonym_literal_after=_words(places["metonyms"]["literal_after"]),
            metonym_literal_before=tuple(str(v).casefold() for v in places["metonyms"]["literal_before"]),
            metonym_not_place_after=_words(places["metonyms"]["not_a_place_after"]),
            metonym_verbs=_lower(places["metonyms"]["verbs"]),
            families=tuple(
                ModelFamily(
                    name=str(f["name"]),
                    aliases=tuple(str(a) for a in f.get("aliases", ())),
                    developer=f.get("developer"),
                    standalone=bool(f.get("standalone", False)),
                )
                for f in models["families"]
            ),
            version_words=_words(models["version_words"]),
            family_nouns=_lower(models["family_nouns"]),
            size_re=re.compile(str(models["size_pattern"])),
            version_re=re.compile(str(models["version_pattern"])),
        )
    except (KeyError, TypeError, ValueError, AttributeError, re.error) as err:
        raise InputError(f"kg/patterns/entities_*.json: malformed lexicon ({type(err).__name__}: {err})") from err


__all__ = ["DescribedPolicy", "EntityLexicon", "Metonym", "ModelFamily", "PlaceEntry", "load_lexicon"]
