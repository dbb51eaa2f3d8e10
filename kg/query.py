"""Run SPARQL over a build: check the query, bind parameters safely, collect a (capped) answer, print it.

Parameters are RDF terms, never text pasted into the query: each value becomes a pyoxigraph term (its
constructor validates IRIs), and the terms are written into a ``VALUES`` block by pyoxigraph's own
N-Triples serializer, which escapes every quote and backslash. The block opens the query's outermost
``WHERE`` group, so top-level ``FILTER``s see the bound values (pyoxigraph's ``substitutions`` do not reach
``FILTER`` expressions, which would silently turn ``FILTER(?x = ?param)`` into "match everything").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph

from kg.config import DEFAULT_BASE_IRI
from kg.errors import QueryError
from kg.iris import Iris
from kg.sparql_backend import Boolean, LocalBackend, Result, Solutions, SparqlBackend
from kg.sparql_check import (
    QueryInfo,
    QuerySyntaxError,
    check_dataset,
    inspect_query,
    near_position,
    query_variables,
    tokenize,
)
from kg.sparql_endpoint import DEFAULT_TIMEOUT, EndpointBackend
from kg.sparql_format import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    Row,
    Term,
    render_table,
    write_boolean,
    write_graph,
    write_results,
)
from kg.store import open_store
from kg.vocab import PREFIXES

FORMATS = ("table", *RESULT_FORMATS, *GRAPH_FORMATS)
_OXI_ERROR = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class Dataset:
    """A build to query (its own store, or a SPARQL server it was pushed to) with what queries need to know."""

    backend: SparqlBackend
    base: str  # the build's base IRI
    prefixes: Mapping[str, str]  # the ontology's prefixes + the build's (e:, doc:, claim:, …)

    @property
    def graphs(self) -> frozenset[str]:
        """The named graphs a FROM may select (on a server: asked once, when first needed)."""
        return self.backend.graphs()

    @property
    def store(self) -> pyoxigraph.Store:
        """The pyoxigraph store of a local build."""
        if not isinstance(self.backend, LocalBackend):
            raise QueryError(f"{self.backend.name} is a SPARQL endpoint, not a local store")
        return self.backend.store


def _dataset(backend: SparqlBackend, base: str) -> Dataset:
    return Dataset(backend, base, {**PREFIXES, **Iris(base).namespaces()})


def dataset_for(store: pyoxigraph.Store) -> Dataset:
    backend = LocalBackend(store)
    base = next((g[: -len("graph/ontology")] for g in sorted(backend.graphs()) if g.endswith("/graph/ontology")),
                DEFAULT_BASE_IRI)
    return _dataset(backend, base)


def open_dataset(build: Path) -> Dataset:
    return dataset_for(open_store(build))


def endpoint_dataset(url: str, *, timeout: float = DEFAULT_TIMEOUT, auth: tuple[str, str] | None = None,
                     default_graph: str = "auto") -> Dataset:
    """A build pushed to a SPARQL 1.1 server (``kg push``), queried at its query URL.

    ``default_graph``: how queries reach the union of the build's graphs there: ``auto`` (ask the server),
    ``union`` (its default graph is that union) or ``list`` (name the build's graphs in every request)."""
    backend = EndpointBackend.connect(url, timeout=timeout, auth=auth, default_graph=default_graph)
    return _dataset(backend, backend.base)


@dataclass(frozen=True)
class Answer:
    """A query's result, fully read (up to the row cap)."""

    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[pyoxigraph.Triple, ...] = ()
    truncated: bool = False

    @property
    def size(self) -> int:
        """Rows of a SELECT, triples of a CONSTRUCT/DESCRIBE, 1 for an ASK."""
        if self.form == "SELECT":
            return len(self.rows)
        return 1 if self.form == "ASK" else len(self.triples)


# --- binding ---------------------------------------------------------------------------------------------

@lru_cache(maxsize=256)
def _where_brace(text: str) -> int | None:
    """Offset of the ``{`` that opens the query's WHERE group (None for ``DESCRIBE <x>`` without one).

    Cached: tokenizing costs ~10 ms a query in Python, and a named query's text is the same at every call."""
    depth_paren = 0
    seen_form = ""
    skip_template = False
    tokens = [t for t in tokenize(text) if t.kind not in ("ws", "comment")]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        upper = tok.text.upper()
        if tok.kind == "word" and upper in ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK") and not seen_form:
            seen_form = upper
            skip_template = upper == "CONSTRUCT" and i + 1 < len(tokens) and tokens[i + 1].text == "{"
        elif tok.kind == "word" and upper == "WHERE" and seen_form:
            skip_template = False
        elif tok.text == "(":
            depth_paren += 1
        elif tok.text == ")":
            depth_paren -= 1
        elif tok.text == "{" and seen_form and depth_paren == 0:
            if not skip_template:
                return tok.start
            depth = 0
            while i < len(tokens):  # skip the CONSTRUCT template
                depth += {"{": 1, "}": -1}.get(tokens[i].text, 0)
                if depth == 0:
                    break
                i += 1
            skip_template = False
        i += 1
    return None


def values_block(bindings: Mapping[str, Term]) -> str:
    names = sorted(bindings)
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(str(bindings[n]) for n in names)}) }} "


def bind_values(text: str, bindings: Mapping[str, Term]) -> tuple[str, int, int]:
    """The query with a VALUES block for the bindings; returns (text, offset of the block, its length)."""
    if not bindings:
        return text, len(text), 0
    block = values_block(bindings)
    brace = _where_brace(text)
    if brace is None:  # no WHERE group: a trailing VALUES clause is valid for every query form
        return f"{text}\n{block}", len(text) + 1, len(block)
    return text[: brace + 1] + " " + block + text[brace + 1:], brace + 1, len(block) + 1


# --- running ---------------------------------------------------------------------------------------------

def _syntax_error(err: SyntaxError, text: str, at: int, length: int) -> QuerySyntaxError:
    message = str(err)
    match = _OXI_ERROR.match(message)
    if not match:
        return QuerySyntaxError(message.splitlines()[0] if message else "invalid query")
    line, col = int(match.group(1)), int(match.group(2))
    inject_line = text.count("\n", 0, at) + 1
    inject_col = at - (text.rfind("\n", 0, at) + 1) + 1
    if length and line == inject_line and col > inject_col:
        col = max(inject_col, col - length)  # report the position in the query as the user wrote it
    near, col = near_position(text, line, col)
    return QuerySyntaxError(f"unexpected {near}", line, col)


def check_query(ds: Dataset, text: str, *, trusted: bool) -> QueryInfo | None:
    """Refuse SERVICE, updates and FROM outside the build. None when only pyoxigraph can read the query
    (syntax beyond SPARQL 1.1, or an error it explains better): allowed for ``trusted`` callers only."""
    try:
        info = inspect_query(text, ds.prefixes)
    except QuerySyntaxError:
        if trusted:
            return None
        raise
    _check_graphs(info.default_graphs, ds, "FROM")
    _check_graphs(info.named_graphs, ds, "FROM NAMED")
    return info


def _check_graphs(iris: Sequence[str], ds: Dataset, where: str) -> None:
    if iris:  # a server is asked for its graphs only when a query names some
        check_dataset(tuple(iris), ds.graphs, where)


def run_query(ds: Dataset, text: str, *, bindings: Mapping[str, Term] | None = None, max_rows: int | None = None,
              default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (), trusted: bool = True) -> Answer:
    """Run one query over the union of the build's graphs (or the graphs a FROM or the protocol selects).

    ``trusted`` callers (the local command line) may run queries the SPARQL 1.1 grammar reader cannot read;
    the SERVICE keyword scan still applies to them.
    """
    info = check_query(ds, text, trusted=trusted)
    _check_graphs(default_graphs, ds, "default-graph-uri")
    _check_graphs(named_graphs, ds, "named-graph-uri")
    bindings = dict(bindings or {})
    unknown = sorted(set(bindings) - query_variables(text))
    if unknown:
        raise QueryError(f"the query has no variable ?{unknown[0]} to bind (its variables: "
                         f"{', '.join('?' + v for v in sorted(query_variables(text))) or 'none'})")
    bound, at, length = bind_values(text, bindings)
    prefixes = dict(ds.prefixes)
    try:
        if info is None and ds.backend.remote:  # syntax errors reported as pyoxigraph reports them locally
            pyoxigraph.Store().query(bound, prefixes=prefixes)
        if ds.backend.remote and info is not None and info.has_dataset and not (default_graphs or named_graphs):
            # the query's FROM / FROM NAMED also go as the protocol's dataset (the same dataset by the spec):
            # a server set to use the union as default graph may otherwise ignore them (Oxigraph does)
            default_graphs, named_graphs = info.default_graphs, info.named_graphs
        result = ds.backend.query(bound, prefixes=prefixes, own_dataset=info is not None and info.has_dataset,
                                  default_graphs=default_graphs, named_graphs=named_graphs,
                                  form=info.form if info else "")
        return _collect(result, info.form if info else "", max_rows)
    except SyntaxError as err:
        raise _syntax_error(err, text, at, length) from None
    except (OSError, RuntimeError, ValueError, TypeError) as err:
        raise QueryError(f"the query failed: {err}") from None


def _collect(result: Result, form: str, max_rows: int | None) -> Answer:
    if isinstance(result, Boolean):
        return Answer("ASK", boolean=result.value)
    if isinstance(result, Solutions):
        variables = result.variables
        rows: list[Row] = []
        for solution in result.solutions:
            if max_rows is not None and len(rows) >= max_rows:
                return Answer("SELECT", variables, tuple(rows), truncated=True)
            rows.append(tuple(solution))  # its values in the order of ``variables`` (None when unbound)
        return Answer("SELECT", variables, tuple(rows))
    triples: list[pyoxigraph.Triple] = []
    for triple in result.triples:
        if max_rows is not None and len(triples) >= max_rows:
            return Answer(form or "CONSTRUCT", triples=tuple(triples), truncated=True)
        triples.append(triple)
    return Answer(form or "CONSTRUCT", triples=tuple(triples))


# --- output ----------------------------------------------------------------------------------------------

def render(answer: Answer, fmt: str, prefixes: Mapping[str, str], max_width: int = 60) -> bytes:
    """The answer as the command line prints it (ending in a newline): ``table`` for people, or a standard
    format."""
    out = _render(answer, fmt, prefixes, max_width)
    return out if out.endswith(b"\n") else out + b"\n"


def _render(answer: Answer, fmt: str, prefixes: Mapping[str, str], max_width: int) -> bytes:
    if answer.form == "ASK":
        return write_boolean(fmt, bool(answer.boolean))
    if answer.form == "SELECT":
        if fmt == "table":
            return render_table(answer.variables, answer.rows, prefixes, max_width, answer.truncated).encode()
        if fmt not in RESULT_FORMATS:
            raise QueryError(f"--format {fmt} is for CONSTRUCT/DESCRIBE; SELECT results print as table, "
                             f"{', '.join(RESULT_FORMATS)}")
        return write_results(fmt, answer.variables, answer.rows, answer.truncated)
    if fmt == "table":
        fmt = "turtle"
    if fmt not in GRAPH_FORMATS:
        raise QueryError(f"{answer.form} results are RDF: use --format turtle (the default), "
                         f"{', '.join(GRAPH_FORMATS[1:])}")
    return write_graph(fmt, answer.triples, prefixes)


__all__ = ["FORMATS", "Answer", "Dataset", "bind_values", "check_query", "dataset_for", "endpoint_dataset",
           "open_dataset", "render", "run_query", "values_block"]
