"""Helpers for the relation and claim tests: entities built by hand from string offsets.

The relation and claim stages read entities (with mentions) and a parsed Doc; building the entities by hand
keeps those tests independent of entity recognition, so each test checks one rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from spacy.language import Language
from spacy.tokens import Doc

from kg.iris import Iris
from kg.records import Document, Entity, Mention

IRIS = Iris()

# surface form -> (canonical name, ontology class); used by most tests
NAMES: dict[str, tuple[str, str]] = {
    "Alibaba": ("Alibaba", "Company"),
    "Alibaba Cloud": ("Alibaba Cloud", "Company"),
    "Baidu": ("Baidu", "Company"),
    "Meta": ("Meta", "Company"),
    "Nvidia": ("Nvidia", "Company"),
    "Huawei": ("Huawei", "Company"),
    "Qwen": ("Qwen", "Model"),
    "Llama": ("Llama", "Model"),
    "R1": ("DeepSeek-R1", "Model"),
    "GPT-4o": ("GPT-4o", "Model"),
    "Kimi K2": ("Kimi K2", "Model"),
    "DeepSeek-V3": ("DeepSeek-V3", "Model"),
    "DeepSeek": ("DeepSeek", "Lab"),
    "Moonshot AI": ("Moonshot AI", "Lab"),
    "OpenAI": ("OpenAI", "Lab"),
    "Liang Wenfeng": ("Liang Wenfeng", "Person"),
    "Sam Altman": ("Sam Altman", "Person"),
    "Jane Park": ("Jane Park", "Person"),
    "Hangzhou": ("Hangzhou", "City"),
    "China": ("China", "Country"),
    "Chinese": ("China", "Country"),
    "Singapore": ("Singapore", "Country"),
    "Washington": ("United States", "Country"),
    "U.S.": ("United States", "Country"),
    "Stanford University": ("Stanford University", "University"),
    "Stanford": ("Stanford University", "University"),
    "DigiChina Project": ("DigiChina Project", "ResearchCenter"),
    "DigiChina": ("DigiChina Project", "ResearchCenter"),
    "Center for International Security and Cooperation": ("CISAC", "ResearchCenter"),
    "Institute for Human-Centered Artificial Intelligence": ("HAI", "ResearchCenter"),
    "Stanford HAI": ("HAI", "ResearchCenter"),
    "HAI": ("HAI", "ResearchCenter"),
    "Entity List": ("Entity List", "Policy"),
    "Cyberspace Administration of China": ("Cyberspace Administration of China", "GovernmentBody"),
    "South China Morning Post": ("South China Morning Post", "NewsOutlet"),
    "Reuters": ("Reuters", "NewsOutlet"),
    "Beyond DeepSeek": ("Beyond DeepSeek", "Report"),
    "The report": ("Beyond DeepSeek", "Report"),
    "the report": ("Beyond DeepSeek", "Report"),
    "The analysis": ("Beyond DeepSeek", "Report"),
}


def entities(
    text: str, names: Mapping[str, tuple[str, str]] = NAMES, families: Mapping[str, str] | None = None
) -> list[Entity]:
    """Every whole-word occurrence of a surface form becomes a mention (longest forms first, no overlaps);
    ``families`` maps a model version's name to its family's name (``Entity.family``)."""
    taken = [False] * len(text)
    found: dict[str, tuple[str, str, list[Mention]]] = {}
    for surface in sorted(names, key=len, reverse=True):
        name, type_ = names[surface]
        # "Hangzhou-based" names Hangzhou; "DeepSeek-V3" does not name DeepSeek
        for m in re.finditer(r"(?<![\w-])" + re.escape(surface) + r"(?!\w)(?!-[A-Z0-9])", text):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            iri = IRIS.entity(name)
            found.setdefault(iri, (name, type_, []))[2].append(Mention(m.start(), m.end(), surface, iri))
    aliases: dict[str, set[str]] = {}
    for surface, (name, _type) in names.items():
        if surface != name:
            aliases.setdefault(name, set()).add(surface)
    return [
        Entity(
            id=iri,
            name=name,
            type=type_,
            aliases=tuple(sorted(aliases.get(name, ()))),
            mentions=tuple(sorted(ms, key=lambda m: m.start)),
            family=IRIS.entity(families[name]) if families and name in families else None,
        )
        for iri, (name, type_, ms) in sorted(found.items())
    ]


def document(text: str, doc_id: str = "test/doc", publisher: str | None = None) -> Document:
    return Document(id=doc_id, path=f"{doc_id}.txt", format="txt", text=text, sha256="0" * 64, publisher=publisher)


def parse(nlp: Language, text: str) -> Doc:
    doc = nlp(text)
    assert doc.text == text
    return doc


def iri(name: str) -> str:
    return IRIS.entity(name)


__all__ = ["IRIS", "NAMES", "document", "entities", "iri", "parse"]
