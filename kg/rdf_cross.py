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
from kg.trig import Triple, nt_integer, nt_iri, nt_string, sort_lines
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


class EntityTally:
    """What the documents say about each entity IRI, added one document at a time, in any order (``index``:
    the document's position in the build, so the result does not depend on the order of arrival)."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self.names: dict[str, Counter[str]] = defaultdict(Counter)
        self.types: dict[str, Counter[str]] = defaultdict(Counter)
        self.qids: dict[str, Counter[str]] = defaultdict(Counter)
        self.families: dict[str, Counter[str]] = defaultdict(Counter)
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.forms: dict[str, set[str]] = defaultdict(set)
        self.merges: dict[str, Counter[Merge]] = defaultdict(Counter)
        self.docs: Counter[str] = Counter()
        self.where: dict[str, tuple[int, str]] = {}  # the first document (position, path) naming each entity

    def add(self, ex: Extraction, index: int) -> None:
        path = ex.document.path
        for ent in ex.entities:
            self.docs[ent.id] += 1
            first = self.where.get(ent.id)
            if first is None or index < first[0]:
                self.where[ent.id] = (index, path)
            self.names[ent.id][ent.name] += 1
            if ent.type in self.vocab.entity_classes:
                self.types[ent.id][ent.type] += 1
            if ent.wikidata and QID_RE.match(ent.wikidata):
                self.qids[ent.id][ent.wikidata] += 1
            if ent.family and ent.family != ent.id:
                self.families[ent.id][ent.family] += 1
            self.aliases[ent.id].update(ent.aliases)
            self.forms[ent.id].update(m.text for m in ent.mentions)
            self.merges[ent.id].update(ent.merges)

    def result(self, seed: SeedKB, iris: Iris) -> tuple[dict[str, CanonicalEntity], tuple[Problem, ...]]:
        """One record per entity IRI, by IRI; problems for entities that cannot be typed."""
        out: dict[str, CanonicalEntity] = {}
        problems: list[Problem] = []
        for iri in sorted(self.docs):
            known = seed.get(iri)
            families, names, types, qids = self.families[iri], self.names[iri], self.types[iri], self.qids[iri]
            family = _vote(families) if families else None
            merge = _merge_records(iri, self.merges[iri], iris)
            surface = tuple(sorted(self.forms[iri]))
            if known is not None:
                out[iri] = CanonicalEntity(iri, known.label, known.type, True, surface_forms=surface, merges=merge,
                                           family=family, documents=self.docs[iri])
                continue
            if not types:
                problems.append(Problem(self.where[iri][1], f"entity {iri} has no type from the ontology; left "
                                                            "untyped (an extractor bug: please report it)"))
                continue
            name = _vote(names)
            alt = (set(names) | self.aliases[iri]) - {name}
            out[iri] = CanonicalEntity(iri, name, _vote(types), False, alt_labels=tuple(sorted(a for a in alt if a)),
                                       wikidata=_vote(qids) if qids else None, surface_forms=surface,
                                       merges=merge, family=family, documents=self.docs[iri])
        return out, tuple(problems)


def canonical_entities(extractions: Sequence[Extraction], seed: SeedKB, vocab: Vocabulary,
                       iris: Iris) -> tuple[dict[str, CanonicalEntity], tuple[Problem, ...]]:
    """One record per entity IRI across the documents, by IRI; problems for entities that cannot be typed."""
    tally = EntityTally(vocab)
    for index, ex in enumerate(extractions):
        tally.add(ex, index)
    return tally.result(seed, iris)


def _merge_records(iri: str, counts: Counter[Merge], iris: Iris) -> tuple[Merge, ...]:
    """At most one merge per merge IRI (aliases with the same slug): the most frequent, ties by sort order."""
    by_iri: dict[str, Counter[Merge]] = defaultdict(Counter)
    for merge, n in counts.items():
        by_iri[iris.merge(iri, merge.alias)][merge] = n
    chosen = [min(c, key=lambda m: (-c[m], m.alias, m.rule)) for c in by_iri.values()]
    return tuple(sorted(chosen, key=lambda m: (m.alias, m.rule)))


class ReferenceTally:
    """Every entity IRI that relations, claims or families point to, with the first document (by position)
    that does; added one document at a time, in any order."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[int, str]] = {}

    def add(self, ex: Extraction, index: int) -> None:
        refs: list[str] = [e.family for e in ex.entities if e.family]
        refs += [r.subject for r in ex.relations] + [r.object for r in ex.relations]
        for claim in ex.claims:
            refs += list(claim.about)
            refs += [ref.id for ref in (claim.attributed_to, claim.reported_by) if ref is not None]
        path = ex.document.path
        for iri in set(refs):
            first = self.first.get(iri)
            if first is None or index < first[0]:
                self.first[iri] = (index, path)

    def dangling(self, entities: dict[str, CanonicalEntity], seed: SeedKB) -> tuple[Problem, ...]:
        """Referred-to IRIs that nothing types or labels: one problem each, in document order, then by IRI."""
        missing = sorted((index, iri, path) for iri, (index, path) in self.first.items()
                         if iri not in entities and seed.get(iri) is None)
        return tuple(Problem(path, f"{iri} is referred to but no document names it and it is not in the seed "
                                   "(an extractor bug: please report it)") for _index, iri, path in missing)


def dangling_references(extractions: Sequence[Extraction], entities: dict[str, CanonicalEntity],
                        seed: SeedKB) -> tuple[Problem, ...]:
    """Entity IRIs that relations, claims or families point to but that nothing types or labels."""
    tally = ReferenceTally()
    for index, ex in enumerate(extractions):
        tally.add(ex, index)
    return tally.dangling(entities, seed)


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


_T = {name: nt_iri(str(term)) for name, term in (
    ("type", RDF.type), ("activity", PROV.Activity), ("toolVersion", KG.toolVersion),
    ("configHash", KG.configHash), ("prefLabel", SKOS.prefLabel), ("altLabel", SKOS.altLabel),
    ("sameAs", OWL.sameAs), ("surfaceForm", KG.surfaceForm), ("merge", KG.merge), ("Merge", KG.Merge),
    ("alias", KG.alias), ("rule", KG.rule), ("partOf", KG.partOf), ("ClaimCluster", KG.ClaimCluster),
    ("label", KG.label), ("hasMember", KG.hasMember), ("sourceCount", KG.sourceCount),
    ("independent", KG.independentSourceCount), ("contradicts", KG.contradicts))}


def activity_lines(activity: Activity) -> list[str]:
    """The N-Triples lines about the extraction activity (one subject)."""
    t, act = _T, nt_iri(activity.iri)
    return [f"{act} {t['type']} {t['activity']} .", f"{act} {t['toolVersion']} {nt_string(activity.tool_version)} .",
            f"{act} {t['configHash']} {nt_string(activity.config_hash)} ."]


def entity_lines(iri: str, ent: CanonicalEntity, iris: Iris) -> list[str]:
    """The lines whose subject is the entity ``iri`` (its merges' own lines: :func:`merge_lines`)."""
    t, e = _T, nt_iri(iri)
    lines: list[str] = []
    add = lines.append
    if not ent.in_seed:
        add(f"{e} {t['type']} {nt_iri(str(KG[ent.type]))} .")
        add(f"{e} {t['prefLabel']} {nt_string(ent.name)} .")
        for alt in ent.alt_labels:
            add(f"{e} {t['altLabel']} {nt_string(alt)} .")
        if ent.wikidata:
            add(f"{e} {t['sameAs']} {nt_iri(WIKIDATA_NS + ent.wikidata)} .")
    for form in ent.surface_forms:
        add(f"{e} {t['surfaceForm']} {nt_string(form)} .")
    for merge in ent.merges:
        add(f"{e} {t['merge']} {nt_iri(iris.merge(iri, merge.alias))} .")
    if ent.family:
        add(f"{e} {t['partOf']} {nt_iri(ent.family)} .")
    return lines


def merge_lines(iri: str, merge: Merge, iris: Iris) -> list[str]:
    """The lines whose subject is the merge of ``merge.alias`` into the entity ``iri``."""
    t, m = _T, nt_iri(iris.merge(iri, merge.alias))
    return [f"{m} {t['type']} {t['Merge']} .", f"{m} {t['alias']} {nt_string(merge.alias)} .",
            f"{m} {t['rule']} {nt_string(merge.rule)} ."]


def cluster_lines(cluster: ClaimCluster) -> list[str]:
    """The lines whose subject is the claim cluster."""
    t, c = _T, nt_iri(cluster.id)
    lines = [f"{c} {t['type']} {t['ClaimCluster']} .", f"{c} {t['label']} {nt_string(cluster.label)} ."]
    lines += [f"{c} {t['hasMember']} {nt_iri(member)} ." for member in cluster.members]
    lines.append(f"{c} {t['sourceCount']} {nt_integer(cluster.sources)} .")
    independent = max(1, min(cluster.independent_sources, cluster.sources))
    lines.append(f"{c} {t['independent']} {nt_integer(independent)} .")
    lines += [f"{c} {t['contradicts']} {nt_iri(other)} ." for other in cluster.contradicts]
    return lines


def cross_lines(entities: dict[str, CanonicalEntity], clusters: Sequence[ClaimCluster], iris: Iris,
                activity: Activity | None = None) -> list[str]:
    """``canonical_lines(cross_graph(...))`` written directly as N-Triples lines (no rdflib terms), sorted,
    without duplicates. The build writes the same graph subject by subject (:mod:`kg.cross_text`)."""
    lines: list[str] = activity_lines(activity) if activity is not None else []
    for iri, ent in entities.items():
        lines += entity_lines(iri, ent, iris)
        for merge in ent.merges:
            lines += merge_lines(iri, merge, iris)
    for cluster in clusters:
        lines += cluster_lines(cluster)
    return sort_lines(lines)


__all__ = ["CanonicalEntity", "EntityTally", "ReferenceTally", "activity_lines", "canonical_entities",
           "cluster_lines", "cross_graph", "cross_lines", "dangling_references", "entity_lines", "merge_lines"]
