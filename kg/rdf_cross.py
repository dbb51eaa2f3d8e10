"""Cross-document results -> the triples of ``graph/cross`` (docs/graph-model.md).

* Canonical entities: every entity IRI seen in any document gets exactly one type and one ``skos:prefLabel``
  in the union of graphs. Seed entities are typed and labelled in ``graph/ontology`` (the seed wins); any
  other entity gets here the type and the name most documents gave it (ties: the first in sort order), the
  other names and aliases as ``skos:altLabel``, and its Wikidata item when the extractor linked one.
* For every entity: each surface form a document used (``kg:surfaceForm``) and each merge with its rule
  (``kg:merge`` -> ``kg:Merge``); model versions ``kg:partOf`` their family.
* Claim clusters (``kg.clusters``) with their members, source counts and contradictions.
* The extraction activity (``prov:Activity`` with ``kg:toolVersion`` and ``kg:configHash``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from rdflib.namespace import OWL, PROV, RDF, SKOS
from rdflib.term import Literal, URIRef

from kg.iris import Iris
from kg.rdf import Activity, Vocabulary
from kg.records import ClaimCluster, Extraction, Merge, Problem
from kg.seed import QID_RE, WIKIDATA_NS, SeedKB
from kg.trig import Triple
from kg.vocab import KG


@dataclass(frozen=True)
class CanonicalEntity:
    iri: str
    name: str
    type: str
    in_seed: bool
    alt_labels: tuple[str, ...] = ()  # non-seed entities only
    wikidata: str | None = None  # non-seed entities only
    surface_forms: tuple[str, ...] = ()
    merges: tuple[Merge, ...] = ()
    family: str | None = None
    documents: int = 0


def _vote(counts: Counter[str]) -> str:
    """The most frequent value; ties go to the first in sort order."""
    return min(counts, key=lambda v: (-counts[v], v))


def canonical_entities(extractions: Sequence[Extraction], seed: SeedKB, vocab: Vocabulary,
                       iris: Iris) -> tuple[dict[str, CanonicalEntity], tuple[Problem, ...]]:
    """One record per entity IRI across the documents, by IRI; problems for entities that cannot be typed."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    types: dict[str, Counter[str]] = defaultdict(Counter)
    qids: dict[str, Counter[str]] = defaultdict(Counter)
    families: dict[str, Counter[str]] = defaultdict(Counter)
    aliases: dict[str, set[str]] = defaultdict(set)
    forms: dict[str, set[str]] = defaultdict(set)
    merges: dict[str, Counter[Merge]] = defaultdict(Counter)
    docs: Counter[str] = Counter()
    where: dict[str, str] = {}
    for ex in extractions:
        for ent in ex.entities:
            docs[ent.id] += 1
            where.setdefault(ent.id, ex.document.path)
            names[ent.id][ent.name] += 1
            if ent.type in vocab.entity_classes:
                types[ent.id][ent.type] += 1
            if ent.wikidata and QID_RE.match(ent.wikidata):
                qids[ent.id][ent.wikidata] += 1
            if ent.family and ent.family != ent.id:
                families[ent.id][ent.family] += 1
            aliases[ent.id].update(ent.aliases)
            forms[ent.id].update(m.text for m in ent.mentions)
            merges[ent.id].update(ent.merges)
    out: dict[str, CanonicalEntity] = {}
    problems: list[Problem] = []
    for iri in sorted(docs):
        known = seed.get(iri)
        family = _vote(families[iri]) if families[iri] else None
        merge = _merge_records(iri, merges[iri], iris)
        surface = tuple(sorted(forms[iri]))
        if known is not None:
            out[iri] = CanonicalEntity(iri, known.label, known.type, True, surface_forms=surface, merges=merge,
                                       family=family, documents=docs[iri])
            continue
        if not types[iri]:
            problems.append(Problem(where[iri], f"entity {iri} has no type from the ontology; left untyped "
                                                "(an extractor bug: please report it)"))
            continue
        name = _vote(names[iri])
        alt = (set(names[iri]) | aliases[iri]) - {name}
        out[iri] = CanonicalEntity(iri, name, _vote(types[iri]), False, alt_labels=tuple(sorted(a for a in alt if a)),
                                   wikidata=_vote(qids[iri]) if qids[iri] else None, surface_forms=surface,
                                   merges=merge, family=family, documents=docs[iri])
    return out, tuple(problems)


def _merge_records(iri: str, counts: Counter[Merge], iris: Iris) -> tuple[Merge, ...]:
    """At most one merge per merge IRI (aliases with the same slug): the most frequent, ties by sort order."""
    by_iri: dict[str, Counter[Merge]] = defaultdict(Counter)
    for merge, n in counts.items():
        by_iri[iris.merge(iri, merge.alias)][merge] = n
    chosen = [min(c, key=lambda m: (-c[m], m.alias, m.rule)) for c in by_iri.values()]
    return tuple(sorted(chosen, key=lambda m: (m.alias, m.rule)))


def dangling_references(extractions: Sequence[Extraction], entities: dict[str, CanonicalEntity],
                        seed: SeedKB) -> tuple[Problem, ...]:
    """Entity IRIs that relations, claims or families point to but that nothing types or labels."""
    problems = []
    reported: set[str] = set()
    for ex in extractions:
        refs: list[str] = [e.family for e in ex.entities if e.family]
        refs += [r.subject for r in ex.relations] + [r.object for r in ex.relations]
        for claim in ex.claims:
            refs += list(claim.about)
            refs += [ref.id for ref in (claim.attributed_to, claim.reported_by) if ref is not None]
        for iri in sorted(set(refs)):
            if iri in entities or seed.get(iri) is not None or iri in reported:
                continue
            reported.add(iri)
            problems.append(Problem(ex.document.path, f"{iri} is referred to but no document names it and it is "
                                                      "not in the seed (an extractor bug: please report it)"))
    return tuple(problems)


def cross_graph(entities: dict[str, CanonicalEntity], clusters: Sequence[ClaimCluster], iris: Iris,
                activity: Activity | None = None) -> list[Triple]:
    """The triples of ``graph/cross`` (and the description of the extraction activity, when given)."""
    triples: list[Triple] = []
    add = triples.append
    if activity is not None:
        act = URIRef(activity.iri)
        add((act, RDF.type, PROV.Activity))
        add((act, KG.toolVersion, Literal(activity.tool_version)))
        add((act, KG.configHash, Literal(activity.config_hash)))
    for iri, ent in entities.items():
        e = URIRef(iri)
        if not ent.in_seed:
            add((e, RDF.type, KG[ent.type]))
            add((e, SKOS.prefLabel, Literal(ent.name)))
            for alt in ent.alt_labels:
                add((e, SKOS.altLabel, Literal(alt)))
            if ent.wikidata:
                add((e, OWL.sameAs, URIRef(WIKIDATA_NS + ent.wikidata)))
        for form in ent.surface_forms:
            add((e, KG.surfaceForm, Literal(form)))
        for merge in ent.merges:
            m = URIRef(iris.merge(iri, merge.alias))
            add((e, KG.merge, m))
            add((m, RDF.type, KG.Merge))
            add((m, KG.alias, Literal(merge.alias)))
            add((m, KG.rule, Literal(merge.rule)))
        if ent.family:
            add((e, KG.partOf, URIRef(ent.family)))
    for cluster in clusters:
        c = URIRef(cluster.id)
        add((c, RDF.type, KG.ClaimCluster))
        add((c, KG.label, Literal(cluster.label)))
        for member in cluster.members:
            add((c, KG.hasMember, URIRef(member)))
        add((c, KG.sourceCount, Literal(cluster.sources)))
        add((c, KG.independentSourceCount, Literal(max(1, min(cluster.independent_sources, cluster.sources)))))
        for other in cluster.contradicts:
            add((c, KG.contradicts, URIRef(other)))
    return triples


__all__ = ["CanonicalEntity", "canonical_entities", "cross_graph", "dangling_references"]
