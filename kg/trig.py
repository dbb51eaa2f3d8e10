"""Deterministic RDF text: canonical N-Triples lines and a sorted, readable TriG / Turtle writer.

rdflib builds the terms; this module only writes them, in an order that depends on nothing but the data
(rdflib's own Turtle and TriG serialisers do not promise a stable order). Every graph is written as its
triples sorted by their N-Triples form; within a subject ``rdf:type`` comes first. Blank nodes (the
ontology's lists and axioms) get canonical labels (``rdflib.compare``) renamed ``b0``, ``b1``, ... in order.
IRIs are abbreviated with the prefixes given when the local part is a plain name; everything else is
written in full, so the output reads back with any TriG parser.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import rdflib
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, XSD
from rdflib.term import BNode, Literal, Node, URIRef

Triple = tuple[Node, Node, Node]

_LITERAL_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f\ud800-\udfff]')
_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_IRI_SPECIAL = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]')
_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_TYPE = f"<{RDF.type}>"
_XSD_INTEGER = f"^^<{XSD.integer}>"
_XSD_DECIMAL = f"^^<{XSD.decimal}>"
_XSD_BOOLEAN = f"^^<{XSD.boolean}>"


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    if "\ud800" <= ch <= "\udfff":  # a lone surrogate cannot be written as UTF-8 or as an RDF character
        return "\\uFFFD"
    return _LITERAL_ESCAPES.get(ch) or f"\\u{ord(ch):04X}"


def _escape_iri_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    if "\ud800" <= ch <= "\udfff":
        return "%EF%BF%BD"
    return "".join(f"%{b:02X}" for b in ch.encode("utf-8"))


def nt_term(term: Node) -> str:
    """The N-Triples form of an IRI, blank node or literal (also valid Turtle and TriG)."""
    if isinstance(term, URIRef):
        return "<" + _IRI_SPECIAL.sub(_escape_iri_char, str(term)) + ">"
    if isinstance(term, Literal):
        text = '"' + _LITERAL_SPECIAL.sub(_escape_char, str(term)) + '"'
        if term.language:  # language tags are case-insensitive: written lowercase, as stores keep them
            return f"{text}@{term.language.lower()}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^{nt_term(term.datatype)}"
        return text
    if isinstance(term, BNode):
        label = str(term)
        return "_:" + (label if _BNODE_LABEL.match(label) else "x" + hashlib.sha256(label.encode()).hexdigest()[:16])
    raise TypeError(f"not an RDF term: {term!r}")


def nt_line(triple: Triple) -> str:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ."


def canonical_lines(triples: Iterable[Triple]) -> list[str]:
    """The triples as N-Triples lines, without duplicates, sorted. Blank nodes are relabelled canonically."""
    triples = list(triples)
    if any(isinstance(t, BNode) for triple in triples for t in triple):
        triples = _relabel_blank_nodes(triples)
    return sorted({nt_line(t) for t in triples})


def _relabel_blank_nodes(triples: Sequence[Triple]) -> list[Triple]:
    graph = rdflib.Graph()
    for triple in triples:
        graph.add(triple)
    canonical = to_canonical_graph(graph)
    labels = sorted({str(t) for triple in canonical for t in triple if isinstance(t, BNode)})
    rename = {label: BNode(f"b{i}") for i, label in enumerate(labels)}

    def fix(term: Node) -> Node:
        return rename[str(term)] if isinstance(term, BNode) else term

    return [(fix(s), fix(p), fix(o)) for s, p, o in canonical]


def split_line(line: str) -> tuple[str, str, str]:
    """Subject, predicate and object of a canonical N-Triples line (subjects and predicates have no spaces)."""
    s, p, rest = line.split(" ", 2)
    return s, p, rest[:-2]


@dataclass(frozen=True)
class Prefixes:
    """Namespace prefixes used to abbreviate IRIs (``{"kg": "https://policy-kg.org/ns#", ...}``)."""

    namespaces: Mapping[str, str]

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(self.namespaces.items()))

    def _by_length(self) -> list[tuple[str, str]]:
        return sorted(((ns, p) for p, ns in self.namespaces.items()), key=lambda x: (-len(x[0]), x[1]))

    def abbreviate(self, term: str, order: Sequence[tuple[str, str]]) -> str:
        """A canonical N-Triples term as written in TriG: ``kg:Lab``, ``42``, ``true`` or unchanged."""
        if term.startswith("<"):
            iri = term[1:-1]
            for ns, prefix in order:
                if iri.startswith(ns) and _LOCAL_NAME.match(iri[len(ns) :]):
                    return f"{prefix}:{iri[len(ns):]}"
            return term
        if term.startswith('"') and term.endswith(">"):
            cut = term.rindex("^^<")
            lexical, datatype = term[1 : cut - 1], term[cut:]
            if datatype == _XSD_INTEGER and _INTEGER.match(lexical):
                return lexical
            if datatype == _XSD_DECIMAL and _DECIMAL.match(lexical):
                return lexical
            if datatype == _XSD_BOOLEAN and lexical in ("true", "false"):
                return lexical
            return term[: cut + 2] + self.abbreviate(term[cut + 2 :], order)
        return term

    def body(self, lines: Iterable[str], indent: str = "") -> str:
        """Sorted canonical lines as Turtle statements: one block per subject, ``a`` first."""
        order = self._by_length()
        out: list[str] = []
        subject: str | None = None
        groups: dict[str, list[str]] = {}

        def flush() -> None:
            if subject is None:
                return
            preds = sorted(groups, key=lambda p: (p != _TYPE, p))
            parts = []
            for pred in preds:
                name = "a" if pred == _TYPE else self.abbreviate(pred, order)
                parts.append(f"{name} " + ", ".join(self.abbreviate(o, order) for o in groups[pred]))
            sep = f" ;\n{indent}    "
            out.append(f"{indent}{self.abbreviate(subject, order)} {sep.join(parts)} .\n")

        for line in lines:
            s, p, o = split_line(line)
            if s != subject:
                flush()
                subject, groups = s, {}
            groups.setdefault(p, []).append(o)
        flush()
        return "".join(out)

    def trig_block(self, graph: str, lines: Iterable[str]) -> str:
        """One named graph: ``<graph> {`` the statements ``}``."""
        return f"{self.abbreviate(nt_term(URIRef(graph)), self._by_length())} {{\n{self.body(lines, '  ')}}}\n"


__all__ = ["Prefixes", "Triple", "canonical_lines", "nt_line", "nt_term", "split_line"]
