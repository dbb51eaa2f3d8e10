"""The SPARQL 1.1 Protocol pieces the endpoint backend uses: URLs and credentials, the ``PREFIX`` lines a query
travels with, reading a server's answer back into pyoxigraph terms, and turning HTTP failures into one-line
errors that name the endpoint and say what to do."""

from __future__ import annotations

import base64
import re
from collections.abc import Generator, Mapping
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph

from kg.errors import InputError, QueryError
from kg.sparql_backend import Boolean, Result, Solutions, Triples
from kg.sparql_check import tokenize

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
QUERY_URL_HINT = ("the SPARQL query URL is e.g. http://HOST:7878/query (Oxigraph), http://HOST:3030/DATASET/sparql "
                  "(Fuseki), http://HOST:7200/repositories/REPOSITORY (GraphDB), http://HOST:8890/sparql (Virtuoso)")



class EndpointError(QueryError):
    """A SPARQL server could not be reached, refused a request, or answered something unreadable (exit 2).
    ``status`` is the HTTP status when the server answered with an error."""

    exit_code = 2

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def redact(url: str) -> str:
    """The URL without user name and password (for messages and cache keys)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--endpoint {redact(url)!r}: give the server's SPARQL query URL (http:// or https://); "
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


def http_error(response: httpx.Response, name: str) -> EndpointError:
    """One line for an HTTP error status, naming the endpoint and what to do."""
    status = response.status_code
    detail = _first_line(response.text) or response.reason_phrase
    if status in (401, 403):
        message = (f"the server refused access ({status} {detail}); pass --user USER:PASSWORD (or set "
                   "KG_ENDPOINT_USER) with an account allowed to query")
    elif status in (404, 405, 415):
        message = f"not a SPARQL query endpoint ({status} {detail}); {QUERY_URL_HINT}"
    elif status in (400, 406, 422):
        message = f"the server rejected the query ({status}: {detail})"
    elif status == 413:
        message = (f"the request is too large for the server ({status}); with many documents, turn on the "
                   "server's union default graph (docs/remote-sparql.md)")
    else:
        message = f"the server answered {status} ({detail})"
    return EndpointError(f"{name}: {message}", status)


_VIRTUOSO_ASK = "__ASK_RETVAL"


def _true(term: object) -> bool:
    return isinstance(term, pyoxigraph.Literal) and term.value.strip().lower() in ("1", "true")


def parse_answer(name: str, response: httpx.Response) -> Result:
    """The server's answer as pyoxigraph terms, read by its Content-Type."""
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
            quads = pyoxigraph.parse(response.content, _GRAPH_TYPES[media], base_iri=redact(name))
            return Triples([pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads])
    except (SyntaxError, ValueError) as err:
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise EndpointError(f"{name}: the server's answer is not valid {media} ({message})") from None
    raise EndpointError(f"{name}: the server answered with Content-Type {media or 'none'}, not SPARQL "
                        f"results or RDF; is this the query endpoint? {QUERY_URL_HINT}")


__all__ = ["GRAPH_ACCEPT", "QUERY_URL_HINT", "RESULTS_ACCEPT", "BasicOrDigestAuth", "EndpointError", "check_url",
           "http_error", "parse_answer", "redact", "with_prefixes"]
