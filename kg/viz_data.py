"""Read what `kg viz` draws from a built store: entities, relations between them, claims, documents.

Everything here is a read-only SPARQL query over the union of the store's graphs (docs/graph-model.md);
the result is plain frozen dataclasses, sorted, so the same store always gives the same page.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import pyoxigraph

from kg.config import ONTOLOGY_NS
from kg.errors import BuildError

WIKIDATA_NS = "http://www.wikidata.org/entity/"
QID_RE = re.compile(r"^Q[1-9][0-9]*$")
# a surface form that is a description resolved by coreference ("the company", "its lab"), not a name: kept in the
# graph as written (kg:surfaceForm), but neither shown nor searched as one of the entity's names
DESCRIPTION_RE = re.compile(r"^(?:the|a|an|this|that|these|those|its|their|his|her|our)\s", re.IGNORECASE)
PREFIXES = {
    "kg": ONTOLOGY_NS,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
}
# Properties that link claims, mentions and documents to entities: not relations between entities.
NON_RELATIONS = ("mentions", "mentionOf", "inDocument", "about", "evidence", "statedIn", "attributedTo",
                 "reportedBy", "modality", "hasMember", "contradicts", "merge")


@dataclass(frozen=True)
class ClassStyle:
    name: str  # ontology class local name, e.g. "Lab"
    label: str  # legend label, e.g. "AI lab"
    parent: str  # parent class local name ("" for the root)
    color: str
    shape: str  # a vis-network shape whose label sits below it


@dataclass(frozen=True)
class Styles:
    classes: tuple[ClassStyle, ...]
    not_entities: frozenset[str]
    symmetric: frozenset[str]

    def by_name(self) -> dict[str, ClassStyle]:
        return {c.name: c for c in self.classes}


@dataclass(frozen=True)
class Entity:
    iri: str
    label: str
    type: str  # ontology class local name
    aliases: tuple[str, ...]
    wikidata: tuple[str, ...]  # Wikidata Q-ids
    documents: tuple[str, ...]  # IRIs of the documents that mention it


@dataclass(frozen=True)
class Evidence:
    document: str  # document IRI ("" when the assertion names none)
    quote: str
    rule: str
    confidence: float | None


@dataclass(frozen=True)
class Relation:
    """One drawn edge: a relation triple between two entities (symmetric ones once, source < target)."""

    source: str
    predicate: str  # local name in the kg: namespace
    target: str
    symmetric: bool
    seed: bool  # stated in the seed knowledge base (graph/ontology)
    cross: bool  # derived across documents (graph/cross)
    documents: tuple[str, ...]  # document IRIs whose graph states it
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Claim:
    iri: str
    quote: str  # oa:exact of the claim's evidence (the cited span)
    text: str
    document: str
    start: int | None
    end: int | None
    page: int | None
    modality: str  # "asserted" | "hedged" | "negated" | ""
    quotation: bool
    cue: str
    attributed_to: tuple[str, ...]
    reported_by: tuple[str, ...]
    about: tuple[str, ...]
    sources: int | None  # from its claim cluster, when it has one
    independent_sources: int | None


@dataclass(frozen=True)
class Document:
    iri: str
    id: str
    title: str
    date: str
    publisher: str
    url: str  # dct:source when it is an http(s) URL, else ""
    creators: tuple[str, ...]


@dataclass(frozen=True)
class GraphData:
    entities: dict[str, Entity]
    relations: tuple[Relation, ...]
    claims: tuple[Claim, ...]
    documents: dict[str, Document]
    class_labels: dict[str, str]  # class local name -> label (the ontology's rdfs:label when in the store)
    predicate_labels: dict[str, str]  # predicate local name -> label


@lru_cache(maxsize=1)
def load_styles() -> Styles:
    """The class styles shipped in ``kg/static/viz_styles.json``."""
    raw = json.loads(resources.files("kg").joinpath("static/viz_styles.json").read_text(encoding="utf-8"))
    classes = tuple(ClassStyle(c["name"], c["label"], c["parent"], c["color"], c["shape"]) for c in raw["classes"])
    return Styles(classes, frozenset(raw["not_entities"]), frozenset(raw["symmetric"]))


def _select(store: pyoxigraph.Store, query: str) -> list[dict[str, Any]]:
    """Run a SELECT over the union graph; each row maps variable -> Python value (None when unbound)."""
    try:
        solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    except (OSError, SyntaxError) as err:  # the store is broken, or a bug in the queries below
        raise BuildError(f"cannot read the graph for the visualisation ({err}); rebuild with `kg build`") from err
    assert isinstance(solutions, pyoxigraph.QuerySolutions)
    names = [v.value for v in solutions.variables]
    rows = []
    for solution in solutions:
        row: dict[str, Any] = {}
        for name in names:
            term = solution[name]
            row[name] = None if term is None else _value(term)
        rows.append(row)
    return rows


def _value(term: Any) -> Any:
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value
        if datatype.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
            try:
                return int(term.value)
            except ValueError:
                return term.value
        if datatype.endswith(("#decimal", "#double", "#float")):
            try:
                return float(term.value)
            except ValueError:
                return term.value
        if datatype.endswith("#boolean"):
            return term.value in ("true", "1")
        return term.value
    return str(term.value) if hasattr(term, "value") else str(term)


def _local(iri: str) -> str:
    return iri[len(ONTOLOGY_NS):] if iri.startswith(ONTOLOGY_NS) else iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _words(name: str) -> str:
    """``"developedBy"`` -> ``"developed by"``: a readable label for a predicate the store does not label."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower()


def _first(values: list[str]) -> str:
    return min(values) if values else ""


def read_graph(store: pyoxigraph.Store) -> GraphData:
    """Read entities, relations, claims and documents from a store in the shape of docs/graph-model.md."""
    styles = load_styles()
    ontology_labels = {_local(r["c"]): r["l"] for r in _select(store, """
        SELECT ?c ?l WHERE { ?c rdfs:label ?l . FILTER(STRSTARTS(STR(?c), STR(kg:)) && LANG(?l) IN ("", "en")) }""")}
    class_labels = {c.name: ontology_labels.get(c.name, c.label) for c in styles.classes}
    symmetric = set(styles.symmetric) | {_local(r["p"]) for r in _select(store, """
        SELECT ?p WHERE { ?p a owl:SymmetricProperty . FILTER(STRSTARTS(STR(?p), STR(kg:))) }""")}

    documents = _read_documents(store)
    entities = _read_entities(store, styles, documents)
    relations, predicate_labels = _read_relations(store, entities, symmetric, ontology_labels, documents)
    claims = _read_claims(store, documents)
    return GraphData(entities, relations, claims, documents, class_labels, predicate_labels)


def _read_documents(store: pyoxigraph.Store) -> dict[str, Document]:
    fields: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in _select(store, """
        SELECT ?d ?k ?v WHERE {
          ?d a kg:Document .
          VALUES (?p ?k) { (dct:identifier "id") (dct:title "title") (dct:date "date") (dct:publisher "publisher")
                           (dct:source "url") (dct:creator "creator") }
          ?d ?p ?v . }"""):
        fields[row["d"]][row["k"]].append(str(row["v"]))
    for row in _select(store, "SELECT ?d WHERE { ?d a kg:Document }"):
        fields.setdefault(row["d"], defaultdict(list))  # documents without any metadata still count
    docs = {}
    for iri, f in fields.items():
        urls = sorted(u for u in f["url"] if re.match(r"^https?://", u, re.IGNORECASE))
        docs[iri] = Document(iri=iri, id=_first(f["id"]) or iri, title=_first(f["title"]), date=_first(f["date"]),
                             publisher=_first(f["publisher"]), url=urls[0] if urls else "",
                             creators=tuple(sorted(set(f["creator"]))))
    return dict(sorted(docs.items()))


def _read_entities(store: pyoxigraph.Store, styles: Styles, documents: dict[str, Document]) -> dict[str, Entity]:
    excluded = " ".join(f"kg:{n}" for n in sorted(styles.not_entities))
    order = {c.name: i for i, c in enumerate(styles.classes)}
    types: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, list[str]] = defaultdict(list)
    for row in _select(store, f"""
        SELECT ?e ?t ?l WHERE {{
          ?e a ?t . FILTER(STRSTARTS(STR(?t), STR(kg:)) && ?t NOT IN ({", ".join(excluded.split())}))
          OPTIONAL {{ ?e skos:prefLabel ?l }} }}"""):
        types[row["e"]].append(_local(row["t"]))
        if row["l"] is not None:
            labels[row["e"]].append(row["l"])
    iris = set(types)  # anything typed with an entity class (unknown kg: classes draw as "Entity")
    aliases: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, """
        SELECT ?e ?a WHERE { { ?e skos:altLabel ?a } UNION { ?e kg:surfaceForm ?a } }"""):
        if row["e"] in iris and not DESCRIPTION_RE.match(str(row["a"])):
            aliases[row["e"]].add(str(row["a"]))
    wikidata: dict[str, set[str]] = defaultdict(set)
    same_as = f'SELECT ?e ?w WHERE {{ ?e owl:sameAs ?w . FILTER(STRSTARTS(STR(?w), "{WIKIDATA_NS}")) }}'
    for row in _select(store, same_as):
        qid = row["w"][len(WIKIDATA_NS):]
        if row["e"] in iris and QID_RE.match(qid):
            wikidata[row["e"]].add(qid)
    mentioned: dict[str, set[str]] = defaultdict(set)
    for row in _select(store, "SELECT DISTINCT ?d ?e WHERE { ?d kg:mentions ?e }"):
        if row["e"] in iris and row["d"] in documents:
            mentioned[row["e"]].add(row["d"])
    entities = {}
    for iri in sorted(iris):
        # the most specific known class wins (styles list subclasses first); unknown kg: classes draw as "Entity"
        known = sorted((t for t in types[iri] if t in order), key=order.__getitem__)
        kind = known[0] if known else "Entity"
        label = _first(labels[iri]) or _words(iri.rstrip("/").rsplit("/", 1)[-1])
        entities[iri] = Entity(iri=iri, label=label, type=kind,
                               aliases=tuple(sorted(a for a in aliases[iri] if a != label)),
                               wikidata=tuple(sorted(wikidata[iri], key=lambda q: int(q[1:]))),
                               documents=tuple(sorted(mentioned[iri])))
    return entities


def _graph_kinds(store: pyoxigraph.Store) -> dict[str, str]:
    """Named graph IRI -> the document IRI it holds, or "seed" / "cross"."""
    kinds: dict[str, str] = {}
    for row in _select(store, "SELECT ?g ?d WHERE { GRAPH ?g { ?d a kg:Document } }"):
        kinds[row["g"]] = min(row["d"], kinds.get(row["g"], row["d"]))
    return kinds


def _read_relations(store: pyoxigraph.Store, entities: dict[str, Entity], symmetric: set[str],
                    ontology_labels: dict[str, str], documents: dict[str, Document],
                    ) -> tuple[tuple[Relation, ...], dict[str, str]]:
    kinds = _graph_kinds(store)
    skip = ", ".join(f"kg:{p}" for p in NON_RELATIONS)
    where: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for row in _select(store, f"""
        SELECT DISTINCT ?g ?s ?p ?o WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER(isIRI(?o) && STRSTARTS(STR(?p), STR(kg:)) && ?p NOT IN ({skip})) }}"""):
        s, p, o = row["s"], _local(row["p"]), row["o"]
        if s not in entities or o not in entities or s == o:
            continue
        if p in symmetric and o < s:
            s, o = o, s
        g = row["g"]
        where[(s, p, o)].add(kinds.get(g, "seed" if g.endswith("/graph/ontology") else "cross"))
    evidence: dict[tuple[str, str, str], set[Evidence]] = defaultdict(set)
    for row in _select(store, """
        SELECT ?s ?p ?o ?d ?exact ?rule ?conf WHERE {
          ?r a kg:RelationAssertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
          OPTIONAL { ?r prov:wasDerivedFrom ?d }
          OPTIONAL { ?r kg:rule ?rule } OPTIONAL { ?r kg:confidence ?conf }
          OPTIONAL { ?r kg:evidence ?t . ?t oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?exact } }"""):
        s, p, o = row["s"], _local(row["p"]), row["o"]
        if p in symmetric and o < s:
            s, o = o, s
        if (s, p, o) in where:
            conf = float(row["conf"]) if isinstance(row["conf"], float | int) and math.isfinite(row["conf"]) else None
            doc = row["d"] if row["d"] in documents else ""
            evidence[(s, p, o)].add(Evidence(doc, str(row["exact"] or ""), str(row["rule"] or ""), conf))
    relations = []
    for (s, p, o), graphs in sorted(where.items()):
        docs = set(graphs) - {"seed", "cross"}
        docs |= {e.document for e in evidence[(s, p, o)] if e.document}
        relations.append(Relation(source=s, predicate=p, target=o, symmetric=p in symmetric,
                                  seed="seed" in graphs, cross="cross" in graphs, documents=tuple(sorted(docs)),
                                  evidence=tuple(sorted(evidence[(s, p, o)],
                                                        key=lambda e: (e.document, e.quote, e.rule)))))
    predicate_labels = {p: ontology_labels.get(p, _words(p)) for p in sorted({r.predicate for r in relations})}
    return tuple(relations), predicate_labels


def _read_claims(store: pyoxigraph.Store, documents: dict[str, Document]) -> tuple[Claim, ...]:
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in _select(store, """
        SELECT ?c ?p ?e WHERE { ?c a kg:Claim ; ?p ?e . VALUES ?p { kg:about kg:attributedTo kg:reportedBy } }"""):
        roles[row["c"]][_local(row["p"])].add(row["e"])
    clusters: dict[str, tuple[int | None, int | None]] = {}
    for row in _select(store, """
        SELECT ?c ?n ?ni WHERE { ?cl a kg:ClaimCluster ; kg:hasMember ?c .
          OPTIONAL { ?cl kg:sourceCount ?n } OPTIONAL { ?cl kg:independentSourceCount ?ni } }"""):
        n, ni = row["n"], row["ni"]
        clusters[row["c"]] = (n if isinstance(n, int) else None, ni if isinstance(ni, int) else None)
    claims: dict[str, Claim] = {}
    for row in _select(store, """
        SELECT ?c ?text ?d ?mod ?quot ?cue ?exact ?start ?end ?page WHERE {
          ?c a kg:Claim .
          OPTIONAL { ?c kg:statedIn ?d } OPTIONAL { ?c kg:text ?text } OPTIONAL { ?c kg:modality ?mod }
          OPTIONAL { ?c kg:quotation ?quot } OPTIONAL { ?c kg:cue ?cue }
          OPTIONAL { ?c kg:evidence ?t .
            OPTIONAL { ?t oa:hasSelector ?q . ?q a oa:TextQuoteSelector ; oa:exact ?exact }
            OPTIONAL { ?t oa:hasSelector ?ps . ?ps a oa:TextPositionSelector ; oa:start ?start ; oa:end ?end }
            OPTIONAL { ?t kg:page ?page } } }
        ORDER BY ?c ?d ?text ?exact ?start ?end ?mod"""):
        iri = row["c"]
        if iri in claims:  # a malformed claim with several values: keep one, deterministically
            continue
        r = roles[iri]
        sources, independent = clusters.get(iri, (None, None))
        text = str(row["text"] or "")
        claims[iri] = Claim(
            iri=iri, quote=str(row["exact"] if row["exact"] is not None else text), text=text,
            document=row["d"] if row["d"] in documents else "",
            start=row["start"] if isinstance(row["start"], int) else None,
            end=row["end"] if isinstance(row["end"], int) else None,
            page=row["page"] if isinstance(row["page"], int) else None,
            modality=_local(row["mod"]) if row["mod"] else "", quotation=row["quot"] is True,
            cue=str(row["cue"] or ""), attributed_to=tuple(sorted(r["attributedTo"])),
            reported_by=tuple(sorted(r["reportedBy"])), about=tuple(sorted(r["about"])),
            sources=sources, independent_sources=independent)
    return tuple(claims[k] for k in sorted(claims))
