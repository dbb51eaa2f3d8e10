"""Helpers for the extraction tests: a tiny seed knowledge base and pipelines/Docs built by hand.

The tiny seed deliberately lacks most names the unit tests use, so the rules for *new* entities are what is
tested, not the seed's aliases.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from kg.config import ONTOLOGY_DIR, Settings
from kg.extract.candidates import CANDIDATES, FACTORY
from kg.extract.entities import extract_entities
from kg.iris import Iris
from kg.nlp import RULERS, add_entity_components
from kg.records import Document, Entity
from kg.seed import SeedKB, load_seed

TINY_SEED = """\
@prefix kg: <https://policy-kg.org/ns#> .
@prefix e: <https://policy-kg.org/id/entity/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix wd: <http://www.wikidata.org/entity/> .

e:china a kg:Country ; skos:prefLabel "China" ; skos:altLabel "PRC" ; kg:demonym "Chinese" ; owl:sameAs wd:Q148 .
e:united-states a kg:Country ; skos:prefLabel "United States" ;
    skos:altLabel "U.S.", "US", "USA", "America", "the United States" ; kg:demonym "American" ; owl:sameAs wd:Q30 .
e:alibaba a kg:Company ; skos:prefLabel "Alibaba" ; skos:altLabel "Alibaba Group" .
e:openai a kg:Lab ; skos:prefLabel "OpenAI" ; skos:altLabel "Open AI" .
e:deepseek a kg:Lab ; skos:prefLabel "DeepSeek" .
e:deepseek-models a kg:Model ; skos:prefLabel "DeepSeek models" ; kg:developedBy e:deepseek .
e:deepseek-r1 a kg:Model ; skos:prefLabel "DeepSeek-R1" ; kg:partOf e:deepseek-models ; kg:developedBy e:deepseek .
e:deepseek-v3 a kg:Model ; skos:prefLabel "DeepSeek-V3" ; kg:partOf e:deepseek-models ; kg:developedBy e:deepseek .
e:qwen a kg:Model ; skos:prefLabel "Qwen" ; kg:developedBy e:alibaba .
e:kimi a kg:Model ; skos:prefLabel "Kimi" ; kg:developedBy e:moonshot-ai .
e:moonshot-ai a kg:Lab ; skos:prefLabel "Moonshot AI" .
e:gpt a kg:Model ; skos:prefLabel "GPT" ; kg:developedBy e:openai .
e:nvidia a kg:Company ; skos:prefLabel "Nvidia" .
e:nemotron a kg:Model ; skos:prefLabel "Nemotron" ; kg:developedBy e:nvidia .
e:stanford-university a kg:University ; skos:prefLabel "Stanford University" ; skos:altLabel "Stanford" .
e:cisac a kg:ResearchCenter ; skos:prefLabel "Center for International Security and Cooperation" ;
    skos:altLabel "CISAC" ; kg:partOf e:stanford-university .
e:digichina a kg:ResearchCenter ; skos:prefLabel "DigiChina Project" ; skos:altLabel "DigiChina" ;
    kg:partOf e:cisac .
e:hai a kg:ResearchCenter ; skos:prefLabel "Stanford Institute for Human-Centered Artificial Intelligence" ;
    skos:altLabel "HAI", "Stanford HAI", "Institute for Human-Centered Artificial Intelligence" ;
    kg:partOf e:stanford-university .
e:ai-index a kg:Report ; skos:prefLabel "AI Index" ; skos:altLabel "AI Index report" ; kg:publishedBy e:hai .
e:open-weight-report a kg:Report ;
    skos:prefLabel "Beyond DeepSeek: China's Diverse Open-Weight AI Ecosystem and Its Policy Implications" ;
    kg:publishedBy e:digichina, e:hai .
e:bis a kg:GovernmentBody ; skos:prefLabel "Bureau of Industry and Security" ; kg:ambiguousLabel "BIS" .
e:bank-for-international-settlements a kg:GovernmentBody ; skos:prefLabel "Bank for International Settlements" ;
    kg:ambiguousLabel "BIS" .
"""


def tiny_ontology(folder: Path) -> Settings:
    """An ontology folder with the real kg.ttl and the tiny seed; Settings pointing at it."""
    (folder / "seed").mkdir(parents=True, exist_ok=True)
    shutil.copy(ONTOLOGY_DIR / "kg.ttl", folder / "kg.ttl")
    (folder / "seed" / "tiny.ttl").write_text(TINY_SEED, encoding="utf-8")
    return Settings(ontology_dir=folder)


def blank_pipeline(seed: SeedKB) -> Language:
    """spacy.blank("en") + sentencizer + the seed ruler + kg_entity_candidates (no tagger, parser or NER)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return add_entity_components(nlp, seed)


def document(text: str, doc_id: str = "test/doc") -> Document:
    return Document(id=doc_id, path=f"{doc_id}.txt", format="txt", text=text, sha256="0" * 64)


def hand_doc(
    nlp: Language,
    words: Sequence[str],
    *,
    spaces: Sequence[bool] | None = None,
    tags: Sequence[str] | None = None,
    pos: Sequence[str] | None = None,
    heads: Sequence[int] | None = None,
    deps: Sequence[str] | None = None,
    ents: Sequence[str] | None = None,
    lemmas: Sequence[str] | None = None,
) -> Doc:
    """A Doc with annotations given by hand (``heads`` absolute token indices), then our two components."""
    doc = Doc(
        nlp.vocab, words=list(words), spaces=list(spaces) if spaces is not None else None,
        tags=list(tags) if tags else None, pos=list(pos) if pos else None,
        heads=list(heads) if heads else None, deps=list(deps) if deps else None,
        ents=list(ents) if ents else None, lemmas=list(lemmas) if lemmas else None,
    )
    if heads is None:
        for i, tok in enumerate(doc):
            tok.is_sent_start = i == 0
    for ruler in RULERS:
        doc = nlp.get_pipe(ruler)(doc)
    return nlp.get_pipe(FACTORY)(doc)


def candidates(doc: Doc) -> list[tuple[str, str, str]]:
    """(text, type, rule) of every candidate span."""
    return [(s.text, s.label_, s.id_) for s in doc.spans[CANDIDATES]]


def entities(doc: Doc, seed: SeedKB, text: str | None = None) -> dict[str, Entity]:
    """extract_entities on ``doc``, keyed by entity name."""
    found = extract_entities(doc, document(text if text is not None else doc.text), seed, Iris())
    return {e.name: e for e in found}


def load_tiny(folder: Path) -> tuple[Settings, SeedKB]:
    settings = tiny_ontology(folder)
    return settings, load_seed(settings)


__all__ = ["TINY_SEED", "blank_pipeline", "candidates", "document", "entities", "hand_doc", "load_tiny",
           "tiny_ontology"]
