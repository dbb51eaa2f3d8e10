"""The SPARQL 1.1 Protocol rules `kg serve` applies: which parameters a request carries, and which result
format a client gets (content negotiation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

# (media type, format name) in the server's order of preference for each kind of result.
RESULT_TYPES: tuple[tuple[str, str], ...] = (
    ("application/sparql-results+json", "json"),
    ("application/json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
)
BOOLEAN_TYPES: tuple[tuple[str, str], ...] = (*RESULT_TYPES, ("text/plain", "text"))
GRAPH_TYPES: tuple[tuple[str, str], ...] = (
    ("text/turtle", "turtle"),
    ("application/x-turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("text/plain", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    ("application/ld+json", "jsonld"),
)
# ?format= names a format outright (handy in a browser's address bar).
FORMAT_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "turtle": "turtle", "ttl": "turtle",
                "ntriples": "ntriples", "nt": "ntriples", "rdfxml": "rdfxml", "jsonld": "jsonld", "text": "text"}


class ProtocolError(Exception):
    """A request the protocol refuses: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def matches(self, media: str) -> int:
        """How specifically this range matches ``media`` (-1: not at all)."""
        kind, _, sub = media.partition("/")
        if self.type == "*" and self.subtype == "*":
            return 0
        if self.type == kind and self.subtype == "*":
            return 1
        return 2 if (self.type, self.subtype) == (kind, sub) else -1


def parse_accept(header: str | None) -> tuple[MediaRange, ...]:
    """Parse an Accept header (no header accepts anything)."""
    if not header or not header.strip():
        return (MediaRange("*", "*", 1.0),)
    ranges: list[MediaRange] = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        kind, _, sub = media.partition("/")
        ranges.append(MediaRange(kind, sub, q))
    return tuple(ranges) or (MediaRange("*", "*", 1.0),)


def choose(offers: Sequence[tuple[str, str]], accept: Sequence[MediaRange]) -> tuple[str, str] | None:
    """The offer the client prefers most (ties: the server's order); None if nothing is acceptable."""
    best: tuple[float, int, tuple[str, str]] | None = None
    for index, (media, fmt) in enumerate(offers):
        matching = [(r.matches(media), r.q) for r in accept if r.matches(media) >= 0]
        if not matching:
            continue
        q = max(matching)[1]  # the most specific range decides
        if q <= 0:
            continue
        if best is None or q > best[0] or (q == best[0] and index < best[1]):
            best = (q, index, (media, fmt))
    return best[2] if best else None


def negotiate(form: str, accept: Sequence[MediaRange], format_name: str | None) -> tuple[str, str]:
    """(media type, format) for a result of ``form``; raises ProtocolError(406) when none fits."""
    offers = GRAPH_TYPES if form in ("CONSTRUCT", "DESCRIBE") else BOOLEAN_TYPES if form == "ASK" else RESULT_TYPES
    if format_name:
        wanted = FORMAT_NAMES.get(format_name.lower())
        for media, fmt in offers:
            if fmt == wanted:
                return media, fmt
        raise ProtocolError(406, f"format={format_name} does not fit a {form} result; use "
                                 f"{', '.join(sorted({f for _, f in offers}))}")
    chosen = choose(offers, accept)
    if chosen is None:
        raise ProtocolError(406, f"none of the accepted media types fits a {form} result; this endpoint offers "
                                 f"{', '.join(m for m, _ in offers)}")
    return chosen


def content_type(media: str) -> str:
    return media if media == "application/n-triples" else f"{media}; charset=utf-8"


@dataclass(frozen=True)
class SparqlRequest:
    """The protocol parameters of one query request."""

    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None


def parse_pairs(text: str, where: str) -> list[tuple[str, str]]:
    """Form or URL parameters; percent-escapes must decode to UTF-8."""
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {where} is not UTF-8; SPARQL requests are UTF-8") from None
    except ValueError as err:
        raise ProtocolError(400, f"bad {where}: {err}") from None


def _charset(header: str) -> str | None:
    for param in header.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def sparql_request(method: str, url_params: list[tuple[str, str]], content_type_header: str | None,
                   body: bytes) -> SparqlRequest:
    """Apply the protocol's rules to a GET or POST; raises ProtocolError with the status to answer."""
    params = list(url_params)
    query_text: str | None = None
    if method == "POST":
        media = (content_type_header or "").split(";")[0].strip().lower()
        charset = _charset(content_type_header or "")
        if charset not in (None, "utf-8", "utf8"):
            raise ProtocolError(400, f"charset={charset} is not accepted; send the query as UTF-8")
        if media == "application/sparql-update":
            raise ProtocolError(403, "updates are refused: this endpoint is read-only")
        if media == "application/x-www-form-urlencoded":
            try:
                params += parse_pairs(body.decode("utf-8"), "form body")
            except UnicodeDecodeError:
                raise ProtocolError(400, "the form body is not UTF-8; SPARQL requests are UTF-8") from None
        elif media == "application/sparql-query":
            try:
                query_text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise ProtocolError(400, "the query is not UTF-8; SPARQL requests are UTF-8") from None
        else:
            raise ProtocolError(415, "POST a query as application/sparql-query or as an "
                                     "application/x-www-form-urlencoded form with a query parameter")
    names = [name for name, _ in params]
    if "update" in names or "using-graph-uri" in names or "using-named-graph-uri" in names:
        raise ProtocolError(403, "updates are refused: this endpoint is read-only")
    queries = [value for name, value in params if name == "query"]
    if query_text is not None and queries:
        raise ProtocolError(400, "a query in the body and another in the URL: send one query per request")
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} query parameters: send one query per request")
    if query_text is None:
        if not queries:
            raise ProtocolError(400, "no query: pass query=… (GET or form POST) or POST application/sparql-query")
        query_text = queries[0]
    if "\x00" in query_text:
        raise ProtocolError(400, "the query contains a NUL character")
    formats = [value for name, value in params if name in ("format", "output")]
    return SparqlRequest(
        query=query_text,
        default_graphs=tuple(v for n, v in params if n == "default-graph-uri"),
        named_graphs=tuple(v for n, v in params if n == "named-graph-uri"),
        format=formats[-1] if formats else None,
    )


__all__ = ["BOOLEAN_TYPES", "FORMAT_NAMES", "GRAPH_TYPES", "RESULT_TYPES", "MediaRange", "ProtocolError",
           "SparqlRequest", "choose", "content_type", "negotiate", "parse_accept", "parse_pairs",
           "sparql_request"]
