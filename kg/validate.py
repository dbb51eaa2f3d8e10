"""`kg validate`: check a built graph against the SHACL shapes, the ontology's vocabulary, the per-document
evidence rule, and OWL 2 RL consistency; produce a readable report.

The SHACL data graph is the union of the build's named graphs (as queries see it). Two checks need the
named graphs themselves and run here in Python: every relation triple a document graph holds has a
kg:RelationAssertion with its evidence in the same graph, and every kg: term used is declared in kg.ttl.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import pyshacl
import rdflib
import rdflib.plugins.sparql
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.config import ONTOLOGY_NS, Settings
from kg.consistency import DEFAULT_SAMPLE, check_consistency
from kg.errors import ValidationRunError
from kg.iris import Iris
from kg.store import GRAPH_FILE
from kg.validate_checks import (
    Finding,
    declared_terms,
    document_graph_findings,
    relation_properties,
    text_findings,
    vocabulary_findings,
)
from kg.vocab import PREFIXES

SHAPES_FILE = "shapes.ttl"
ONTOLOGY_FILE = "kg.ttl"
SHAPES_NS = "https://policy-kg.org/shapes#"
_SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
_KG = rdflib.Namespace(ONTOLOGY_NS)
_GRAPH_SUFFIX = re.compile(r"^(?P<base>.+/)graph/(?:ontology|cross|doc/.+)$")
_IRI_IN_TEXT = re.compile(r"https?://[^\s,()'\"<>]+")


@dataclass(frozen=True)
class ValidationReport:
    source: str
    findings: tuple[Finding, ...]
    triples: int
    graphs: int
    consistency_sampled: int
    consistency_available: int

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "conforms": self.conforms,
            "triples": self.triples,
            "graphs": self.graphs,
            "consistency": {"sampled": self.consistency_sampled, "available": self.consistency_available},
            "findings": [asdict(f) for f in self.findings],
        }


class Shortener:
    """Writes IRIs with the build's and the standards' prefixes (``e:deepseek``, ``claim:news/a/0-64``)."""

    def __init__(self, base_iri: str) -> None:
        spaces = {**PREFIXES, "kgsh": SHAPES_NS, "sh": str(_SH), **Iris(base_iri).namespaces()}
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


# --- loading ---------------------------------------------------------------------------------------


def load_build(build: Path) -> rdflib.Dataset:
    """The dataset of ``BUILD/graph.trig`` (ValidationRunError when it is missing or unreadable)."""
    path = build / GRAPH_FILE if build.is_dir() or not build.suffix else build
    if not path.is_file():
        raise ValidationRunError(f"{path}: no built graph here; run `kg build` first (or pass the build directory)")
    dataset = rdflib.Dataset(default_union=True)
    try:
        dataset.parse(path, format="trig")
    except Exception as err:  # rdflib raises many parser exception types
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValidationRunError(f"{path}: cannot read the graph ({first}); rebuild with `kg build`") from err
    return dataset


def base_iri_of(dataset: rdflib.Dataset, default: str) -> str:
    """The base IRI the build was made with, read from its named graphs (``{base}graph/...``)."""
    for context in sorted(dataset.graphs(), key=lambda c: str(c.identifier)):
        match = _GRAPH_SUFFIX.match(str(context.identifier))
        if match:
            return match.group("base")
    return default


def union(dataset: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@lru_cache(maxsize=4)
def _parse_ttl(path: Path) -> tuple[tuple[Node, Node, Node], ...]:
    try:
        return tuple(rdflib.Graph().parse(path, format="turtle"))
    except FileNotFoundError as err:
        raise ValidationRunError(f"{path}: not found; is the ontology directory right?") from err
    except Exception as err:  # rdflib raises many parser exception types
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValidationRunError(f"{path}: not valid Turtle ({first})") from err


def _graph(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in _parse_ttl(path.resolve()):
        graph.add(triple)
    return graph


# --- checks ----------------------------------------------------------------------------------------


def _shape_name(shapes: rdflib.Graph, shape: Node | None, short: Shortener) -> str:
    if not isinstance(shape, rdflib.BNode):
        return short(shape)
    for link in (_SH.property, _SH.sparql, _SH.qualifiedValueShape, _SH.node):
        for parent in shapes.subjects(link, shape):
            path = shapes.value(shape, _SH.path)
            inner = short(path) if path is not None and not isinstance(path, rdflib.BNode) else link.split("#")[1]
            return f"{_shape_name(shapes, parent, short)}[{inner}]"
    return "[anonymous shape]"


def _source(results: rdflib.Graph, result: Node) -> Node | None:
    """The named SPARQL constraint that failed, else the shape."""
    constraint = results.value(result, _SH.sourceConstraint)
    if isinstance(constraint, rdflib.URIRef):
        return constraint
    return results.value(result, _SH.sourceShape)


def shacl_findings(data: rdflib.Graph, shapes: rdflib.Graph, short: Shortener) -> list[Finding]:
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM <...> graphs while validating
    try:
        _conforms, results, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True,
            advanced=False, do_owl_imports=False, js=False,
        )  # fmt: skip
    except Exception as err:  # pyshacl raises its own error types for bad shapes
        raise ValidationRunError(f"SHACL validation could not run: {err}") from err
    findings = []
    for result in results.subjects(RDF.type, _SH.ValidationResult):
        severity = results.value(result, _SH.resultSeverity)
        messages = sorted(str(m) for m in results.objects(result, _SH.resultMessage))
        path = results.value(result, _SH.resultPath)
        findings.append(
            Finding(
                focus=short(results.value(result, _SH.focusNode)),
                shape=_shape_name(shapes, _source(results, result), short),
                message=short.text(messages[0]) if messages else "does not conform",
                path=short(path) if path is not None and not isinstance(path, rdflib.BNode) else None,
                value=short(results.value(result, _SH.value)) or None,
                severity="warning" if severity in (_SH.Warning, _SH.Info) else "violation",
            )
        )
    return findings


def validate_dataset(
    dataset: rdflib.Dataset, settings: Settings, source: str = "", sample: int = DEFAULT_SAMPLE
) -> ValidationReport:
    """Every check on one dataset. Raises ValidationRunError when a check cannot run."""
    base = base_iri_of(dataset, settings.base_iri)
    short = Shortener(base)
    ontology = _graph(Path(settings.ontology_dir) / ONTOLOGY_FILE)
    shapes = _graph(Path(settings.ontology_dir) / SHAPES_FILE)
    data = union(dataset)
    findings = shacl_findings(data, shapes, short)
    findings += text_findings(data, short)
    findings += document_graph_findings(dataset.graphs(), relation_properties(ontology), f"{base}graph/doc/", short)
    findings += vocabulary_findings(data, declared_terms(ontology), short)
    consistency = check_consistency(ontology, data, sample)
    for i in consistency.inconsistencies:
        also = f" (and {i.similar} more node(s) like it)" if i.similar else ""
        focus = short(rdflib.URIRef(i.focus)) if i.focus else "(ontology)"
        findings.append(Finding(focus=focus, shape="owl2rl:consistency", message=short.text(i.message) + also))
    unique = sorted(set(findings), key=lambda f: (f.focus, f.shape, f.path or "", f.value or "", f.message))
    return ValidationReport(
        source=source, findings=tuple(unique), triples=len(data), graphs=sum(1 for c in dataset.graphs() if len(c)),
        consistency_sampled=consistency.sampled, consistency_available=consistency.available,
    )  # fmt: skip


def validate_build(build: Path, settings: Settings, sample: int = DEFAULT_SAMPLE) -> ValidationReport:
    """Validate ``BUILD/graph.trig`` (or a .trig file given directly)."""
    dataset = load_build(build)
    path = build / GRAPH_FILE if build.is_dir() or not build.suffix else build
    return validate_dataset(dataset, settings, source=str(path), sample=sample)


def format_text(report: ValidationReport) -> str:
    """The readable report: one block per finding (node, shape, what is wrong), then a summary line."""
    lines = []
    for f in report.findings:
        where = f" {f.path}" if f.path else ""
        value = f" = {f.value}" if f.value else ""
        lines.append(f"{f.severity.upper()}  {f.focus}{where}{value}\n    shape: {f.shape}\n    {f.message}")
    violations = sum(f.severity == "violation" for f in report.findings)
    warnings = len(report.findings) - violations
    verdict = "conforms" if report.conforms else f"does NOT conform: {violations} violation(s)"
    summary = (
        f"{report.source}: {verdict}, {warnings} warning(s); {report.triples} triples in {report.graphs} graphs; "
        f"OWL 2 RL consistency over {report.consistency_sampled} of {report.consistency_available} data triples"
    )
    return "\n".join([*lines, summary])


__all__ = [
    "Finding",
    "Shortener",
    "ValidationReport",
    "format_text",
    "load_build",
    "validate_build",
    "validate_dataset",
]
