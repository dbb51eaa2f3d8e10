"""What makes `kg validate` fast must not change what it finds:

- the batched shapes graph (property shapes targeted directly) gives pyshacl's results for the shapes as written;
- the pyoxigraph reader gives the triples rdflib's own TriG parser gives;
- OWL 2 RL over the type-signature summary finds the contradictions OWL 2 RL finds over all the data.
"""

from __future__ import annotations

import functools
from pathlib import Path

import owlrl
import pyshacl
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from kg.config import Settings
from kg.consistency import axioms, check_consistency
from kg.seed import ontology_graph
from kg.validate import validate_build, validate_dataset
from kg.validate_load import read_dataset, read_graph
from kg.validate_shacl import SH, batched

FIXTURES = Path(__file__).resolve().parent / "fixtures"
KG = rdflib.Namespace("https://policy-kg.org/ns#")
X = rdflib.Namespace("urn:x:")
GRAPHS = sorted([FIXTURES / "mini.trig", *(FIXTURES / "shapes").glob("*.trig")])


@functools.cache
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(Settings().ontology_dir / "kg.ttl")


@functools.cache
def shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(Settings().ontology_dir / "shapes.ttl")


# --- SHACL: batching -----------------------------------------------------------------------------------


def _results(data: rdflib.Graph, shapes_graph: rdflib.Graph) -> set[tuple[str, ...]]:
    _conforms, results, _text = pyshacl.validate(data, shacl_graph=shapes_graph, inference="none", advanced=False)
    found = set()
    for result in results.subjects(RDF.type, SH.ValidationResult):
        found.add(tuple(str(results.value(result, p)) for p in (
            SH.focusNode, SH.sourceShape, SH.resultPath, SH.value, SH.sourceConstraintComponent, SH.resultMessage)))
    return found


def test_batched_shapes_report_exactly_what_the_shapes_as_written_report() -> None:
    written, fast = shapes(), batched(shapes())
    assert not list(fast.triples((None, SH.property, None))), "every property shape is targeted directly"
    seen_failures = 0
    for path in GRAPHS:
        data = read_graph(path).union
        expected = _results(data, written)
        assert _results(data, fast) == expected, path.name
        seen_failures += len(expected)
    assert seen_failures >= 8  # the broken fixtures do break SHACL shapes


def test_batching_leaves_shapes_that_are_used_nested_alone() -> None:
    text = """
    @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:x:> .
    ex:Outer a sh:NodeShape ; sh:targetClass ex:A ; sh:property [ sh:path ex:p ; sh:node ex:Inner ] .
    ex:Inner a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
    ex:Off a sh:NodeShape ; sh:targetClass ex:A ; sh:deactivated true ; sh:property [ sh:path ex:r ; sh:minCount 1 ] .
    """
    written = rdflib.Graph().parse(data=text, format="turtle")
    fast = batched(written)
    assert fast.value(X.Inner, SH.property) is not None  # referenced by sh:node: checked nested
    assert fast.value(X.Off, SH.property) is not None  # deactivated: stays off
    assert fast.value(X.Outer, SH.property) is None
    data = rdflib.Graph().parse(data="<urn:x:a> a <urn:x:A> ; <urn:x:p> <urn:x:b> .", format="turtle")
    assert _results(data, fast) == _results(data, written) != set()


# --- reading --------------------------------------------------------------------------------------------


def test_reader_gives_the_triples_rdflib_parses(tmp_path: Path) -> None:
    trig = tmp_path / "graph.trig"
    trig.write_text(
        """@prefix ex: <urn:x:> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:g1 { ex:a ex:p "plain", "tagged"@zh-Hans, "1.50"^^xsd:decimal, 2, true, "2025-01-31"^^xsd:date,
                     "x"^^xsd:string, "odd"^^ex:type, "not a number"^^xsd:integer ; ex:q [ ex:r ex:b ] . }
        ex:g2 { ex:a ex:p "plain" . }
        ex:c ex:p <relative> .
        """,
        encoding="utf-8",
    )
    ours = read_graph(trig)
    theirs = rdflib.Dataset(default_union=True).parse(trig, format="trig")
    union = rdflib.Graph()
    for s, p, o, _g in theirs.quads((None, None, None, None)):
        if isinstance(o, rdflib.Literal) and o.datatype == rdflib.XSD.string:
            o = rdflib.Literal(str(o))  # the same RDF 1.1 term, which rdflib alone tells apart from "x"
        elif isinstance(o, rdflib.Literal) and o.language:
            o = rdflib.Literal(str(o), lang=o.language.lower())  # language tags are case-insensitive
        union.add((s, p, o))
    assert isomorphic(ours.union, union)
    assert len(ours.union) == 12 and ours.non_empty_graphs == 3
    assert sorted(len(triples) for triples in ours.graphs.values()) == [1, 1, 11]
    g1 = rdflib.Graph()
    for triple in ours.graphs[X.g1]:
        g1.add(triple)
    assert isomorphic(read_dataset(trig).graph(X.g1), g1)


def test_file_and_in_memory_dataset_give_the_same_report() -> None:
    names = ("mini", "inconsistent", "relation-without-evidence", "claim-without-selector")
    for path in [p for p in GRAPHS if p.stem in names]:
        from_file = validate_build(path, Settings())
        in_memory = validate_dataset(read_dataset(path), Settings(), source=from_file.source)
        assert in_memory == from_file, path.name


# --- OWL 2 RL: the summary ------------------------------------------------------------------------------


def _full_closure_foci(data: rdflib.Graph) -> set[str]:
    """Nodes OWL 2 RL finds in two disjoint classes (or in owl:Nothing) when it reasons over all the data."""
    graph = rdflib.Graph()
    for triple in [*axioms(ontology()), *data]:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False).expand(graph)
    errors = rdflib.URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
    foci = {str(m).rsplit(" ", 1)[1] for m in graph.objects(None, errors) if "common individual" in str(m)}
    return foci | {str(n) for n in graph.subjects(RDF.type, rdflib.OWL.Nothing) if n != rdflib.OWL.Nothing}


CLASSES = [KG.Lab, KG.Company, KG.University, KG.Model, KG.Country, KG.City, KG.Person, KG.Policy, KG.Report,
           KG.Document, KG.Claim, KG.Mention]  # fmt: skip
LINKS = [KG.developedBy, KG.basedIn, KG.partOf, KG.worksFor, KG.leads, KG.publishedBy, KG.collaboratesWith,
         KG.outperforms, KG.mentions, KG.about, KG.statedIn, KG.mentionOf, KG.restricts]  # fmt: skip
VALUES = [KG.surfaceForm, KG.demonym, KG.sha256, KG.cue, KG.alias]


@st.composite
def small_graphs(draw: st.DrawFn) -> rdflib.Graph:
    nodes = [X[f"n{i}"] for i in range(draw(st.integers(4, 9)))]
    graph = rdflib.Graph()
    for node in nodes:
        for cls in draw(st.lists(st.sampled_from(CLASSES), min_size=1, max_size=2, unique=True)):
            graph.add((node, RDF.type, cls))
    for s, p, o in draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(LINKS), st.sampled_from(nodes)),
                                 max_size=12)):  # fmt: skip
        graph.add((s, p, o))
    for s, p in draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(VALUES)), max_size=3)):
        graph.add((s, p, rdflib.Literal("x")))
    return graph


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_graphs())
def test_the_summary_finds_every_node_that_reasoning_over_all_the_data_finds(data: rdflib.Graph) -> None:
    expected = _full_closure_foci(data)
    result = check_consistency(ontology(), data)
    class_level = [i for i in result.inconsistencies if "sameAs" not in i.message]
    reported = {i.focus for i in class_level}
    assert reported <= expected
    assert sum(1 + i.similar for i in {i.focus: i for i in class_level}.values()) == len(expected)
    assert result.sampled <= result.available


def test_a_literal_valued_property_can_contradict() -> None:
    """kg:demonym's domain is kg:Place, and places and documents are disjoint."""
    data = rdflib.Graph()
    data.add((X.doc, RDF.type, KG.Document))
    data.add((X.doc, KG.demonym, rdflib.Literal("Docish")))
    (found,) = check_consistency(ontology(), data).inconsistencies
    assert found.focus == str(X.doc) and "Document" in found.message


def test_nodes_with_different_properties_but_the_same_classes_share_one_representative() -> None:
    data = ontology_graph(Settings())
    for i in range(6):  # models said to be based somewhere: models are not organisations
        data.add((X[f"model{i}"], RDF.type, KG.Model))
        data.add((X[f"model{i}"], KG.basedIn, X.somewhere))
    for i in range(3):  # ...some also developed by someone, which adds no class to a model
        data.add((X[f"model{i}"], KG.developedBy, X.lab))
    data.add((X.lab, RDF.type, KG.Lab))
    data.add((X.somewhere, RDF.type, KG.Country))
    result = check_consistency(ontology(), data)
    assert result.kinds < result.signatures
    (found,) = result.inconsistencies
    assert (found.focus, found.similar) == (str(X.model0), 5)
