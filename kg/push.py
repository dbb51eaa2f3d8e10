"""`kg push`: load a build into any SPARQL 1.1 Graph Store HTTP Protocol server, one named graph at a time.

Each named graph is PUT (replaced) only when its content changed since the last push to that endpoint,
and DELETEd when its document is gone. What was pushed is remembered in ``BUILD/push/<endpoint-hash>.json``;
with ``query_endpoint`` the server itself is asked which of our graphs it holds, so graphs left over from
another machine's pushes are deleted too.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph

from kg.errors import BuildError, KgError
from kg.sparql_http import BasicOrDigestAuth
from kg.store import GRAPH_FILE

NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class PushResult:
    endpoint: str
    replaced: tuple[str, ...]
    unchanged: int
    deleted: tuple[str, ...]


def _graphs(trig: Path) -> dict[str, bytes]:
    """Named graph IRI -> its triples as sorted N-Triples bytes."""
    if not trig.is_file():
        raise BuildError(f"{trig}: no built graph here; run `kg build` first (or pass --build DIR)")
    lines: dict[str, list[str]] = defaultdict(list)
    for quad in pyoxigraph.parse(path=str(trig), format=pyoxigraph.RdfFormat.TRIG):
        if isinstance(quad.graph_name, pyoxigraph.NamedNode):
            triple = pyoxigraph.Triple(quad.subject, quad.predicate, quad.object)
            lines[quad.graph_name.value].append(f"{triple} .\n")
    return {g: "".join(sorted(ts)).encode("utf-8") for g, ts in sorted(lines.items())}


def _state_path(build: Path, endpoint: str) -> Path:
    return build / "push" / (hashlib.sha256(endpoint.encode()).hexdigest()[:16] + ".json")


def _write_state(path: Path, endpoint: str, hashes: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".push-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({"endpoint": endpoint, "graphs": hashes}, fh, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _graph_prefix(graphs: dict[str, bytes]) -> str | None:
    """The ``{base}graph/`` prefix of our graphs, from the ontology graph's IRI."""
    for g in graphs:
        if g.endswith("graph/ontology"):
            return g[: -len("ontology")]
    return None


def _server_graphs(client: httpx.Client, query_endpoint: str, prefix: str) -> set[str]:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    resp = client.post(query_endpoint, data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    _check(resp, query_endpoint)
    rows = resp.json()["results"]["bindings"]
    return {r["g"]["value"] for r in rows if r["g"]["value"].startswith(prefix)}


def _check(resp: httpx.Response, what: str) -> None:
    if resp.status_code >= 400:
        detail = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else resp.reason_phrase
        raise KgError(f"{what}: the server answered {resp.status_code} ({detail})")


def push(
    build: Path,
    endpoint: str,
    *,
    query_endpoint: str | None = None,
    force: bool = False,
    timeout: float = 120.0,
    auth: tuple[str, str] | None = None,
) -> PushResult:
    """Replace changed named graphs at a Graph Store endpoint, delete those whose documents are gone."""
    graphs = _graphs(build / GRAPH_FILE)
    hashes = {g: hashlib.sha256(body).hexdigest() for g, body in graphs.items()}
    state_file = _state_path(build, endpoint)
    previous: dict[str, str] = {}
    if state_file.is_file() and not force:
        previous = json.loads(state_file.read_text(encoding="utf-8")).get("graphs", {})
    replaced: list[str] = []
    deleted: list[str] = []
    try:
        # basic auth, or digest when the server asks for it (Virtuoso's /sparql-graph-crud-auth)
        with httpx.Client(timeout=timeout, auth=BasicOrDigestAuth(*auth) if auth else None, trust_env=False) as client:
            stale = set(previous) - set(graphs)
            prefix = _graph_prefix(graphs)
            if query_endpoint and prefix:
                stale |= _server_graphs(client, query_endpoint, prefix) - set(graphs)
            for g in sorted(graphs):
                if previous.get(g) == hashes[g]:
                    continue
                resp = client.put(endpoint, params={"graph": g}, content=graphs[g], headers={"Content-Type": NTRIPLES})
                _check(resp, f"PUT {g}")
                replaced.append(g)
                previous[g] = hashes[g]
                _write_state(state_file, endpoint, previous)  # progress survives an interruption
            for g in sorted(stale):
                resp = client.delete(endpoint, params={"graph": g})
                if resp.status_code != 404:
                    _check(resp, f"DELETE {g}")
                deleted.append(g)
                previous.pop(g, None)
    except httpx.HTTPError as err:
        raise KgError(f"{endpoint}: cannot reach the Graph Store endpoint ({err}); is the server running?") from err
    finally:
        if previous or state_file.exists():
            _write_state(state_file, endpoint, {g: h for g, h in previous.items() if g in graphs})
    return PushResult(endpoint, tuple(replaced), len(graphs) - len(replaced), tuple(deleted))
