"""Where a SPARQL query runs: the build's own pyoxigraph store, or any SPARQL 1.1 server over HTTP.

Both backends answer the same call with the same plain results (:class:`Boolean`, :class:`Solutions`,
:class:`Triples` holding pyoxigraph terms), so ``kg query`` and ``kg cite`` do not know which one they use.

:class:`LocalBackend` asks the build's store, whose default graph is the union of all named graphs.

:class:`EndpointBackend` speaks the SPARQL 1.1 Protocol: each query is POSTed form-encoded (``query=``) with
``Accept: application/sparql-results+json`` (SELECT, ASK) or ``application/n-triples`` (CONSTRUCT, DESCRIBE),
and the answer is parsed back by pyoxigraph (JSON, XML or TSV results; N-Triples, Turtle or RDF/XML graphs).
The predeclared prefixes travel as ``PREFIX`` lines (only those the query does not declare itself).

Servers differ in what their default graph is: GraphDB and Virtuoso make it every graph they hold, Oxigraph
started with ``--union-default-graph`` and Fuseki with ``tdb2:unionDefaultGraph true`` the union of the named
graphs, and without those options it is a graph of its own (empty after ``kg push``). Rewriting queries to
``GRAPH ?g`` patterns cannot reproduce a union (a property path may step from one graph into another), so the
client finds the union instead. :meth:`EndpointBackend.connect` asks the default graph for a triple of the
ontology graph and a document of the build (``ASK``): when both are there, queries go as they are (mode
``union``). Otherwise it tries, with the same ``ASK``, the per-request switches the servers offer: Jena's union
graph as the protocol's default graph (``default-graph-uri=urn:x-arq:UnionGraph``, Fuseki) and Oxigraph's
``union-default-graph`` query-string parameter. A server with neither gets the build's graphs by name in every
request (``default-graph-uri`` and ``named-graph-uri``, mode ``list``): standard everywhere, but the request
grows with the number of documents and some engines slow down with long graph lists (Oxigraph: 30 times on 140
graphs). A query's own ``FROM`` / ``FROM NAMED`` travel as the protocol's dataset as well (the same dataset by
the specification), since a server set to a union default graph may ignore them in the text (Oxigraph does).

Every failure is an :class:`EndpointError` naming the endpoint (credentials removed) and saying what to do.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
import pyoxigraph

from kg.config import ONTOLOGY_NS
from kg.errors import InputError, QueryError
from kg.sparql_check import tokenize

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
RESULTS_ACCEPT = ("application/sparql-results+json, application/sparql-results+xml;q=0.9, "
                  "text/tab-separated-values;q=0.5")
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
_RESULT_TYPES = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "application/xml": pyoxigraph.QueryResultsFormat.XML,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,  # the N-Triples type before RDF 1.1 (Virtuoso still sends it)
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/x-turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
}
_OWL = "http://www.w3.org/2002/07/owl#"
QUERY_URL_HINT = ("the SPARQL query URL is e.g. http://HOST:7878/query (Oxigraph), http://HOST:3030/DATASET/sparql "
                  "(Fuseki), http://HOST:7200/repositories/REPOSITORY (GraphDB), http://HOST:8890/sparql (Virtuoso)")


class EndpointError(QueryError):
    """A SPARQL server could not be reached, refused a request, or answered something unreadable (exit 2)."""

    exit_code = 2


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


# --- HTTP ----------------------------------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL without user name and password (for messages and cache keys)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--endpoint {url!r}: give the server's SPARQL query URL (http:// or https://); "
                         f"{QUERY_URL_HINT}")
    return url


class BasicOrDigestAuth(httpx.Auth):
    """HTTP basic or digest authentication, whichever the server's first challenge asks for.

    The first request goes without credentials; the ``401`` challenge names the scheme, which the client then
    keeps. Credentials are not sent preemptively because Virtuoso answers a basic attempt on its digest URLs
    with a bare ``401`` that names no scheme."""

    def __init__(self, user: str, password: str) -> None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        self._basic = f"Basic {token}"
        self._digest = httpx.DigestAuth(user, password)
        self._scheme = ""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if not self._scheme:
            response = yield request
            if response.status_code != 401:
                return
            challenge = response.headers.get("www-authenticate", "").lower()
            self._scheme = "digest" if challenge.lstrip().startswith("digest") else "basic"
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
        else:
            request.headers["Authorization"] = self._basic
            yield request


def _declared_prefixes(text: str) -> set[str]:
    tokens = [t for t in tokenize(text) if t.kind not in ("ws", "comment")]
    return {tokens[i + 1].text[:-1] for i, t in enumerate(tokens[:-1])
            if t.kind == "word" and t.text.upper() == "PREFIX" and tokens[i + 1].kind == "pname"
            and tokens[i + 1].text.endswith(":")}


def with_prefixes(text: str, prefixes: Mapping[str, str]) -> str:
    """The query with ``PREFIX`` lines for the predeclared prefixes it does not declare itself."""
    declared = _declared_prefixes(text)
    lines = "".join(f"PREFIX {p}: {pyoxigraph.NamedNode(ns)}\n" for p, ns in sorted(prefixes.items())
                    if p not in declared)
    return lines + text


def _media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";", 1)[0].strip().lower()


def _first_line(text: str, limit: int = 300) -> str:
    for line in text.splitlines():
        line = re.sub(r"<[^>]+>", " ", line).strip()  # an HTML error page: its text, not its markup
        if line:
            return line if len(line) <= limit else line[:limit] + "…"
    return ""


MODES = ("auto", "union", "list")
# Ways to make a server's default graph the union of its named graphs for one request, tried in this order
# when it is not so already: Jena's (Fuseki) name for the union graph as the protocol's default graph, then
# Oxigraph's query-string switch. (label, extra form parameters, extra URL query string)
UNION_SWITCHES: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...] = (
    ("jena-union-graph", (("default-graph-uri", "urn:x-arq:UnionGraph"),), ""),
    ("oxigraph-union-parameter", (), "union-default-graph"),
)


@dataclass
class EndpointBackend:
    """A SPARQL 1.1 Protocol query endpoint holding a build pushed with ``kg push``.

    ``mode`` says how a query reaches the union of the build's graphs: ``union`` (the server's default graph
    is that union), ``list`` (each request names the build's graphs), or one of :data:`UNION_SWITCHES`.
    """

    url: str
    client: httpx.Client
    base: str = ""
    mode: str = "union"
    timeout: float = DEFAULT_TIMEOUT
    remote: bool = field(default=True, init=False)
    _graphs: frozenset[str] | None = field(default=None, init=False, repr=False)

    @classmethod
    def connect(cls, url: str, *, timeout: float = DEFAULT_TIMEOUT, auth: tuple[str, str] | None = None,
                default_graph: str = "auto") -> EndpointBackend:
        """Find the build on the server (its base IRI) and how to query the union of its graphs:
        ``default_graph`` ``auto`` asks the server, ``union`` trusts its default graph to be the union,
        ``list`` names the build's graphs in every request."""
        if default_graph not in MODES:
            raise InputError(f"--default-graph {default_graph!r}: choose one of {', '.join(MODES)}")
        client = httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
                              auth=BasicOrDigestAuth(*auth) if auth else None, trust_env=False,
                              follow_redirects=True)
        backend = cls(check_url(url), client, timeout=timeout)
        try:
            backend.base = backend._find_base()
            backend.mode = backend._detect_mode() if default_graph == "auto" else default_graph
        except BaseException:
            client.close()
            raise
        return backend

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> EndpointBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        return redact(self.url)

    # -- discovery --

    def _ask(self, query: str, form: tuple[tuple[str, str], ...] = (), url_query: str = "") -> bool:
        response = self._post([("query", query), *form], RESULTS_ACCEPT, url_query)
        answer = self._parse(response)
        return isinstance(answer, Boolean) and answer.value

    def _find_base(self) -> str:
        answer = self._parse(self._post([("query", f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ "
                                                   f"<{ONTOLOGY_NS.rstrip('#')}> a <{_OWL}Ontology> }} }}")],
                                        RESULTS_ACCEPT))
        bases = sorted(str(s["g"].value)[: -len("graph/ontology")] for s in iter_solutions(answer)
                       if s["g"] is not None and str(s["g"].value).endswith("/graph/ontology"))
        if not bases:
            raise EndpointError(f"{self.name}: holds no policy-kg build (no <…/graph/ontology> graph); load one "
                                "with `kg push --endpoint GRAPH-STORE-URL` (see docs/remote-sparql.md)")
        return bases[0]

    def _detect_mode(self) -> str:
        """``union`` when the default graph holds a triple of the ontology graph and a document of the build,
        else the first union switch the server understands, else ``list``."""
        probe = (f"ASK {{ <{ONTOLOGY_NS}Claim> a <{_OWL}Class> . ?doc a <{ONTOLOGY_NS}Document> . "
                 f"FILTER(STRSTARTS(STR(?doc), {_string(self.base + 'doc/')})) }}")
        if self._ask(probe):
            return "union"
        for label, form, url_query in UNION_SWITCHES:
            try:
                if self._ask(probe, form, url_query):
                    return label
            except EndpointError:
                continue  # a server that refuses a switch simply does not have it
        return "list"

    def graphs(self) -> frozenset[str]:
        """The build's named graphs on the server (those under ``{base}graph/``), asked once."""
        if self._graphs is None:
            answer = self._parse(self._post([("query", f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                                                       f"FILTER(STRSTARTS(STR(?g), {_string(self.base + 'graph/')})) "
                                                       "}")], RESULTS_ACCEPT))
            self._graphs = frozenset(str(s["g"].value) for s in iter_solutions(answer) if s["g"] is not None)
        return self._graphs

    # -- queries --

    def query(self, text: str, *, prefixes: Mapping[str, str], own_dataset: bool = False,
              default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (), form: str = "") -> Result:
        params: list[tuple[str, str]] = [("query", with_prefixes(text, prefixes))]
        url_query = ""
        if default_graphs or named_graphs:  # the protocol's dataset, as the caller gave it
            params += [("default-graph-uri", g) for g in default_graphs]
            params += [("named-graph-uri", g) for g in named_graphs]
        elif not own_dataset and self.mode != "union":
            params, url_query = self._union_dataset(text, params)
        accept = {"SELECT": RESULTS_ACCEPT, "ASK": RESULTS_ACCEPT, "CONSTRUCT": GRAPH_ACCEPT,
                  "DESCRIBE": GRAPH_ACCEPT}.get(form, f"{RESULTS_ACCEPT}, {GRAPH_ACCEPT}")
        return self._parse(self._post(params, accept, url_query))

    def _union_dataset(self, text: str, params: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], str]:
        """The request parameters that make the default graph the union of the build's graphs (the server's
        default graph is not): a union switch, or the build's graphs by name. A dataset given in the request
        also replaces the named graphs, so a query using GRAPH gets the build's graphs as named graphs."""
        switch = next((s for s in UNION_SWITCHES if s[0] == self.mode), None)
        if switch is not None and not switch[1]:
            return params, switch[2]  # a URL switch leaves the named graphs alone
        graphs = sorted(self.graphs())
        default = list(switch[1]) if switch is not None else [("default-graph-uri", g) for g in graphs]
        params = params + default
        if _uses_graph(text):
            params += [("named-graph-uri", g) for g in graphs]
        return params, switch[2] if switch else ""

    def _post(self, params: list[tuple[str, str]], accept: str, url_query: str = "") -> httpx.Response:
        url = self.url if not url_query else f"{self.url}{'&' if '?' in self.url else '?'}{url_query}"
        try:
            response = self.client.post(url, content=urlencode(params).encode("ascii"), headers={
                "Content-Type": "application/x-www-form-urlencoded", "Accept": accept})
        except httpx.TimeoutException:
            raise EndpointError(f"{self.name}: no answer within {self.timeout:g} s; the server may be busy or the "
                                "query too costly (raise --timeout)") from None
        except httpx.HTTPError as err:
            raise EndpointError(f"{self.name}: cannot reach the SPARQL endpoint ({err or type(err).__name__}); "
                                "is the server running and the URL right?") from None
        if response.status_code >= 400:
            raise self._http_error(response)
        return response

    def _http_error(self, response: httpx.Response) -> EndpointError:
        status = response.status_code
        detail = _first_line(response.text) or response.reason_phrase
        if status in (401, 403):
            return EndpointError(f"{self.name}: the server refused access ({status} {detail}); pass --user "
                                 "USER:PASSWORD (or set KG_ENDPOINT_USER) with an account allowed to query")
        if status in (404, 405, 415):
            return EndpointError(f"{self.name}: not a SPARQL query endpoint ({status} {detail}); {QUERY_URL_HINT}")
        if status in (400, 406, 422):
            return EndpointError(f"{self.name}: the server rejected the query ({status}: {detail})")
        if status == 413:
            return EndpointError(f"{self.name}: the request is too large for the server ({status}); with many "
                                 "documents, turn on the server's union default graph (docs/remote-sparql.md)")
        return EndpointError(f"{self.name}: the server answered {status} ({detail})")

    def _parse(self, response: httpx.Response) -> Result:
        media = _media_type(response)
        try:
            if media in _RESULT_TYPES:
                parsed = pyoxigraph.parse_query_results(response.content, _RESULT_TYPES[media])
                if isinstance(parsed, pyoxigraph.QueryBoolean):
                    return Boolean(bool(parsed))
                variables = tuple(v.value for v in parsed.variables)
                rows = list(parsed)
                if variables == (_VIRTUOSO_ASK,):  # Virtuoso 7 answers a POSTed ASK as a one-column table
                    return Boolean(any(_true(row[_VIRTUOSO_ASK]) for row in rows))
                return Solutions(variables, rows)
            if media in _GRAPH_TYPES:
                quads = pyoxigraph.parse(response.content, _GRAPH_TYPES[media], base_iri=self.url)
                return Triples([pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads])
        except (SyntaxError, ValueError) as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise EndpointError(f"{self.name}: the server's answer is not valid {media} ({message})") from None
        raise EndpointError(f"{self.name}: the server answered with Content-Type {media or 'none'}, not SPARQL "
                            f"results or RDF; is this the query endpoint? {QUERY_URL_HINT}")


_VIRTUOSO_ASK = "__ASK_RETVAL"


def _true(term: object) -> bool:
    return isinstance(term, pyoxigraph.Literal) and term.value.strip().lower() in ("1", "true")


def _string(value: str) -> str:
    return str(pyoxigraph.Literal(value))


def _uses_graph(text: str) -> bool:
    return any(t.kind == "word" and t.text.upper() == "GRAPH" for t in tokenize(text))


def iter_solutions(result: Result) -> Iterator[pyoxigraph.QuerySolution]:
    if not isinstance(result, Solutions):
        raise QueryError("expected SELECT results")
    yield from result.solutions


__all__ = ["DEFAULT_TIMEOUT", "MODES", "UNION_SWITCHES", "Boolean", "EndpointBackend", "EndpointError", "LocalBackend",
           "Result", "Solutions", "SparqlBackend", "Triples", "check_url", "iter_solutions", "redact", "with_prefixes"]
