"""How fast `kg viz` builds a page for a large graph, and how soon that page is usable in headless Chromium.

    .venv/bin/python bench/viz_bench.py [--nodes 20000] [--edges-per-node 3] [--seed 7] [--compare-ref COMMIT]

A synthetic store in the shape of docs/graph-model.md (a preferential-attachment graph, so there are hubs as
in real news graphs; entities in graph/cross, relations asserted in document graphs, claims about entities)
goes through the real pipeline: read the store -> select -> lay out -> write the page. The page is then
opened from file:// in Debian's chromium (one request: the file). Measured on each page:

- interactive_ms: from navigation start until the first frame of the graph is drawn AND the page script
  has wired search, filters and panel (``kgViz.ready``, set in vis-network's first ``afterDrawing``);
- search_ms: a person's search right after that: click the search box, type an entity's full name, press
  Enter, until the side panel shows that entity (real keyboard events through Playwright);
- click_ms: a real mouse click on a node until its panel is shown;
- redraw_ms (one full frame), select_ms and filter_ms (the page API: select an entity; one document's
  filter then reset).

Baselines measured in the same run put the numbers in context:
- a bare vis-network page with the same nodes, edges, labels and positions and physics off (no search,
  panel, legend or filters): what drawing the graph with vis-network costs at all;
- with --compare-ref, the page that commit's ``kg`` package writes for the same store (its code is taken
  with ``git archive`` into a temporary folder and run in a subprocess): before against after;
- the default ``--max-nodes`` page (2,000 entities) of the same store, against the uncapped page;
- pyvis's own ``Network.from_nx`` on a smaller graph (it is quadratic; at 20,000 nodes it takes minutes),
  against filling pyvis's lists directly on that same graph.
Results are printed and written to bench/results/viz_bench.json, with the load average at start and end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
from pyvis.network import Network

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.viz import viz_html_from_data, write_atomic  # noqa: E402
from kg.viz_data import read_graph  # noqa: E402
from kg.viz_select import VizOptions  # noqa: E402

BASE = "https://policy-kg.org/id/"
KG = "https://policy-kg.org/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
TYPES = [("Lab", 8), ("Company", 10), ("Model", 20), ("Person", 20), ("GovernmentBody", 8), ("University", 6),
         ("ResearchCenter", 6), ("Country", 2), ("City", 4), ("Policy", 6), ("Report", 6), ("Benchmark", 4)]
PREDICATES = ["partOf", "developedBy", "basedIn", "worksFor", "competesWith", "collaboratesWith", "outperforms"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def synthetic_store(nodes: int, m: int, seed: int) -> tuple[ox.Store, int]:
    rng = random.Random(seed)
    graph = nx.barabasi_albert_graph(nodes, m, seed=seed)
    store = ox.Store()
    cross = n(BASE + "graph/cross")
    names = [t for t, _ in TYPES]
    weights = [w for _, w in TYPES]
    quads = []
    for i in range(nodes):
        e = n(f"{BASE}entity/e{i}")
        quads.append(ox.Quad(e, RDF_TYPE, n(KG + rng.choices(names, weights)[0]), cross))
        quads.append(ox.Quad(e, n(SKOS + "prefLabel"), ox.Literal(f"Entity {i} {rng.choice('ABCDEFGH')}lab"), cross))
        if i % 3 == 0:
            quads.append(ox.Quad(e, n(SKOS + "altLabel"), ox.Literal(f"E{i}"), cross))
    docs = max(1, nodes // 40)
    for d in range(docs):
        doc = n(f"{BASE}doc/news/d{d}")
        g = n(f"{BASE}graph/doc/news/d{d}")
        quads += [ox.Quad(doc, RDF_TYPE, n(KG + "Document"), g),
                  ox.Quad(doc, n("http://purl.org/dc/terms/identifier"), ox.Literal(f"news/d{d}"), g),
                  ox.Quad(doc, n("http://purl.org/dc/terms/title"), ox.Literal(f"Synthetic article {d}"), g),
                  ox.Quad(doc, n(KG + "text"), ox.Literal("x" * 400), g)]
    edges = list(graph.edges())
    for k, (a, b) in enumerate(edges):
        d = k % docs
        g = n(f"{BASE}graph/doc/news/d{d}")
        quads.append(ox.Quad(n(f"{BASE}entity/e{a}"), n(KG + rng.choice(PREDICATES)), n(f"{BASE}entity/e{b}"), g))
        for e in (a, b):
            quads.append(ox.Quad(n(f"{BASE}doc/news/d{d}"), n(KG + "mentions"), n(f"{BASE}entity/e{e}"), g))
    for c in range(nodes // 4):
        d = c % docs
        g = n(f"{BASE}graph/doc/news/d{d}")
        claim = n(f"{BASE}claim/news/d{d}/{c}")
        quads += [ox.Quad(claim, RDF_TYPE, n(KG + "Claim"), g),
                  ox.Quad(claim, n(KG + "text"), ox.Literal(f"Claim number {c} about a synthetic entity."), g),
                  ox.Quad(claim, n(KG + "statedIn"), n(f"{BASE}doc/news/d{d}"), g),
                  ox.Quad(claim, n(KG + "modality"), n(KG + "asserted"), g),
                  ox.Quad(claim, n(KG + "about"), n(f"{BASE}entity/e{rng.randrange(nodes)}"), g)]
    store.extend(quads)
    return store, len(edges)


def from_nx_baseline(nodes: int, m: int, seed: int) -> tuple[float, float]:
    """pyvis's from_nx against filling the same pyvis lists directly, on one graph."""
    graph = nx.barabasi_albert_graph(nodes, m, seed=seed)
    started = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    net.from_nx(graph)
    slow = time.perf_counter() - started
    started = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    for i in graph.nodes():
        node = {"id": i, "label": str(i), "shape": "dot"}
        net.nodes.append(node)
        net.node_ids.append(i)
        net.node_map[i] = node
    net.edges.extend({"from": a, "to": b} for a, b in graph.edges())
    fast = time.perf_counter() - started
    return slow, fast


BARE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body,#g{height:100%;margin:0}</style>
</head><body><div id="g"></div><script>%%VIS%%</script><script>
const data = %%DATA%%;
const net = new vis.Network(document.getElementById('g'), {nodes: new vis.DataSet(data.nodes),
  edges: new vis.DataSet(data.edges)}, {physics: {enabled: false}, layout: {improvedLayout: false},
  edges: {smooth: false}, interaction: {hideEdgesOnDrag: true, hideEdgesOnZoom: true}});
net.fit();
net.once('afterDrawing', () => { window.kgViz = {ready: true, network: net}; });
</script></body></html>"""


def bare_page(html: str, path: Path) -> Path:
    """The same nodes (id, position, shortened label) and edges on a bare vis-network page."""
    from kg.viz_page import _assets
    from kg.viz_payload import _short

    match = re.search(r'id="kg-data">(.*?)</script>', html, re.S)
    assert match is not None
    data = json.loads(match.group(1))
    xs, ys = data["nodes"]["x"], data["nodes"]["y"]
    nodes = [{"id": i, "x": xs[i], "y": ys[i], "label": _short(data["entities"][i]["label"])} for i in range(len(xs))]
    rel = data["relations"]
    edges = [{"id": k, "from": a, "to": b} for k, (a, b) in enumerate(zip(rel["from"], rel["to"], strict=True))]
    page = BARE_PAGE.replace("%%DATA%%", json.dumps({"nodes": nodes, "edges": edges}))
    write_atomic(path, page.replace("%%VIS%%", _assets().vis_js))
    return path


OLD_PAGE = """
import sys, time
sys.path.insert(0, {code!r})
from kg.viz import viz_html_from_data, write_atomic  # that commit's kg, imported before the bench's own path
from kg.viz_data import read_graph
from kg.viz_select import VizOptions
sys.path.insert(1, {bench!r})
from viz_bench import synthetic_store
import kg
assert kg.__file__.startswith({code!r}), kg.__file__
from pathlib import Path
store, _ = synthetic_store({nodes}, {m}, {seed})
data = read_graph(store)
started = time.perf_counter()
html, _stats = viz_html_from_data(data, VizOptions(max_nodes={nodes}))
write_atomic(Path({out!r}), html)
print(round(time.perf_counter() - started, 2))
"""


def page_at_commit(ref: str, nodes: int, m: int, seed: int, out: Path) -> float:
    """Write the uncapped page with the ``kg`` package of commit ``ref``; returns its generate seconds."""
    code = Path(tempfile.mkdtemp(prefix="viz-bench-ref-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "kg"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(code)], input=archive.stdout, check=True)
    script = OLD_PAGE.format(code=str(code), bench=str(ROOT / "bench"), nodes=nodes, m=m, seed=seed, out=str(out))
    done = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, cwd=code)
    return float(done.stdout.strip().splitlines()[-1])


# a mid-ranked entity (not a hub, not a leaf), found by its full name; then a real click on another one
FIND = """() => { const data = JSON.parse(document.getElementById('kg-data').textContent);
    const shown = data.entities.filter(e => e.shown !== false).slice(0, 20000);
    const pick = k => shown[Math.floor(shown.length * k)];
    return [pick(0.37).label, pick(0.61).iri]; }"""
AIM = """iri => new Promise(done => { const data = JSON.parse(document.getElementById('kg-data').textContent);
    const id = data.entities.findIndex(e => e.iri === iri), net = kgViz.network;
    net.once('afterDrawing', () => done(net.canvasToDOM(net.getPosition(id))));
    net.moveTo({position: net.getPosition(id), scale: 1.2}); net.redraw(); })"""


def use_page(page: Any) -> dict[str, float]:
    """A real search and a real click, each until the side panel shows the entity."""
    name, iri = page.evaluate(FIND)
    started = time.perf_counter()
    page.click("#kg-search-ts-control")
    page.keyboard.type(name)
    page.wait_for_selector(".ts-dropdown .option", timeout=180_000)
    page.keyboard.press("Enter")
    page.wait_for_selector("#kg-panel:not([hidden]) h2", timeout=180_000)
    search_ms = (time.perf_counter() - started) * 1000
    search_right = page.inner_text("#kg-panel h2") == name  # the old page could pick another entity
    page.keyboard.press("Escape")
    pos = page.evaluate(AIM, iri)
    rect = page.locator("#kg-graph canvas").bounding_box()
    started = time.perf_counter()
    page.mouse.click(rect["x"] + pos["x"], rect["y"] + pos["y"])
    page.wait_for_selector("#kg-panel:not([hidden]) h2", timeout=180_000)
    click_ms = (time.perf_counter() - started) * 1000
    click_right = page.evaluate("kgViz.selected()") == iri
    return {"search_ms": search_ms, "click_ms": click_ms, "search_right": float(search_right),
            "click_right": float(click_right)}


def browser_times(paths: dict[str, Path], repeats: int) -> dict[str, dict[str, float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, dict[str, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, path in paths.items():
            runs: dict[str, list[float]] = {"interactive_ms": [], "search_ms": [], "click_ms": [], "redraw_ms": [],
                                            "select_ms": [], "filter_ms": [], "search_right": [], "click_right": []}
            for _ in range(repeats):
                page = browser.new_page(viewport={"width": 1400, "height": 860})
                requests: list[str] = []
                page.on("request", lambda r, log=requests: log.append(r.url))
                page.goto(path.as_uri(), timeout=180_000)
                page.wait_for_function("window.kgViz && window.kgViz.ready", timeout=180_000)
                runs["interactive_ms"].append(page.evaluate("performance.now()"))
                assert requests == [path.as_uri()], requests
                runs["redraw_ms"].append(page.evaluate("""() => { const net = kgViz.network;
                    const t = performance.now(); net.redraw(); return performance.now() - t; }"""))
                if name.startswith("bare"):
                    page.close()
                    continue
                for key, value in use_page(page).items():
                    runs[key].append(value)
                runs["select_ms"].append(page.evaluate("""() => { const t = performance.now();
                    kgViz.select(kgViz.nodeIris()[0]); return performance.now() - t; }"""))
                runs["filter_ms"].append(page.evaluate("""() => { const t = performance.now();
                    kgViz.setDocument(0); kgViz.reset(); return performance.now() - t; }"""))
                page.close()
            out[name] = {k: round(statistics.median(v), 1) for k, v in runs.items() if v}
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=20_000)
    parser.add_argument("--edges-per-node", type=int, default=3)
    parser.add_argument("--baseline-nodes", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--compare-ref", default=None, metavar="COMMIT",
                        help="also measure the page that this commit's kg package writes (before/after)")
    args = parser.parse_args()

    started = time.perf_counter()
    store, n_edges = synthetic_store(args.nodes, args.edges_per_node, args.seed)
    print(f"synthetic store: {args.nodes:,} entities, {n_edges:,} relations, {len(store):,} quads "
          f"({time.perf_counter() - started:.1f} s)")

    # the machine is shared: record how busy it was, the numbers scale with it
    results: dict[str, Any] = {"nodes": args.nodes, "relations": n_edges, "cpus": os.cpu_count(),
                               "load_avg_start": round(os.getloadavg()[0], 1)}
    started = time.perf_counter()
    data = read_graph(store)
    results["read_store_s"] = round(time.perf_counter() - started, 2)

    pages: dict[str, Path] = {}
    tmp = Path(tempfile.mkdtemp(prefix="viz-bench-"))
    for name, options in (("uncapped", VizOptions(max_nodes=args.nodes)), ("default_cap", VizOptions())):
        started = time.perf_counter()
        html, stats = viz_html_from_data(data, options)
        write_atomic(tmp / f"{name}.html", html)
        results[f"{name}_generate_s"] = round(time.perf_counter() - started, 2)
        results[f"{name}_page_mb"] = round(stats.bytes / 1e6, 1)
        results[f"{name}_drawn"] = [stats.nodes, stats.edges]
        pages[name] = tmp / f"{name}.html"
        if name == "uncapped":
            pages["bare_vis_uncapped"] = bare_page(html, tmp / "bare.html")

    if args.compare_ref:
        pages["before_uncapped"] = tmp / "before.html"
        results["compare_ref"] = args.compare_ref
        results["before_generate_s"] = page_at_commit(args.compare_ref, args.nodes, args.edges_per_node, args.seed,
                                                      pages["before_uncapped"])
        results["before_page_mb"] = round(pages["before_uncapped"].stat().st_size / 1e6, 1)

    slow, fast = from_nx_baseline(args.baseline_nodes, args.edges_per_node, args.seed)
    results["baseline_nodes"] = args.baseline_nodes
    results["pyvis_from_nx_s"] = round(slow, 2)
    results["direct_lists_s"] = round(fast, 4)
    results["from_nx_over_direct"] = round(slow / max(fast, 1e-9), 1)

    results["browser"] = browser_times(pages, args.repeats)
    results["load_avg_end"] = round(os.getloadavg()[0], 1)
    browser = results["browser"]
    results["interactive_over_bare_vis"] = round(browser["uncapped"]["interactive_ms"]
                                                 / browser["bare_vis_uncapped"]["interactive_ms"], 2)
    if "before_uncapped" in browser:
        results["before_interactive_over_bare_vis"] = round(browser["before_uncapped"]["interactive_ms"]
                                                            / browser["bare_vis_uncapped"]["interactive_ms"], 2)
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "results" / "viz_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {out}")


if __name__ == "__main__":
    main()
