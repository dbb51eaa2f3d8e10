"""The checks of `kg validate` that SHACL Core cannot express: they need the document text or the named graphs.

Each returns plain findings named by a ``kgsh:`` IRI declared at the end of ``ontology/shapes.ttl``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.config import ONTOLOGY_NS

_KG = rdflib.Namespace(ONTOLOGY_NS)
_OA = rdflib.Namespace("http://www.w3.org/ns/oa#")

Short = Callable[[Node | None], str]


@dataclass(frozen=True)
class Finding:
    """One thing wrong: the offending node, the shape or check it breaks, and what is wrong."""

    focus: str
    shape: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: str = "violation"  # "violation" | "warning"


def relation_properties(ontology: rdflib.Graph) -> frozenset[rdflib.URIRef]:
    """kg:relatedTo and every property below it: the relations between entities that documents assert."""
    found = {_KG.relatedTo}
    frontier = [_KG.relatedTo]
    while frontier:
        prop = frontier.pop()
        for sub in ontology.subjects(RDFS.subPropertyOf, prop):
            if isinstance(sub, rdflib.URIRef) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return frozenset(found)


def _int(graph: rdflib.Graph, node: Node, prop: rdflib.URIRef) -> int | None:
    value = graph.value(node, prop)
    if isinstance(value, rdflib.Literal) and isinstance(value.toPython(), int):
        return int(value.toPython())
    return None


def _str(graph: rdflib.Graph, node: Node, prop: rdflib.URIRef) -> str | None:
    value = graph.value(node, prop)
    return str(value) if isinstance(value, rdflib.Literal) else None


def _texts(data: rdflib.Graph) -> dict[Node, str]:
    return {doc: str(text) for doc, text in data.subject_objects(_KG.text) if (doc, RDF.type, _KG.Document) in data}


def _span_problem(text: str, start: int | None, end: int | None, exact: str | None) -> str | None:
    if start is None or end is None or exact is None:
        return None  # missing parts are SHACL's to report
    if not 0 <= start <= end <= len(text):
        return f"offsets {start}-{end} are outside the document text (length {len(text)})"
    if text[start:end] != exact:
        return f"oa:exact is not the document text at {start}-{end} (which is {text[start:end][:60]!r})"
    return None


def text_findings(data: rdflib.Graph, short: Short) -> list[Finding]:
    """Quotes and mentions agree with the document text: Python string offsets, as the graph model says."""
    texts = _texts(data)
    findings = []
    for target in sorted(set(data.objects(None, _KG.evidence)), key=str):
        doc = data.value(target, _OA.hasSource)
        if doc not in texts:
            continue  # SHACL reports a missing or untyped source
        text = texts[doc]
        selectors = list(data.objects(target, _OA.hasSelector))
        quotes = [s for s in selectors if (s, RDF.type, _OA.TextQuoteSelector) in data]
        positions = [s for s in selectors if (s, RDF.type, _OA.TextPositionSelector) in data]
        if len(quotes) != 1 or len(positions) != 1:
            continue  # SHACL reports the selector count
        quote, position = quotes[0], positions[0]
        start, end = _int(data, position, _OA.start), _int(data, position, _OA.end)
        exact = _str(data, quote, _OA.exact)
        problem = _span_problem(text, start, end, exact)
        prefix, suffix = _str(data, quote, _OA.prefix), _str(data, quote, _OA.suffix)
        if problem is None and start is not None and end is not None:
            if prefix is not None and not text[:start].endswith(prefix):
                problem = f"oa:prefix {prefix!r} does not end right before offset {start}"
            elif suffix is not None and not text[end:].startswith(suffix):
                problem = f"oa:suffix {suffix!r} does not start right after offset {end}"
        if problem:
            findings.append(Finding(short(target), "kgsh:Evidence-quoteMatchesText", problem, value=short(doc)))
    for mention in sorted(set(data.subjects(RDF.type, _KG.Mention)), key=str):
        doc = data.value(mention, _KG.inDocument)
        if doc not in texts:
            continue
        start, end = _int(data, mention, _OA.start), _int(data, mention, _OA.end)
        problem = _span_problem(texts[doc], start, end, _str(data, mention, _OA.exact))
        if problem:
            findings.append(Finding(short(mention), "kgsh:Mention-exactMatchesText", problem, value=short(doc)))
    return findings


def document_graph_findings(
    graphs: Iterable[rdflib.Graph], relations: frozenset[rdflib.URIRef], doc_graph_ns: str, short: Short
) -> list[Finding]:
    """In each document's graph: every relation triple has its kg:RelationAssertion, and every assertion its triple."""
    findings = []
    for graph in graphs:
        if not str(graph.identifier).startswith(doc_graph_ns):
            continue
        where = short(graph.identifier)
        asserted = {}
        for node in graph.subjects(RDF.type, _KG.RelationAssertion):
            triple = (graph.value(node, RDF.subject), graph.value(node, RDF.predicate), graph.value(node, RDF.object))
            asserted[triple] = node
            if None not in triple and triple not in graph:
                findings.append(
                    Finding(short(node), "kgsh:RelationAssertion-tripleInGraph",
                            f"the graph {where} lacks the triple this assertion is about", value=short(triple[0]))
                )  # fmt: skip
        for s, p, o in graph:
            if p in relations and (s, p, o) not in asserted:
                findings.append(
                    Finding(short(s), "kgsh:DocumentRelationEvidence",
                            f"the graph {where} asserts this relation without a kg:RelationAssertion giving its "
                            "evidence in that document", path=short(p), value=short(o))
                )  # fmt: skip
    return findings


def declared_terms(ontology: rdflib.Graph) -> frozenset[str]:
    return frozenset(str(s) for s in ontology.subjects() if str(s).startswith(ONTOLOGY_NS))


def vocabulary_findings(data: rdflib.Graph, declared: frozenset[str], short: Short) -> list[Finding]:
    """Every kg: class, property or individual the graph uses is declared in kg.ttl."""
    used: dict[str, Node] = {}
    for s, p, o in data:
        for term in (p, o):
            if isinstance(term, rdflib.URIRef) and str(term).startswith(ONTOLOGY_NS) and str(term) not in declared:
                key = str(term)
                if key not in used or s.n3() < used[key].n3():
                    used[key] = s
    return [
        Finding(short(node), "kgsh:DeclaredVocabulary",
                f"{short(rdflib.URIRef(term))} is used but not declared in ontology/kg.ttl",
                value=short(rdflib.URIRef(term)))
        for term, node in sorted(used.items())
    ]  # fmt: skip


__all__ = [
    "Finding",
    "declared_terms",
    "document_graph_findings",
    "relation_properties",
    "text_findings",
    "vocabulary_findings",
]
