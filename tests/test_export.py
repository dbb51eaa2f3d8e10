"""`kg export`: every RDF format parses back isomorphic; networks and tables hold the entities and relations."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS, XSD
from rdflib.term import BNode, Literal, URIRef

from kg.build import build_prefixes
from kg.cli import main
from kg.errors import BuildError, InputError
from kg.export import RDF_FORMATS, csv_paths, export, rdf_bytes, tables
from kg.iris import Iris
from kg.trig import canonical_lines
from kg.vocab import KG
from tests.build_fixtures import Built, graphs_of, sample_build  # noqa: F401  (the shared session fixture)

IRIS = Iris()
PARSERS = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}


def _union(graphs: dict[str, rdflib.Graph]) -> rdflib.Graph:
    out = rdflib.Graph()
    for g in graphs.values():
        for triple in g:
            out.add(triple)
    return out


def _assert_round_trip(build: Path, fmt: str, expected: dict[str, rdflib.Graph]) -> None:
    data, count = rdf_bytes(build, fmt)
    if fmt in ("ttl", "nt"):
        back = rdflib.Graph()
        back.parse(data=data, format=PARSERS[fmt])
        union = _union(expected)
        assert len(back) == len(union) == count
        assert isomorphic(back, union), fmt
        return
    back_ds = rdflib.Dataset()
    back_ds.parse(data=data, format=PARSERS[fmt])
    back = graphs_of(back_ds)
    assert sorted(back) == sorted(expected), fmt
    for name, graph in expected.items():
        assert isomorphic(back[name], graph), (fmt, name)


@pytest.fixture(scope="module")
def tricky_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, rdflib.Graph]]:
    """A build folder whose graph.trig (written the way kg build writes it) holds hard literals."""
    e = IRIS.base + "entity/"
    texts = ['He said "no" \\ twice', "two\nlines\r\nand\ttabs", "月之暗面 · Zhipu · café · ✓ · 🙂", "",
             "ends with a quote\"", "<not an IRI>", "\x01 control"]
    doc_graph = rdflib.Graph()
    doc = URIRef(IRIS.document("news/tricky one"))
    for i, text in enumerate(texts):
        doc_graph.add((doc, KG.text, Literal(text)))
        doc_graph.add((doc, SKOS.altLabel, Literal(text + f" {i}", lang=("en", "zh-Hans", "de-CH")[i % 3])))
    doc_graph.add((doc, KG.page, Literal(3)))
    doc_graph.add((doc, KG.confidence, Literal("0.25", datatype=XSD.decimal)))
    doc_graph.add((doc, KG.quotation, Literal(False)))
    doc_graph.add((doc, RDF.type, KG.Document))
    ontology = rdflib.Graph()
    ontology.add((URIRef(e + "x"), RDF.type, KG.Lab))
    ontology.add((URIRef(e + "x"), SKOS.prefLabel, Literal("X Lab")))
    ontology.add((URIRef(e + "x"), KG.partOf, BNode()))
    expected = {IRIS.ontology_graph: ontology, IRIS.document_graph("news/tricky one"): doc_graph}
    prefixes = build_prefixes(IRIS)
    out = tmp_path_factory.mktemp("tricky")
    text = prefixes.header() + "".join(prefixes.trig_block(name, canonical_lines(g)) for name, g in expected.items())
    (out / "graph.trig").write_text(text, encoding="utf-8")
    reread = rdflib.Dataset()
    reread.parse(out / "graph.trig", format="trig")
    return out, graphs_of(reread)


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_hard_literals_round_trip_in_every_rdf_format(tricky_build: tuple[Path, dict[str, rdflib.Graph]],
                                                      fmt: str) -> None:
    out, expected = tricky_build
    assert len(expected) == 2
    _assert_round_trip(out, fmt, expected)


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_the_sample_build_round_trips_in_every_rdf_format(sample_build: Built, fmt: str) -> None:  # noqa: F811
    ds = rdflib.Dataset()
    ds.parse(sample_build.out / "graph.trig", format="trig")
    _assert_round_trip(sample_build.out, fmt, graphs_of(ds))


def test_exports_are_deterministic_and_jsonld_has_an_inline_context(sample_build: Built) -> None:  # noqa: F811
    for fmt in RDF_FORMATS:
        assert rdf_bytes(sample_build.out, fmt) == rdf_bytes(sample_build.out, fmt), fmt
    data = json.loads(rdf_bytes(sample_build.out, "jsonld")[0])
    assert isinstance(data["@context"], dict) and data["@context"]["kg"] == "https://policy-kg.org/ns#"
    assert "http" not in json.dumps(data["@context"]).replace('"http', "")  # no remote context reference
    nt = rdf_bytes(sample_build.out, "nt")[0].decode().splitlines()
    assert nt == sorted(nt) and len(nt) == len(set(nt))


def test_graphml_and_gexf_have_typed_labelled_entities_and_predicate_edges(sample_build: Built,  # noqa: F811
                                                                          tmp_path: Path) -> None:
    entities, relations = tables(sample_build.out)
    assert len(entities) > 50 and len(relations) > 20
    by_iri = {e.iri: e for e in entities}
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        result = export(sample_build.out, fmt, tmp_path / f"g.{fmt}")
        graph = reader(tmp_path / f"g.{fmt}")
        assert graph.number_of_nodes() == len(entities) == result.nodes
        assert graph.number_of_edges() == len(relations) == result.statements
        labels = nx.get_node_attributes(graph, "label")
        types = nx.get_node_attributes(graph, "type")
        if fmt == "gexf":  # gexf keeps ids as node keys
            assert {n: labels[n] for n in graph} == {i: e.label for i, e in by_iri.items()}
        else:
            assert {n: (labels[n], types[n]) for n in graph} == {i: (e.label, e.type) for i, e in by_iri.items()}
        predicates = {d["predicate"] for _s, _o, d in graph.edges(data=True)}
        assert {"developedBy", "partOf", "basedIn"} <= predicates
    deepseek = by_iri[IRIS.entity_key("deepseek")]
    assert (deepseek.label, deepseek.type) == ("DeepSeek", "Lab") and deepseek.documents > 3
    assert len(entities) == sample_build.result.summary.entities  # what the corpus mentions or relates
    everything, all_relations = tables(sample_build.out, whole_seed=True)
    assert {e.iri for e in entities} < {e.iri for e in everything} and set(relations) <= set(all_relations)


def test_csv_tables_to_a_folder_or_a_prefix(sample_build: Built, tmp_path: Path) -> None:  # noqa: F811
    result = export(sample_build.out, "csv", tmp_path / "tables", folder=True)
    assert [p.name for p in result.paths] == ["entities.csv", "relations.csv"]
    entities = list(csv.DictReader(io.StringIO((tmp_path / "tables" / "entities.csv").read_text())))
    relations = list(csv.DictReader(io.StringIO((tmp_path / "tables" / "relations.csv").read_text())))
    assert list(entities[0]) == ["iri", "label", "type", "wikidata", "aliases", "documents"]
    assert list(relations[0]) == ["subject", "subject_label", "predicate", "object", "object_label", "documents"]
    iris = {row["iri"] for row in entities}
    assert all(r["subject"] in iris and r["object"] in iris for r in relations)
    asserted = [r for r in relations if int(r["documents"]) > 0]
    assert asserted and len(asserted) <= sample_build.result.summary.relations
    assert csv_paths(tmp_path / "out" / "kg.csv") == {"entities.csv": tmp_path / "out" / "kg-entities.csv",
                                                      "relations.csv": tmp_path / "out" / "kg-relations.csv"}


def test_cli_export(sample_build: Built, tmp_path: Path) -> None:  # noqa: F811
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--format", "nt", "--build", str(sample_build.out)])
    assert result.exit_code == 0 and result.stdout.count("\n") == rdf_bytes(sample_build.out, "nt")[1]
    result = runner.invoke(main, ["export", "-f", "csv", "--build", str(sample_build.out), "-o", f"{tmp_path}/t/"])
    assert result.exit_code == 0 and (tmp_path / "t" / "relations.csv").is_file()
    assert "entities" in result.stderr
    result = runner.invoke(main, ["export", "-f", "csv", "--build", str(sample_build.out)])
    assert result.exit_code == 1 and "pass -o" in result.stderr
    result = runner.invoke(main, ["export", "-f", "ttl", "--build", str(tmp_path / "nothing")])
    assert result.exit_code == 1 and "run `kg build` first" in result.stderr
    with pytest.raises(InputError):
        export(sample_build.out, "xml", None)
    with pytest.raises(BuildError):
        tables(tmp_path / "nothing")
