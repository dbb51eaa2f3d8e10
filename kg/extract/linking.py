"""Linking surface forms to the seed knowledge base and the lexicons: normalisation, places, model families.

A *link key* names what a candidate span refers to, as a plain string stored on the span (``Span.kb_id_``):

* ``seed:<key>`` — a seed entity (``ontology/seed/*.ttl``);
* ``name:<Name>`` — a thing the lexicons know by name but the seed does not (a country, a model family);
* ``""`` — nothing known: a new entity named after its surface form.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from kg.extract.lexicon import EntityLexicon, ModelFamily
from kg.seed import SeedEntity, SeedKB

_HYPHENS = re.compile(r"[\u2010-\u2015\-]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "ʼ": "'"})
_EDGE = " ,;:()[]{}\"“”«»"
_SPLIT_VERSION = re.compile(r"[-\u2010\u2011 ]|(?<=[A-Za-z])(?=\d)")

ORG_TYPES = frozenset({"Organization", "Lab", "Company", "University", "ResearchCenter", "ThinkTank", "GovernmentBody",
                       "NewsOutlet"})
PLACE_TYPES = frozenset({"Place", "Country", "City"})


@lru_cache(maxsize=65536)
def normalize(surface: str) -> str:
    """The comparison key of a name: case, hyphens, curly quotes, a leading "the" and a possessive folded."""
    text = _HYPHENS.sub(" ", surface.translate(_APOSTROPHES))
    text = " ".join(text.split()).casefold().strip(_EDGE)
    if text.startswith("the "):
        text = text[4:]
    if text.endswith("'s"):
        text = text[:-2]
    elif text.endswith("'"):
        text = text[:-1]
    return text.strip(_EDGE)


def seed_key(ent: SeedEntity) -> str:
    return f"seed:{ent.key}"


def name_key(name: str) -> str:
    return f"name:{name}"


@dataclass(frozen=True)
class Target:
    """What a link key stands for: a seed entity, or a lexicon name with its type."""

    key: str
    name: str
    type: str
    seed: SeedEntity | None = None


@dataclass(frozen=True)
class ModelBase:
    """A word that starts model names: a seed model or lab, or a lexicon family."""

    text: str
    standalone: bool  # may take a version after a space ("Llama 3.1", "Kimi K2")
    lab: bool  # a lab's name ("DeepSeek"): only letter-digit versions after a space ("DeepSeek V3")
    letters: frozenset[str]  # a lab's version letters in the seed ("V", "R" for DeepSeek): not "Nvidia H800"


def _version_letters(base: str, model_names: list[str]) -> frozenset[str]:
    """Letters that start a version of the lab's seed models: "DeepSeek-V3", "DeepSeek-R1" -> {"V", "R"}."""
    pattern = re.compile(rf"^{re.escape(base)}[-\u2010\u2011 ]([A-Za-z])\d", re.IGNORECASE)
    return frozenset(m.group(1).upper() for name in model_names if (m := pattern.match(name)))


class SeedIndex:
    """Lookups over the seed knowledge base and the lexicons, built once per pipeline."""

    def __init__(self, seed: SeedKB, lexicon: EntityLexicon) -> None:
        self.seed = seed
        self.lexicon = lexicon
        forms: dict[str, list[SeedEntity]] = defaultdict(list)
        self.exact_forms: dict[str, SeedEntity] = {}
        for ent in seed.entities:
            for form in (ent.label, *ent.aliases):
                bucket = forms[normalize(form)]
                if ent not in bucket:
                    bucket.append(ent)
        self.forms: dict[str, tuple[SeedEntity, ...]] = {k: tuple(v) for k, v in forms.items()}
        self.targets: dict[str, Target] = {}
        for ent in seed.entities:
            self.targets[seed_key(ent)] = Target(seed_key(ent), ent.label, ent.type, ent)
        self.demonyms: dict[str, str] = {}  # exact surface -> link key
        for ent in seed.entities:
            for dem in ent.demonyms:
                self.demonyms[dem] = seed_key(ent)
        self.places: dict[str, str] = {}  # normalised name -> link key (lexicon places)
        for entry in lexicon.countries:
            key = self._place_key(entry.name, "Country")
            for form in (entry.name, *entry.aliases):
                self.places.setdefault(normalize(form), key)
            for dem in entry.demonyms:
                self.demonyms.setdefault(dem, key)
        for region in sorted(lexicon.regions):
            self.places.setdefault(normalize(region), self._place_key(region, "Place"))
        for dem, region in sorted(lexicon.region_demonyms.items()):
            if region in lexicon.regions:
                self.demonyms.setdefault(dem, self._place_key(region, "Place"))
        self.families: dict[str, ModelFamily] = {}
        for fam in lexicon.families:
            for form in (fam.name, *fam.aliases):
                self.families[form.casefold()] = fam
            self.targets.setdefault(name_key(fam.name), Target(name_key(fam.name), fam.name, "Model"))
        self.model_bases = self._model_bases()

    # ------------------------------------------------------------------ lookups
    def lookup(self, surface: str) -> tuple[SeedEntity, ...]:
        """Seed entities named ``surface`` (label or alias), compared after :func:`normalize`."""
        return self.forms.get(normalize(surface), ())

    def target(self, key: str) -> Target | None:
        return self.targets.get(key)

    def place(self, surface: str) -> str | None:
        """Link key of a place known by name (seed first, then the places lexicon)."""
        for ent in self.lookup(surface):
            if ent.type in PLACE_TYPES:
                return seed_key(ent)
        return self.places.get(normalize(surface))

    def _place_key(self, name: str, type_name: str) -> str:
        for ent in self.lookup(name):
            if ent.type in PLACE_TYPES:
                return seed_key(ent)
        key = name_key(name)
        self.targets.setdefault(key, Target(key, name, type_name))
        return key

    # ------------------------------------------------------------------ models
    def _model_bases(self) -> dict[str, ModelBase]:
        bases: dict[str, ModelBase] = {}
        word = re.compile(r"^[A-Za-z][A-Za-z-]*[A-Za-z]$")
        developers = {obj for ent in self.seed.entities if ent.type == "Model" for obj in ent.facts_for("developedBy")}
        model_names = [f for ent in self.seed.entities if ent.type == "Model" for f in (ent.label, *ent.aliases)]
        for ent in self.seed.entities:
            is_model = ent.type == "Model"
            if not is_model and ent.iri not in developers:
                continue
            for form in (ent.label, *ent.aliases):
                if word.match(form) and " " not in form:
                    letters = frozenset() if is_model else _version_letters(form, model_names)
                    base = ModelBase(form, standalone=is_model, lab=not is_model, letters=letters)
                    bases.setdefault(form.casefold(), base)
        for fam in self.lexicon.families:
            for form in (fam.name, *fam.aliases):
                base = ModelBase(form, standalone=fam.standalone, lab=False, letters=frozenset())
                bases.setdefault(form.casefold(), base)
        return bases

    def root_family(self, ent: SeedEntity) -> SeedEntity:
        """Follow ``partOf`` between models up to the family ("DeepSeek-R1" -> "DeepSeek models")."""
        chain = self.ancestors(ent)
        return chain[-1] if chain else ent

    def _inner_family(self, name: str) -> str:
        """A compound name with a seed model inside it after the first part ("Qwen-SEA-LION-v4" holds SEA-LION):
        the longest such model, when it is longer than any model the name starts with ("" otherwise)."""
        parts = _HYPHENS.split(name)
        if len(parts) < 3:
            return ""
        best: SeedEntity | None = None
        best_len = best_start = 0
        for i in range(len(parts)):
            for j in range(i + 1, len(parts)):  # the last part is the version, never the family
                piece = "-".join(parts[i:j])
                models = [e for e in self.lookup(piece) if e.type == "Model"]
                if models and len(piece) > best_len:
                    best, best_len, best_start = models[0], len(piece), i
        if best is None or best_start == 0:
            return ""  # the longest model starts the name: the prefix rule decides
        return seed_key(best)

    def ancestors(self, ent: SeedEntity) -> list[SeedEntity]:
        """The model families above ``ent`` by ``partOf``, nearest first (empty for a family itself)."""
        chain: list[SeedEntity] = []
        seen = {ent.iri}
        current = ent
        while True:
            parents = [p for iri in current.facts_for("partOf") if (p := self.seed.get(iri)) and p.type == "Model"]
            if not parents or parents[0].iri in seen:
                return chain
            current = parents[0]
            chain.append(current)
            seen.add(current.iri)

    def lab_family(self, lab: SeedEntity) -> SeedEntity | None:
        """The one root model family a lab develops, if the seed says which."""
        roots = {
            self.root_family(ent).iri
            for ent in self.seed.entities
            if ent.type == "Model" and lab.iri in ent.facts_for("developedBy")
        }
        found = [e for iri in sorted(roots) if (e := self.seed.get(iri)) is not None]
        return found[0] if len(found) == 1 else None

    def family_of(self, name: str) -> str:
        """Link key of the family of a model version ("Qwen2.5-72B" -> Qwen), or "" when unknown.

        Tries ever shorter prefixes of the name (cut at hyphens, spaces and letter-digit boundaries); the first
        one that names a seed model gives that model (the nearest family: ``kg.extract.entities`` links to the
        nearest one the document names, else the root), a seed lab gives the family it develops, a lexicon
        family gives itself.
        """
        inner = self._inner_family(name)
        if inner:
            return inner
        cuts = [m.start() for m in _SPLIT_VERSION.finditer(name)]
        for cut in [len(name), *sorted(cuts, reverse=True)]:
            prefix = name[:cut].rstrip("-\u2010\u2011 ")
            if not prefix:
                continue
            for ent in self.lookup(prefix):
                if ent.type == "Model":
                    if cut == len(name):  # the name is a seed model: its family is its parent, if any
                        parents = self.ancestors(ent)
                        return seed_key(parents[0]) if parents else ""
                    return seed_key(ent)  # the nearest family; the document decides how far up to link
                if ent.type in ORG_TYPES:
                    fam = self.lab_family(ent)
                    if fam is not None:
                        return seed_key(fam)
            family = self.families.get(prefix.casefold())
            if family is not None:
                return "" if cut == len(name) else name_key(family.name)
        return ""


__all__ = ["ORG_TYPES", "PLACE_TYPES", "ModelBase", "SeedIndex", "Target", "name_key", "normalize", "seed_key"]
