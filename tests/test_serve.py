"""`kg serve`: a real server process on a loopback port, queried by SPARQLWrapper and httpx.

Covers the SPARQL 1.1 Protocol cases that apply to a read-only endpoint (bad method, several queries, a
query that is not UTF-8, a syntax error, content negotiation), refusal of updates, SERVICE and FROM outside
the build, the timeout that kills a runaway query while others are answered, the row cap, the request-size
limit, CORS, the pages and the request log.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from kg.store import store_from_trig
from tests.serve_process import KgServer, pid_alive, running_server

pytestmark = pytest.mark.timeout(180)

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
LABS = "SELECT ?lab ?label WHERE { ?lab a kg:Lab ; skos:prefLabel ?label } ORDER BY ?label"
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
JSON_TYPE = "application/sparql-results+json"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory, mini_trig: Path) -> Path:
    build = tmp_path_factory.mktemp("serve-build")
    store = store_from_trig(mini_trig, build / "store")
    del store
    return build


@pytest.fixture(scope="module")
def server(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KgServer]:
    log = tmp_path_factory.mktemp("serve-log") / "serve.log"
    with running_server(build, log, "--timeout", "2", "--max-rows", "50", "--max-request-bytes", "4096",
                        "--workers", "2") as srv:
        yield srv


@pytest.fixture()
def client(server: KgServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as c:
        yield c


def count_quads(client: httpx.Client) -> int:
    r = client.get("/sparql", params={"query": COUNT_ALL}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


# --- a real SPARQL client ------------------------------------------------------------------------------------

def test_sparqlwrapper_select_ask_construct(server: KgServer) -> None:
    sw = SPARQLWrapper(server.endpoint)
    sw.setQuery("PREFIX kg: <https://policy-kg.org/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
                + LABS)
    for method in ("GET", "POST"):
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        data = sw.query().convert()
        assert [b["label"]["value"] for b in data["results"]["bindings"]] == ["DeepSeek", "OpenAI"]
    sw.setReturnFormat(XML)
    xml = sw.query().convert()
    assert [n.firstChild.data for n in xml.getElementsByTagName("literal")] == ["DeepSeek", "OpenAI"]
    sw.setReturnFormat(CSV)
    assert sw.query().convert().decode().splitlines()[1:] == [
        "https://policy-kg.org/id/entity/deepseek,DeepSeek", "https://policy-kg.org/id/entity/openai,OpenAI"]
    sw.setQuery("ASK { <https://policy-kg.org/id/entity/qwen> ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.query().convert()["boolean"] is True
    sw.setQuery("CONSTRUCT WHERE { <https://policy-kg.org/id/entity/qwen> ?p ?o }")
    sw.setReturnFormat(TURTLE)
    graph = sw.query().convert()
    assert b"Tongyi Qianwen" in graph


# --- the protocol: GET, POST form, POST direct; W3C cases for read-only endpoints ------------------------------

def test_three_ways_to_send_a_query_give_the_same_answer(client: httpx.Client) -> None:
    h = {"Accept": JSON_TYPE}
    got = [client.get("/sparql", params={"query": LABS}, headers=h),
           client.post("/sparql", data={"query": LABS}, headers=h),
           client.post("/sparql", content=LABS.encode(), headers={**h, "Content-Type": "application/sparql-query"}),
           client.post("/query", data={"query": LABS}, headers=h)]
    assert all(r.status_code == 200 for r in got)
    assert len({r.content for r in got}) == 1
    assert got[0].headers["content-type"].startswith(JSON_TYPE)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_method_is_405(client: httpx.Client, method: str) -> None:
    r = client.request(method, "/sparql", params={"query": LABS})
    assert r.status_code == 405 and "GET" in r.headers["allow"] and "POST" in r.headers["allow"]


def test_several_queries_in_one_request_are_400(client: httpx.Client) -> None:
    assert client.get("/sparql", params=[("query", LABS), ("query", COUNT_ALL)]).status_code == 400
    assert client.post("/sparql", data={"query": [LABS, COUNT_ALL]}).status_code == 400
    r = client.post("/sparql", params={"query": LABS}, content=COUNT_ALL.encode(),
                    headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400


def test_a_query_that_is_not_utf8_is_400(client: httpx.Client) -> None:
    latin1 = 'SELECT * WHERE { ?s ?p "caf\xe9" }'.encode("latin-1")
    assert client.post("/sparql", content=latin1,
                       headers={"Content-Type": "application/sparql-query"}).status_code == 400
    utf16 = LABS.encode("utf-16")
    assert client.post("/sparql", content=utf16,
                       headers={"Content-Type": "application/sparql-query; charset=UTF-16"}).status_code == 400
    assert client.get("/sparql?query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D").status_code == 400
    form = b"query=SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%22caf%E9%22%20%7D"
    assert client.post("/sparql", content=form,
                       headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 400


def test_a_syntax_error_is_400_with_its_position(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT ?s WHERE {\n ?s ?p \n}"})
    assert r.status_code == 400 and "line 3" in r.text and r.text.count("\n") == 1


def test_wrong_or_missing_media_type_is_415(client: httpx.Client) -> None:
    assert client.post("/sparql", content=LABS.encode(), headers={"Content-Type": "text/plain"}).status_code == 415
    assert client.post("/sparql", content=b"query=ASK%20%7B%7D", headers={"Content-Type": ""}).status_code == 415


def test_a_missing_query_is_400_and_a_bare_get_describes_the_service(client: httpx.Client) -> None:
    assert client.get("/sparql", params={"default-graph-uri": "x"}).status_code == 400
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    r = client.get("/sparql")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    graph = list(pyoxigraph.parse(r.content, format=pyoxigraph.RdfFormat.TURTLE))
    assert any(q.object.value == "http://www.w3.org/ns/sparql-service-description#SPARQL11Query" for q in graph)


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    (JSON_TYPE, JSON_TYPE, pyoxigraph.QueryResultsFormat.JSON),
    ("application/json", "application/json", pyoxigraph.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", "application/sparql-results+xml", pyoxigraph.QueryResultsFormat.XML),
    ("text/csv", "text/csv", pyoxigraph.QueryResultsFormat.CSV),
    ("text/tab-separated-values", "text/tab-separated-values", pyoxigraph.QueryResultsFormat.TSV),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml",
     pyoxigraph.QueryResultsFormat.XML),
    ("text/html,application/xhtml+xml,*/*;q=0.8", JSON_TYPE, pyoxigraph.QueryResultsFormat.JSON),
    ("", JSON_TYPE, pyoxigraph.QueryResultsFormat.JSON),
])
def test_select_content_negotiation(client: httpx.Client, accept: str, media: str,
                                    fmt: pyoxigraph.QueryResultsFormat) -> None:
    r = client.get("/sparql", params={"query": LABS}, headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    if fmt == pyoxigraph.QueryResultsFormat.CSV:
        assert [row[1] for row in csv.reader(io.StringIO(r.text))] == ["label", "DeepSeek", "OpenAI"]
    else:
        solutions = pyoxigraph.parse_query_results(r.content, format=fmt)
        assert [s["label"].value for s in solutions] == ["DeepSeek", "OpenAI"]
    assert r.headers["vary"] == "Accept" and r.headers["x-truncated"] == "false" and r.headers["x-row-count"] == "2"


@pytest.mark.parametrize(("accept", "media", "fmt"), [
    ("text/turtle", "text/turtle", pyoxigraph.RdfFormat.TURTLE),
    ("application/n-triples", "application/n-triples", pyoxigraph.RdfFormat.N_TRIPLES),
    ("application/rdf+xml", "application/rdf+xml", pyoxigraph.RdfFormat.RDF_XML),
    ("application/ld+json", "application/ld+json", pyoxigraph.RdfFormat.JSON_LD),
    ("*/*", "text/turtle", pyoxigraph.RdfFormat.TURTLE),
])
def test_graph_content_negotiation(client: httpx.Client, accept: str, media: str, fmt: pyoxigraph.RdfFormat) -> None:
    r = client.get("/sparql", params={"query": "DESCRIBE <https://policy-kg.org/id/entity/qwen>"},
                   headers={"Accept": accept})
    assert r.status_code == 200 and r.headers["content-type"].split(";")[0] == media
    labels = {q.object.value for q in pyoxigraph.parse(r.content, format=fmt)
              if q.predicate.value.endswith("#altLabel")}
    assert labels == {"Tongyi Qianwen"}


def test_unacceptable_media_type_is_406_and_format_parameter_overrides(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": LABS}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and "application/sparql-results+json" in r.text
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 406
    r = client.get("/sparql", params={"query": LABS, "format": "csv"}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    r = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/plain"})
    assert r.status_code == 200 and r.text == "true\n"


# --- safe by default -----------------------------------------------------------------------------------------

def test_updates_are_refused_with_403_and_change_nothing(client: httpx.Client) -> None:
    before = count_quads(client)
    insert = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 'planted' } }"
    refused = [
        client.post("/sparql", data={"update": insert}),
        client.post("/sparql", content=insert.encode(), headers={"Content-Type": "application/sparql-update"}),
        client.get("/sparql", params={"update": insert}),
        client.post("/sparql", data={"query": insert}),
        client.post("/sparql", data={"query": "DROP ALL"}),
        client.post("/sparql", data={"query": "LOAD <file:///etc/hostname> INTO GRAPH <urn:x:g>"}),
        client.post("/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-query"}),
    ]
    assert [r.status_code for r in refused] == [403] * len(refused)
    assert all("read-only" in r.text for r in refused)
    assert count_quads(client) == before == 165
    r = client.get("/sparql", params={"query": "ASK { ?s ?p 'planted' }"}, headers={"Accept": JSON_TYPE})
    assert r.json()["boolean"] is False


@pytest.fixture()
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A loopback port that records any connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    got: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(1)
            try:
                got.append(conn.recv(4096) or b"(connected)")
            except OSError:
                got.append(b"(connected)")
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield sock.getsockname()[1], got
    time.sleep(1.0)  # anything still in flight would arrive now
    stop.set()
    thread.join()
    sock.close()


def test_service_gets_no_connection(client: httpx.Client, listener: tuple[int, list[bytes]]) -> None:
    port, got = listener
    target = f"http://127.0.0.1:{port}/sparql"
    attempts = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX r: <http://127.0.0.1:{port}/> "
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { SERVICE r:sparql { ?s ?p ?o } } }",
        f"SELECT * WHERE {{ ?a ?p ?b FILTER(?a<?b)SERVICE#>\n<{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
    ]
    for query in attempts:
        r = client.post("/sparql", data={"query": query})
        assert r.status_code == 400, query
        assert "SERVICE" in r.text
    time.sleep(0.5)
    assert got == []
    with socket.create_connection(("127.0.0.1", port), timeout=5) as probe:  # the listener does record
        probe.sendall(b"probe")
    deadline = time.monotonic() + 5
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got == [b"probe"]


def test_from_a_file_reads_no_file(client: httpx.Client, tmp_path: Path) -> None:
    secret = tmp_path / "secret.ttl"
    secret.write_text("<http://secret.example/s> <http://secret.example/p> 'TOP SECRET' .\n")
    url = f"file://{secret}"
    for request in (
        {"query": f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}"},
        {"query": f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
        {"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": url},
        {"query": "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": url},
        {"query": "SELECT * FROM <file:///tmp/secret.ttl> WHERE { ?s ?p ?o }"},
    ):
        r = client.post("/sparql", data=request, headers={"Accept": JSON_TYPE})
        assert r.status_code == 400 and "not a graph of this build" in r.text, request
        assert "TOP SECRET" not in r.text
    r = client.get("/sparql", params={"query": "ASK { ?s ?p 'TOP SECRET' }"}, headers={"Accept": JSON_TYPE})
    assert r.json()["boolean"] is False


def test_from_and_dataset_parameters_inside_the_build_select_graphs(client: httpx.Client) -> None:
    g = "https://policy-kg.org/id/graph/cross"
    h = {"Accept": JSON_TYPE}
    q = "SELECT DISTINCT ?s WHERE { ?s a <https://policy-kg.org/ns#Model> } ORDER BY ?s"
    from_clause = client.get("/sparql", params={"query": q.replace("WHERE", f"FROM <{g}> WHERE")}, headers=h)
    protocol = client.get("/sparql", params={"query": q, "default-graph-uri": g}, headers=h)
    everything = client.get("/sparql", params={"query": q}, headers=h)
    cross = ["https://policy-kg.org/id/entity/qwen2-5-72b"]
    assert [b["s"]["value"] for b in from_clause.json()["results"]["bindings"]] == cross
    assert [b["s"]["value"] for b in protocol.json()["results"]["bindings"]] == cross
    assert len(everything.json()["results"]["bindings"]) == 3


def test_a_runaway_query_is_killed_while_others_are_answered(server: KgServer) -> None:
    workers_before = server.workers()
    assert len(workers_before) == 2
    result: dict[str, object] = {}

    def expensive() -> None:
        started = time.monotonic()
        with httpx.Client(timeout=60, trust_env=False) as c:
            r = c.post(server.endpoint, data={"query": EXPENSIVE})
        result.update(status=r.status_code, text=r.text, seconds=time.monotonic() - started)

    thread = threading.Thread(target=expensive)
    thread.start()
    time.sleep(0.5)  # the expensive query is running now
    with httpx.Client(timeout=30, trust_env=False) as c:
        for _ in range(3):
            started = time.monotonic()
            r = c.get(server.endpoint, params={"query": LABS}, headers={"Accept": JSON_TYPE})
            assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 2
            assert time.monotonic() - started < 1.0
    thread.join(timeout=30)
    assert result["status"] == 503 and "stopped" in str(result["text"])
    assert 1.9 < float(str(result["seconds"])) < 10
    killed = workers_before - server.workers()
    assert len(killed) == 1 and not pid_alive(killed.pop())  # the work really stopped
    deadline = time.monotonic() + 20
    while len(server.workers()) < 2 and time.monotonic() < deadline:  # a fresh worker replaces it
        time.sleep(0.1)
    assert len(server.workers()) == 2
    deadline = time.monotonic() + 10  # the log line is written just after the response is sent
    while not any('" 503 rows=- ' in line and "stopped" in line for line in server.log_text().splitlines()):
        assert time.monotonic() < deadline, server.log_text()[-2000:]
        time.sleep(0.1)


def test_rows_past_the_cap_are_cut_and_marked(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200 and r.headers["x-truncated"] == "true" and r.headers["x-max-rows"] == "50"
    data = r.json()
    assert data["truncated"] is True and len(data["results"]["bindings"]) == 50
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}, headers={"Accept": "text/csv"})
    assert r.headers["x-truncated"] == "true" and len(r.text.splitlines()) == 51
    r = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"},
                   headers={"Accept": "application/sparql-results+xml"})
    assert b"#truncated" in r.content
    r = client.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
    assert r.headers["x-truncated"] == "true" and len(list(pyoxigraph.parse(
        r.content, format=pyoxigraph.RdfFormat.TURTLE))) == 50


def test_requests_over_the_size_limit_are_refused(client: httpx.Client) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5000
    r = client.post("/sparql", content=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413
    r = client.get("/sparql", params={"query": big})
    assert r.status_code == 414
    assert client.get("/sparql", params={"query": LABS}).status_code == 200  # the server is fine afterwards


def test_no_cors_unless_asked(client: httpx.Client, build: Path, tmp_path: Path) -> None:
    r = client.get("/sparql", params={"query": LABS}, headers={"Origin": "https://elsewhere.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    r = client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                           "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers
    with running_server(build, tmp_path / "cors.log", "--cors", "--workers", "1") as srv, \
            httpx.Client(base_url=srv.url, trust_env=False, timeout=30) as c:
        r = c.get("/sparql", params={"query": LABS}, headers={"Origin": "https://elsewhere.example"})
        assert r.headers["access-control-allow-origin"] == "*"
        assert "X-Truncated" in r.headers["access-control-expose-headers"]
        r = c.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                          "Access-Control-Request-Method": "POST"})
        assert r.status_code == 204 and "POST" in r.headers["access-control-allow-methods"]


def test_a_foreign_host_header_is_refused(client: httpx.Client) -> None:
    r = client.get("/sparql", params={"query": LABS}, headers={"Host": "attacker.example"})
    assert r.status_code == 403
    assert client.get("/sparql", params={"query": LABS}, headers={"Host": "localhost:1234"}).status_code == 200


def test_many_clients_at_once(server: KgServer) -> None:
    errors: list[str] = []

    def ask(i: int) -> None:
        with httpx.Client(timeout=30, trust_env=False) as c:
            q = f"SELECT ?l WHERE {{ ?e skos:prefLabel ?l }} ORDER BY ?l LIMIT {i % 5 + 1}"
            r = c.get(server.endpoint, params={"query": q}, headers={"Accept": JSON_TYPE})
            if r.status_code != 200 or len(r.json()["results"]["bindings"]) != i % 5 + 1:
                errors.append(f"{i}: {r.status_code} {r.text[:100]}")

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# --- pages and named queries ---------------------------------------------------------------------------------

def test_the_query_page_is_served_with_a_strict_csp(client: httpx.Client) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text
    for asset in ("/static/query.js", "/static/query.css"):
        assert client.get(asset).status_code == 200
    assert client.get("/static/viz.js").status_code == 404  # only the page's own files are served
    assert client.get("/static/../serve.py").status_code == 404


def test_named_queries_are_listed_and_run(client: httpx.Client) -> None:
    listed = client.get("/queries").json()
    names = {q["name"] for q in listed["queries"]}
    assert len(names) >= 12 and "claims-about" in names
    assert all(q["description"] and q["sparql"].startswith("# description:") for q in listed["queries"])
    assert listed["prefixes"]["e"] == "https://policy-kg.org/id/entity/"
    r = client.get("/queries/claims-about", params={"entity": "tongyi qianwen"}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200
    rows = r.json()["results"]["bindings"]
    assert [b["text"]["value"] for b in rows] == ["Alibaba's Qwen may have moved ahead, the report said."]
    r = client.post("/queries/path-between", data={"from": "Qwen", "to": "China", "format": "csv"})
    assert r.status_code == 200 and "Qwen -developedBy-> Alibaba -basedIn-> China" in r.text
    assert client.get("/queries/claims-about").status_code == 400  # missing parameter
    assert client.get("/queries/claims-about", params={"entity": "Atlantis"}).status_code == 400
    assert client.get("/queries/claims-about", params={"entity": "Qwen", "bogus": "1"}).status_code == 400
    assert client.get("/queries/no-such-query").status_code == 404


def test_injection_through_a_named_query_parameter_returns_nothing_extra(client: httpx.Client) -> None:
    for attack in ('Qwen" } UNION { ?claim ?p ?o } #', "x') || true || ('", "<https://policy-kg.org/id/entity/qwen> }"):
        r = client.get("/queries/claims-about", params={"entity": attack}, headers={"Accept": JSON_TYPE})
        assert r.status_code == 400 and "results" not in r.text


def test_the_graph_view_is_served_when_built(client: httpx.Client, build: Path) -> None:
    assert client.get("/graph").status_code == 404
    (build / "graph.html").write_text("<!DOCTYPE html><title>graph</title><p>graph view</p>")
    try:
        r = client.get("/graph")
        assert r.status_code == 200 and "graph view" in r.text
        assert "connect-src 'none'" in r.headers["content-security-policy"]
    finally:
        (build / "graph.html").unlink()


def test_each_query_logs_one_line(server: KgServer, client: httpx.Client) -> None:
    marker = "SELECT ?logmarker WHERE { ?logmarker a kg:Lab }"
    client.get("/sparql", params={"query": marker})
    client.get("/sparql", params={"query": marker + " }}}"})
    deadline = time.monotonic() + 10  # each line is written just after its response is sent
    while len([line for line in server.log_text().splitlines() if "logmarker" in line]) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    lines = [line for line in server.log_text().splitlines() if "logmarker" in line]
    assert len(lines) == 2
    assert '" 200 rows=2 truncated=no ' in lines[0] and "ms" in lines[0]
    assert '" 400 rows=- ' in lines[1] and "error=" in lines[1]


def test_help_has_an_example() -> None:
    from click.testing import CliRunner

    from kg.cli.serve import command

    result = CliRunner().invoke(command, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.stdout and "--max-rows" in result.stdout


def test_a_missing_build_is_a_one_line_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.serve_process import ROOT

    proc = subprocess.run([sys.executable, "-m", "kg", "serve", "--build", str(tmp_path / "none"), "--port", "0"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 1 and proc.stderr.strip().startswith("kg: error:") and "kg build" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_json_results_are_valid_json_for_every_term(client: httpx.Client) -> None:
    q = 'SELECT ?x WHERE { VALUES ?x { "a\\"b\\\\c\\u0001" "深度求索"@zh 3.5 true <urn:x:y> } }'
    r = client.get("/sparql", params={"query": q}, headers={"Accept": JSON_TYPE})
    assert r.status_code == 200
    values = [b["x"]["value"] for b in json.loads(r.text)["results"]["bindings"]]
    assert values == ['a"b\\c\x01', "深度求索", "3.5", "true", "urn:x:y"]


def test_a_new_build_is_picked_up_without_a_restart(tmp_path: Path, mini_trig: Path) -> None:
    build = tmp_path / "build"
    (build / "store.d").mkdir(parents=True)
    del_store = store_from_trig(mini_trig, build / "store.d" / "g1")
    del del_store
    (build / "store").symlink_to("store.d/g1", target_is_directory=True)
    newer = tmp_path / "newer.trig"
    newer.write_text(mini_trig.read_text() + "\n<urn:x:g> { <urn:x:s> <urn:x:p> 'rebuilt' . }\n")
    ask = {"query": "ASK { ?s ?p 'rebuilt' }"}
    with running_server(build, tmp_path / "serve.log", "--workers", "1") as srv, \
            httpx.Client(base_url=srv.url, trust_env=False, timeout=30) as c:
        assert c.get("/sparql", params=ask, headers={"Accept": JSON_TYPE}).json()["boolean"] is False
        del_store = store_from_trig(newer, build / "store.d" / "g2")
        del del_store
        (build / "store.tmp").symlink_to("store.d/g2", target_is_directory=True)
        (build / "store.tmp").replace(build / "store")  # what kg build does: one atomic rename
        deadline = time.monotonic() + 30
        answers = []
        while time.monotonic() < deadline:
            answers.append(c.get("/sparql", params=ask, headers={"Accept": JSON_TYPE}).json()["boolean"])
            if answers[-1]:
                break
            time.sleep(0.2)
        assert answers[-1] is True and len(answers) <= 10


def test_keep_alive_survives_refused_posts(server: KgServer) -> None:
    with httpx.Client(base_url=server.url, trust_env=False, timeout=30) as c:  # one connection, reused
        assert c.post("/queries", content=b"x" * 100).status_code == 405
        assert c.post("/static/query.js", data={"query": LABS}).status_code == 405
        r = c.post("/sparql", data={"query": LABS}, headers={"Accept": JSON_TYPE})
        assert r.status_code == 200 and len(r.json()["results"]["bindings"]) == 2


ISOLATED_SERVICE = """
import sys
from kg.serve_worker import isolate_network
isolated = isolate_network()
import pyoxigraph
try:
    list(pyoxigraph.Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:%s/sparql> { ?s ?p ?o } }"))
    print(isolated, "answered")
except (OSError, RuntimeError) as err:
    print(isolated, "failed", type(err).__name__)
"""


def test_workers_are_cut_off_from_the_network(listener: tuple[int, list[bytes]]) -> None:
    """Defence in depth: even a SERVICE that slipped past both checks finds no network in a worker."""
    import os
    import subprocess
    import sys

    from tests.serve_process import ROOT

    port, got = listener
    proc = subprocess.run([sys.executable, "-c", ISOLATED_SERVICE % port], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    isolated, outcome = proc.stdout.split()[:2]
    if os.geteuid() == 0:  # root can always make a network namespace; others need unprivileged user namespaces
        assert isolated == "True"
    if isolated == "True":
        assert outcome == "failed"
        time.sleep(0.5)
        assert got == []
