"""`kg validate`: check a built graph against the SHACL shapes, the ontology's vocabulary, the per-document
evidence rule, and OWL 2 RL consistency; produce a readable report.

The SHACL data graph is the union of the build's named graphs (as queries see it); pyshacl checks it against
``ontology/shapes.ttl`` (kg/validate_shacl.py). The checks that need the document text or the named graphs
themselves run in plain Python (kg/validate_checks.py), and OWL 2 RL runs over the ontology plus a
type-signature summary of the data (kg/consistency.py). The build is read with pyoxigraph
(kg/validate_load.py).

Cost: ``bench/validate_bench.py`` times validation against a cold `kg build` of the same corpus. Measured on
the sample corpus (17 documents, 15,000 triples): about 2-3 s of CPU, half of the build's; on a generated
200-document corpus (490,000 triples): about 29 s, 0.38 of the build's (the validator before this design:
171 s, 2.25 of the build's). Reading the TriG and pyshacl take most of it; OWL 2 RL about 1 s at any size.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.term import Node

from kg.config import Settings
from kg.consistency import DEFAULT_SAMPLE, check_grouped
from kg.errors import ValidationRunError
from kg.validate_checks import (
    Finding,
    Shortener,
    by_predicate,
    declared_terms,
    document_graph_findings,
    relation_properties,
    text_findings,
    vocabulary_findings,
)
from kg.validate_load import LoadedGraph, from_dataset, graph_path, read_dataset, read_graph
from kg.validate_shacl import shacl_findings

SHAPES_FILE = "shapes.ttl"
ONTOLOGY_FILE = "kg.ttl"
_GRAPH_SUFFIX = re.compile(r"^(?P<base>.+/)graph/(?:ontology|cross|doc/.+)$")


@dataclass(frozen=True)
class ValidationReport:
    source: str
    findings: tuple[Finding, ...]
    triples: int
    graphs: int
    consistency_sampled: int
    consistency_available: int
    consistency_signatures: int = 0
    consistency_summary: int = 0
    consistency_kinds: int = 0

    @property
    def conforms(self) -> bool:
        return not any(f.severity == "violation" for f in self.findings)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "conforms": self.conforms,
            "triples": self.triples,
            "graphs": self.graphs,
            "consistency": {
                "sampled": self.consistency_sampled,
                "summary": self.consistency_summary,
                "signatures": self.consistency_signatures,
                "kinds": self.consistency_kinds,
                "available": self.consistency_available,
            },
            "findings": [asdict(f) for f in self.findings],
        }


# --- loading ---------------------------------------------------------------------------------------


def load_build(build: Path) -> rdflib.Dataset:
    """The dataset of ``BUILD/graph.trig`` (ValidationRunError when it is missing or unreadable), to change in
    memory and pass to :func:`validate_dataset`. :func:`validate_build` reads the file faster without it."""
    return read_dataset(build)


def base_iri_of(names: Iterator[Node | None], default: str) -> str:
    """The base IRI the build was made with, read from its named graphs (``{base}graph/...``)."""
    for name in sorted(str(n) for n in names if n is not None):
        match = _GRAPH_SUFFIX.match(name)
        if match:
            return match.group("base")
    return default


@lru_cache(maxsize=4)
def _parse_ttl(path: Path, mtime_ns: int) -> tuple[tuple[Node, Node, Node], ...]:
    try:
        return tuple(rdflib.Graph().parse(path, format="turtle"))
    except Exception as err:  # rdflib raises many parser exception types
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ValidationRunError(f"{path}: not valid Turtle ({first})") from err


def _graph(path: Path) -> rdflib.Graph:
    path = path.resolve()
    if not path.is_file():
        raise ValidationRunError(f"{path}: not found; is the ontology directory right?")
    graph = rdflib.Graph()
    for triple in _parse_ttl(path, path.stat().st_mtime_ns):
        graph.add(triple)
    return graph


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cyclic garbage collector rescans every live object now and then, and a large graph is millions
    of small objects: on a 490,000-triple build the run took 25 s of CPU with it and 23 s without, at the same
    peak memory (576 MB). Nothing the validator builds needs it: pause it for the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# --- checks ----------------------------------------------------------------------------------------


def validate_loaded(
    loaded: LoadedGraph, settings: Settings, source: str = "", sample: int | None = DEFAULT_SAMPLE
) -> ValidationReport:
    """Every check on one loaded graph. Raises ValidationRunError when a check cannot run."""
    base = base_iri_of(iter(loaded.graphs), settings.base_iri)
    short = Shortener(base)
    ontology = _graph(Path(settings.ontology_dir) / ONTOLOGY_FILE)
    shapes = _graph(Path(settings.ontology_dir) / SHAPES_FILE)
    with _no_cycle_collection():
        findings = shacl_findings(loaded.union, shapes, short)
        grouped = by_predicate(loaded.triples())
        findings += text_findings(grouped, short)
        findings += document_graph_findings(loaded.graphs, relation_properties(ontology), f"{base}graph/doc/", short)
        findings += vocabulary_findings(grouped, declared_terms(ontology), short)
        consistency = check_grouped(ontology, grouped, sample)
    for i in consistency.inconsistencies:
        also = f" (and {i.similar} more node(s) like it)" if i.similar else ""
        focus = short(rdflib.URIRef(i.focus)) if i.focus else "(ontology)"
        findings.append(Finding(focus=focus, shape="owl2rl:consistency", message=short.text(i.message) + also))
    if consistency.not_local:
        names = ", ".join(short(rdflib.URIRef(term)) for term in consistency.not_local)
        findings.append(
            Finding(focus="(ontology)", shape="owl2rl:consistency", severity="warning",
                    message=f"the ontology uses {names}: OWL 2 RL reasons over a type-signature summary of the "
                    "data, which may miss contradictions that these constructs cause")
        )  # fmt: skip
    if not consistency.complete:
        findings.append(
            Finding(focus="(whole graph)", shape="owl2rl:consistency", severity="warning",
                    message=f"OWL 2 RL saw {consistency.sampled} of the {consistency.summary} triples of the "
                    "type-signature summary (--sample); contradictions in the rest were not looked for")
        )  # fmt: skip
    unique = sorted(set(findings), key=lambda f: (f.focus, f.shape, f.path or "", f.value or "", f.message))
    return ValidationReport(
        source=source, findings=tuple(unique), triples=len(loaded.union), graphs=loaded.non_empty_graphs,
        consistency_sampled=consistency.sampled, consistency_available=consistency.available,
        consistency_signatures=consistency.signatures, consistency_summary=consistency.summary,
        consistency_kinds=consistency.kinds,
    )  # fmt: skip


def validate_dataset(
    dataset: rdflib.Dataset, settings: Settings, source: str = "", sample: int | None = DEFAULT_SAMPLE
) -> ValidationReport:
    """Every check on an rdflib Dataset (for example one built or changed in memory)."""
    return validate_loaded(from_dataset(dataset), settings, source=source, sample=sample)


def validate_build(build: Path, settings: Settings, sample: int | None = DEFAULT_SAMPLE) -> ValidationReport:
    """Validate ``BUILD/graph.trig`` (or a .trig file given directly)."""
    with _no_cycle_collection():
        loaded = read_graph(build)
    return validate_loaded(loaded, settings, source=str(graph_path(build)), sample=sample)


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
        f"OWL 2 RL consistency over a {report.consistency_sampled}-triple summary "
        f"({report.consistency_kinds} kinds of node) of {report.consistency_available} data triples"
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
    "validate_loaded",
]
