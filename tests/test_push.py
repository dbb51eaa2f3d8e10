"""`kg push` against a real Oxigraph server speaking the SPARQL 1.1 Graph Store HTTP Protocol."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pyoxigraph
import pytest

from kg.errors import KgError
from kg.push import push
from tests.oxigraph_server import free_port, running_oxigraph

DOC_GRAPH = "https://policy-kg.org/id/graph/doc/news/a"


def _count(query_url: str, graph: str) -> int:
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    resp = httpx.post(query_url, data={"query": q}, headers={"Accept": "application/sparql-results+json"},
                      trust_env=False)
    resp.raise_for_status()
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


def _local_counts(trig: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for q in pyoxigraph.parse(path=str(trig), format=pyoxigraph.RdfFormat.TRIG):
        counts[q.graph_name.value] = counts.get(q.graph_name.value, 0) + 1  # type: ignore[union-attr]
    return counts


@pytest.fixture()
def build(tmp_path: Path, mini_trig: Path) -> Path:
    out = tmp_path / "build"
    out.mkdir()
    shutil.copy(mini_trig, out / "graph.trig")
    return out


def test_push_loads_every_named_graph_then_only_changes(build: Path, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "server") as server:
        first = push(build, server.store, query_endpoint=server.query)
        local = _local_counts(build / "graph.trig")
        assert sorted(first.replaced) == sorted(local)
        for graph, n in local.items():
            assert _count(server.query, graph) == n

        again = push(build, server.store, query_endpoint=server.query)
        assert again.replaced == () and again.deleted == () and again.unchanged == len(local)

        # the document is removed from the build: its graph goes, the others stay untouched
        ds = pyoxigraph.Dataset(pyoxigraph.parse(path=str(build / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG))
        kept = [q for q in ds if q.graph_name != pyoxigraph.NamedNode(DOC_GRAPH)]
        pyoxigraph.serialize(kept, output=str(build / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG)
        third = push(build, server.store, query_endpoint=server.query)
        assert third.deleted == (DOC_GRAPH,) and third.replaced == ()
        assert _count(server.query, DOC_GRAPH) == 0


def test_stale_graphs_on_the_server_are_found_without_local_state(build: Path, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "server") as server:
        stale = "https://policy-kg.org/id/graph/doc/gone"
        resp = httpx.put(server.store, params={"graph": stale}, content=b"<urn:a> <urn:b> <urn:c> .\n",
                         headers={"Content-Type": "application/n-triples"}, trust_env=False)
        assert resp.status_code in (200, 201, 204)
        result = push(build, server.store, query_endpoint=server.query)
        assert stale in result.deleted
        assert _count(server.query, stale) == 0


def test_unreachable_endpoint_is_one_clear_error(build: Path) -> None:
    port = free_port()
    with pytest.raises(KgError, match="cannot reach"):
        push(build, f"http://127.0.0.1:{port}/store", timeout=2)


def test_missing_build_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KgError, match="run `kg build` first"):
        push(tmp_path, "http://127.0.0.1:9/store")


def test_cli_push_json_summary(build: Path, tmp_path: Path) -> None:
    with running_oxigraph(tmp_path / "server") as server:
        proc = subprocess.run([sys.executable, "-m", "kg", "push", "--endpoint", server.store, "--build", str(build),
                               "--json"], capture_output=True, text=True, check=True)
        summary = json.loads(proc.stdout.strip().splitlines()[-1])
        assert summary["replaced"] == len(_local_counts(build / "graph.trig"))
