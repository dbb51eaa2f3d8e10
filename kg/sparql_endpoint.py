"""A build on a SPARQL 1.1 server (``kg push``), queried over HTTP: :class:`EndpointBackend`.

It finds the build on the server by its ontology graph, then how queries reach the union of the build's
graphs (see :mod:`kg.sparql_backend` for why, and ``docs/remote-sparql.md`` for each server), and answers the
same calls as the local store with the same terms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

import httpx
import pyoxigraph

from kg.config import ONTOLOGY_NS
from kg.errors import InputError
from kg.sparql_backend import Boolean, Result, iter_solutions
from kg.sparql_check import tokenize
from kg.sparql_http import (
    GRAPH_ACCEPT,
    RESULTS_ACCEPT,
    BasicOrDigestAuth,
    EndpointError,
    check_url,
    http_error,
    parse_answer,
    redact,
    with_prefixes,
)

DEFAULT_TIMEOUT = 60.0
CONNECT_TIMEOUT = 10.0
_OWL = "http://www.w3.org/2002/07/owl#"
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
        answer = parse_answer(self.name, self._post([("query", query), *form], RESULTS_ACCEPT, url_query))
        return isinstance(answer, Boolean) and answer.value

    def _graph_names(self, query: str) -> list[str]:
        """The ``?g`` column of a SELECT sent as it is (no dataset added)."""
        answer = parse_answer(self.name, self._post([("query", query)], RESULTS_ACCEPT))
        return [str(s["g"].value) for s in iter_solutions(answer) if s["g"] is not None]

    def _find_base(self) -> str:
        ontologies = self._graph_names(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{ONTOLOGY_NS.rstrip('#')}> a "
                                       f"<{_OWL}Ontology> }} }}")
        bases = sorted(g[: -len("graph/ontology")] for g in ontologies if g.endswith("/graph/ontology"))
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
            except EndpointError as err:
                if err.status is None:
                    raise  # not a refusal of the switch: the server is gone or answers nonsense
                continue  # a server that refuses a switch simply does not have it
        return "list"

    def graphs(self) -> frozenset[str]:
        """The build's named graphs on the server (those under ``{base}graph/``), asked once."""
        if self._graphs is None:
            self._graphs = frozenset(self._graph_names(
                f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                f"FILTER(STRSTARTS(STR(?g), {_string(self.base + 'graph/')})) }}"))
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
        return parse_answer(self.name, self._post(params, accept, url_query))

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
            raise http_error(response, self.name)
        return response


def _string(value: str) -> str:
    return str(pyoxigraph.Literal(value))


def _uses_graph(text: str) -> bool:
    return any(t.kind == "word" and t.text.upper() == "GRAPH" for t in tokenize(text))


__all__ = ["CONNECT_TIMEOUT", "DEFAULT_TIMEOUT", "MODES", "UNION_SWITCHES", "EndpointBackend"]
