"""Consistency of the ontology and a build's data under OWL 2 RL (owlrl's forward-chaining closure).

OWL 2 RL finds a contradiction when, for example, a node is inferred to be in two disjoint classes
(``e:china kg:developedBy e:alibaba`` makes China a kg:Model by the property's domain, and a place cannot
be a model), or two individuals declared different are inferred the same (a claim with two modalities,
since kg:modality is functional). owlrl records these as error messages; this module turns them into data.

owlrl is slow (milliseconds per triple), so the reasoner does not see every triple. Without property
restrictions in the ontology (``tests/test_ontology.py`` keeps it so), the classes inferred for a node depend
only on its asserted types and on which properties it is the subject or object of: its *signature*.
One representative per signature, plus every node with several values of a functional property (where
equality reasoning can clash), therefore finds every class-level contradiction of the whole graph.
"""

from __future__ import annotations

import re
from collections import defaultdict
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

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Inconsistency:
    focus: str  # full IRI of the node the contradiction is about ("" when none can be named)
    message: str  # owlrl's message, with full IRIs
    similar: int = 0  # other nodes with the same signature, hence the same contradiction


@dataclass(frozen=True)
class ConsistencyResult:
    inconsistencies: tuple[Inconsistency, ...]
    sampled: int  # data triples reasoned over
    available: int  # typing and ontology-property triples in the data


def _relevant(triple: Triple) -> bool:
    """Triples that can contradict the ontology: types, and ontology properties between nodes.

    owl:sameAs is left out: the graph only uses it to link entities to Wikidata items, and equality
    reasoning would multiply owlrl's work many times over for no class-level contradiction."""
    _s, p, o = triple
    if p == RDF.type:
        return isinstance(o, rdflib.URIRef)
    return str(p).startswith(ONTOLOGY_NS) and isinstance(o, rdflib.URIRef | rdflib.BNode)


def _key(triple: Triple) -> tuple[str, str, str]:
    return (triple[0].n3(), triple[1].n3(), triple[2].n3())


def data_sample(
    data: rdflib.Graph, ontology: rdflib.Graph, limit: int = DEFAULT_SAMPLE
) -> tuple[list[Triple], int, dict[Node, int]]:
    """A sample of ``data`` that has the same class-level contradictions as all of it.

    Returns the triples (stable order, at most ``limit``), how many relevant triples there were, and for each
    representative node how many other nodes share its signature.
    """
    relevant = sorted((t for t in data if _relevant(t)), key=_key)
    functional = set(ontology.subjects(RDF.type, OWL.FunctionalProperty))  # the ontology has no inverse-functional ones
    types: dict[Node, set[Node]] = defaultdict(set)
    uses: dict[Node, set[tuple[str, Node]]] = defaultdict(set)
    values: dict[tuple[Node, Node], set[Node]] = defaultdict(set)
    identity: set[Node] = set()
    for s, p, o in relevant:
        if p == RDF.type:
            types[s].add(o)
            continue
        uses[s].add(("out", p))
        uses[o].add(("in", p))
        if p in functional:
            values[(s, p)].add(o)
    identity |= {s for (s, _p), objs in values.items() if len(objs) > 1}
    groups: dict[tuple[frozenset[Node], frozenset[tuple[str, Node]]], list[Node]] = defaultdict(list)
    for node in set(types) | set(uses):
        if node not in identity:
            groups[(frozenset(types[node]), frozenset(uses[node]))].append(node)
    keep = set(identity)
    similar: dict[Node, int] = {}
    for members in groups.values():
        rep = min(members, key=lambda n: n.n3())
        keep.add(rep)
        similar[rep] = len(members) - 1
    chosen: list[Triple] = []
    covered: set[tuple[Node, str, Node]] = set()  # (representative, direction, property) with one triple each
    for s, p, o in relevant:
        if p == RDF.type or s in identity or o in identity:
            if s in keep or o in identity:
                chosen.append((s, p, o))
            continue
        for node, direction in ((s, "out"), (o, "in")):
            if node in keep and (node, direction, p) not in covered:
                covered.add((node, direction, p))
                chosen.append((s, p, o))
                break
    return chosen[:limit], len(relevant), similar


def _normalise(message: str) -> str | None:
    """owlrl reports an equality clash once per direction and also as (x, x) after closing equality:
    keep one message per unordered pair of distinct nodes."""
    match = _PAIR.search(message)
    if match is None:
        return message
    first, second = match.group(1), match.group(2)
    if first == second:
        return None
    low, high = sorted((first, second))
    return f"{message[: match.start()]}pair: ({low}, {high})"


def check_consistency(ontology: rdflib.Graph, data: rdflib.Graph, limit: int = DEFAULT_SAMPLE) -> ConsistencyResult:
    """Run the OWL 2 RL closure over ``ontology`` plus a sample of ``data``; report every contradiction found."""
    sample, available, similar = data_sample(data, ontology, limit)
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
        found.add(Inconsistency(focus=focus, message=text, similar=similar.get(rdflib.URIRef(focus), 0)))
    for node in graph.subjects(RDF.type, OWL.Nothing):
        if node != OWL.Nothing:
            found.add(Inconsistency(str(node), f"{node} is an instance of owl:Nothing", similar.get(node, 0)))
    ordered = tuple(sorted(found, key=lambda i: (i.focus, i.message)))
    return ConsistencyResult(inconsistencies=ordered, sampled=len(sample), available=available)


__all__ = ["DEFAULT_SAMPLE", "ConsistencyResult", "Inconsistency", "check_consistency", "data_sample"]
