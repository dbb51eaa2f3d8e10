"""Each named query against a real build of the sample corpus (corpus/), for the rows it must return.

The expectations are facts the sample corpus was written to contain (see corpus/README.md) and facts of the
seed knowledge base, not whatever the extractor happened to produce.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from kg.build import BuildOptions, run_build
from kg.config import Settings
from kg.named_queries import load_named_queries, run_named
from kg.query import Dataset, open_dataset, run_query

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

E = "https://policy-kg.org/id/entity/"
DOC = "https://policy-kg.org/id/doc/"


@pytest.fixture(scope="session")
def corpus_build(tmp_path_factory: pytest.TempPathFactory, root: Path) -> Path:
    """The sample corpus built once per test session."""
    out = tmp_path_factory.mktemp("corpus-build") / "build"
    run_build(BuildOptions(corpus=(root / "corpus",), out=out, progress=False), Settings())
    return out


@pytest.fixture(scope="module")
def ds(corpus_build: Path) -> Iterator[Dataset]:
    yield open_dataset(corpus_build)


def value(term: object) -> str:
    if term is None:
        return ""
    assert isinstance(term, pyoxigraph.NamedNode | pyoxigraph.Literal | pyoxigraph.BlankNode)
    return term.value


def rows(ds: Dataset, name: str, **params: str) -> list[dict[str, str]]:
    answer = run_named(ds, name, params)
    return [{v: value(t) for v, t in zip(answer.variables, row, strict=True)} for row in answer.rows]


def test_every_named_query_answers_on_the_sample_corpus(ds: Dataset) -> None:
    params = {"claims-about": {"entity": "DeepSeek"}, "claims-by-person": {"person": "Priya Raman"},
              "documents-mentioning-both": {"a": "DeepSeek", "b": "Nvidia"}, "entity-relations": {"entity": "Qwen"},
              "path-between": {"from": "Qwen", "to": "China"}, "report-findings": {"report": "Beyond DeepSeek"}}
    for name in load_named_queries():
        assert rows(ds, name, **params.get(name, {})), f"{name} returned no rows"


def test_every_documented_example_answers_on_the_sample_corpus(ds: Dataset) -> None:
    """The example line of each query (shown by `kg query --list` and in docs/sparql.md) is what a user runs
    first: on the sample corpus it must return rows."""
    for name, query in load_named_queries().items():
        assert query.example.startswith(f"kg query --name {name}"), name
        params = {k: v.strip("\"'") for k, v in re.findall(r"--param\s+(\w+)=(\"[^\"]*\"|'[^']*'|\S+)", query.example)}
        assert set(params) <= {p.name for p in query.params}, f"{name}: example names an unknown parameter"
        assert rows(ds, name, **params), f"{name}: its example `{query.example}` returns no rows"


def test_documents(ds: Dataset) -> None:
    docs = rows(ds, "documents")
    assert len(docs) == 17
    assert {d["format"] for d in docs} == {"md", "html", "pdf", "json", "jsonl", "txt"}
    by_id = {d["id"]: d for d in docs}
    assert by_id["news/qwen-overtakes-llama"]["publisher"] == "Straits Digital"
    assert by_id["reports/beyond-deepseek"]["date"] == "2025-12-16"
    assert all(int(d["claims"]) > 0 and int(d["entities"]) > 0 for d in docs)
    assert [d["date"] for d in docs] == sorted(d["date"] for d in docs)


def test_models_by_developer_and_country(ds: Dataset) -> None:
    chinese = rows(ds, "models-by-developer", country="China")
    found = {(r["modelLabel"], r["developerLabel"]) for r in chinese}
    assert {("DeepSeek-R1", "DeepSeek"), ("Qwen", "Alibaba"), ("Kimi K2", "Moonshot AI")} <= found
    assert {r["countryLabel"] for r in chinese} == {"China"}
    assert not {"OpenAI", "Meta"} & {r["developerLabel"] for r in chinese}
    deepseek = rows(ds, "models-by-developer", developer="deepseek")
    assert {r["developerLabel"] for r in deepseek} == {"DeepSeek"}
    assert "DeepSeek-V3" in {r["modelLabel"] for r in deepseek}
    r1 = next(r for r in deepseek if r["modelLabel"] == "DeepSeek-R1")
    assert int(r1["documents"]) >= 2  # the R1 release story and the report at least


def test_labs_by_country(ds: Dataset) -> None:
    china = rows(ds, "labs-by-country", country="PRC")
    assert {"DeepSeek", "Moonshot AI", "Zhipu AI", "MiniMax"} <= {r["labLabel"] for r in china}
    assert {r["countryLabel"] for r in china} == {"China"}
    us = {r["labLabel"] for r in rows(ds, "labs-by-country", country="United States")}
    assert "OpenAI" in us and "DeepSeek" not in us
    everywhere = rows(ds, "labs-by-country")
    assert {"China", "United States"} <= {r["countryLabel"] for r in everywhere}


def test_claims_about_an_entity_cite_their_source(ds: Dataset) -> None:
    claims = rows(ds, "claims-about", entity="DeepSeek")
    assert len(claims) >= 5
    not_only = [c for c in claims if c["text"].startswith("Hangzhou-based DeepSeek is not the only")]
    assert {c["doc"] for c in not_only} == {DOC + "news/stanford-report-open-models",
                                            DOC + "news/stanford-report-open-models-syndicated"}
    assert {c["modalityName"] for c in not_only} == {"negated"}
    assert all(c["saidBy"].startswith("Beyond DeepSeek") for c in not_only)
    for claim in claims:  # every citation points at the exact span of its document's text
        text = run_query(ds, "SELECT ?t WHERE { ?doc kg:text ?t }",
                         bindings={"doc": pyoxigraph.NamedNode(claim["doc"])}).rows[0][0]
        assert value(text)[int(claim["start"]):int(claim["end"])] == claim["text"]
        assert claim["url"].startswith("http")
    hedged = rows(ds, "claims-about", entity="DeepSeek", modality="hedged")
    assert hedged and {c["modalityName"] for c in hedged} == {"hedged"} and len(hedged) < len(claims)


def test_claims_by_modality(ds: Dataset) -> None:
    counts = run_query(ds, "SELECT ?m (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c kg:modality ?x "
                           "BIND(STRAFTER(STR(?x), '#') AS ?m) } GROUP BY ?m")
    total = {value(m): int(value(n)) for m, n in counts.rows}
    assert set(total) == {"asserted", "hedged", "negated"}
    for modality, count in total.items():
        found = rows(ds, "claims-by-modality", modality=modality)
        assert len(found) == count and {r["modalityName"] for r in found} == {modality}
    negated = rows(ds, "claims-by-modality", modality="kg:negated")
    assert "DeepSeek has not responded to the claim." in {r["text"] for r in negated}
    assert len(rows(ds, "claims-by-modality")) == sum(total.values())


def test_report_findings_and_the_outlets_that_repeated_them(ds: Dataset) -> None:
    findings = rows(ds, "report-findings", report="Beyond DeepSeek")
    assert len(findings) >= 3
    qwen = next(f for f in findings if "Qwen" in f["text"] and "Llama" in f["text"])
    assert int(qwen["documents"]) >= 2
    outlets = set(qwen["outlets"].split("; "))
    assert {"South China Morning Post", "Global AI Dispatch"} <= outlets  # the original and the syndicated copy
    assert qwen["firstReported"] == "2025-12-16"
    assert [int(f["documents"]) for f in findings] == sorted((int(f["documents"]) for f in findings), reverse=True)


def test_most_cited_entities(ds: Dataset) -> None:
    top = rows(ds, "most-cited-entities")
    assert {"China", "United States", "DeepSeek"} <= {r["label"] for r in top[:5]}
    documents = [int(r["documents"]) for r in top]
    assert documents == sorted(documents, reverse=True) and documents[0] <= 17
    models = rows(ds, "most-cited-entities", type="kg:Model")
    assert {r["class"] for r in models} == {"https://policy-kg.org/ns#Model"}
    assert {"Qwen", "DeepSeek-R1"} <= {r["label"] for r in models}


def test_who_collaborates_or_competes_with_whom(ds: Dataset) -> None:
    pairs = rows(ds, "collaborations-and-competition")
    assert {r["relation"] for r in pairs} <= {"collaboratesWith", "competesWith"}
    assert ("competesWith", "DeepSeek", "Moonshot AI") in {(r["relation"], r["aLabel"], r["bLabel"]) for r in pairs}
    assert all(r["a"] < r["b"] for r in pairs)  # each pair once
    assert all(int(r["documents"]) >= 1 or r["inSeed"] == "true" for r in pairs)
    moonshot = rows(ds, "collaborations-and-competition", entity="Moonshot")
    assert moonshot and all("Moonshot AI" in (r["aLabel"], r["bLabel"]) for r in moonshot)


def test_which_policies_restrict_what(ds: Dataset) -> None:
    found = rows(ds, "policy-restrictions")
    entity_list = [r for r in found if r["policyLabel"] == "Entity List" and r["targetLabel"] == "Zhipu AI"]
    assert len(entity_list) == 1 and entity_list[0]["relation"] == "restricts"
    assert "Bureau of Industry and Security" in entity_list[0]["issuedBy"].split("; ")
    assert int(entity_list[0]["documents"]) >= 1
    assert "October 2022 advanced computing and semiconductor export controls" in {
        r["policyLabel"] for r in rows(ds, "policy-restrictions", target="China")}


def test_documents_mentioning_two_entities(ds: Dataset) -> None:
    both = rows(ds, "documents-mentioning-both", a="DeepSeek", b="Nvidia")
    assert {DOC + "news/deepseek-r1-release", DOC + "analysis/export-controls-efficiency"} <= {r["doc"] for r in both}
    assert all(int(r["mentionsA"]) >= 1 and int(r["mentionsB"]) >= 1 for r in both)
    zhipu = rows(ds, "documents-mentioning-both", a="Zhipu AI", b="Entity List")
    assert DOC + "news/zhipu-entity-list" in {r["doc"] for r in zhipu}


def test_path_between_two_entities(ds: Dataset) -> None:
    qwen = rows(ds, "path-between", **{"from": "Qwen", "to": "China"})
    assert qwen[0]["hops"] == "2" and qwen[0]["path"] == "Qwen -developedBy-> Alibaba -basedIn-> China"
    assert [int(r["hops"]) for r in qwen] == sorted(int(r["hops"]) for r in qwen)
    rivals = rows(ds, "path-between", **{"from": "DeepSeek", "to": "Moonshot AI"})
    assert rivals[0]["hops"] == "1" and rivals[0]["path"] == "DeepSeek -competesWith-> Moonshot AI"
    backwards = rows(ds, "path-between", **{"from": "China", "to": "Qwen"})
    assert "China <-basedIn- Alibaba <-developedBy- Qwen" in {r["path"] for r in backwards}


def test_entity_aliases_and_merge_rules(ds: Dataset) -> None:
    hai = rows(ds, "entity-aliases", entity="Stanford HAI")
    assert {r["entity"] for r in hai} == {E + "hai"}
    assert ("HAI", "alias") in {(r["name"], r["kind"]) for r in hai}
    seen = {r["name"]: r["rule"] for r in hai if r["kind"] == "seen as" and r["name"] != r["label"]}
    assert seen and all(seen.values())  # every other name seen in a document says which rule merged it


def test_claims_attributed_to_a_person(ds: Dataset) -> None:
    raman = rows(ds, "claims-by-person", person="Priya Raman")
    assert raman and {r["doc"] for r in raman} == {DOC + "news/deepseek-r1-release"}
    assert "true" in {r["quotation"] for r in raman}


def test_relation_evidence(ds: Dataset) -> None:
    evidence = rows(ds, "relation-evidence", subject="Qwen", relation="kg:developedBy")
    assert evidence and {r["objectLabel"] for r in evidence} == {"Alibaba"}
    assert all("Qwen" in r["evidence"] and 0 < float(r["confidence"]) <= 1 for r in evidence)
    assert len({r["doc"] for r in evidence}) >= 2


def test_entity_relations(ds: Dataset) -> None:
    found = rows(ds, "entity-relations", entity="DeepSeek")
    deepseek = {(r["direction"], r["relation"], r["otherLabel"]) for r in found}
    assert ("in", "developedBy", "DeepSeek-R1") in deepseek
    assert ("in", "leads", "Liang Wenfeng") in deepseek


def test_repeated_and_contradicting_claims(ds: Dataset) -> None:
    repeated = rows(ds, "repeated-claims", min_sources="2")
    assert repeated and all(int(r["independentSources"]) >= 2 for r in repeated)
    assert len(rows(ds, "repeated-claims")) > len(repeated)
    contradictions = rows(ds, "contradictions", entity="Qwen")
    assert len(contradictions) == 1
    pair = contradictions[0]
    assert "Straits Digital" in pair["publishersA"] + pair["publishersB"]  # the October article against the rest
    assert "Qwen" in pair["claimA"] and "Qwen" in pair["claimB"]


def unordered(row: dict[str, str]) -> dict[str, object]:
    """A contradictions row with its publisher lists as sets (GROUP_CONCAT's order is the engine's)."""
    return {k: frozenset(v.split("; ")) if k.startswith("publishers") else v for k, v in row.items()}


def test_contradictions_about_an_entity_are_the_pairs_touching_its_clusters(ds: Dataset) -> None:
    """The entity restriction (applied first, for speed) keeps exactly the pairs of the unrestricted query in
    which either side has a member about the entity; each pair once, sides in IRI order, lists clean."""
    everything = rows(ds, "contradictions")
    assert everything and all(r["a"] < r["b"] for r in everything)
    assert len({(r["a"], r["b"]) for r in everything}) == len(everything)
    for r in everything:
        for side in ("publishersA", "publishersB"):
            parts = r[side].split("; ")
            assert all(parts) and len(parts) == len(set(parts)), r[side]
        assert int(r["documentsA"]) >= 1 and int(r["documentsB"]) >= 1
    for name in ("Qwen", "DeepSeek", "China"):
        entity = run_named(ds, "entity-aliases", {"entity": name}).rows[0][0]
        assert isinstance(entity, pyoxigraph.NamedNode)
        about = {value(row[0]) for row in run_query(
            ds, "SELECT DISTINCT ?c WHERE { ?c kg:hasMember/kg:about ?e }", bindings={"e": entity}).rows}
        expected = [r for r in everything if r["a"] in about or r["b"] in about]
        assert [unordered(r) for r in rows(ds, "contradictions", entity=name)] == [unordered(r) for r in expected]


def test_naming_an_entity_on_a_local_build_reads_the_indexes_with_the_same_answer(ds: Dataset) -> None:
    """The local fast path of entity resolution gives the rows of the SPARQL lookup, for every name."""
    from kg.named_queries import _RESOLVE_EXACT, _resolve_locally

    names = {value(r[0]) for r in run_query(ds, "SELECT DISTINCT ?n WHERE { { ?e skos:prefLabel ?n } UNION "
                                                "{ ?e skos:altLabel ?n } UNION { ?e kg:surfaceForm ?n } }").rows}
    assert len(names) > 100
    for name in [*sorted(names), "deepseek", "Atlantis"]:
        needle = pyoxigraph.Literal(name)
        expected = run_query(ds, _RESOLVE_EXACT, bindings={"name": needle}).rows
        assert [tuple(map(str, r)) for r in _resolve_locally(ds.store, needle).rows] == \
            [tuple(map(str, r)) for r in expected], name


def test_a_modality_is_a_word_in_any_case_or_an_iri_and_nothing_else_matches(ds: Dataset) -> None:
    """claims-by-modality selects by modality before anything else; the ways of naming one agree."""
    hedged = rows(ds, "claims-by-modality", modality="hedged")
    assert hedged
    for spelling in ("HEDGED", "Hedged", "kg:hedged", "<https://policy-kg.org/ns#hedged>"):
        assert rows(ds, "claims-by-modality", modality=spelling) == hedged, spelling
    for bogus in ("not a word", "5", "kg:Claim", '"hedged"@en-x-bad junk'):
        assert rows(ds, "claims-by-modality", modality=bogus) == [], bogus
