"""`kg serve`: a read-only SPARQL 1.1 Protocol endpoint over a build, with a query page.

Routes:
    /sparql (also /query, and / with a query)  SPARQL 1.1 Protocol: GET, POST form, POST application/sparql-query
    /                 the query page (type SPARQL, see a table; no external requests)
    /queries          the named queries (JSON: name, description, params, example, sparql) and the prefixes
    /queries/NAME     run a named query; its parameters are URL or form parameters (?entity=DeepSeek)
    /graph            the build's interactive graph view (build/graph.html, made by `kg viz`)

Safety: updates are refused (403); SERVICE and FROM/FROM NAMED or default-graph-uri/named-graph-uri
outside the build are refused (400) before a query runs; each query runs in a worker process that is
killed at the timeout (503) while other workers keep answering; results past --max-rows are cut and
marked (header ``X-Truncated: true``; JSON ``"truncated": true``; XML ``<link href="…#truncated"/>``);
requests larger than --max-request-bytes get 413; CORS headers only with --cors; on a loopback address the
Host header must name the loopback (DNS-rebinding defence).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from urllib.parse import unquote, urlsplit

from kg.named_queries import load_named_queries
from kg.query import open_dataset
from kg.serve_pool import Outcome, WorkerPool
from kg.serve_protocol import ProtocolError, parse_pairs, sparql_request

log = logging.getLogger("kg.serve")
STATIC = Path(__file__).resolve().parent / "static"
PAGE_FILES = {"/static/query.js": ("query.js", "text/javascript; charset=utf-8"),
              "/static/query.css": ("query.css", "text/css; charset=utf-8")}
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
GRAPH_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
             "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'none'; form-action 'none'; "
             "base-uri 'none'; frame-ancestors 'none'")
ENDPOINTS = ("/sparql", "/query")
ALLOW = "GET, POST, OPTIONS"


@dataclass(frozen=True)
class ServeConfig:
    build: Path = Path("build")
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 1_000_000
    cors: bool = False
    workers: int = 2


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def service_description(endpoint: str) -> bytes:
    """A SPARQL 1.1 Service Description of this endpoint (Turtle)."""
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle",
               "N-Triples", "RDF_XML", "JSON-LD"]
    return ("@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
            "@prefix fmt: <http://www.w3.org/ns/formats/> .\n\n"
            f"[] a sd:Service ;\n    sd:endpoint <{endpoint}> ;\n    sd:supportedLanguage sd:SPARQL11Query ;\n"
            f"    sd:feature sd:UnionDefaultGraph ;\n    sd:resultFormat {', '.join('fmt:' + f for f in formats)} .\n"
            ).encode()


class KgServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, config: ServeConfig, pool: WorkerPool) -> None:
        self.config = config
        self.pool = pool
        self.page = (STATIC / "query.html").read_bytes()
        self.statics = {route: ((STATIC / name).read_bytes(), kind) for route, (name, kind) in PAGE_FILES.items()}
        ds = open_dataset(config.build)
        queries = load_named_queries()
        self.queries_json = json.dumps({
            "queries": [{"name": q.name, "description": q.description, "example": q.example, "sparql": q.text,
                         "params": [{"name": p.name, "kind": p.kind, "optional": p.optional, "help": p.help}
                                    for p in q.params]} for q in queries.values()],
            "prefixes": dict(ds.prefixes),
        }, indent=1).encode()
        self.named = frozenset(queries)
        del ds
        # a stalled client cannot hold a thread forever: its socket times out
        handler = type("Handler", (Handler,), {"timeout": max(30.0, config.timeout + 5)})
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        super().__init__((config.host.strip("[]"), config.port), handler)

    @property
    def url(self) -> str:
        raw_host, port = self.server_address[:2]
        host = raw_host.decode() if isinstance(raw_host, bytes) else str(raw_host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


class Handler(BaseHTTPRequestHandler):
    server: KgServer
    server_version = "policy-kg"
    protocol_version = "HTTP/1.1"
    body_read = False

    def parse_request(self) -> bool:
        self.body_read = False  # one handler serves every request of a keep-alive connection
        return super().parse_request()

    # --- plumbing ------------------------------------------------------------------------------------
    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        if self.command == "POST" and not self.body_read and self.headers.get("Content-Length"):
            self.close_connection = True  # an unread body would be taken for the next request
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        if self.server.config.cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Access-Control-Expose-Headers", "X-Truncated, X-Row-Count, X-Max-Rows")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, (message + "\n").encode(), headers=headers)

    def _log(self, status: int, started: float, what: str, outcome: Outcome | None = None) -> None:
        rows = "-" if outcome is None or outcome.rows is None else str(outcome.rows)
        truncated = "yes" if outcome is not None and outcome.truncated else "no"
        error = f" error={outcome.error!r}" if outcome is not None and outcome.error else ""
        log.info('%s "%s %s" %d rows=%s truncated=%s %.1fms %s%s', self.client_address[0], self.command,
                 self.path[:120], status, rows, truncated, (time.monotonic() - started) * 1000, what, error)

    def _host_allowed(self) -> bool:
        if not _is_loopback(self.server.config.host):
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
        return _is_loopback(name.strip("[]")) if name else False

    def _read_body(self) -> bytes | None:
        """The request body, or None after answering 411/413."""
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            self._error(411, "send a Content-Length (chunked request bodies are not accepted)")
            return None
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header is not None else 0
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._error(400, "bad Content-Length")
            return None
        if length > self.server.config.max_request_bytes:
            self.close_connection = True
            self._error(413, f"the request is {length} bytes; the limit is {self.server.config.max_request_bytes} "
                             "(kg serve --max-request-bytes)")
            return None
        self.body_read = True
        return self.rfile.read(length) if length else b""

    # --- methods -------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_OPTIONS(self) -> None:
        headers = {"Allow": ALLOW}
        if self.server.config.cors:
            headers.update({"Access-Control-Allow-Methods": ALLOW, "Access-Control-Max-Age": "600",
                            "Access-Control-Allow-Headers": "Content-Type, Accept"})
        self._send(204, b"", headers=headers)

    def _refuse_method(self) -> None:
        self.close_connection = True
        self._error(405, f"{self.command} is not allowed: this endpoint is read-only ({ALLOW})", {"Allow": ALLOW})
        self._log(405, time.monotonic(), "method refused")

    do_PUT = do_DELETE = do_PATCH = do_HEAD = _refuse_method

    def _dispatch(self) -> None:
        started = time.monotonic()
        if not self._host_allowed():
            self.close_connection = True
            self._error(403, "this server answers only to localhost / 127.0.0.1 (Host header refused)")
            self._log(403, started, "host refused")
            return
        if len(self.path) > self.server.config.max_request_bytes:
            self.close_connection = True
            self._error(414, "the URL is longer than --max-request-bytes")
            return
        parts = urlsplit(self.path)
        path = parts.path
        try:
            url_params = parse_pairs(parts.query, "URL")
        except ProtocolError as err:
            self._error(err.status, str(err))
            self._log(err.status, started, "bad URL")
            return
        if path in ENDPOINTS or (path == "/" and (self.command == "POST" or any(n == "query" for n, _ in url_params))):
            self._endpoint(url_params, started)
        elif path in ("/queries", "/queries/"):
            if not self._only_get(started):
                self._send(200, self.server.queries_json, "application/json; charset=utf-8")
        elif path.startswith("/queries/"):
            self._named(unquote(path[len("/queries/"):]), url_params, started)
        elif self.command != "GET":
            self._error(405, f"{self.command} is not allowed here", {"Allow": "GET"})
        elif path in ("/", "/index.html"):
            self._send(200, self.server.page, "text/html; charset=utf-8",
                       {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "no-cache"})
        elif path in self.server.statics:
            body, kind = self.server.statics[path]
            self._send(200, body, kind, {"Cache-Control": "no-cache"})
        elif path in ("/graph", "/graph.html"):
            self._graph()
        else:
            self._error(404, f"{path}: not found (the query page is /, the endpoint /sparql, named queries /queries)")

    def _only_get(self, started: float) -> bool:
        if self.command == "GET":
            return False
        self._error(405, "GET only", {"Allow": "GET"})
        self._log(405, started, "named query list")
        return True

    def _graph(self) -> None:
        page = self.server.config.build / "graph.html"
        if not page.is_file():
            self._error(404, f"no graph view in {self.server.config.build}: run `kg viz` to make graph.html")
            return
        self._send(200, page.read_bytes(), "text/html; charset=utf-8",
                   {"Content-Security-Policy": GRAPH_CSP, "Cache-Control": "no-cache"})

    def _endpoint(self, url_params: list[tuple[str, str]], started: float) -> None:
        body = b""
        if self.command == "POST":
            read = self._read_body()
            if read is None:
                self._log(413, started, "query")
                return
            body = read
        elif not url_params:  # GET on the endpoint with no query: describe the service
            self._send(200, service_description(f"{self.server.url}sparql"), "text/turtle; charset=utf-8")
            return
        try:
            request = sparql_request(self.command, url_params, self.headers.get("Content-Type"), body)
        except ProtocolError as err:
            self._error(err.status, str(err))
            self._log(err.status, started, "query refused", Outcome(err.status, error=str(err)))
            return
        job = {"query": request.query, "default_graphs": list(request.default_graphs),
               "named_graphs": list(request.named_graphs), "accept": self.headers.get("Accept") or "",
               "format": request.format, "max_rows": self.server.config.max_rows}
        self._answer(job, started, "q=" + json.dumps(" ".join(request.query.split())[:100]))

    def _named(self, name: str, url_params: list[tuple[str, str]], started: float) -> None:
        params = list(url_params)
        if self.command == "POST":
            body = self._read_body()
            if body is None:
                return
            kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if body and kind != "application/x-www-form-urlencoded":
                self._error(415, "POST named-query parameters as application/x-www-form-urlencoded")
                return
            try:
                params += parse_pairs(body.decode("utf-8"), "form body")
            except (ProtocolError, UnicodeDecodeError) as err:
                self._error(400, str(err) if isinstance(err, ProtocolError) else "the form body is not UTF-8")
                return
        if name not in self.server.named:
            self._error(404, f"no named query {name!r}; GET /queries lists them")
            self._log(404, started, f"named={name}")
            return
        values: dict[str, str] = {}
        fmt: str | None = None
        for key, value in params:
            if key in ("format", "output"):
                fmt = value
            elif key in values:
                self._error(400, f"parameter {key!r} given twice")
                return
            else:
                values[key] = value
        job = {"named": name, "params": values, "accept": self.headers.get("Accept") or "", "format": fmt,
               "max_rows": self.server.config.max_rows}
        self._answer(job, started, f"named={name}")

    def _answer(self, job: Mapping[str, object], started: float, what: str) -> None:
        outcome = self.server.pool.run(job, self.server.config.timeout)
        if outcome.status != 200:
            self._error(outcome.status, outcome.error)
        else:
            headers = {"X-Truncated": "true" if outcome.truncated else "false", "X-Row-Count": str(outcome.rows),
                       "Cache-Control": "no-store", "Vary": "Accept"}
            if outcome.truncated:
                headers["X-Max-Rows"] = str(self.server.config.max_rows)
            self._send(200, outcome.body, outcome.content_type, headers)
        self._log(outcome.status, started, what, outcome)


def serve(config: ServeConfig, ready: Callable[[KgServer], None] | None = None) -> None:
    """Run the server until SIGINT or SIGTERM. ``ready`` is called once it accepts connections."""
    open_dataset(config.build)  # a missing or unreadable build is a one-line error before anything starts
    pool = WorkerPool(config.build, size=config.workers)
    pool.start()
    try:
        server = KgServer(config, pool)
    except BaseException:
        pool.close()
        raise
    if not pool.isolated:
        log.warning("query workers could not be cut off from the network (no network namespaces here); "
                    "SERVICE is still refused before any query runs")

    def stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
        pool.close()


__all__ = ["KgServer", "ServeConfig", "serve", "service_description"]
