"""Deterministic RDF text: canonical N-Triples lines and a sorted, readable TriG / Turtle writer.

rdflib builds the terms; this module only writes them, in an order that depends on nothing but the data
(rdflib's own Turtle and TriG serialisers do not promise a stable order). Every graph is written as its
triples sorted by subject IRI, then by their N-Triples form; within a subject ``rdf:type`` comes first. Blank nodes (the
ontology's lists and axioms) get canonical labels (``rdflib.compare``) renamed ``b0``, ``b1``, ... in order.
IRIs are abbreviated with the prefixes given when the local part is a plain name; everything else is
written in full, so the output reads back with any TriG parser.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import rdflib
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, XSD
from rdflib.term import BNode, Literal, Node, URIRef

Triple = tuple[Node, Node, Node]
Statement = tuple[str, Mapping[str, Sequence[str]]]  # a subject and its objects by predicate (N-Triples terms)

_LITERAL_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f\ud800-\udfff]')
_LITERAL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_IRI_SPECIAL = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]')
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*\Z")  # used with match(iri, pos): no "^"
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_TYPE = f"<{RDF.type}>"
WIDTH = 100  # several objects longer than this together go one a line
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


def nt_iri(iri: str) -> str:
    """``<iri>``; characters an IRI cannot hold are percent-encoded."""
    return "<" + (_IRI_SPECIAL.sub(_escape_iri_char, iri) if _IRI_SPECIAL.search(iri) else iri) + ">"


def nt_string(text: str) -> str:
    """A plain string literal, escaped as N-Triples requires (also valid Turtle and TriG)."""
    return '"' + (_LITERAL_SPECIAL.sub(_escape_char, text) if _LITERAL_SPECIAL.search(text) else text) + '"'


def nt_typed(lexical: str, datatype: str) -> str:
    return f"{nt_string(lexical)}^^{nt_iri(datatype)}"


def nt_integer(value: int) -> str:
    return f'"{value}"{_XSD_INTEGER}'


def nt_boolean(value: bool) -> str:
    return f'"{"true" if value else "false"}"{_XSD_BOOLEAN}'


def nt_term(term: Node) -> str:
    """The N-Triples form of an rdflib IRI, blank node or literal (also valid Turtle and TriG)."""
    if isinstance(term, URIRef):
        return nt_iri(str(term))
    if isinstance(term, Literal):
        if term.language:  # language tags are case-insensitive: written lowercase, as stores keep them
            return f"{nt_string(str(term))}@{term.language.lower()}"
        if term.datatype is not None and term.datatype != XSD.string:
            return nt_typed(str(term), str(term.datatype))
        return nt_string(str(term))
    if isinstance(term, BNode):
        label = str(term)
        return "_:" + (label if _BNODE_LABEL.match(label) else "x" + hashlib.sha256(label.encode()).hexdigest()[:16])
    raise TypeError(f"not an RDF term: {term!r}")


def nt_line(triple: Triple) -> str:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} ."


def _order(line: str) -> tuple[str, str]:
    """Sort key of a statement: its subject without brackets (:func:`subject_order`), then the rest."""
    cut = line.index(" ")
    return subject_order(line[:cut]), line[cut:]


def sort_lines(lines: Iterable[str]) -> list[str]:
    """N-Triples lines without duplicates, in the order graph.trig writes them (grouped by subject)."""
    return sorted(set(lines), key=_order)


def canonical_lines(triples: Iterable[Triple]) -> list[str]:
    """The triples as N-Triples lines, without duplicates, sorted. Blank nodes are relabelled canonically."""
    triples = list(triples)
    if any(isinstance(t, BNode) for triple in triples for t in triple):
        triples = _relabel_blank_nodes(triples)
    return sort_lines(nt_line(t) for t in triples)


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
    _by_namespace: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_ns: dict[str, str] = {}
        for prefix, ns in sorted(self.namespaces.items()):
            by_ns.setdefault(ns, prefix)
        object.__setattr__(self, "_by_namespace", by_ns)

    def header(self) -> str:
        return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(self.namespaces.items()))

    def iri(self, iri: str) -> str:
        """``kg:Lab`` for an IRI a prefix covers with a plain local name, else ``<iri>``."""
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1  # a plain local name holds neither "/" nor "#"
        prefix = self._by_namespace.get(iri[:cut])
        if prefix is not None and _LOCAL_NAME.match(iri, cut):
            return f"{prefix}:{iri[cut:]}"
        return f"<{iri}>"

    def abbreviate(self, term: str) -> str:
        """A canonical N-Triples term as written in TriG: ``kg:Lab``, ``42``, ``true`` or unchanged."""
        if term.startswith("<"):
            return self.iri(term[1:-1])
        if term.startswith('"') and term.endswith(">"):
            cut = term.rindex("^^<")
            lexical, datatype = term[1 : cut - 1], term[cut:]
            if datatype == _XSD_INTEGER and _INTEGER.match(lexical):
                return lexical
            if datatype == _XSD_DECIMAL and _DECIMAL.match(lexical):
                return lexical
            if datatype == _XSD_BOOLEAN and lexical in ("true", "false"):
                return lexical
            return term[: cut + 2] + self.iri(term[cut + 3 : -1])
        return term

    def body(self, lines: Iterable[str], indent: str = "") -> str:
        """Sorted canonical lines as Turtle statements: one block per subject, ``a`` first."""
        return self.statements(subject_runs(lines), indent)

    def statements(self, runs: Iterable[Statement], indent: str = "") -> str:
        """Turtle statements, one block per subject in the order given: ``a`` first, then the other predicates
        in order, each predicate's objects in the order given (several long ones one a line)."""
        out: list[str] = []
        seen: dict[str, str] = {}  # IRIs and typed literals repeat: abbreviate each once
        abbreviate = self.abbreviate

        def short(term: str) -> str:
            found = seen.get(term)
            if found is None:
                if term[-1] != ">":  # neither an IRI nor a typed literal: written as it is
                    return term
                found = seen[term] = abbreviate(term)
            return found

        sep = f" ;\n{indent}    "
        wide = f",\n{indent}        "
        for subject, groups in runs:
            preds = sorted(groups)
            if _TYPE in groups and preds[0] != _TYPE:
                preds.remove(_TYPE)
                preds.insert(0, _TYPE)
            parts = []
            for pred in preds:
                name = "a" if pred == _TYPE else short(pred)
                found = groups[pred]
                if len(found) == 1:
                    parts.append(f"{name} {short(found[0])}")
                    continue
                objects = [short(o) for o in found]
                joined = ", ".join(objects)
                if len(joined) > WIDTH:  # one object a line
                    joined = wide.join(objects)
                parts.append(f"{name} {joined}")
            out.append(f"{indent}{short(subject)} {sep.join(parts)} .\n")
        return "".join(out)

    def trig_block(self, graph: str, lines: Iterable[str]) -> str:
        """One named graph: ``<graph> {`` the statements ``}``."""
        return self.graph_block(graph, subject_runs(lines))

    def graph_block(self, graph: str, runs: Iterable[Statement]) -> str:
        """One named graph from statements grouped by subject (see :meth:`statements`): what
        :meth:`trig_block` writes for the same triples as sorted lines."""
        return f"{self.abbreviate(nt_term(URIRef(graph)))} {{\n{self.statements(runs, '  ')}}}\n"


def subject_runs(lines: Iterable[str]) -> Iterator[Statement]:
    """Canonical lines as statements: each run of lines with the same subject, its objects by predicate
    (predicates and objects in the order of the lines)."""
    subject: str | None = None
    groups: dict[str, list[str]] = {}
    for line in lines:
        s, p, o = split_line(line)
        if s != subject:
            if subject is not None:
                yield subject, groups
            subject, groups = s, {}
        found = groups.get(p)
        if found is None:
            groups[p] = [o]
        else:
            found.append(o)
    if subject is not None:
        yield subject, groups


def subject_order(subject: str) -> str:
    """The sort key of a subject term in graph.trig's order (:func:`sort_lines`): an IRI without its brackets,
    so a claim comes before its ``/target``."""
    return subject[1:-1] if subject[0] == "<" else subject


def split_block(block: str, max_chars: int) -> list[str]:
    """A TriG block as written by :meth:`Prefixes.trig_block`, cut into blocks of the same graph of about
    ``max_chars`` each, at subject boundaries: together they hold the same triples (a loader needs no more
    memory than one piece takes). A block that fits is returned as it is."""
    if len(block) <= max_chars:
        return [block]
    head_end = block.index("\n") + 1
    head, body = block[:head_end], block[head_end : -len("}\n")]
    pieces: list[str] = []
    start = 0
    while start < len(body):
        cut = len(body) if len(body) - start <= max_chars else body.find("\n  ", start + max_chars - 1)
        while 0 <= cut < len(body) and body[cut + 3] == " ":  # a continuation line: not a new subject
            cut = body.find("\n  ", cut + 1)
        cut = len(body) if cut < 0 else cut + 1
        pieces.append(head + body[start:cut] + "}\n")
        start = cut
    return pieces


__all__ = ["Prefixes", "Statement", "Triple", "canonical_lines", "nt_boolean", "nt_integer", "nt_iri", "nt_line",
           "nt_string", "nt_term", "nt_typed", "sort_lines", "split_block", "split_line", "subject_order",
           "subject_runs"]
