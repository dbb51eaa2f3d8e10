"""Consistency of the ontology and a build's data under OWL 2 RL (owlrl's forward-chaining closure).

OWL 2 RL finds a contradiction when, for example, a node is inferred to be in two disjoint classes
(``e:china kg:developedBy e:alibaba`` makes China a kg:Model by the property's domain, and a place cannot
be a model), or two individuals declared different are inferred the same (a claim with two modalities,
since kg:modality is functional). owlrl records these as error messages; this module turns them into data.

owlrl is slow (about a millisecond per triple of the closure; the sample corpus's 8,000 typing and relation
triples would take minutes), so it never sees the whole graph, only a *type-signature summary* of it.
Without property restrictions and the other constructs listed in ``_NOT_LOCAL`` (``tests/test_ontology.py``
keeps kg.ttl free of them, and the report warns when an ontology has them), the classes inferred for a node
depend only on its features: its asserted types and which kg: properties it is the subject or object of.
So:

1. one closure over the ontology and one probe node per feature gives the classes each feature implies;
2. nodes whose features imply the same set of classes contradict the ontology alike: one representative each
   (185 signatures but 37 sets of classes on the sample corpus);
3. a second closure runs over the ontology plus each representative's types and one triple per property it
   uses (preferring triples between representatives), plus every triple of a node with several values of
   a functional property (where equality reasoning can clash).

The summary is a subset of the data, so every contradiction owlrl finds in it is real; and it has the same
class-level contradictions as the whole graph. Its size depends on how many kinds of node the graph has,
not on how many nodes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.config import ONTOLOGY_NS
from kg.validate_checks import ByPredicate, by_predicate, node_key

_ERRNS = rdflib.Namespace("http://www.daml.org/2002/03/agents/agent-ont#")
_IRI_IN_TEXT = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*:[^\s,()'\"<>]+")
_INDIVIDUAL = re.compile(r"common individual (\S+)$")
_PAIR = re.compile(r"pair: \((\S+), (\S+)\)$")
DEFAULT_SAMPLE = 20_000  # far above any summary seen (the summary grows with kinds of nodes, not nodes)

Triple = tuple[Node, Node, Node]
Slot = tuple[Node, str, Node]  # (representative, "out" | "in", property)


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
    summary: int = 0  # triples in the type-signature summary (sampled < summary when --sample cut it)
    signatures: int = 0  # distinct node signatures
    kinds: int = 0  # distinct sets of inferred classes among them: one representative node each
    not_local: tuple[str, ...] = ()  # ontology constructs the summary does not account for (see not_local())

    @property
    def complete(self) -> bool:
        return self.sampled >= self.summary


@dataclass(frozen=True)
class Summary:
    triples: list[Triple]  # the summary in a stable order
    available: int  # distinct typing and kg: property triples in the data
    similar: dict[Node, int]  # representative -> how many other nodes share its inferred classes
    signatures: int  # distinct (types, properties) signatures
    kinds: int  # distinct sets of classes those signatures imply: one representative each
    size: int  # triples in the whole summary (before the cut to ``limit``)
    stand_ins: frozenset[Node]  # data nodes that another node stands for (not in the summary as themselves)


Feature = tuple[str, Node]  # ("type", class) | ("out", property) | ("in", property)
Signature = frozenset[Feature]
Rank = tuple[bool, int, str, str]
_NOTHING: frozenset[Node] = frozenset()
_PROBE = "urn:x-policy-kg-validate-probe:"
# Annotations: no OWL 2 RL rule can make them contradict anything unless the ontology says more about them.
_ANNOTATIONS = frozenset(
    rdflib.URIRef(iri) for iri in (
        str(RDFS.label), str(RDFS.comment), str(RDFS.seeAlso), str(RDFS.isDefinedBy), str(OWL.versionInfo),
        str(SKOS.prefLabel), str(SKOS.altLabel), str(SKOS.definition), str(SKOS.note), str(SKOS.scopeNote),
    )
)  # fmt: skip
# What the summary cannot stand in for: constructs whose consequences for a node depend on its neighbours or
# on one particular pair of nodes (tests/test_ontology.py keeps kg.ttl free of them). Symmetric and inverse
# properties are fine: the probe of a property's object sees what they imply for it.
_NOT_LOCAL = (OWL.Restriction, OWL.intersectionOf, OWL.complementOf, OWL.hasKey, OWL.propertyChainAxiom,
              OWL.InverseFunctionalProperty, OWL.IrreflexiveProperty, OWL.AsymmetricProperty,
              OWL.propertyDisjointWith, OWL.AllDisjointProperties, OWL.sourceIndividual)  # fmt: skip


def _relevant(grouped: ByPredicate) -> dict[Node, set[tuple[Node, Node]]]:
    """Triples that can contradict the ontology: types, and kg: properties (by their domains and ranges).

    owl:sameAs is left out: the graph only uses it to link entities to Wikidata items, and equality
    reasoning would multiply owlrl's work many times over for no class-level contradiction."""
    relevant: dict[Node, set[tuple[Node, Node]]] = {}
    for p, pairs in grouped.items():
        if p == RDF.type:
            relevant[p] = {(s, o) for s, o in pairs if isinstance(o, rdflib.URIRef)}
        elif isinstance(p, rdflib.URIRef) and p.startswith(ONTOLOGY_NS):
            relevant[p] = set(pairs)
    return relevant


def _rank(other: Node, keep: set[Node] | frozenset[Node]) -> Rank:
    """Prefer a triple whose other end is already in the summary, then IRIs, blank nodes, literals in text order."""
    if isinstance(other, rdflib.Literal):
        return (other not in keep, 2, str(other), f"{other.datatype or ''}@{other.language or ''}")
    return (other not in keep, int(isinstance(other, rdflib.BNode)), str(other), "")


def axioms(ontology: rdflib.Graph) -> list[Triple]:
    """The ontology without its annotations (labels, comments): what the reasoner needs."""
    described = set(ontology.subjects())
    return [t for t in ontology if t[1] not in _ANNOTATIONS or t[1] in described]


def not_local(ontology: rdflib.Graph) -> list[str]:
    """The constructs in ``ontology`` that the type-signature summary does not account for."""
    return sorted(
        str(term) for term in _NOT_LOCAL
        if next(ontology.triples((None, term, None)), None) or next(ontology.subjects(RDF.type, term), None)
    )  # fmt: skip


def _closure(triples: Iterable[Triple]) -> rdflib.Graph:
    import owlrl  # only when the check runs

    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, rdfs_closure=False, axiomatic_triples=False).expand(graph)
    return graph


def feature_classes(
    ontology_axioms: list[Triple], features: Iterable[Feature], literals: dict[Node, Node]
) -> dict[Feature, frozenset[Node]]:
    """The classes OWL 2 RL infers for a node from each feature alone: one probe node per feature, one closure."""
    probes: dict[Feature, rdflib.URIRef] = {}
    triples = list(ontology_axioms)
    for i, feature in enumerate(sorted(features, key=lambda f: (f[0], str(f[1])))):
        kind, term = feature
        probe, other = rdflib.URIRef(f"{_PROBE}{i}"), rdflib.URIRef(f"{_PROBE}{i}/other")
        probes[feature] = probe
        if kind == "type":
            triples.append((probe, RDF.type, term))
        elif kind == "out":
            triples.append((probe, term, literals.get(term, other)))
        else:
            triples.append((other, term, probe))
    closure = _closure(triples)
    return {feature: frozenset(closure.objects(probe, RDF.type)) for feature, probe in probes.items()}


def summarise(grouped: ByPredicate, ontology: rdflib.Graph, limit: int | None = DEFAULT_SAMPLE) -> Summary:
    """The type-signature summary of the data (see the module's docs), cut to ``limit`` triples."""
    relevant = _relevant(grouped)
    functional = set(ontology.subjects(RDF.type, OWL.FunctionalProperty))
    features: dict[Node, set[Feature]] = defaultdict(set)
    literals: dict[Node, Node] = {}  # a literal-valued property -> one of its values (for its probe)
    for s, o in relevant.get(RDF.type, ()):
        features[s].add(("type", o))
    identity: set[Node] = set()  # nodes with several values of a functional property: all their triples go in
    for p, pairs in relevant.items():
        if p == RDF.type:
            continue
        values: dict[Node, set[Node]] = defaultdict(set)
        for s, o in pairs:
            features[s].add(("out", p))
            if isinstance(o, rdflib.Literal):
                if p not in literals or _rank(o, _NOTHING) < _rank(literals[p], _NOTHING):
                    literals[p] = o
                continue
            features[o].add(("in", p))
            if p in functional:
                values[s].add(o)
        identity |= {s for s, objs in values.items() if len(objs) > 1}
    signatures: dict[Signature, list[Node]] = defaultdict(list)
    for node, found in features.items():
        if node not in identity:
            signatures[frozenset(found)].append(node)
    implied = feature_classes(axioms(ontology), set().union(*signatures) if signatures else set(), literals)
    kinds: dict[frozenset[Node], list[Node]] = defaultdict(list)
    for signature, members in signatures.items():
        kinds[frozenset().union(*(implied[f] for f in signature))].extend(members)
    similar = {min(members, key=node_key): len(members) - 1 for members in kinds.values()}
    keep = set(similar) | identity
    chosen: set[Triple] = {(node, RDF.type, t) for node in keep for kind, t in features[node] if kind == "type"}
    best: dict[Slot, tuple[Rank, Triple]] = {}
    for p, pairs in relevant.items():
        if p == RDF.type:
            continue
        for s, o in pairs:
            if s in identity or o in identity:
                chosen.add((s, p, o))
                continue
            for node, direction, other in ((s, "out", o), (o, "in", s)):
                if node in similar:
                    rank = _rank(other, keep)
                    slot = (node, direction, p)
                    if slot not in best or rank < best[slot][0]:
                        best[slot] = (rank, (s, p, o))
    chosen |= {triple for _rank_, triple in best.values()}
    ordered = sorted(chosen, key=lambda t: (node_key(t[0]), str(t[1]), node_key(t[2])))
    available = sum(len(pairs) for pairs in relevant.values())
    cut = ordered if limit is None else ordered[:limit]
    stand_ins = frozenset(features.keys() - keep)
    return Summary(cut, available, similar, len(signatures), len(kinds), len(ordered), stand_ins)


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


def check_grouped(
    ontology: rdflib.Graph, grouped: ByPredicate, limit: int | None = DEFAULT_SAMPLE
) -> ConsistencyResult:
    """Run the OWL 2 RL closure over ``ontology`` plus the summary of the data; report every contradiction found."""
    summary = summarise(grouped, ontology, limit)
    graph = _closure([*axioms(ontology), *summary.triples])
    found: set[Inconsistency] = set()
    for message in graph.objects(None, _ERRNS.error):
        text = _normalise(str(message))
        if text is None:
            continue
        individual = _INDIVIDUAL.search(text)
        iris = _IRI_IN_TEXT.findall(text)
        focus = individual.group(1) if individual else (iris[0] if iris else "")
        if individual and rdflib.URIRef(focus) in summary.stand_ins:
            continue  # a neighbour pulled in with part of its triples: its representative is reported
        found.add(Inconsistency(focus=focus, message=text, similar=summary.similar.get(rdflib.URIRef(focus), 0)))
    for node in graph.subjects(RDF.type, OWL.Nothing):
        if node != OWL.Nothing and node not in summary.stand_ins:
            found.add(Inconsistency(str(node), f"{node} is an instance of owl:Nothing", summary.similar.get(node, 0)))
    ordered = tuple(sorted(found, key=lambda i: (i.focus, i.message)))
    return ConsistencyResult(
        inconsistencies=ordered, sampled=len(summary.triples), available=summary.available, summary=summary.size,
        signatures=summary.signatures, kinds=summary.kinds, not_local=tuple(not_local(ontology)),
    )  # fmt: skip


def check_consistency(
    ontology: rdflib.Graph, data: Iterable[Triple], limit: int | None = DEFAULT_SAMPLE
) -> ConsistencyResult:
    """:func:`check_grouped` for any triples (an rdflib Graph, a list)."""
    return check_grouped(ontology, by_predicate(data), limit)


__all__ = [
    "DEFAULT_SAMPLE",
    "ConsistencyResult",
    "Inconsistency",
    "Summary",
    "axioms",
    "check_consistency",
    "check_grouped",
    "feature_classes",
    "not_local",
    "summarise",
]
