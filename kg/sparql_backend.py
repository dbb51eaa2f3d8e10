"""Where a SPARQL query runs: the build's own pyoxigraph store, or any SPARQL 1.1 server over HTTP.

Both backends answer the same call with the same plain results (:class:`Boolean`, :class:`Solutions`,
:class:`Triples` holding pyoxigraph terms), so ``kg query`` and ``kg cite`` do not know which one they use.

:class:`LocalBackend` asks the build's store, whose default graph is the union of all named graphs.

:class:`~kg.sparql_endpoint.EndpointBackend` speaks the SPARQL 1.1 Protocol: each query is POSTed
form-encoded (``query=``) with ``Accept: application/sparql-results+json`` (SELECT, ASK) or
``application/n-triples`` (CONSTRUCT, DESCRIBE), and the answer is parsed back by pyoxigraph (JSON, XML or TSV
results; N-Triples, Turtle or RDF/XML graphs).
The predeclared prefixes travel as ``PREFIX`` lines (only those the query does not declare itself).

Servers differ in what their default graph is: GraphDB and Virtuoso make it every graph they hold, Oxigraph
started with ``--union-default-graph`` and Fuseki with ``tdb2:unionDefaultGraph true`` the union of the named
graphs, and without those options it is a graph of its own (empty after ``kg push``). Rewriting queries to
``GRAPH ?g`` patterns cannot reproduce a union (a property path may step from one graph into another), so the
client finds the union instead. :meth:`~kg.sparql_endpoint.EndpointBackend.connect` asks the default graph for a
triple of the ontology graph and a document of the build (``ASK``): when both are there, queries go as they are
(mode ``union``). Otherwise it tries, with the same ``ASK``, the per-request switches the servers offer: Jena's
union graph as the protocol's default graph (``default-graph-uri=urn:x-arq:UnionGraph``, Fuseki) and Oxigraph's
``union-default-graph`` query-string parameter. A server with neither gets the build's graphs by name in every
request (``default-graph-uri`` and ``named-graph-uri``, mode ``list``): standard everywhere, but the request
grows with the number of documents and some engines slow down with long graph lists (Oxigraph: 30 times on 140
graphs). A query's own ``FROM`` / ``FROM NAMED`` travel as the protocol's dataset as well (the same dataset by
the specification), since a server set to a union default graph may ignore them in the text (Oxigraph does).

The HTTP side lives in :mod:`kg.sparql_endpoint` (the backend) and :mod:`kg.sparql_http` (the protocol's
pieces: authentication, prefixes, reading answers, errors). Every failure there is an ``EndpointError`` naming
the endpoint (credentials removed) and saying what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph

from kg.errors import QueryError

# --- results -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Boolean:
    value: bool


@dataclass(frozen=True)
class Solutions:
    variables: tuple[str, ...]
    solutions: Iterable[pyoxigraph.QuerySolution]


@dataclass(frozen=True)
class Triples:
    triples: Iterable[pyoxigraph.Triple]


Result = Boolean | Solutions | Triples


class SparqlBackend(Protocol):
    """Runs one query over the union of a build's graphs (or the dataset the query or the protocol names)."""

    @property
    def name(self) -> str:
        """What to call it in messages: the store folder or the endpoint URL."""
        ...

    @property
    def remote(self) -> bool: ...

    def graphs(self) -> frozenset[str]:
        """The named graphs a ``FROM`` may select."""
        ...

    def close(self) -> None: ...

    def query(self, text: str, *, prefixes: Mapping[str, str], own_dataset: bool = False,
              default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (), form: str = "") -> Result:
        """Run ``text``. ``own_dataset``: it has FROM clauses (no union then); ``default_graphs`` and
        ``named_graphs``: the protocol's dataset, replacing the query's; ``form`` SELECT/ASK/CONSTRUCT/DESCRIBE
        when known. A query pyoxigraph cannot parse raises SyntaxError (local backend only)."""
        ...


def _convert(result: object) -> Result:
    if isinstance(result, pyoxigraph.QueryBoolean):
        return Boolean(bool(result))
    if isinstance(result, pyoxigraph.QuerySolutions):
        return Solutions(tuple(v.value for v in result.variables), result)
    assert isinstance(result, pyoxigraph.QueryTriples)
    return Triples(result)


class LocalBackend:
    """A pyoxigraph store (a build's, or one loaded in memory): its default graph is the union of the graphs."""

    remote = False

    def __init__(self, store: pyoxigraph.Store, name: str = "the build's store") -> None:
        self.store = store
        self._name = name
        self._graphs: frozenset[str] | None = None

    @property
    def name(self) -> str:
        return self._name

    def close(self) -> None:
        """Nothing to release: pyoxigraph closes the store when the last reference goes."""

    def graphs(self) -> frozenset[str]:
        if self._graphs is None:
            self._graphs = frozenset(g.value for g in self.store.named_graphs() if isinstance(g, pyoxigraph.NamedNode))
        return self._graphs

    def query(self, text: str, *, prefixes: Mapping[str, str], own_dataset: bool = False,
              default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (), form: str = "") -> Result:
        if default_graphs or named_graphs:
            graphs: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode | pyoxigraph.DefaultGraph] = [
                pyoxigraph.NamedNode(g) for g in default_graphs]
            names: list[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = [pyoxigraph.NamedNode(g) for g in named_graphs]
            return _convert(self.store.query(text, prefixes=dict(prefixes), default_graph=graphs, named_graphs=names))
        return _convert(self.store.query(text, prefixes=dict(prefixes), use_default_graph_as_union=not own_dataset))


def iter_solutions(result: Result) -> Iterator[pyoxigraph.QuerySolution]:
    if not isinstance(result, Solutions):
        raise QueryError("expected SELECT results")
    yield from result.solutions


__all__ = ["Boolean", "LocalBackend", "Result", "Solutions", "SparqlBackend", "Triples", "iter_solutions"]
