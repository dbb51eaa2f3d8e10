"""The seed knowledge base: it parses, it is well-formed, its aliases are unambiguous unless declared, it covers
the seed articles, and the loader rejects broken seed files with a message naming the file."""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SKOS

from kg.config import DEFAULT_BASE_IRI, ONTOLOGY_DIR, Settings
from kg.errors import InputError
from kg.seed import SEED_ENTITY_NS, SeedKB, entity_classes, load_seed, ontology_graph, seed_files

KG = rdflib.Namespace("https://policy-kg.org/ns#")
E = DEFAULT_BASE_IRI + "entity/"
AREA_FILES = {
    "labs_companies.ttl",
    "models.ttl",
    "institutions.ttl",
    "government.ttl",
    "countries_places.ttl",
    "outlets.ttl",
    "policies_reports.ttl",
    "people.ttl",
}
HEADER = """@prefix kg: <https://policy-kg.org/ns#> .
@prefix e: <https://policy-kg.org/id/entity/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix wd: <http://www.wikidata.org/entity/> .
"""


@pytest.fixture(scope="module")
def kb() -> SeedKB:
    return load_seed(Settings())


@pytest.fixture(scope="module")
def classes() -> frozenset[str]:
    graph = rdflib.Graph().parse(ONTOLOGY_DIR / "kg.ttl")
    return entity_classes(graph)


def _subclasses(classes: frozenset[str], root: str) -> set[str]:
    graph = rdflib.Graph().parse(ONTOLOGY_DIR / "kg.ttl")
    return {c for c in classes if (KG[c], rdflib.RDFS.subClassOf * "*", KG[root]) in graph}  # type: ignore[operator]


def make_ontology_dir(tmp_path: Path, files: dict[str, str]) -> Path:
    """An ontology dir with the real kg.ttl and the given seed files (Turtle bodies, header added)."""
    (tmp_path / "seed").mkdir(parents=True)
    shutil.copy(ONTOLOGY_DIR / "kg.ttl", tmp_path / "kg.ttl")
    for name, body in files.items():
        (tmp_path / "seed" / name).write_text(HEADER + body, encoding="utf-8")
    return tmp_path


# --- the shipped seed -------------------------------------------------------------------------------


def test_seed_is_split_by_area_and_has_at_least_250_entities(kb: SeedKB) -> None:
    assert {p.name for p in seed_files(ONTOLOGY_DIR)} == AREA_FILES
    assert len(kb) >= 250
    keys = [e.key for e in kb.entities]
    assert keys == sorted(keys)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)


def test_covers_every_kind_of_entity_the_issue_names(kb: SeedKB) -> None:
    counts: dict[str, int] = defaultdict(int)
    for ent in kb.entities:
        counts[ent.type] += 1
    for cls, minimum in {
        "Lab": 15, "Company": 20, "Model": 60, "University": 10, "ResearchCenter": 10, "ThinkTank": 10,
        "GovernmentBody": 30, "NewsOutlet": 25, "Country": 15, "City": 15, "Person": 30, "Policy": 20, "Report": 5,
    }.items():  # fmt: skip
        assert counts[cls] >= minimum, (cls, counts[cls])
    for surface, key in {
        "DeepSeek": "deepseek", "Qwen": "qwen", "Kimi": "kimi", "GLM": "glm", "MiniMax": "minimax",
        "ERNIE": "ernie", "Hunyuan": "hunyuan", "Doubao": "doubao", "Yi": "yi", "Llama": "llama", "GPT": "gpt",
        "o-series": "o-series", "Claude": "claude", "Gemini": "gemini", "Grok": "grok", "Mistral": "mistral-ai",
        "CSET": "cset", "CSIS": "csis", "NIST": "nist", "NTIA": "ntia", "European Commission": "european-commission",
        "AI Office": "eu-ai-office", "Cyberspace Administration of China": "cac", "EU AI Act": "eu-ai-act",
        "Entity List": "entity-list", "AI Index": "ai-index", "Reuters": "reuters", "Xinhua": "xinhua",
    }.items():  # fmt: skip
        assert [e.key for e in kb.lookup(surface)] == [key], surface


def test_every_entity_has_type_label_and_source(kb: SeedKB, classes: frozenset[str]) -> None:
    graph = ontology_graph(Settings())
    for ent in kb.entities:
        assert ent.type in classes
        assert ent.label.strip() == ent.label and ent.label
        assert ent.label not in ent.aliases
        sources = list(graph.objects(rdflib.URIRef(ent.iri), DCTERMS.source))
        assert sources, f"e:{ent.key} has no dct:source"
        assert all(str(s).startswith("https://") or str(s).startswith("http://") for s in sources)


def test_no_language_tags_and_exactly_one_pref_label_in_files() -> None:
    for path in seed_files(ONTOLOGY_DIR):
        graph = rdflib.Graph().parse(path)
        for subject in set(graph.subjects(RDF.type, None)):
            assert len(list(graph.objects(subject, SKOS.prefLabel))) == 1, (path.name, subject)
        for _s, _p, o in graph:
            assert not (isinstance(o, rdflib.Literal) and o.language), (path.name, o)


def test_aliases_are_unique_unless_declared_ambiguous_on_every_holder() -> None:
    """Checked on the raw files, independently of the loader."""
    holders: dict[str, set[str]] = defaultdict(set)
    declared: dict[str, set[str]] = defaultdict(set)
    for path in seed_files(ONTOLOGY_DIR):
        graph = rdflib.Graph().parse(path)
        for prop in (SKOS.prefLabel, SKOS.altLabel, KG.demonym, KG.ambiguousLabel):
            for s, o in graph.subject_objects(prop):
                holders[str(o).casefold()].add(str(s))
        for s, o in graph.subject_objects(KG.ambiguousLabel):
            declared[str(o).casefold()].add(str(s))
    shared = {form: who for form, who in holders.items() if len(who) > 1}
    for form, who in shared.items():
        assert declared[form] == who, f"{form!r} is shared by {sorted(who)} but declared only on {declared[form]}"
    for form, who in declared.items():
        assert len(holders[form]) > 1, f"{form!r} is declared ambiguous but only {who} has it"
    # the seed deliberately contains real ambiguities, each resolved to every holder
    assert {"bis", "ai safety institute", "cambridge", "oxford"} <= set(shared)


def test_wikidata_ids_are_well_formed_and_not_shared(kb: SeedKB) -> None:
    seen: dict[str, str] = {}
    for ent in kb.entities:
        if ent.wikidata is None:
            continue
        assert re.fullmatch(r"Q[1-9][0-9]*", ent.wikidata)
        assert ent.wikidata not in seen, (ent.key, seen.get(ent.wikidata))
        seen[ent.wikidata] = ent.key
    assert kb.get(E + "china") is not None and kb.get(E + "china").wikidata == "Q148"  # type: ignore[union-attr]
    assert len(seen) >= 80


def test_facts_point_to_entities_of_the_right_kind(kb: SeedKB, classes: frozenset[str]) -> None:
    orgs = _subclasses(classes, "Organization")
    places = _subclasses(classes, "Place")
    expected_object = {
        "developedBy": orgs, "basedIn": places, "publishedBy": orgs, "authoredBy": {"Person"},
        "worksFor": orgs, "leads": orgs, "outperforms": {"Model"}, "buildsOn": {"Model"},
        "acquiredBy": orgs,
    }  # fmt: skip
    expected_subject = {
        "developedBy": {"Model"}, "basedIn": orgs, "publishedBy": {"Report"}, "authoredBy": {"Report"},
        "worksFor": {"Person"}, "leads": {"Person"}, "issuedBy": {"Policy"}, "demonym": places,
    }  # fmt: skip
    for ent in kb.entities:
        for prop, obj in ent.facts:
            target = kb.get(obj)
            if obj.startswith(E):
                assert target is not None, (ent.key, prop, obj)
            if prop in expected_subject:
                assert ent.type in expected_subject[prop], (ent.key, prop)
            if prop in expected_object and target is not None:
                assert target.type in expected_object[prop], (ent.key, prop, target.key)
        if ent.demonyms:
            assert ent.type in places


def test_key_facts_developer_headquarters_parent_family(kb: SeedKB, classes: frozenset[str]) -> None:
    countries = {e.iri for e in kb.entities if e.type == "Country"}
    for ent in kb.entities:
        if ent.type in {"Lab", "Company"}:
            assert set(ent.facts_for("basedIn")) & countries, f"e:{ent.key} has no headquarters country"
        if ent.type == "City":
            assert len(set(ent.facts_for("partOf")) & countries) == 1, ent.key
        if ent.type == "Model":
            assert ent.facts_for("developedBy"), f"e:{ent.key} has no developer"
            for family in ent.facts_for("partOf"):
                fam = kb.get(family)
                assert fam is not None and fam.type == "Model" and not fam.facts_for("partOf"), (ent.key, family)
                assert set(fam.facts_for("developedBy")) == set(ent.facts_for("developedBy")), ent.key
    r1 = kb.lookup("DeepSeek-R1")[0]
    assert r1.facts_for("partOf") == (E + "deepseek-models",)
    assert r1.facts_for("developedBy") == (E + "deepseek",)
    assert (E + "deepseek-v3") in r1.facts_for("buildsOn")
    assert kb.lookup("DigiChina")[0].facts_for("partOf") == (E + "cisac",)
    assert kb.lookup("Stanford HAI")[0].facts_for("partOf") == (E + "stanford-university",)


def test_lab_and_its_model_family_are_kept_apart(kb: SeedKB) -> None:
    lab = kb.lookup("DeepSeek")
    assert [e.type for e in lab] == ["Lab"]
    family = kb.get(E + "deepseek-models")
    assert family is not None and family.type == "Model" and family.facts_for("developedBy") == (lab[0].iri,)
    assert [e.key for e in kb.lookup("MiniMax")] == ["minimax"]
    assert kb.get(E + "minimax-m1").facts_for("partOf") == (E + "minimax-models",)  # type: ignore[union-attr]


# --- lookup -----------------------------------------------------------------------------------------


def test_lookup_exact_then_case_insensitive_acronyms_only_as_written(kb: SeedKB) -> None:
    assert [e.key for e in kb.lookup("U.S.")] == ["united-states"]
    assert [e.key for e in kb.lookup("American")] == ["united-states"]  # demonym
    assert [e.key for e in kb.lookup("Deepseek")] == ["deepseek"]  # case-insensitive fallback
    assert [e.key for e in kb.lookup("OPENAI")] == ["openai"]
    assert kb.lookup("us") == () and kb.lookup("Us") == ()  # acronym "US" only as written
    assert kb.lookup("time") == ()  # all-lowercase words never fall back
    assert kb.lookup("Nobody Knows This Name") == ()
    both = kb.lookup("BIS")
    assert [e.key for e in both] == ["bank-for-international-settlements", "bis"]
    assert all("BIS" in e.ambiguous for e in both)
    for alias in (
        "HAI",
        "Stanford HAI",
        "Institute for Human-Centered Artificial Intelligence",
        "Institute for Human Centered Artificial Intelligence",
        "Human-Centered AI Institute",
    ):
        assert [e.key for e in kb.lookup(alias)] == ["hai"], alias


def test_seed_articles_entities_resolve(kb: SeedKB, seeds_dir: Path) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt")))
    expected = {
        "DeepSeek": "deepseek", "Moonshot AI": "moonshot-ai", "Alibaba": "alibaba", "Baidu": "baidu",
        "OpenAI": "openai", "Google": "google", "Stanford University": "stanford-university",
        "DigiChina Project": "digichina", "Center for International Security and Cooperation": "cisac",
        "Institute for Human Centered Artificial Intelligence": "hai", "Stanford HAI": "hai", "AI Index": "ai-index",
        "South China Morning Post": "south-china-morning-post", "The Business Times": "the-business-times",
        "United States": "united-states", "U.S.": "united-states", "US": "united-states", "China": "china",
        "Chinese": "china", "Stanford": "stanford-university",
    }  # fmt: skip
    for surface, key in expected.items():
        assert surface in text, f"{surface!r} is not in the seed articles any more"
        assert [e.key for e in kb.lookup(surface)] == [key], surface


def test_the_report_of_the_seed_articles(kb: SeedKB) -> None:
    (report,) = kb.lookup("Beyond DeepSeek")
    assert report.type == "Report"
    assert report.label.startswith("Beyond DeepSeek: China's Diverse Open-Weight AI Ecosystem")
    assert set(report.facts_for("publishedBy")) == {E + "digichina", E + "hai"}
    assert report.facts_for("authoredBy") == (E + "caroline-meinhardt",)


# --- rebasing and caching ---------------------------------------------------------------------------


def test_rebased_on_another_base_iri() -> None:
    base = "https://example.org/kg/"
    kb = load_seed(Settings(base_iri=base))
    assert all(e.iri.startswith(base + "entity/") for e in kb.entities)
    assert all(not obj.startswith(SEED_ENTITY_NS) for e in kb.entities for _p, obj in e.facts)
    graph = ontology_graph(Settings(base_iri=base))
    assert not [t for t in graph if any(str(x).startswith(SEED_ENTITY_NS) for x in t)]
    deepseek = rdflib.URIRef(base + "entity/deepseek")
    assert (deepseek, SKOS.prefLabel, rdflib.Literal("DeepSeek")) in graph
    assert (deepseek, KG.basedIn, rdflib.URIRef(base + "entity/china")) in graph


def test_ontology_graph_is_fresh_each_call_and_holds_ontology_and_seed() -> None:
    first = ontology_graph(Settings())
    size = len(first)
    first.add((rdflib.URIRef("urn:x"), RDF.type, KG.Lab))
    second = ontology_graph(Settings())
    assert len(second) == size
    assert (KG.Lab, RDF.type, rdflib.OWL.Class) in second
    assert (rdflib.URIRef(E + "openai"), RDF.type, KG.Lab) in second
    assert load_seed(Settings()) is load_seed(Settings())  # parsed once per (ontology_dir, base_iri)


# --- broken seed files ------------------------------------------------------------------------------


def test_shared_alias_must_be_declared_on_every_holder(tmp_path: Path) -> None:
    body = """e:a a kg:Lab ; skos:prefLabel "Alpha Lab" ; skos:altLabel "AL" ; dct:source <https://a.example/> .
e:b a kg:Company ; skos:prefLabel "Alpha Logistics" ; skos:altLabel "AL" ; dct:source <https://b.example/> .
"""
    directory = make_ontology_dir(tmp_path / "undeclared", {"x.ttl": body})
    shared = r"x\.ttl: label 'AL' is shared by e:a \(x\.ttl\), e:b \(x\.ttl\).*kg:ambiguousLabel \"AL\" on every"
    with pytest.raises(InputError, match=shared):
        load_seed(Settings(ontology_dir=directory))

    one_side = body.replace(
        'skos:altLabel "AL" ; dct:source <https://a', 'kg:ambiguousLabel "AL" ; dct:source <https://a'
    )
    directory = make_ontology_dir(tmp_path / "one-side", {"x.ttl": one_side})
    with pytest.raises(InputError, match="shared by"):
        load_seed(Settings(ontology_dir=directory))

    both = one_side.replace(
        'skos:altLabel "AL" ; dct:source <https://b', 'kg:ambiguousLabel "AL" ; dct:source <https://b'
    )
    kb = load_seed(Settings(ontology_dir=make_ontology_dir(tmp_path / "both", {"x.ttl": both})))
    assert [e.key for e in kb.lookup("AL")] == ["a", "b"]
    assert kb.lookup("AL")[0].aliases == ("AL",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('e:a a kg:Lab ; skos:prefLabel "A .', r"bad\.ttl(:\d+)?: not valid Turtle \(.*(string|Quote)"),
        ('e:a a kg:Lab ; skos:prefLabel "A", "B" .', r"bad\.ttl: e:a needs exactly one skos:prefLabel, has 2"),
        ("e:a a kg:Lab .", r"bad\.ttl: e:a needs exactly one skos:prefLabel, has 0"),
        ('e:a a kg:Spaceship ; skos:prefLabel "A" .', r"bad\.ttl: e:a needs exactly one type among .*kg:Lab"),
        ('e:a a kg:Lab, kg:Company ; skos:prefLabel "A" .', r"bad\.ttl: e:a needs exactly one type"),
        ('e:a a kg:Lab ; skos:prefLabel "A"@en .', r"bad\.ttl: e:a skos:prefLabel .*no language tags"),
        (
            'e:a a kg:Lab ; skos:prefLabel "A" ; kg:basedIn e:nowhere .',
            r"bad\.ttl: e:a kg:basedIn e:nowhere.*not defined",
        ),
        ('e:A_b a kg:Lab ; skos:prefLabel "A" .', r"bad\.ttl: entity key 'A_b' must be lowercase"),
        ('e:a a kg:Lab ; skos:prefLabel "A" ; owl:sameAs <https://x.example/a> .', r"bad\.ttl: .*only Wikidata"),
    ],
)
def test_broken_seed_file_is_a_one_line_error_naming_the_file(tmp_path: Path, body: str, message: str) -> None:
    directory = make_ontology_dir(tmp_path, {"bad.ttl": body})
    with pytest.raises(InputError, match=message) as info:
        load_seed(Settings(ontology_dir=directory))
    assert "\n" not in str(info.value)


def test_entity_defined_twice_across_files(tmp_path: Path) -> None:
    files = {"a.ttl": 'e:x a kg:Lab ; skos:prefLabel "X" .', "b.ttl": 'e:x a kg:Lab ; skos:prefLabel "X2" .'}
    with pytest.raises(InputError, match=r"b\.ttl: e:x is already defined in .*a\.ttl"):
        load_seed(Settings(ontology_dir=make_ontology_dir(tmp_path, files)))


def test_missing_seed_dir_is_an_input_error(tmp_path: Path) -> None:
    shutil.copy(ONTOLOGY_DIR / "kg.ttl", tmp_path / "kg.ttl")
    with pytest.raises(InputError, match="no seed files"):
        load_seed(Settings(ontology_dir=tmp_path))
