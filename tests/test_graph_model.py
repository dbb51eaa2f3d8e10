"""A real build of the sample corpus has the shape of docs/graph-model.md (checked through SPARQL on the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kg import __version__
from kg.config import Settings
from kg.iris import Iris
from kg.records import Document
from kg.store import open_store
from kg.validate import format_text, validate_build
from tests.build_fixtures import Built, sample_build  # noqa: F401  (the shared session fixture)

IRIS = Iris()
PREFIXES = """
PREFIX kg: <https://policy-kg.org/ns#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


def _select(out: Path, query: str, union: bool = True) -> list[dict[str, Any]]:
    solutions: Any = open_store(out).query(PREFIXES + query, use_default_graph_as_union=union)
    names = [v.value for v in solutions.variables]
    return [{n: (None if row[n] is None else row[n].value) for n in names} for row in solutions]


def _count(out: Path, query: str) -> int:
    return int(_select(out, query)[0]["n"])


def test_named_graphs_are_ontology_cross_and_one_per_document(sample_build: Built) -> None:  # noqa: F811
    out = sample_build.out
    graphs = {r["g"] for r in _select(out, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union=False)}
    docs = {r["id"] for r in _select(out, "SELECT ?id WHERE { ?d a kg:Document ; dct:identifier ?id }")}
    assert len(docs) == sample_build.result.summary.documents == 17
    assert graphs == {IRIS.ontology_graph, IRIS.cross_graph} | {IRIS.document_graph(d) for d in docs}
    # each document graph holds its own document and only it
    rows = _select(out, "SELECT ?g ?id WHERE { GRAPH ?g { ?d a kg:Document ; dct:identifier ?id } }", union=False)
    assert sorted((r["g"], r["id"]) for r in rows) == sorted((IRIS.document_graph(d), d) for d in docs)


def test_every_entity_has_exactly_one_type_and_one_label(sample_build: Built) -> None:  # noqa: F811
    rows = _select(sample_build.out, """
        SELECT ?e (COUNT(DISTINCT ?t) AS ?types) (COUNT(DISTINCT ?l) AS ?labels) WHERE {
          { ?m kg:mentionOf ?e } UNION { ?c kg:about ?e } UNION { ?c kg:attributedTo ?e } UNION { ?c kg:reportedBy ?e }
          UNION { ?a a kg:RelationAssertion ; rdf:subject ?e } UNION { ?a a kg:RelationAssertion ; rdf:object ?e }
          OPTIONAL { ?e a ?t . ?t rdfs:subClassOf* kg:Entity }
          OPTIONAL { ?e skos:prefLabel ?l }
        } GROUP BY ?e""")
    assert len(rows) > 50
    bad = [r for r in rows if (int(r["types"]), int(r["labels"])) != (1, 1)]
    assert bad == []


def test_documents_carry_dublin_core_metadata_and_provenance(sample_build: Built) -> None:  # noqa: F811
    out = sample_build.out
    rows = _select(out, """
        SELECT ?d ?id ?title ?source ?date ?sha ?fmt ?path ?act ?version ?config WHERE {
          ?d a kg:Document ; dct:identifier ?id ; kg:sha256 ?sha ; kg:format ?fmt ; kg:path ?path ; kg:text ?text ;
             prov:wasGeneratedBy ?act .
          ?act a prov:Activity ; kg:toolVersion ?version ; kg:configHash ?config ; prov:used ?d .
          OPTIONAL { ?d dct:title ?title } OPTIONAL { ?d dct:source ?source } OPTIONAL { ?d dct:date ?date }
        }""")
    assert len(rows) == 17
    assert {r["version"] for r in rows} == {__version__}
    assert {r["config"] for r in rows} == {Settings().config_hash()}
    assert {r["act"] for r in rows} == {IRIS.activity(__version__, Settings().config_hash())}
    assert all(r["title"] and r["source"] for r in rows)  # every sample document records its source
    assert {r["fmt"] for r in rows} == {"md", "html", "pdf", "json", "jsonl", "txt"}
    typed = _count(out, "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document ; dct:date ?x FILTER(DATATYPE(?x) IN "
                        "(xsd:date, xsd:dateTime)) }")
    assert typed == 17
    assert _count(out, "SELECT (COUNT(*) AS ?n) WHERE { ?d a kg:Document ; a schema:Report ; kg:format 'pdf' }") == 1


def test_every_selector_is_exact_through_sparql(sample_build: Built) -> None:  # noqa: F811
    out = sample_build.out
    for kind in ("kg:Claim", "kg:RelationAssertion"):
        rows = _select(out, f"""
            SELECT ?x ?exact ?prefix ?suffix ?slice ?before ?after WHERE {{
              ?x a {kind} ; kg:evidence ?t .
              ?t oa:hasSource ?d ; oa:hasSelector ?q, ?p .
              ?q a oa:TextQuoteSelector ; oa:exact ?exact ; oa:prefix ?prefix ; oa:suffix ?suffix .
              ?p a oa:TextPositionSelector ; oa:start ?s ; oa:end ?e .
              ?d kg:text ?text .
              BIND(SUBSTR(?text, ?s + 1, ?e - ?s) AS ?slice)
              BIND(SUBSTR(?text, 1, ?s) AS ?before)
              BIND(SUBSTR(?text, ?e + 1) AS ?after)
            }}""")
        assert len(rows) > 20, kind
        for r in rows:
            assert r["exact"] == r["slice"], r["x"]
            assert r["before"].endswith(r["prefix"]) and r["after"].startswith(r["suffix"])
            assert len(r["prefix"]) <= 32 and len(r["suffix"]) <= 32
    claims = _select(out, "SELECT ?c ?t ?exact WHERE { ?c a kg:Claim ; kg:text ?t ; "
                          "kg:evidence/oa:hasSelector/oa:exact ?exact }")
    assert len(claims) == sample_build.result.summary.claims and all(r["t"] == r["exact"] for r in claims)
    mentions = _select(out, """
        SELECT ?m WHERE { ?m a kg:Mention ; kg:inDocument ?d ; oa:start ?s ; oa:end ?e ; oa:exact ?x .
                          ?d kg:text ?text FILTER(SUBSTR(?text, ?s + 1, ?e - ?s) != ?x) }""")
    assert mentions == []


def test_pdf_citations_have_pages(sample_build: Built) -> None:  # noqa: F811
    rows = _select(sample_build.out, """
        SELECT ?starts ?s ?page ?text WHERE {
          ?d kg:format "pdf" ; kg:pageStarts ?starts ; kg:text ?text .
          ?c kg:statedIn ?d ; kg:evidence ?t . ?t kg:page ?page ; oa:hasSelector/oa:start ?s }""")
    assert rows
    for r in rows:
        starts = tuple(int(n) for n in r["starts"].split())
        doc = Document("x", "x.pdf", "pdf", r["text"], "0" * 64, page_starts=starts)
        assert int(r["page"]) == doc.page_of(int(r["s"]))
    assert len({r["page"] for r in rows}) > 1  # the report's claims span several pages


def test_relations_have_their_triple_and_evidence_in_the_same_document_graph(sample_build: Built) -> None:  # noqa: F811
    missing = _select(sample_build.out, """
        SELECT ?a WHERE { GRAPH ?g { ?a a kg:RelationAssertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                                        prov:wasDerivedFrom ?d ; kg:evidence/oa:hasSource ?d .
                                     FILTER NOT EXISTS { ?s ?p ?o } } }""", union=False)
    assert missing == []
    assert sample_build.result.summary.relations > 10


def test_cross_graph_has_surface_forms_merges_families_and_clusters(sample_build: Built) -> None:  # noqa: F811
    out = sample_build.out
    cross = f"<{IRIS.cross_graph}>"
    assert _count(out, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {cross} {{ ?e kg:surfaceForm ?f }} }}") > 50
    merges = _select(out, f"SELECT ?m ?alias ?rule WHERE {{ GRAPH {cross} {{ ?e kg:merge ?m . ?m a kg:Merge ; "
                          "kg:alias ?alias ; kg:rule ?rule } }")
    assert {"seed-alias", "demonym"} <= {r["rule"] for r in merges}
    families = _select(out, f"SELECT ?v ?f WHERE {{ GRAPH {cross} {{ ?v kg:partOf ?f }} ?v a kg:Model . "
                            "?f a kg:Model }")
    assert families  # model versions linked to their family
    clusters = _select(out, """
        SELECT ?c (COUNT(?m) AS ?members) (SAMPLE(?n) AS ?sources) WHERE {
          ?c a kg:ClaimCluster ; kg:label ?l ; kg:hasMember ?m ; kg:sourceCount ?n ; kg:independentSourceCount ?i .
          ?m a kg:Claim } GROUP BY ?c""")
    assert sum(int(r["members"]) for r in clusters) == sample_build.result.summary.claims  # every claim, once
    assert any(int(r["sources"]) > 1 for r in clusters)  # the syndicated report coverage


@pytest.mark.slow
def test_kg_validate_passes_on_the_sample_build(sample_build: Built) -> None:  # noqa: F811
    report = validate_build(sample_build.out, Settings(), sample=1500)
    assert report.conforms, format_text(report)
