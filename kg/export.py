"""`kg export`: the built graph in other formats.

* RDF: ``ttl`` and ``nt`` (the union of all named graphs), ``nq``, ``trig`` and ``jsonld`` (the dataset,
  named graphs kept). Read from ``BUILD/graph.trig``; N-Triples and N-Quads lines are sorted, Turtle is
  written like ``graph.trig`` (sorted, ``a`` first), JSON-LD carries its ``@context`` inline (nothing is
  ever fetched) and is sorted by ``@id``.
* ``graphml`` and ``gexf`` (Gephi, Cytoscape) through networkx: entities are nodes (label, type, Wikidata
  item, how many documents mention them), relations are edges (predicate, how many documents assert them).
  The entities are those the corpus mentions or relates; facts of the seed knowledge base between them are
  edges too (0 documents), and so are model versions linked to their family. ``whole_seed`` adds every seed
  entity.
* ``csv``: ``entities.csv`` and ``relations.csv``, the same data as tables.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import networkx as nx
import pyoxigraph

from kg.build import build_prefixes
from kg.buildio import write_bytes
from kg.errors import BuildError, InputError
from kg.iris import Iris
from kg.store import GRAPH_FILE, open_store
from kg.trig import Prefixes, sort_lines

RDF_FORMATS = ("ttl", "nt", "nq", "trig", "jsonld")
NETWORK_FORMATS = ("graphml", "gexf")
FORMATS = (*RDF_FORMATS, *NETWORK_FORMATS, "csv")
_GRAPH_NAME = re.compile(r"^(.+/)graph/(?:ontology|cross|doc/.+)$")


@dataclass(frozen=True)
class ExportResult:
    format: str
    paths: tuple[Path, ...]  # empty when written to the stream
    statements: int  # triples (ttl, nt), quads (nq, trig, jsonld) or rows / edges (tables, networks)
    nodes: int = 0


# --- RDF ------------------------------------------------------------------------------------------------


def _graph_file(build: Path) -> Path:
    path = build / GRAPH_FILE
    if not path.is_file():
        raise BuildError(f"{build}: no built graph here; run `kg build` first (or pass --build DIR)")
    return path


def _quads(path: Path) -> Iterator[tuple[str, str, str, str]]:
    """The quads of graph.trig as N-Triples terms (blank node labels as written: graph.trig's are canonical)."""
    try:
        for quad in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG):
            yield str(quad.subject), str(quad.predicate), str(quad.object), str(quad.graph_name)
    except (SyntaxError, ValueError) as err:
        raise BuildError(f"{path}: cannot read the graph ({err}); rebuild with `kg build`") from err


def base_of(graph_names: set[str]) -> str:
    """The base IRI a build was made with, from its graph names (``{base}graph/ontology`` ...)."""
    for name in sorted(graph_names):
        match = _GRAPH_NAME.match(name)
        if match:
            return match.group(1)
    return Iris().base


def _prefixes(base: str) -> Prefixes:
    return build_prefixes(Iris(base))


def rdf_bytes(build: Path, fmt: str) -> tuple[bytes, int]:
    """The build's graph in one RDF format, and how many statements it holds."""
    path = _graph_file(build)
    if fmt == "trig":
        data = path.read_bytes()
        return data, sum(1 for _ in _quads(path))
    quads = list(_quads(path))
    if fmt == "nq":
        lines = sorted({f"{s} {p} {o} {g} ." for s, p, o, g in quads})
        return ("".join(line + "\n" for line in lines)).encode(), len(lines)
    triples = sorted({f"{s} {p} {o} ." for s, p, o, _g in quads})
    if fmt == "nt":
        return ("".join(line + "\n" for line in triples)).encode(), len(triples)
    prefixes = _prefixes(base_of({g[1:-1] for *_x, g in quads}))
    if fmt == "ttl":
        return (prefixes.header() + "\n" + prefixes.body(sort_lines(triples))).encode(), len(triples)
    if fmt == "jsonld":
        return _jsonld(path, prefixes), len(set(quads))
    raise InputError(f"{fmt}: not an RDF format; choose one of {', '.join(RDF_FORMATS)}")


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _compact(value: Any, shorten: Callable[[str], str]) -> Any:
    """Expanded JSON-LD with IRIs written as compact IRIs (``kg:Lab``) wherever a context prefix covers them."""
    if isinstance(value, list):
        return [_compact(v, shorten) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key.startswith("@") else shorten(key)
        if key in ("@id", "@type"):
            out[name] = [shorten(i) for i in item] if isinstance(item, list) else shorten(item)
        else:
            out[name] = _compact(item, shorten)
    return out


def _jsonld(path: Path, prefixes: Prefixes) -> bytes:
    """JSON-LD of the dataset: one object per named graph, the context inline (prefixes only), sorted."""
    quads = pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TRIG)
    raw = pyoxigraph.serialize(quads, format=pyoxigraph.RdfFormat.JSON_LD)
    expanded = json.loads(raw if raw is not None else b"[]")
    def shorten(iri: str) -> str:
        if iri.startswith("_:"):
            return iri
        short = prefixes.iri(iri)
        return iri if short.startswith("<") else short

    context = dict(sorted(prefixes.namespaces.items()))
    data = {"@context": context, "@graph": _sorted_json(_compact(expanded, shorten))}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode()


# --- entities and relations (networks, tables) ------------------------------------------------------------

_RELATIONS = """
PREFIX kg: <https://policy-kg.org/ns#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?s ?p ?o (COUNT(DISTINCT ?doc) AS ?documents) WHERE {
  ?p rdfs:subPropertyOf+ kg:relatedTo .
  ?s ?p ?o .
  OPTIONAL { ?a a kg:RelationAssertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?doc }
} GROUP BY ?s ?p ?o
"""
_MENTIONED = """
PREFIX kg: <https://policy-kg.org/ns#>
SELECT ?e (COUNT(DISTINCT ?doc) AS ?documents) WHERE { ?doc kg:mentions ?e } GROUP BY ?e
"""
_ENTITIES = """
PREFIX kg: <https://policy-kg.org/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?e ?label ?type ?wikidata (GROUP_CONCAT(DISTINCT ?alt; SEPARATOR="\\u001f") AS ?aliases) WHERE {
  ?type rdfs:subClassOf* kg:Entity .
  ?e a ?type ; skos:prefLabel ?label .
  OPTIONAL { ?e owl:sameAs ?wikidata }
  OPTIONAL { ?e skos:altLabel ?alt }
} GROUP BY ?e ?label ?type ?wikidata
"""


@dataclass(frozen=True)
class EntityRow:
    iri: str
    label: str
    type: str  # ontology class local name
    wikidata: str  # "Q..." or ""
    aliases: tuple[str, ...]
    documents: int  # documents that mention it


@dataclass(frozen=True, order=True)
class RelationRow:
    subject: str
    predicate: str  # property local name
    object: str
    documents: int  # documents that assert it (0: a seed fact, or a model version linked to its family)


def _value(term: Any) -> str:
    return "" if term is None else str(term.value)


def tables(build: Path, whole_seed: bool = False) -> tuple[list[EntityRow], list[RelationRow]]:
    """The entities the corpus mentions or relates (with ``whole_seed``: every entity of the graph, the whole
    seed knowledge base included), and every relation between two of them, with the number of documents
    that assert it (0: a fact of the seed knowledge base, or a model version linked to its family)."""
    store = open_store(build)

    def rows(query: str) -> Iterator[Any]:
        solutions: Any = store.query(query, use_default_graph_as_union=True)
        yield from solutions

    kg_ns = "https://policy-kg.org/ns#"
    relations = sorted(
        RelationRow(_value(r["s"]), _value(r["p"])[len(kg_ns):], _value(r["o"]), int(_value(r["documents"]) or 0))
        for r in rows(_RELATIONS)
        if _value(r["p"]).startswith(kg_ns) and isinstance(r["o"], pyoxigraph.NamedNode)
    )
    mentioned = {_value(r["e"]): int(_value(r["documents"])) for r in rows(_MENTIONED)}
    asserted = [r for r in relations if r.documents > 0]
    wanted = set(mentioned) | {r.subject for r in asserted} | {r.object for r in asserted}
    found: dict[str, EntityRow] = {}
    for r in rows(_ENTITIES):
        iri, kind = _value(r["e"]), _value(r["type"])
        if (iri not in wanted and not whole_seed) or not kind.startswith(kg_ns) or kind == kg_ns + "Entity":
            continue
        wikidata = _value(r["wikidata"]).rsplit("/", 1)[-1]
        aliases = tuple(sorted(a for a in _value(r["aliases"]).split("\x1f") if a))
        row = EntityRow(iri, _value(r["label"]), kind[len(kg_ns):], wikidata, aliases, mentioned.get(iri, 0))
        if iri not in found or (row.type, row.label) < (found[iri].type, found[iri].label):
            found[iri] = row  # a malformed build with two types: keep one, deterministically
    entities = [found[i] for i in sorted(found)]
    relations = [r for r in relations if r.subject in found and r.object in found]
    return entities, relations


def network(entities: list[EntityRow], relations: list[RelationRow]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for e in entities:
        graph.add_node(e.iri, label=e.label, type=e.type, wikidata=e.wikidata, aliases="; ".join(e.aliases),
                       documents=e.documents)
    for r in relations:
        graph.add_edge(r.subject, r.object, key=r.predicate, predicate=r.predicate, label=r.predicate,
                       documents=r.documents)
    return graph


def _network_bytes(graph: nx.MultiDiGraph, fmt: str) -> bytes:
    buffer = io.BytesIO()
    writer: Callable[..., None] = nx.write_graphml if fmt == "graphml" else nx.write_gexf
    writer(graph, buffer)
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list[str | int]]) -> bytes:
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return buffer.getvalue().encode()


def csv_tables(entities: list[EntityRow], relations: list[RelationRow]) -> dict[str, bytes]:
    labels = {e.iri: e.label for e in entities}
    return {
        "entities.csv": _csv(["iri", "label", "type", "wikidata", "aliases", "documents"],
                             [[e.iri, e.label, e.type, e.wikidata, "; ".join(e.aliases), e.documents]
                              for e in entities]),
        "relations.csv": _csv(["subject", "subject_label", "predicate", "object", "object_label", "documents"],
                              [[r.subject, labels[r.subject], r.predicate, r.object, labels[r.object], r.documents]
                               for r in relations]),
    }


def csv_paths(output: Path, folder: bool = False) -> dict[str, Path]:
    """``-o DIR`` (an existing folder, or ``folder``: the user wrote "DIR/") -> DIR/entities.csv and
    DIR/relations.csv; ``-o PREFIX`` -> PREFIX-entities.csv and PREFIX-relations.csv (a trailing ".csv" is
    dropped)."""
    if folder or output.is_dir():
        return {name: output / name for name in ("entities.csv", "relations.csv")}
    stem = output.name[:-4] if output.name.endswith(".csv") else output.name
    return {name: output.with_name(f"{stem}-{name}") for name in ("entities.csv", "relations.csv")}


def export(build: Path, fmt: str, output: Path | None, stream: IO[bytes] | None = None, *,
           folder: bool = False, whole_seed: bool = False) -> ExportResult:
    """Export the build in ``fmt`` to ``output`` (a file; for csv a folder or prefix, see :func:`csv_paths`)
    or to ``stream``."""
    if fmt not in FORMATS:
        raise InputError(f"{fmt}: unknown format; choose one of {', '.join(FORMATS)}")
    if fmt == "csv":
        if output is None:
            raise InputError("csv writes two tables (entities.csv, relations.csv): pass -o FOLDER/ or -o PREFIX")
        entities, relations = tables(build, whole_seed)
        paths = csv_paths(output, folder)
        for name, data in csv_tables(entities, relations).items():
            _write(paths[name], data)
        return ExportResult(fmt, tuple(paths.values()), len(relations), len(entities))
    if fmt in NETWORK_FORMATS:
        entities, relations = tables(build, whole_seed)
        data = _network_bytes(network(entities, relations), fmt)
        count, nodes = len(relations), len(entities)
    else:
        data, count = rdf_bytes(build, fmt)
        nodes = 0
    if output is None:
        if stream is None:
            raise InputError("no output: pass -o FILE")
        stream.write(data)
        stream.flush()
        return ExportResult(fmt, (), count, nodes)
    _write(output, data)
    return ExportResult(fmt, (output,), count, nodes)


def _write(path: Path, data: bytes) -> None:
    if path.parent and not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(path, data)


__all__ = ["FORMATS", "NETWORK_FORMATS", "RDF_FORMATS", "EntityRow", "ExportResult", "RelationRow", "csv_paths",
           "csv_tables", "export", "network", "rdf_bytes", "tables"]
