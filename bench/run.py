"""The benchmark suite (`make bench`, `make bench-quick`).

Every measurement is a ratio against a baseline measured in the same run, because these machines are
shared and noisy:

1. build throughput: words/s of `kg build --workers W` against the same spaCy pipeline alone over the same
   texts with W worker processes (bench/raw_spacy.py), both fresh processes timed end to end;
2. incremental rebuild: one changed document out of N, against the full build of those N;
3. query speed: every named query through the tool (`kg.named_queries.run_named`) against the same
   SPARQL text run on pyoxigraph directly; rdflib's in-memory store shown for reference;
4. visualisation: `bench/viz_bench.py` (page generation and time to interactive in headless Chromium);
5. memory: peak RSS (the build process and its workers, summed) of the largest build.

Results: a Markdown table and JSON in bench/results/ (latest.md / latest.json), and the table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate import generate  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "corpora"


@dataclass(frozen=True)
class Plan:
    throughput_docs: int
    incremental_docs: int
    memory_docs: int
    viz_nodes: int
    query_repeats: int
    rdflib_reference: bool


PLANS = {
    "quick": Plan(throughput_docs=60, incremental_docs=120, memory_docs=120, viz_nodes=2_000, query_repeats=3,
                  rdflib_reference=False),
    "full": Plan(throughput_docs=1_000, incremental_docs=2_000, memory_docs=10_000, viz_nodes=20_000,
                 query_repeats=5, rdflib_reference=True),
}



def timed_process(args: list[str]) -> tuple[float, int, str]:
    """Run a process to completion; return wall seconds, peak summed RSS of its tree (bytes), stdout."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    parent = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            pass
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {err.strip().splitlines()[-1:]}")
    return seconds, peak, out


def kg_build(corpus: Path, out: Path, workers: int) -> tuple[float, int, dict[str, int]]:
    seconds, peak, stdout = timed_process([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out),
                                           "--workers", str(workers), "--json", "--no-progress"])
    return seconds, peak, json.loads(stdout.strip().splitlines()[-1])


def make_corpus(docs: int) -> tuple[Path, int]:
    """Synthetic articles plus the sample corpus (so named queries' example parameters resolve)."""
    path = WORK / f"c{docs}"
    if path.exists():
        shutil.rmtree(path)
    words = generate(path / "synthetic", docs)
    shutil.copytree(ROOT / "corpus", path / "sample")
    return path, words


def corpus_words(path: Path) -> int:
    from kg.config import Settings
    from kg.corpus import read_corpus

    return sum(len(d.text.split()) for d in read_corpus([path], Settings()).documents)


def bench_throughput(plan: Plan, workers: int) -> dict[str, Any]:
    corpus, _ = make_corpus(plan.throughput_docs)
    words = corpus_words(corpus)
    raw_s, _, _ = timed_process([sys.executable, str(ROOT / "bench" / "raw_spacy.py"), str(corpus), str(workers)])
    shutil.rmtree(WORK / "b-throughput", ignore_errors=True)  # a cold build: nothing from the cache
    build_s, _, summary = kg_build(corpus, WORK / "b-throughput", workers)
    return {"documents": summary["documents"], "words": words, "workers": workers,
            "raw_spacy_words_per_s": round(words / raw_s), "kg_build_words_per_s": round(words / build_s),
            "ratio": round(raw_s / build_s, 3)}


def bench_incremental(plan: Plan, workers: int) -> tuple[dict[str, Any], Path]:
    corpus, _ = make_corpus(plan.incremental_docs)
    out = WORK / "b-incremental"
    shutil.rmtree(out, ignore_errors=True)
    full_s, peak, summary = kg_build(corpus, out, workers)
    victim = sorted((corpus / "synthetic").glob("*.md"))[len(list((corpus / "synthetic").glob("*.md"))) // 2]
    victim.write_text(victim.read_text(encoding="utf-8") + "\nThe company declined to comment further.\n",
                      encoding="utf-8")
    inc_s, _, inc = kg_build(corpus, out, workers)
    return ({"documents": summary["documents"], "full_build_s": round(full_s, 2), "rebuild_one_changed_s":
             round(inc_s, 2), "extracted_on_rebuild": inc["extracted"], "ratio": round(inc_s / full_s, 4),
             "full_build_peak_rss_mb": round(peak / 2**20)}, out)


def _example_params(example: str) -> dict[str, str]:
    """The ``--param k=v`` pairs of a named query's example line."""
    return {k: v.strip("'\"") for k, v in re.findall(r"--param\s+(\w+)=(\"[^\"]*\"|'[^']*'|\S+)", example)}


def bench_queries(build: Path, plan: Plan) -> dict[str, Any]:
    import pyoxigraph
    import rdflib

    from kg.named_queries import bind_params, load_named_queries, run_named
    from kg.query import bind_values, open_dataset

    ds = open_dataset(build)
    triples = len(ds.store)
    reference: rdflib.Dataset | None = None
    if plan.rdflib_reference:
        reference = rdflib.Dataset(default_union=True)
        reference.parse(build / "graph.trig", format="trig")
    rows: dict[str, Any] = {}
    for name, query in sorted(load_named_queries().items()):
        params = _example_params(query.example)
        tool, direct, ref = [], [], []
        bound_text, _, _ = bind_values(query.text, bind_params(ds, params, query.params))
        for _ in range(plan.query_repeats):
            t = time.perf_counter()
            answer = run_named(ds, name, params)
            tool.append(time.perf_counter() - t)
            t = time.perf_counter()
            result = ds.store.query(bound_text, prefixes=dict(ds.prefixes), use_default_graph_as_union=True)
            if isinstance(result, pyoxigraph.QuerySolutions):
                list(result)
            direct.append(time.perf_counter() - t)
        ref_error = None
        if reference is not None and statistics.median(direct) > 5.0:
            ref_error = "skipped (pyoxigraph > 5 s)"
        elif reference is not None:
            t = time.perf_counter()
            try:
                list(reference.query(bound_text))
                ref.append(time.perf_counter() - t)
            except Exception as err:  # rdflib's engine cannot evaluate every query pyoxigraph can
                ref_error = type(err).__name__
        tool_ms, direct_ms = statistics.median(tool) * 1e3, statistics.median(direct) * 1e3
        print(f"    {name}: {answer.size} rows, kg {tool_ms:.1f} ms, pyoxigraph {direct_ms:.1f} ms", flush=True)
        rows[name] = {"rows": answer.size, "kg_ms": round(tool_ms, 2), "pyoxigraph_ms": round(direct_ms, 2),
                      "ratio": round(tool_ms / max(direct_ms, 1e-3), 3),
                      "rdflib_ms": round(statistics.median(ref) * 1e3, 1) if ref else ref_error}
    worst = max(r["ratio"] for r in rows.values())
    return {"quads": triples, "queries": rows, "worst_ratio": worst}


def bench_viz(plan: Plan) -> dict[str, Any]:
    _, _, _ = timed_process([sys.executable, str(ROOT / "bench" / "viz_bench.py"), "--nodes", str(plan.viz_nodes),
                             "--baseline-nodes", str(min(2_000, plan.viz_nodes // 2)), "--repeats", "1"])
    return dict(json.loads((RESULTS / "viz_bench.json").read_text(encoding="utf-8")))


def report(results: dict[str, Any]) -> str:
    t, inc, q, mem = results["throughput"], results["incremental"], results["queries"], results["memory"]
    viz = results.get("viz", {})
    lines = [
        f"# Benchmark ({results['plan']}, {results['when']}, {os.cpu_count()} cores)", "",
        "| measure | result | baseline (same run) | ratio | target |", "|---|---|---|---|---|",
        f"| build throughput, {t['documents']} docs, {t['workers']} workers | {t['kg_build_words_per_s']:,} words/s"
        f" | raw spaCy {t['raw_spacy_words_per_s']:,} words/s | {t['ratio']:.2f} | ≥ 0.85 |",
        f"| incremental rebuild, 1 of {inc['documents']} changed | {inc['rebuild_one_changed_s']} s"
        f" | full build {inc['full_build_s']} s | {inc['ratio']:.3f} | ≤ 0.03 |",
        f"| named queries on {q['quads']:,} quads (worst of {len(q['queries'])}) | see below | pyoxigraph direct"
        f" | {q['worst_ratio']:.2f} | ≤ 1.5 |",
        f"| peak RSS, {mem['documents']}-document build | {mem['peak_rss_mb']:,} MB | – | – | ≤ 2,048 MB |",
    ]
    if viz:
        browser = viz.get("browser", {}).get("uncapped", {})
        lines.append(f"| {viz.get('nodes', 0):,}-node page | generated in {viz.get('uncapped_generate_s')} s, "
                     f"interactive in {browser.get('interactive_ms', '?')} ms | – | – | ≤ 5,000 ms |")
    lines += ["", "| query | rows | kg ms | pyoxigraph ms | ratio | rdflib ms |", "|---|---|---|---|---|---|"]
    for name, r in q["queries"].items():
        cells = (name, r["rows"], r["kg_ms"], r["pyoxigraph_ms"], r["ratio"], r["rdflib_ms"])
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _save(results: dict[str, Any], name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / f".{name}.tmp"
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, RESULTS / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", choices=sorted(PLANS), default="quick")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-viz", action="store_true")
    args = parser.parse_args()
    plan = PLANS[args.plan]
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"plan": args.plan, "when": time.strftime("%Y-%m-%d %H:%M")}
    print("1/5 build throughput …", flush=True)
    results["throughput"] = bench_throughput(plan, args.workers)
    _save(results, "partial.json")
    print("2/5 incremental rebuild …", flush=True)
    results["incremental"], inc_build = bench_incremental(plan, args.workers)
    print("5/5 memory (largest build) …", flush=True)
    if plan.memory_docs == plan.incremental_docs:
        big_build, peak_mb, docs = inc_build, results["incremental"]["full_build_peak_rss_mb"], plan.incremental_docs
    else:
        corpus, _ = make_corpus(plan.memory_docs)
        big_build = WORK / "b-memory"
        shutil.rmtree(big_build, ignore_errors=True)
        _, peak, summary = kg_build(corpus, big_build, args.workers)
        peak_mb, docs = round(peak / 2**20), summary["documents"]
    results["memory"] = {"documents": docs, "peak_rss_mb": peak_mb}
    _save(results, "partial.json")
    print("3/5 query speed …", flush=True)
    results["queries"] = bench_queries(big_build, plan)
    if not args.skip_viz:
        print("4/5 visualisation …", flush=True)
        results["viz"] = bench_viz(plan)
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = report(results)
    for name, body in (("latest.json", json.dumps(results, indent=2) + "\n"), ("latest.md", table)):
        tmp = RESULTS / f".{name}.tmp"
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, RESULTS / name)
    print(table)


if __name__ == "__main__":
    main()
