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
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import quote

from rdflib.namespace import DCTERMS, PROV, RDF, XSD
from rdflib.term import Literal, Node, URIRef

from kg.iris import Iris
from kg.records import Claim, Document, Extraction, Problem, Relation
from kg.seed import SeedKB
from kg.trig import Prefixes, Statement, nt_boolean, nt_integer, nt_iri, nt_string, nt_term, subject_order
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


def _vocabulary_terms() -> dict[str, str]:
    """The N-Triples form of every vocabulary term a document graph uses, by its prefixed name."""
    terms: dict[str, URIRef] = {"rdf:type": RDF.type, "rdf:subject": RDF.subject, "rdf:predicate": RDF.predicate,
                                "rdf:object": RDF.object, "schema:NewsArticle": SCHEMA.NewsArticle,
                                "schema:Report": SCHEMA.Report, "schema:Claim": SCHEMA.Claim,
                                "prov:wasGeneratedBy": PROV.wasGeneratedBy, "prov:used": PROV.used,
                                "prov:wasDerivedFrom": PROV.wasDerivedFrom}
    for name in ("identifier", "title", "source", "publisher", "date", "creator"):
        terms[f"dct:{name}"] = DCTERMS[name]
    for name in ("SpecificResource", "TextQuoteSelector", "TextPositionSelector", "hasSource", "hasSelector",
                 "exact", "prefix", "suffix", "start", "end"):
        terms[f"oa:{name}"] = OA[name]
    for name in ("Document", "Mention", "RelationAssertion", "Claim", "sha256", "format", "path", "text",
                 "pageStarts", "mentions", "mentionOf", "inDocument", "evidence", "page", "rule", "confidence",
                 "statedIn", "modality", "quotation", "cue", "attributedTo", "reportedBy", "about",
                 "asserted", "hedged", "negated"):
        terms[f"kg:{name}"] = KG[name]
    return {name: nt_term(term) for name, term in terms.items()}


_T = _vocabulary_terms()


class _Writer:
    """Writes a document graph as N-Triples terms grouped by subject (terms from rdflib's namespaces and the
    ontology's).

    Terms are made directly rather than through rdflib term objects, and kept by subject so that the graph
    is sorted by subject and written as TriG without making, sorting and splitting a line per triple: a
    document graph has thousands of triples, and this runs for every new or changed document beside the
    spaCy pipeline.
    """

    def __init__(self, ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB) -> None:
        self.ex = ex
        self.doc = ex.document
        self.iris = iris
        self.activity = activity
        self.seed = seed
        self.doc_iri = nt_iri(iris.document(self.doc.id))
        self.nodes: dict[str, list[tuple[str, str]]] = {}

    def node(self, subject: str, *pairs: tuple[str, str]) -> None:
        """Statements about ``subject``: (predicate, object) pairs."""
        found = self.nodes.get(subject)
        if found is None:
            self.nodes[subject] = list(pairs)
        else:
            found.extend(pairs)

    def statements(self) -> Iterator[Statement]:
        """Every subject with its objects by predicate, without duplicates, in the order of
        :func:`kg.trig.sort_lines` (subjects, then predicates, then objects, sorted)."""
        nodes = self.nodes
        for subject in sorted(nodes, key=subject_order):
            groups: dict[str, list[str]] = {}
            for p, o in sorted(set(nodes[subject])):
                found = groups.get(p)
                if found is None:
                    groups[p] = [o]
                else:
                    found.append(o)
            yield subject, groups

    # --- the document -----------------------------------------------------------------------------------
    def document(self) -> None:
        doc, d = self.doc, self.doc_iri
        pairs = [(_T["rdf:type"], _T["kg:Document"]), (_T["rdf:type"], nt_term(document_kind(doc, self.seed))),
                 (_T["dct:identifier"], nt_string(doc.id))]
        if doc.title:
            pairs.append((_T["dct:title"], nt_string(doc.title)))
        if doc.url:
            pairs.append((_T["dct:source"], nt_term(url_term(doc.url))))
        if doc.publisher:
            pairs.append((_T["dct:publisher"], nt_string(doc.publisher)))
        if doc.date:
            pairs.append((_T["dct:date"], nt_term(date_literal(doc.date))))
        for author in doc.authors:
            pairs.append((_T["dct:creator"], nt_string(author)))
        pairs += [(_T["kg:sha256"], nt_string(doc.sha256)), (_T["kg:format"], nt_string(doc.format)),
                  (_T["kg:path"], nt_string(doc.path)), (_T["kg:text"], nt_string(doc.text))]
        if doc.page_starts:
            pairs.append((_T["kg:pageStarts"], nt_string(" ".join(str(n) for n in doc.page_starts))))
        act = nt_iri(self.activity.iri)  # described once, in graph/cross
        pairs.append((_T["prov:wasGeneratedBy"], act))
        self.node(d, *pairs)
        self.node(act, (_T["prov:used"], d))

    # --- mentions ---------------------------------------------------------------------------------------
    def mentions(self) -> None:
        mentions = _T["kg:mentions"]
        for ent in self.ex.entities:
            e = nt_iri(ent.id)
            if ent.mentions:
                self.node(self.doc_iri, (mentions, e))
            for m in ent.mentions:
                self.mention(e, m.start, m.end, m.text)

    def mention(self, entity: str, start: int, end: int, text: str) -> None:
        self.node(nt_iri(self.iris.mention(self.doc.id, start, end)),
                  (_T["rdf:type"], _T["kg:Mention"]), (_T["kg:mentionOf"], entity),
                  (_T["kg:inDocument"], self.doc_iri), (_T["oa:start"], nt_integer(start)),
                  (_T["oa:end"], nt_integer(end)), (_T["oa:exact"], nt_string(text)))

    # --- evidence ---------------------------------------------------------------------------------------
    def evidence(self, owner: str, start: int, end: int, page: int | None) -> None:
        text = self.doc.text
        target = nt_iri(self.iris.target(owner))
        quote_sel = nt_iri(self.iris.quote_selector(owner))
        position = nt_iri(self.iris.position_selector(owner))
        self.node(nt_iri(owner), (_T["kg:evidence"], target))
        self.node(target, (_T["rdf:type"], _T["oa:SpecificResource"]), (_T["oa:hasSource"], self.doc_iri),
                  (_T["oa:hasSelector"], quote_sel), (_T["oa:hasSelector"], position))
        if page is not None:
            self.node(target, (_T["kg:page"], nt_integer(page)))
        self.node(quote_sel, (_T["rdf:type"], _T["oa:TextQuoteSelector"]),
                  (_T["oa:exact"], nt_string(text[start:end])),
                  (_T["oa:prefix"], nt_string(text[max(0, start - CONTEXT_CHARS) : start])),
                  (_T["oa:suffix"], nt_string(text[end : end + CONTEXT_CHARS])))
        self.node(position, (_T["rdf:type"], _T["oa:TextPositionSelector"]), (_T["oa:start"], nt_integer(start)),
                  (_T["oa:end"], nt_integer(end)))

    # --- relations --------------------------------------------------------------------------------------
    def relations(self) -> None:
        for rel in self.ex.relations:
            self.relation(rel)

    def relation(self, rel: Relation) -> None:
        ev = rel.evidence
        s, p, o = nt_iri(rel.subject), nt_term(KG[rel.predicate]), nt_iri(rel.object)
        r = self.iris.relation(self.doc.id, rel.subject, rel.predicate, rel.object, ev.start, ev.end)
        self.node(s, (p, o))
        self.node(nt_iri(r), (_T["rdf:type"], _T["kg:RelationAssertion"]), (_T["rdf:subject"], s),
                  (_T["rdf:predicate"], p), (_T["rdf:object"], o), (_T["kg:rule"], nt_string(rel.rule)),
                  (_T["kg:confidence"], nt_term(decimal_literal(min(1.0, max(0.0, rel.confidence))))),
                  (_T["prov:wasDerivedFrom"], self.doc_iri))
        self.evidence(r, ev.start, ev.end, self.doc.page_of(ev.start))

    # --- claims -----------------------------------------------------------------------------------------
    def claims(self) -> None:
        for claim in self.ex.claims:
            self.claim(claim)

    def claim(self, claim: Claim) -> None:
        pairs = [(_T["rdf:type"], _T["kg:Claim"]), (_T["rdf:type"], _T["schema:Claim"]),
                 (_T["kg:text"], nt_string(claim.text)), (_T["kg:statedIn"], self.doc_iri),
                 (_T["prov:wasDerivedFrom"], self.doc_iri), (_T["kg:modality"], _T[f"kg:{claim.modality}"]),
                 (_T["kg:quotation"], nt_boolean(claim.quotation))]
        if claim.cue:
            pairs.append((_T["kg:cue"], nt_string(claim.cue)))
        if claim.attributed_to is not None:
            pairs.append((_T["kg:attributedTo"], nt_iri(claim.attributed_to.id)))
        if claim.reported_by is not None:
            pairs.append((_T["kg:reportedBy"], nt_iri(claim.reported_by.id)))
        for about in claim.about:
            pairs.append((_T["kg:about"], nt_iri(about)))
        self.node(nt_iri(claim.id), *pairs)
        page = claim.page if claim.page is not None else self.doc.page_of(claim.start)
        self.evidence(claim.id, claim.start, claim.end, page)


def _written(ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB) -> _Writer:
    writer = _Writer(ex, iris, activity, seed)
    writer.document()
    writer.mentions()
    writer.relations()
    writer.claims()
    return writer


def document_lines(ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB) -> list[str]:
    """The graph ``graph/doc/{id}`` of one extraction as canonical N-Triples lines, sorted, without duplicates.

    Pass the extraction through :func:`check_extraction` first.
    """
    return [f"{s} {p} {o} ." for s, groups in _written(ex, iris, activity, seed).statements()
            for p, objects in groups.items() for o in objects]


def document_block(ex: Extraction, iris: Iris, activity: Activity, seed: SeedKB, prefixes: Prefixes) -> str:
    """The graph ``graph/doc/{id}`` of one extraction as a TriG block: what ``prefixes.trig_block`` writes for
    :func:`document_lines`, without making the lines. Pass the extraction through :func:`check_extraction` first.
    """
    return prefixes.graph_block(iris.document_graph(ex.document.id), _written(ex, iris, activity, seed).statements())


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
           "document_block", "document_kind", "document_lines", "url_term"]
