"""End to end on the two seed articles: read with read_corpus, extracted with the real trained pipeline.

Shared by the entity and the claims engineers: entity checks first, relation/claim checks may follow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from spacy.language import Language

from kg.config import Settings
from kg.corpus import read_corpus
from kg.extract import extract_document
from kg.iris import Iris
from kg.records import Entity, Extraction
from kg.seed import load_seed

EXPECTED_TYPES = {
    "DeepSeek": "Lab",
    "Moonshot AI": "Lab",
    "Alibaba": "Company",
    "Baidu": "Company",
    "OpenAI": "Lab",
    "Google": "Company",
    "Stanford University": "University",
    "DigiChina Project": "ResearchCenter",
    "Center for International Security and Cooperation": "ResearchCenter",
    "Stanford Institute for Human-Centered Artificial Intelligence": "ResearchCenter",
    "South China Morning Post": "NewsOutlet",
    "The Business Times": "NewsOutlet",
    "China": "Country",
    "United States": "Country",
}
REPORT = "Beyond DeepSeek: China's Diverse Open-Weight AI Ecosystem and Its Policy Implications"
# everything else the articles really name; any other entity name is junk
ALSO_FINE = {REPORT, "AI Index", "Silicon Valley"}


@pytest.fixture(scope="module")
def extractions(trained_nlp: Language, seeds_dir: Path) -> list[Extraction]:
    settings = Settings()
    corpus = read_corpus([seeds_dir], settings)
    assert len(corpus.documents) == 2 and not corpus.problems
    seed = load_seed(settings)
    iris = Iris(settings.base_iri)
    return [extract_document(trained_nlp(d.text), d, seed, iris) for d in corpus.documents]


def _by_name(extractions: list[Extraction]) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    for ex in extractions:
        for ent in ex.entities:
            out.setdefault(ent.name, ent)
    return out


def test_seed_articles_name_the_expected_entities_with_their_types(extractions: list[Extraction]) -> None:
    found = {name: ent.type for name, ent in _by_name(extractions).items()}
    for name, type_name in EXPECTED_TYPES.items():
        assert found.get(name) == type_name, (name, found.get(name))


def test_seed_articles_have_no_junk_entities(extractions: list[Extraction]) -> None:
    names = set(_by_name(extractions))
    assert names - set(EXPECTED_TYPES) - ALSO_FINE == set()
    for junk in ("AI", "A New Frontier", "the Global AI Race", "Open Source", "API", "APIs", "Glossary", "Weights",
                 "East", "West", "China Tech", "Good Enough", "Key Terms Simplified", "U.S."):
        assert junk not in names


def test_hai_is_one_entity_under_all_its_names(extractions: list[Extraction]) -> None:
    hai = [e for ex in extractions for e in ex.entities if e.id == Iris().entity_key("hai")]
    assert len(hai) == 2 and len({e.id for e in hai}) == 1
    surfaces = {m.text for e in hai for m in e.mentions}
    assert surfaces == {"Stanford HAI", "Institute for Human Centered Artificial Intelligence"}
    assert all(m.rule == "seed-alias" for e in hai for m in e.merges)


def test_united_states_and_china_with_their_demonyms(extractions: list[Extraction]) -> None:
    us = [e for ex in extractions for e in ex.entities if e.name == "United States"]
    assert {m.text for e in us for m in e.mentions} == {"U.S.", "US", "the United States"}
    china = [e for ex in extractions for e in ex.entities if e.name == "China"]
    assert ("Chinese", "demonym") in {(m.alias, m.rule) for e in china for m in e.merges}
    assert "Chinese" in {m.text for e in china for m in e.mentions}


def test_report_references_are_mentions_of_the_stanford_report(extractions: list[Extraction]) -> None:
    first, second = extractions
    report1 = next(e for e in first.entities if e.name == REPORT)
    texts1 = {m.text for m in report1.mentions}
    assert {"a new Stanford University report", "the report", "The Stanford report"} <= texts1
    report2 = next(e for e in second.entities if e.name == REPORT)
    assert {"a new report", "the report", "The report"} <= {m.text for m in report2.mentions}
    assert {m.rule for m in report2.merges} == {"report-reference"}
    # the AI Index is named in passing and is not what "the report" means
    index = next(e for e in second.entities if e.name == "AI Index")
    assert [m.text for m in index.mentions] == ["AI Index report"]


def test_every_mention_slice_is_exact_and_entities_sorted(extractions: list[Extraction]) -> None:
    for ex in extractions:
        text = ex.document.text
        assert [e.id for e in ex.entities] == sorted(e.id for e in ex.entities)
        for ent in ex.entities:
            for m in ent.mentions:
                assert text[m.start : m.end] == m.text
            for merge in ent.merges:
                assert merge.rule in {"seed-alias", "alias", "demonym", "abbreviation", "short-form",
                                      "report-reference", "model-version"}
