"""Extraction records -> the triples of one document's named graph (docs/graph-model.md, ``graph/doc/{id}``).

A document graph holds only what that document supports: its metadata (Dublin Core terms), its full text,
its mentions, the relations it asserts (the plain triple plus a ``kg:RelationAssertion`` with evidence) and
its claims, each citation a W3C Web Annotation target with a quote and a position selector. It depends on
nothing outside the document, so a changed document replaces only its own graph.

A span whose text is not the document's text at its offsets is an extractor bug: :func:`check_extraction`
leaves it out and reports it as a problem, so every selector in the graph is exact.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import quote

from rdflib.namespace import DCTERMS, PROV, RDF, XSD
from rdflib.term import Literal, Node, URIRef

from kg.iris import Iris
from kg.records import Claim, Document, Entity, Extraction, Problem, Relation
from kg.seed import SeedKB
from kg.trig import Triple
from kg.vocab import KG, OA, SCHEMA

CONTEXT_CHARS = 32  # oa:prefix / oa:suffix length
_DATE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S")
_IRI_UNSAFE = "".join(chr(c) for c in range(0x21)) + '<>"{}|^`\\'
REPORT_PUBLISHERS = frozenset({"University", "ResearchCenter", "ThinkTank", "GovernmentBody", "Lab", "Company",
                               "Organization"})


@dataclass(frozen=True)
class Vocabulary:
    """What the ontology allows: entity classes and relation properties (local names)."""

    entity_classes: frozenset[str]
    relation_properties: frozenset[str]


@dataclass(frozen=True)
class Activity:
    """The extraction activity every document graph links to (``prov:wasGeneratedBy``); ``graph/cross`` describes
    it once (type, tool version, configuration hash): a triple repeated in every document graph would come back
    once per graph from queries over the union."""

    iri: str
    tool_version: str
    config_hash: str


def date_literal(value: str) -> Literal:
    """``xsd:date`` / ``xsd:dateTime`` for a valid ISO 8601 date or timestamp, else a plain string."""
    text = value.strip()
    try:
        if _DATE.match(text):
            dt.date.fromisoformat(text)
            return Literal(text, datatype=XSD.date)
        if _DATETIME.match(text):
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return Literal(text, datatype=XSD.dateTime)
    except ValueError:
        pass
    return Literal(value)


def url_term(url: str) -> Node:
    """An IRI for an absolute URL (unsafe characters percent-encoded), else the URL as a plain string."""
    text = url.strip()
    if not _URL.match(text):
        return Literal(url)
    return URIRef(quote(text, safe="".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in _IRI_UNSAFE) + "%"))


def decimal_literal(value: float) -> Literal:
    text = format(Decimal(repr(float(value))).normalize(), "f")
    return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)


def document_kind(doc: Document, seed: SeedKB) -> URIRef:
    """schema:Report for PDFs and documents published by a (seed) organisation that is not a news outlet,
    else schema:NewsArticle."""
    if doc.format == "pdf":
        return SCHEMA.Report
    for ent in seed.lookup(doc.publisher or ""):
        if ent.type in REPORT_PUBLISHERS:
            return SCHEMA.Report
    return SCHEMA.NewsArticle


class _Writer:
    def __init__(self, ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB) -> None:
        self.ex = ex
        self.doc = ex.document
        self.iris = iris
        self.activity = activity
        self.seed = seed
        self.doc_iri = URIRef(iris.document(self.doc.id))
        self.triples: list[Triple] = []

    def add(self, s: Node, p: Node, o: Node) -> None:
        self.triples.append((s, p, o))

    # --- the document -----------------------------------------------------------------------------------
    def document(self) -> None:
        doc, d = self.doc, self.doc_iri
        self.add(d, RDF.type, KG.Document)
        self.add(d, RDF.type, document_kind(doc, self.seed))
        self.add(d, DCTERMS.identifier, Literal(doc.id))
        if doc.title:
            self.add(d, DCTERMS.title, Literal(doc.title))
        if doc.url:
            self.add(d, DCTERMS.source, url_term(doc.url))
        if doc.publisher:
            self.add(d, DCTERMS.publisher, Literal(doc.publisher))
        if doc.date:
            self.add(d, DCTERMS.date, date_literal(doc.date))
        for author in doc.authors:
            self.add(d, DCTERMS.creator, Literal(author))
        self.add(d, KG.sha256, Literal(doc.sha256))
        self.add(d, KG["format"], Literal(doc.format))
        self.add(d, KG.path, Literal(doc.path))
        self.add(d, KG.text, Literal(doc.text))
        if doc.page_starts:
            self.add(d, KG.pageStarts, Literal(" ".join(str(n) for n in doc.page_starts)))
        act = URIRef(self.activity.iri)  # described once, in graph/cross
        self.add(d, PROV.wasGeneratedBy, act)
        self.add(act, PROV.used, d)

    # --- mentions ---------------------------------------------------------------------------------------
    def mentions(self) -> None:
        for ent in self.ex.entities:
            if ent.mentions:
                self.add(self.doc_iri, KG.mentions, URIRef(ent.id))
            for m in ent.mentions:
                self.mention(ent, m.start, m.end, m.text)

    def mention(self, ent: Entity, start: int, end: int, text: str) -> None:
        m = URIRef(self.iris.mention(self.doc.id, start, end))
        self.add(m, RDF.type, KG.Mention)
        self.add(m, KG.mentionOf, URIRef(ent.id))
        self.add(m, KG.inDocument, self.doc_iri)
        self.add(m, OA.start, Literal(start))
        self.add(m, OA.end, Literal(end))
        self.add(m, OA.exact, Literal(text))

    # --- evidence ---------------------------------------------------------------------------------------
    def evidence(self, owner: URIRef, start: int, end: int, page: int | None) -> None:
        text = self.doc.text
        target = URIRef(self.iris.target(owner))
        quote_sel = URIRef(self.iris.quote_selector(owner))
        position = URIRef(self.iris.position_selector(owner))
        self.add(owner, KG.evidence, target)
        self.add(target, RDF.type, OA.SpecificResource)
        self.add(target, OA.hasSource, self.doc_iri)
        self.add(target, OA.hasSelector, quote_sel)
        self.add(target, OA.hasSelector, position)
        if page is not None:
            self.add(target, KG.page, Literal(page))
        self.add(quote_sel, RDF.type, OA.TextQuoteSelector)
        self.add(quote_sel, OA.exact, Literal(text[start:end]))
        self.add(quote_sel, OA.prefix, Literal(text[max(0, start - CONTEXT_CHARS) : start]))
        self.add(quote_sel, OA.suffix, Literal(text[end : end + CONTEXT_CHARS]))
        self.add(position, RDF.type, OA.TextPositionSelector)
        self.add(position, OA.start, Literal(start))
        self.add(position, OA.end, Literal(end))

    # --- relations --------------------------------------------------------------------------------------
    def relations(self) -> None:
        for rel in self.ex.relations:
            self.relation(rel)

    def relation(self, rel: Relation) -> None:
        ev = rel.evidence
        s, p, o = URIRef(rel.subject), KG[rel.predicate], URIRef(rel.object)
        r = URIRef(self.iris.relation(self.doc.id, rel.subject, rel.predicate, rel.object, ev.start, ev.end))
        self.add(s, p, o)
        self.add(r, RDF.type, KG.RelationAssertion)
        self.add(r, RDF.subject, s)
        self.add(r, RDF.predicate, p)
        self.add(r, RDF.object, o)
        self.add(r, KG.rule, Literal(rel.rule))
        self.add(r, KG.confidence, decimal_literal(min(1.0, max(0.0, rel.confidence))))
        self.add(r, PROV.wasDerivedFrom, self.doc_iri)
        self.evidence(r, ev.start, ev.end, self.doc.page_of(ev.start))

    # --- claims -----------------------------------------------------------------------------------------
    def claims(self) -> None:
        for claim in self.ex.claims:
            self.claim(claim)

    def claim(self, claim: Claim) -> None:
        c = URIRef(claim.id)
        self.add(c, RDF.type, KG.Claim)
        self.add(c, RDF.type, SCHEMA.Claim)
        self.add(c, KG.text, Literal(claim.text))
        self.add(c, KG.statedIn, self.doc_iri)
        self.add(c, PROV.wasDerivedFrom, self.doc_iri)
        self.add(c, KG.modality, KG[claim.modality])
        self.add(c, KG.quotation, Literal(claim.quotation))
        if claim.cue:
            self.add(c, KG.cue, Literal(claim.cue))
        if claim.attributed_to is not None:
            self.add(c, KG.attributedTo, URIRef(claim.attributed_to.id))
        if claim.reported_by is not None:
            self.add(c, KG.reportedBy, URIRef(claim.reported_by.id))
        for about in claim.about:
            self.add(c, KG.about, URIRef(about))
        page = claim.page if claim.page is not None else self.doc.page_of(claim.start)
        self.evidence(c, claim.start, claim.end, page)


def document_graph(ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB) -> tuple[Triple, ...]:
    """The triples of ``graph/doc/{id}`` for one extraction (pass it through :func:`check_extraction` first)."""
    writer = _Writer(ex, iris, activity, seed)
    writer.document()
    writer.mentions()
    writer.relations()
    writer.claims()
    return tuple(writer.triples)


# --- checking what the extractor gave -------------------------------------------------------------------


def _exact(doc: Document, start: int, end: int, text: str) -> bool:
    return 0 <= start < end <= len(doc.text) and doc.text[start:end] == text


def _bug(doc: Document, what: str, start: int, end: int, text: str) -> Problem:
    return Problem(doc.path, f"{what} at {start}-{end} ({text[:40]!r}) does not match the document text there; "
                             "left out of the graph (an extractor bug: please report it)")


def check_extraction(ex: Extraction, vocab: Vocabulary) -> tuple[Extraction, tuple[Problem, ...]]:
    """The extraction without what cannot go into the graph exactly, and one problem for each thing left out.

    Left out: a mention, relation evidence or claim whose text is not the document's text at its offsets;
    a second entity on a span that already is a mention; a relation whose predicate is not one of the
    ontology's relations; a second claim on the same span. Entities, relations and claims keep their order.
    """
    doc = ex.document
    problems: list[Problem] = []
    taken: dict[tuple[int, int], str] = {}
    entities = []
    for ent in ex.entities:
        kept = []
        for m in ent.mentions:
            if not _exact(doc, m.start, m.end, m.text):
                problems.append(_bug(doc, f"mention of {ent.name}", m.start, m.end, m.text))
            elif (m.start, m.end) in taken:
                if taken[(m.start, m.end)] != ent.id:
                    problems.append(Problem(doc.path, f"span {m.start}-{m.end} ({m.text!r}) is a mention of both "
                                                      f"{taken[(m.start, m.end)]} and {ent.id}; kept the first"))
            else:
                taken[(m.start, m.end)] = ent.id
                kept.append(m)
        entities.append(ent if len(kept) == len(ent.mentions) else replace(ent, mentions=tuple(kept)))
    relations = []
    for rel in ex.relations:
        ev = rel.evidence
        if rel.predicate not in vocab.relation_properties:
            problems.append(Problem(doc.path, f"relation {rel.subject} {rel.predicate} {rel.object}: "
                                              f"kg:{rel.predicate} is not a relation of the ontology; left out"))
        elif not _exact(doc, ev.start, ev.end, ev.text):
            problems.append(_bug(doc, f"evidence of {rel.predicate}", ev.start, ev.end, ev.text))
        else:
            relations.append(rel)
    claims = []
    spans: set[str] = set()
    for claim in ex.claims:
        if not _exact(doc, claim.start, claim.end, claim.text):
            problems.append(_bug(doc, "claim", claim.start, claim.end, claim.text))
        elif claim.id in spans:
            problems.append(Problem(doc.path, f"two claims with the IRI {claim.id}; kept the first"))
        else:
            spans.add(claim.id)
            claims.append(claim)
    if not problems:
        return ex, ()
    checked = replace(ex, entities=tuple(entities), relations=tuple(relations), claims=tuple(claims))
    return checked, tuple(problems)


__all__ = ["CONTEXT_CHARS", "Activity", "Vocabulary", "check_extraction", "date_literal", "decimal_literal",
           "document_graph", "document_kind", "url_term"]
