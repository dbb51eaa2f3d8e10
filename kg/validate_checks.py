"""The checks of `kg validate` that SHACL Core cannot express: they need the document text or the named graphs.

They run in plain Python over the build's triples grouped by predicate (one pass, then dictionary look-ups),
and each returns findings named by a ``kgsh:`` IRI declared at the end of ``ontology/shapes.ttl``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import rdflib
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from kg.config import ONTOLOGY_NS
from kg.iris import Iris
from kg.vocab import PREFIXES

_KG = rdflib.Namespace(ONTOLOGY_NS)
_OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
SHAPES_NS = "https://policy-kg.org/shapes#"
_SH_NS = "http://www.w3.org/ns/shacl#"
_IRI_IN_TEXT = re.compile(r"https?://[^\s,()'\"<>]+")

Triple = tuple[Node, Node, Node]
Pairs = list[tuple[Node, Node]]  # (subject, object) pairs of one predicate
ByPredicate = dict[Node, Pairs]


@dataclass(frozen=True)
class Finding:
    """One thing wrong: the offending node, the shape or check it breaks, and what is wrong."""

    focus: str
    shape: str
    message: str
    path: str | None = None
    value: str | None = None
    severity: str = "violation"  # "violation" | "warning"


class Shortener:
    """Writes IRIs with the build's and the standards' prefixes (``e:deepseek``, ``claim:news/a/0-64``)."""

    def __init__(self, base_iri: str) -> None:
        spaces = {**PREFIXES, "kgsh": SHAPES_NS, "sh": _SH_NS, **Iris(base_iri).namespaces()}
        self._spaces = sorted(spaces.items(), key=lambda kv: -len(kv[1]))

    def __call__(self, node: Node | str | None) -> str:
        if node is None:
            return ""
        if isinstance(node, rdflib.BNode):
            return "[blank node]"
        if isinstance(node, rdflib.Literal):
            text = str(node)
            return repr(text if len(text) <= 60 else text[:57] + "...")
        text = str(node)
        for prefix, ns in self._spaces:
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns) :]}"
        return f"<{text}>"

    def text(self, message: str) -> str:
        return _IRI_IN_TEXT.sub(lambda m: self(rdflib.URIRef(m.group(0))), message)


def node_key(node: Node) -> tuple[bool, str]:
    """A stable order of nodes: IRIs before blank nodes, then by text (as Turtle writes them)."""
    return (isinstance(node, rdflib.BNode), str(node))


def by_predicate(triples: Iterable[Triple]) -> ByPredicate:
    """The triples grouped by predicate, as (subject, object) pairs (a triple held by two graphs comes twice)."""
    grouped: ByPredicate = {}
    for s, p, o in triples:
        pairs = grouped.get(p)
        if pairs is None:
            pairs = grouped[p] = []
        pairs.append((s, o))
    return grouped


def _values(grouped: ByPredicate, prop: Node) -> dict[Node, list[Node]]:
    """subject -> its distinct values of ``prop``."""
    values: dict[Node, list[Node]] = {}
    for s, o in grouped.get(prop, ()):
        found = values.setdefault(s, [])
        if o not in found:
            found.append(o)
    return values


def _instances(grouped: ByPredicate, classes: Iterable[Node]) -> dict[Node, set[Node]]:
    wanted: dict[Node, set[Node]] = {cls: set() for cls in classes}
    for s, o in grouped.get(RDF.type, ()):
        members = wanted.get(o)
        if members is not None:
            members.add(s)
    return wanted


def _one(values: dict[Node, list[Node]], node: Node) -> Node | None:
    """The node's single value (None when it has none or several: SHACL reports those)."""
    found = values.get(node)
    return found[0] if found is not None and len(found) == 1 else None


def _int(values: dict[Node, list[Node]], node: Node) -> int | None:
    value = _one(values, node)
    if isinstance(value, rdflib.Literal) and isinstance(value.toPython(), int) and value.datatype != _XSD_BOOLEAN:
        return int(value.toPython())
    return None


def _str(values: dict[Node, list[Node]], node: Node) -> str | None:
    value = _one(values, node)
    return str(value) if isinstance(value, rdflib.Literal) else None


_XSD_BOOLEAN = rdflib.XSD.boolean


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


def _span_problem(text: str, start: int | None, end: int | None, exact: str | None) -> str | None:
    if start is None or end is None or exact is None:
        return None  # missing parts are SHACL's to report
    if start > end:
        return f"oa:start {start} is after oa:end {end}"
    if not 0 <= start <= end <= len(text):
        return f"offsets {start}-{end} are outside the document text (length {len(text)})"
    if text[start:end] != exact:
        return f"oa:exact is not the document text at {start}-{end} (which is {text[start:end][:60]!r})"
    return None


def text_findings(grouped: ByPredicate, short: Shortener) -> list[Finding]:
    """Quotes and mentions agree with the document text: Python string offsets, as the graph model says."""
    kinds = _instances(grouped, (_KG.Document, _KG.Mention, _OA.TextQuoteSelector, _OA.TextPositionSelector))
    docs, quotes, positions = kinds[_KG.Document], kinds[_OA.TextQuoteSelector], kinds[_OA.TextPositionSelector]
    text_values = _values(grouped, _KG.text)
    texts = {doc: str(text) for doc, text in ((d, _one(text_values, d)) for d in docs) if text is not None}
    source, selectors = _values(grouped, _OA.hasSource), _values(grouped, _OA.hasSelector)
    starts, ends = _values(grouped, _OA.start), _values(grouped, _OA.end)
    exacts, prefixes, suffixes = _values(grouped, _OA.exact), _values(grouped, _OA.prefix), _values(grouped, _OA.suffix)
    findings = []
    for target in {o for _s, o in grouped.get(_KG.evidence, ())}:
        doc = _one(source, target)
        if doc not in texts:
            continue  # SHACL reports a missing or untyped source
        text = texts[doc]
        chosen = selectors.get(target, [])
        quote = [s for s in chosen if s in quotes]
        position = [s for s in chosen if s in positions]
        if len(quote) != 1 or len(position) != 1:
            continue  # SHACL reports the selector count
        start, end = _int(starts, position[0]), _int(ends, position[0])
        problem = _span_problem(text, start, end, _str(exacts, quote[0]))
        prefix, suffix = _str(prefixes, quote[0]), _str(suffixes, quote[0])
        if problem is None and start is not None and end is not None:
            if prefix is not None and not text[:start].endswith(prefix):
                problem = f"oa:prefix {prefix!r} does not end right before offset {start}"
            elif suffix is not None and not text[end:].startswith(suffix):
                problem = f"oa:suffix {suffix!r} does not start right after offset {end}"
        if problem:
            findings.append(Finding(short(target), "kgsh:Evidence-quoteMatchesText", problem, value=short(doc)))
    in_document = _values(grouped, _KG.inDocument)
    for mention in kinds[_KG.Mention]:
        doc = _one(in_document, mention)
        if doc not in texts:
            continue
        problem = _span_problem(texts[doc], _int(starts, mention), _int(ends, mention), _str(exacts, mention))
        if problem:
            findings.append(Finding(short(mention), "kgsh:Mention-exactMatchesText", problem, value=short(doc)))
    return findings


def document_graph_findings(
    graphs: dict[Node | None, list[Triple]], relations: frozenset[rdflib.URIRef], doc_graph_ns: str, short: Shortener
) -> list[Finding]:
    """In each document's graph: every relation triple has its kg:RelationAssertion, and every assertion its triple."""
    findings = []
    for name, triples in graphs.items():
        if name is None or not str(name).startswith(doc_graph_ns):
            continue
        where = short(name)
        grouped = by_predicate(triples)
        subjects, predicates, objects = (_values(grouped, p) for p in (RDF.subject, RDF.predicate, RDF.object))
        present = set(triples)
        asserted = set()
        for node in _instances(grouped, (_KG.RelationAssertion,))[_KG.RelationAssertion]:
            triple = (_one(subjects, node), _one(predicates, node), _one(objects, node))
            asserted.add(triple)
            if None not in triple and triple not in present:
                findings.append(
                    Finding(short(node), "kgsh:RelationAssertion-tripleInGraph",
                            f"the graph {where} lacks the triple this assertion is about", value=short(triple[0]))
                )  # fmt: skip
        for prop in relations & grouped.keys():
            for s, o in grouped[prop]:
                if (s, prop, o) not in asserted:
                    findings.append(
                        Finding(short(s), "kgsh:DocumentRelationEvidence",
                                f"the graph {where} asserts this relation without a kg:RelationAssertion giving its "
                                "evidence in that document", path=short(prop), value=short(o))
                    )  # fmt: skip
    return findings


def declared_terms(ontology: rdflib.Graph) -> frozenset[str]:
    return frozenset(str(s) for s in ontology.subjects() if str(s).startswith(ONTOLOGY_NS))


def vocabulary_findings(grouped: ByPredicate, declared: frozenset[str], short: Shortener) -> list[Finding]:
    """Every kg: class, property or individual the graph uses is declared in kg.ttl (reported once, at the
    first subject that uses it)."""
    used: dict[str, Node] = {}

    def note(term: str, subject: Node) -> None:
        if term not in used or node_key(subject) < node_key(used[term]):
            used[term] = subject

    for p, pairs in grouped.items():
        if isinstance(p, rdflib.URIRef) and p.startswith(ONTOLOGY_NS) and str(p) not in declared:
            for s, _o in pairs:
                note(str(p), s)
        for s, o in pairs:
            if isinstance(o, rdflib.URIRef) and o.startswith(ONTOLOGY_NS) and str(o) not in declared:
                note(str(o), s)
    return [
        Finding(short(node), "kgsh:DeclaredVocabulary",
                f"{short(rdflib.URIRef(term))} is used but not declared in ontology/kg.ttl",
                value=short(rdflib.URIRef(term)))
        for term, node in sorted(used.items())
    ]  # fmt: skip


__all__ = [
    "ByPredicate",
    "Finding",
    "Shortener",
    "by_predicate",
    "declared_terms",
    "document_graph_findings",
    "node_key",
    "relation_properties",
    "text_findings",
    "vocabulary_findings",
]
