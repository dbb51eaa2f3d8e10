"""The ontology: it parses, names the classes and properties the tool speaks, documents each of them, aligns
them to the standards, and declares everything the graph uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.config import ONTOLOGY_DIR, ONTOLOGY_NS, Settings
from kg.consistency import check_consistency
from kg.seed import entity_classes, ontology_graph

KG = rdflib.Namespace(ONTOLOGY_NS)
STANDARDS = (
    "https://schema.org/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.w3.org/ns/oa#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
)
ORG_SUBCLASSES = ("Lab", "Company", "University", "ResearchCenter", "ThinkTank", "GovernmentBody", "NewsOutlet")
ISSUE_CLASSES = ("Organization", *ORG_SUBCLASSES, "Model", "Country", "City", "Person", "Report", "Policy", "Document",
                 "Claim")  # fmt: skip
GRAPH_MODEL_CLASSES = ("Mention", "RelationAssertion", "Merge", "ClaimCluster", "Modality")
ISSUE_PROPERTIES = (
    "developedBy", "basedIn", "partOf", "publishedBy", "authoredBy", "worksFor", "leads", "collaboratesWith",
    "competesWith", "outperforms", "buildsOn", "acquiredBy", "fundedBy", "regulates", "restricts", "mentions",
    "about", "attributedTo", "reportedBy", "statedIn", "modality", "quotation",
)  # fmt: skip
GRAPH_MODEL_PROPERTIES = (
    "text", "cue", "evidence", "page", "pageStarts", "mentionOf", "inDocument", "rule", "confidence", "surfaceForm",
    "merge", "alias", "hasMember", "sourceCount", "independentSourceCount", "label", "contradicts", "demonym",
    "sha256", "format", "path", "ambiguousLabel", "toolVersion", "configHash",
)  # fmt: skip


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_DIR / "kg.ttl", format="turtle")


def _kg_terms(graph: rdflib.Graph, kind: rdflib.URIRef) -> set[str]:
    return {str(s)[len(ONTOLOGY_NS) :] for s in graph.subjects(RDF.type, kind) if str(s).startswith(ONTOLOGY_NS)}


def test_classes_are_declared_with_the_interface_names(onto: rdflib.Graph) -> None:
    classes = _kg_terms(onto, OWL.Class)
    assert set(ISSUE_CLASSES) | set(GRAPH_MODEL_CLASSES) <= classes
    for name in ORG_SUBCLASSES:
        assert (KG[name], RDFS.subClassOf, KG.Organization) in onto, name
    assert (KG.Country, RDFS.subClassOf, KG.Place) in onto and (KG.City, RDFS.subClassOf, KG.Place) in onto


def test_properties_are_declared(onto: rdflib.Graph) -> None:
    props = _kg_terms(onto, OWL.ObjectProperty) | _kg_terms(onto, OWL.DatatypeProperty)
    missing = (set(ISSUE_PROPERTIES) | set(GRAPH_MODEL_PROPERTIES)) - props
    assert not missing
    for name in ("collaboratesWith", "competesWith", "contradicts"):
        assert (KG[name], RDF.type, OWL.SymmetricProperty) in onto, name
    assert (KG.developedBy, RDFS.domain, KG.Model) in onto
    assert (KG.developedBy, RDFS.range, KG.Organization) in onto
    assert (KG.basedIn, RDFS.range, KG.Place) in onto
    assert (KG.authoredBy, RDFS.range, KG.Person) in onto
    assert (KG.outperforms, RDFS.domain, KG.Model) in onto and (KG.outperforms, RDFS.range, KG.Model) in onto
    assert (KG.quotation, RDFS.range, rdflib.XSD.boolean) in onto


def test_modalities(onto: rdflib.Graph) -> None:
    assert {str(m) for m in onto.subjects(RDF.type, KG.Modality)} == {
        str(KG.asserted), str(KG.hedged), str(KG.negated),
    }  # fmt: skip
    assert (KG.modality, RDFS.range, KG.Modality) in onto


def test_every_term_has_a_label_and_a_one_line_comment(onto: rdflib.Graph) -> None:
    terms = {
        s for s in onto.subjects(RDF.type, None) if isinstance(s, rdflib.URIRef) and str(s).startswith(ONTOLOGY_NS)
    }
    assert len(terms) > 60
    for term in terms:
        labels = list(onto.objects(term, RDFS.label))
        comments = list(onto.objects(term, RDFS.comment))
        assert len(labels) == 1, term
        assert len(comments) == 1 and "\n" not in str(comments[0]) and str(comments[0]).strip(), term


def test_classes_and_relations_align_to_the_standards(onto: rdflib.Graph) -> None:
    def aligned(term: rdflib.URIRef, links: tuple[rdflib.URIRef, ...]) -> bool:
        seen: set[Node] = set()
        frontier: list[Node] = [term]
        while frontier:
            node = frontier.pop()
            for link in links:
                for sup in onto.objects(node, link):
                    if str(sup).startswith(STANDARDS):
                        return True
                    if sup not in seen:
                        seen.add(sup)
                        frontier.append(sup)
        return False

    class_links = (RDFS.subClassOf, OWL.equivalentClass)
    for name in (*ISSUE_CLASSES, *GRAPH_MODEL_CLASSES, "Benchmark", "Place", "Entity"):
        assert aligned(KG[name], class_links), name
    for name in ("developedBy", "basedIn", "partOf", "publishedBy", "authoredBy", "worksFor", "mentions", "about",
                 "attributedTo", "statedIn", "evidence", "text", "hasMember", "label"):  # fmt: skip
        assert aligned(KG[name], (RDFS.subPropertyOf,)), name
    vocabularies = {str(o).split("#")[0].rsplit("/", 1)[0] for o in onto.objects(None, RDFS.subClassOf)}
    vocabularies |= {str(o).split("#")[0].rsplit("/", 1)[0] for o in onto.objects(None, RDFS.subPropertyOf)}
    for prefix in ("https://schema.org", "http://www.w3.org/ns/prov", "http://www.w3.org/2004/02/skos/core",
                   "http://purl.org/dc/terms", "http://www.w3.org/ns/oa"):  # fmt: skip
        assert any(v.startswith(prefix.rsplit("/", 1)[0]) for v in vocabularies), prefix


def test_entity_classes_are_the_linkable_ones(onto: rdflib.Graph) -> None:
    assert entity_classes(onto) == {
        "Entity", "Organization", *ORG_SUBCLASSES, "Model", "Benchmark", "Place", "Country", "City", "Person",
        "Report", "Policy",
    }  # fmt: skip


def test_ontology_and_seed_are_consistent_under_owl2_rl(onto: rdflib.Graph) -> None:
    result = check_consistency(onto, ontology_graph(Settings()), limit=100_000)
    assert result.inconsistencies == ()
    assert 0 < result.sampled < result.available and result.available > 1000


def test_no_property_restrictions_so_signature_sampling_stays_complete(onto: rdflib.Graph) -> None:
    """kg.consistency reasons over one node per (types, properties used) signature; restrictions would make
    a node's inferred classes depend on its neighbours' and break that."""
    for prop in (OWL.onProperty, OWL.allValuesFrom, OWL.someValuesFrom, OWL.hasValue, OWL.hasSelf, OWL.hasKey,
                 OWL.propertyChainAxiom, OWL.inverseOf, OWL.InverseFunctionalProperty):  # fmt: skip
        assert not list(onto.triples((None, prop, None))) and not list(onto.subjects(RDF.type, prop)), prop


def test_sampling_finds_a_contradiction_shared_by_many_nodes(onto: rdflib.Graph) -> None:
    data = ontology_graph(Settings())
    for i in range(30):
        data.add((rdflib.URIRef(f"urn:x:model{i:02d}"), RDF.type, KG.Model))
    for i in range(5):  # five models wrongly said to be based somewhere: models are not organisations
        data.add(
            (rdflib.URIRef(f"urn:x:model{i:02d}"), KG.basedIn, rdflib.URIRef("https://policy-kg.org/id/entity/china"))
        )
    result = check_consistency(onto, data)
    (found,) = result.inconsistencies
    assert found.focus == "urn:x:model00" and found.similar == 4
    assert "Organization" in found.message and "Model" in found.message


def test_disjointness_makes_wrong_typing_inconsistent(onto: rdflib.Graph) -> None:
    data = rdflib.Graph()
    person, claim = rdflib.URIRef("urn:x:person"), rdflib.URIRef("urn:x:claim")
    data.add((person, RDF.type, KG.Person))
    data.add((person, RDF.type, KG.Lab))
    data.add((claim, KG.modality, KG.asserted))
    data.add((claim, KG.modality, KG.negated))  # modality is functional; the three are all different
    found = check_consistency(onto, data).inconsistencies
    assert [i.focus for i in found] == [str(KG.asserted), "urn:x:person"], found
    assert "sameAs" in found[0].message and f"({KG.asserted}, {KG.negated})" in found[0].message
    assert f"{KG.Organization} and {KG.Person}" in found[1].message


def _used_terms(graph: rdflib.Graph) -> set[str]:
    used = set()
    for _s, p, o in graph:
        for term in (p, o):
            if isinstance(term, rdflib.URIRef) and str(term).startswith(ONTOLOGY_NS):
                used.add(str(term))
    return used


def test_every_class_and_property_used_by_the_graph_model_fixture_is_declared(
    onto: rdflib.Graph, mini_trig: Path
) -> None:
    dataset = rdflib.Dataset()
    dataset.parse(mini_trig, format="trig")
    union = rdflib.Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    declared = {str(s) for s in onto.subjects() if str(s).startswith(ONTOLOGY_NS)}
    used = _used_terms(union)
    assert used and not used - declared, sorted(used - declared)


def test_every_term_the_seed_uses_is_declared(onto: rdflib.Graph) -> None:
    declared = {str(s) for s in onto.subjects() if str(s).startswith(ONTOLOGY_NS)}
    assert not _used_terms(ontology_graph(Settings())) - declared


def test_every_kg_term_the_code_and_queries_use_is_declared(onto: rdflib.Graph, root: Path) -> None:
    """Scans the package (Python, SPARQL, JSON patterns) for kg:Term, KG.Term and KG["Term"]."""
    declared = {str(s)[len(ONTOLOGY_NS) :] for s in onto.subjects() if str(s).startswith(ONTOLOGY_NS)}
    pattern = re.compile(r'\bkg:([A-Za-z][A-Za-z0-9]*)|\bKG\.([A-Za-z][A-Za-z0-9]*)|\bKG\["([A-Za-z][A-Za-z0-9]*)"\]')
    used: dict[str, str] = {}
    files = [p for ext in ("*.py", "*.rq", "*.json", "*.jsonl") for p in (root / "kg").rglob(ext)]
    assert len(files) > 20
    for path in files:
        for match in pattern.finditer(path.read_text(encoding="utf-8", errors="replace")):
            used.setdefault(next(g for g in match.groups() if g), str(path.relative_to(root)))
    assert len(used) > 30
    undeclared = {term: where for term, where in used.items() if term not in declared}
    assert not undeclared, undeclared
