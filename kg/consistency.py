"""Consistency of the ontology and a sample of a build's data under OWL 2 RL (owlrl's forward-chaining closure).

OWL 2 RL finds a contradiction when, for example, a node is inferred to be in two disjoint classes
(``e:china kg:developedBy e:alibaba`` makes China a kg:Model by the property's domain, and a place cannot
be a model), or two individuals declared different are inferred the same. owlrl records these as error
messages in the closure; this module turns them into plain data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import owlrl
import rdflib
from rdflib.namespace import OWL, RDF
from rdflib.term import Node

from kg.config import ONTOLOGY_NS

_ERRNS = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
_IRI_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*:[^\s,()'\"<>]+")
_INDIVIDUAL = re.compile(r"common individual (\S+)$")
_PAIR = re.compile(r"pair: \((\S+), (\S+)\)$")
DEFAULT_SAMPLE = 20_000


@dataclass(frozen=True)
class Inconsistency:
    focus: str  # full IRI of the node the contradiction is about ("" when none can be named)
    message: str  # owlrl's message, with full IRIs


@dataclass(frozen=True)
class ConsistencyResult:
    inconsistencies: tuple[Inconsistency, ...]
    sampled: int  # data triples reasoned over
    available: int  # data triples that could have been sampled


def _relevant(triple: tuple[Node, Node, Node]) -> bool:
    """Triples that can contradict the ontology: types, and ontology properties (not text literals)."""
    _s, p, o = triple
    if p == RDF.type:
        return isinstance(o, rdflib.URIRef)
    if not str(p).startswith(ONTOLOGY_NS):
        return False
    return isinstance(o, rdflib.URIRef) or (isinstance(o, rdflib.Literal) and o.datatype is not None)


def _normalise(message: str) -> str | None:
    """owlrl reports an equality clash once per direction and also as (x, x) after closing owl:sameAs:
    keep one message per unordered pair of distinct nodes."""
    match = _PAIR.search(message)
    if match is None:
        return message
    first, second = match.group(1), match.group(2)
    if first == second:
        return None
    low, high = sorted((first, second))
    return f"{message[: match.start()]}pair: ({low}, {high})"


def data_sample(data: rdflib.Graph, limit: int = DEFAULT_SAMPLE) -> tuple[list[tuple[Node, Node, Node]], int]:
    """The typing and ontology-property triples of ``data``, in a stable order, at most ``limit`` of them."""
    relevant = sorted((t for t in data if _relevant(t)), key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))
    return relevant[:limit], len(relevant)


def check_consistency(ontology: rdflib.Graph, data: rdflib.Graph, limit: int = DEFAULT_SAMPLE) -> ConsistencyResult:
    """Run the OWL 2 RL closure over ``ontology`` plus a sample of ``data``; report every contradiction found."""
    sample, available = data_sample(data, limit)
    graph = rdflib.Graph()
    for triple in ontology:
        graph.add(triple)
    for triple in sample:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False).expand(graph)
    found: set[Inconsistency] = set()
    for message in graph.objects(None, _ERRNS.error):
        text = _normalise(str(message))
        if text is None:
            continue
        individual = _INDIVIDUAL.search(text)
        iris = _IRI_IN_TEXT.findall(text)
        focus = individual.group(1) if individual else (iris[0] if iris else "")
        found.add(Inconsistency(focus=focus, message=text))
    for node in graph.subjects(RDF.type, OWL.Nothing):
        if node != OWL.Nothing:
            found.add(Inconsistency(focus=str(node), message=f"{node} is an instance of owl:Nothing"))
    ordered = tuple(sorted(found, key=lambda i: (i.focus, i.message)))
    return ConsistencyResult(inconsistencies=ordered, sampled=len(sample), available=available)


__all__ = ["DEFAULT_SAMPLE", "ConsistencyResult", "Inconsistency", "check_consistency", "data_sample"]
