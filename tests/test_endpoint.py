"""`kg query --endpoint` and `kg cite --endpoint` against real Oxigraph servers loaded with `kg push`.

One build of the two seed articles and two servers are shared by the whole module: one started with
``--union-default-graph`` (its default graph is the union of the named graphs) and one without (the client
must reach the union itself). Every answer over HTTP is compared with the same command on the local build.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph
import pytest
from click.testing import CliRunner, Result

from kg.cli import main
from kg.errors import InputError, QueryError
from kg.named_queries import load_named_queries, run_named
from kg.push import push
from kg.query import Answer, Dataset, endpoint_dataset, open_dataset, run_query
from kg.sparql_backend import Boolean
from kg.sparql_endpoint import EndpointBackend
from kg.sparql_http import EndpointError, parse_answer, with_prefixes
from tests.endpoint_proxy import auth_proxy
from tests.oxigraph_server import OxigraphServer, free_port, running_oxigraph

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

NAMED_PARAMS = {
    "claims-about": {"entity": "China"},
    "claims-by-person": {"person": "Beyond DeepSeek"},
    "documents-mentioning-both": {"a": "China", "b": "United States"},
    "entity-relations": {"entity": "DeepSeek"},
    "path-between": {"from": "DeepSeek", "to": "China"},
    "report-findings": {"report": "Beyond DeepSeek"},
}
RIVAL = "Chinese open models rival US models"


@pytest.fixture(scope="module")
def build(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.build import BuildOptions, run_build
    from kg.config import Settings

    out = tmp_path_factory.mktemp("endpoint") / "build"
    run_build(BuildOptions(corpus=(seeds_dir,), out=out, progress=False), Settings())
    return out


@pytest.fixture(scope="module")
def union_server(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-union"), union_default_graph=True) as server:
        push(build, server.store)
        yield server


@pytest.fixture(scope="module")
def plain_server(build: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-plain"), union_default_graph=False) as server:
        push(build, server.store)
        yield server


@pytest.fixture(scope="module")
def local(build: Path) -> Dataset:
    return open_dataset(build)


def _rows(answer: Answer) -> list[tuple[str, ...]]:
    """Rows as N-Triples term strings, sorted (a multiset: duplicates count)."""
    return sorted(tuple("" if t is None else str(t) for t in row) for row in answer.rows)


def kg(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


# --- the same answers over HTTP ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["union-server", "plain-server-auto", "plain-server-list"])
def test_every_named_query_gives_the_same_rows_remotely(where: str, local: Dataset, union_server: OxigraphServer,
                                                        plain_server: OxigraphServer) -> None:
    server = union_server if where == "union-server" else plain_server
    mode = "list" if where.endswith("list") else "auto"
    remote = endpoint_dataset(server.query, default_graph=mode)
    try:
        assert isinstance(remote.backend, EndpointBackend)
        expected_mode = {"union-server": "union", "plain-server-auto": "oxigraph-union-parameter",
                         "plain-server-list": "list"}[where]
        assert remote.backend.mode == expected_mode
        assert remote.base == local.base and dict(remote.prefixes) == dict(local.prefixes)
        answered = 0
        for name in load_named_queries():
            params = NAMED_PARAMS.get(name, {})
            mine, theirs = run_named(local, name, params), run_named(remote, name, params)
            assert theirs.variables == mine.variables, name
            assert _rows(theirs) == _rows(mine), f"{name}: the server's rows differ from the local build's"
            answered += bool(mine.rows)
        assert answered >= len(load_named_queries()) - 1  # the comparison is not between empty answers
    finally:
        remote.backend.close()


def test_ask_construct_describe_and_from_answer_as_locally(local: Dataset, union_server: OxigraphServer) -> None:
    remote = endpoint_dataset(union_server.query)
    try:
        for text in ("ASK { e:deepseek a kg:Lab }", "ASK { e:deepseek a kg:Country }"):
            assert run_query(remote, text).boolean == run_query(local, text).boolean
        for text in ("DESCRIBE e:deepseek", "CONSTRUCT { ?c kg:statedIn ?d } WHERE { ?c kg:statedIn ?d }"):
            mine, theirs = run_query(local, text), run_query(remote, text)
            assert theirs.form == mine.form and mine.triples
            assert sorted(map(str, theirs.triples)) == sorted(map(str, mine.triples))
        # a server started with --union-default-graph ignores FROM in the query text; the protocol's
        # default-graph-uri is what it honours, so FROM is sent that way too
        text = "SELECT (COUNT(*) AS ?n) FROM graph:ontology WHERE { ?s ?p ?o }"
        assert _rows(run_query(remote, text)) == _rows(run_query(local, text))
        text = "SELECT ?g (COUNT(*) AS ?n) FROM NAMED graph:cross WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        assert _rows(run_query(remote, text)) == _rows(run_query(local, text))
        with pytest.raises(QueryError, match="not a graph of this build"):
            run_query(remote, "SELECT * FROM <http://example.org/elsewhere> WHERE { ?s ?p ?o }")
    finally:
        remote.backend.close()


def test_cli_query_prints_the_same_bytes_for_every_format(build: Path, plain_server: OxigraphServer) -> None:
    for fmt in ("table", "json", "csv", "tsv", "xml"):
        args = ["query", "--name", "claims-about", "--param", "entity=China", "--format", fmt]
        here, there = kg(*args, "--build", str(build)), kg(*args, "--endpoint", plain_server.query)
        assert there.exit_code == 0, there.output
        assert there.stdout == here.stdout and here.stdout.strip()


def test_cli_cite_json_is_the_same_remotely(build: Path, union_server: OxigraphServer,
                                            plain_server: OxigraphServer) -> None:
    here = kg("cite", RIVAL, "--build", str(build), "--format", "json")
    assert here.exit_code == 0, here.output
    top = json.loads(here.stdout)["results"][0]
    assert (top["sources"], top["independent_sources"]) == (2, 2)
    for server in (union_server, plain_server):
        there = kg("cite", RIVAL, "--endpoint", server.query, "--format", "json")
        assert there.exit_code == 0, there.output
        assert there.stdout == here.stdout
    for query in ("DigiChina", top["cluster"], "Tencent quarterly revenue"):
        here = kg("cite", query, "--build", str(build), "--format", "markdown", "--limit", "5")
        there = kg("cite", query, "--endpoint", union_server.query, "--format", "markdown", "--limit", "5")
        assert (there.exit_code, there.stdout, there.stderr) == (here.exit_code, here.stdout, here.stderr)


# --- parameters stay terms ---------------------------------------------------------------------------------


INJECTIONS = ('x" } UNION { ?doc ?p ?o } #', "x' } UNION { ?doc ?p ?o } #", 'x"^^<urn:x> . ?doc ?p ?o . #',
              "x\\\" } UNION { ?doc ?p ?o } #")


def test_param_injection_returns_no_extra_rows_remotely(build: Path, local: Dataset,
                                                        union_server: OxigraphServer) -> None:
    query = "SELECT ?doc WHERE { ?doc a kg:Document ; dct:identifier ?id }"
    first = run_query(local, "SELECT ?id WHERE { ?d dct:identifier ?id } ORDER BY ?id LIMIT 1").rows[0][0]
    assert isinstance(first, pyoxigraph.Literal)
    ident = first.value
    control = kg("query", query, "--param", f"id={ident}", "--format", "csv", "--endpoint", union_server.query)
    assert control.exit_code == 0 and control.stdout.count("\n") == 2  # header + the one document
    for attempt in INJECTIONS:
        for where in (("--build", str(build)), ("--endpoint", union_server.query)):
            result = kg("query", query, "--param", f"id={attempt}", "--format", "csv", *where)
            assert result.exit_code == 0, result.output
            assert result.stdout.strip() == "doc", f"{attempt!r} via {where[0]} matched rows"
        result = kg("query", "--name", "claims-about", "--param", f"entity={attempt}", "--endpoint",
                    union_server.query)
        assert result.exit_code == 2 and "no entity is named" in result.stderr


# --- failures: one line, exit code 2 -----------------------------------------------------------------------


def _one_line(result: Result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_unreachable_endpoint_is_one_line_and_exit_2() -> None:
    url = f"http://reader:s3cret@127.0.0.1:{free_port()}/query"
    for args in (["query", "--name", "documents"], ["cite", RIVAL]):
        result = kg(*args, "--endpoint", url)
        assert result.exit_code == 2
        line = _one_line(result)
        assert line.startswith("kg: error: http://127.0.0.1:") and "cannot reach the SPARQL endpoint" in line
        assert "s3cret" not in result.stderr


def test_unreachable_endpoint_from_the_real_command_line() -> None:
    url = f"http://127.0.0.1:{free_port()}/query"
    proc = subprocess.run([sys.executable, "-m", "kg", "cite", RIVAL, "--endpoint", url], capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and url in proc.stderr


def test_wrong_urls_and_bad_answers_say_what_to_do(union_server: OxigraphServer, tmp_path: Path) -> None:
    result = kg("query", "--name", "documents", "--endpoint", union_server.store)  # the Graph Store URL
    assert result.exit_code == 2 and "not a SPARQL query endpoint" in _one_line(result)
    result = kg("query", "--name", "documents", "--endpoint", "localhost:7878/query")
    assert result.exit_code == 2 and "http:// or https://" in _one_line(result)
    with auth_proxy(union_server.base, "reader", "pw") as proxy:
        result = kg("cite", RIVAL, "--endpoint", proxy.portal)  # a 200 HTML page
        assert result.exit_code == 2 and "Content-Type text/html" in _one_line(result)
    with running_oxigraph(tmp_path / "empty") as empty:
        result = kg("query", "--name", "documents", "--endpoint", empty.query)
        assert result.exit_code == 2 and "holds no policy-kg build" in _one_line(result)


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/query"
        started = time.monotonic()
        result = kg("query", "--name", "documents", "--endpoint", url, "--timeout", "0.5")
        assert result.exit_code == 2 and "no answer within 0.5 s" in _one_line(result)
        assert time.monotonic() - started < 30


@pytest.mark.parametrize("scheme", ["basic", "digest"])
def test_credentials_basic_and_digest(scheme: str, build: Path, union_server: OxigraphServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with auth_proxy(union_server.base, "reader", "pa:ss", scheme) as proxy:
        refused = kg("query", "--name", "documents", "--endpoint", proxy.query)
        assert refused.exit_code == 2 and "refused access (401" in _one_line(refused)
        assert "--user" in refused.stderr
        wrong = kg("query", "--name", "documents", "--endpoint", proxy.query, "--user", "reader:nope")
        assert wrong.exit_code == 2 and "refused access" in wrong.stderr
        here = kg("query", "--name", "documents", "--build", str(build))
        there = kg("query", "--name", "documents", "--endpoint", proxy.query, "--user", "reader:pa:ss")
        assert there.exit_code == 0, there.output
        assert there.stdout == here.stdout
        monkeypatch.setenv("KG_ENDPOINT_USER", "reader:pa:ss")
        cited = kg("cite", RIVAL, "--endpoint", proxy.query, "--format", "json")
        assert cited.exit_code == 0 and cited.stdout == kg("cite", RIVAL, "--build", str(build), "--format",
                                                            "json").stdout


# --- pieces --------------------------------------------------------------------------------------------------


def test_predeclared_prefixes_are_sent_unless_the_query_declares_them() -> None:
    prefixes = {"kg": "https://policy-kg.org/ns#", "e": "https://policy-kg.org/id/entity/"}
    text = "PREFIX kg: <urn:mine#>\nSELECT * WHERE { ?x a kg:Lab }"
    sent = with_prefixes(text, prefixes)
    assert sent.endswith(text)
    assert "PREFIX e: <https://policy-kg.org/id/entity/>" in sent and "<https://policy-kg.org/ns#>" not in sent
    assert with_prefixes("SELECT * WHERE { ?x ?p 'PREFIX kg: <x>' }", prefixes).count("PREFIX kg:") == 2


def test_backend_names_the_graphs_and_refuses_unknown_modes(union_server: OxigraphServer,
                                                            local: Dataset) -> None:
    with EndpointBackend.connect(union_server.query) as backend:
        assert backend.graphs() == local.graphs
    with pytest.raises(InputError, match="--default-graph 'sometimes': choose one of auto, union, list"):
        EndpointBackend.connect(union_server.query, default_graph="sometimes")


def test_server_errors_name_the_endpoint(union_server: OxigraphServer) -> None:
    """A query only the server sees (past the local checks: trusted text pyoxigraph reads) that the server
    rejects comes back as one line naming the endpoint."""
    rejected = r"^http://127\.0\.0\.1:\d+/query: the server rejected the query \(400: .+\)$"
    with EndpointBackend.connect(union_server.query) as backend, pytest.raises(EndpointError, match=rejected):
        backend.query("SELECT * WHERE { ?s ?p }", prefixes={}, form="SELECT")



# Virtuoso 7.2.5 (Debian's virtuoso-opensource-7) answered these bytes to a POSTed ASK, true and false
VIRTUOSO_ASK_TRUE = (b'\n{ "head": { "link": [], "vars": ["__ASK_RETVAL"] },\n  "results": { "distinct": false, '
                     b'"ordered": true, "bindings": [\n    { "__ASK_RETVAL": { "type": "typed-literal", "datatype": '
                     b'"http://www.w3.org/2001/XMLSchema#integer", "value": "1" }} ] } }')
VIRTUOSO_ASK_FALSE = (b'\n{ "head": { "link": [], "vars": ["__ASK_RETVAL"] },\n  "results": { "distinct": false, '
                      b'"ordered": true, "bindings": [ ] } }')


def test_virtuoso_ask_answers_are_read_as_booleans() -> None:
    for body, expected in ((VIRTUOSO_ASK_TRUE, True), (VIRTUOSO_ASK_FALSE, False)):
        response = httpx.Response(200, headers={"content-type": "application/sparql-results+json"}, content=body)
        assert parse_answer("http://127.0.0.1:8890/sparql", response) == Boolean(expected)
