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

One stage alone, on corpora generated before (e.g. the 10,000-document memory build)::

    python bench/run.py --plan full --only memory --reuse
    python bench/run.py --plan full --only queries --reuse    # on the build the memory stage left
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
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
from bench.query_bench import bench_queries  # noqa: E402

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


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process and their children so far: the difference
    around ``timed_process`` is the CPU a run took, which the machine's load changes far less than wall time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def kg_build(corpus: Path, out: Path, workers: int) -> tuple[float, int, dict[str, int]]:
    seconds, peak, stdout = timed_process([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out),
                                           "--workers", str(workers), "--json", "--no-progress"])
    return seconds, peak, json.loads(stdout.strip().splitlines()[-1])


def make_corpus(docs: int, reuse: bool = False) -> Path:
    """Synthetic articles plus the sample corpus (so named queries' example parameters resolve), in
    ``bench/corpora/cN``; the generated facts go beside it (``cN.facts.jsonl``), never inside the corpus.
    ``reuse``: keep a corpus of that size generated before (same seed: the same files)."""
    path = WORK / f"c{docs}"
    if reuse and len(list((path / "synthetic").glob("*.md"))) == docs and (path / "sample").is_dir():
        return path
    if path.exists():
        shutil.rmtree(path)
    generate(path / "synthetic", docs, facts=WORK / f"c{docs}.facts.jsonl")
    shutil.copytree(ROOT / "corpus", path / "sample")
    return path


def corpus_words(path: Path) -> int:
    from kg.config import Settings
    from kg.corpus import read_corpus

    return sum(len(d.text.split()) for d in read_corpus([path], Settings()).documents)


def bench_throughput(plan: Plan, workers: int, reuse: bool) -> dict[str, Any]:
    corpus = make_corpus(plan.throughput_docs, reuse)
    words = corpus_words(corpus)
    cpu = children_cpu()
    raw_s, _, _ = timed_process([sys.executable, str(ROOT / "bench" / "raw_spacy.py"), str(corpus), str(workers)])
    raw_cpu, cpu = children_cpu() - cpu, children_cpu()
    shutil.rmtree(WORK / "b-throughput", ignore_errors=True)  # a cold build: nothing from the cache
    build_s, _, summary = kg_build(corpus, WORK / "b-throughput", workers)
    build_cpu = children_cpu() - cpu
    return {"documents": summary["documents"], "words": words, "workers": workers,
            "raw_spacy_words_per_s": round(words / raw_s), "kg_build_words_per_s": round(words / build_s),
            "ratio": round(raw_s / build_s, 3), "raw_spacy_s": round(raw_s, 1), "kg_build_s": round(build_s, 1),
            "raw_spacy_cpu_s": round(raw_cpu, 1), "kg_build_cpu_s": round(build_cpu, 1),
            "cpu_ratio": round(raw_cpu / max(build_cpu, 1e-3), 3)}


def bench_incremental(plan: Plan, workers: int, reuse: bool) -> tuple[dict[str, Any], Path]:
    corpus = make_corpus(plan.incremental_docs, reuse)
    out = WORK / "b-incremental"
    shutil.rmtree(out, ignore_errors=True)
    full_s, peak, summary = kg_build(corpus, out, workers)
    victim = sorted((corpus / "synthetic").glob("*.md"))[len(list((corpus / "synthetic").glob("*.md"))) // 2]
    original = victim.read_text(encoding="utf-8")
    victim.write_text(original + "\nThe company declined to comment further.\n", encoding="utf-8")
    try:
        inc_s, _, inc = kg_build(corpus, out, workers)
    finally:  # leave the corpus as generated, so that --reuse gets the same files
        victim.write_text(original, encoding="utf-8")
    return ({"documents": summary["documents"], "full_build_s": round(full_s, 2), "rebuild_one_changed_s":
             round(inc_s, 2), "extracted_on_rebuild": inc["extracted"], "ratio": round(inc_s / full_s, 4),
             "full_build_peak_rss_mb": round(peak / 2**20)}, out)


def bench_viz(plan: Plan) -> dict[str, Any]:
    _, _, _ = timed_process([sys.executable, str(ROOT / "bench" / "viz_bench.py"), "--nodes", str(plan.viz_nodes),
                             "--baseline-nodes", str(min(2_000, plan.viz_nodes // 2)), "--repeats", "1"])
    return dict(json.loads((RESULTS / "viz_bench.json").read_text(encoding="utf-8")))


def bench_memory(plan: Plan, workers: int, reuse: bool, docs: int | None) -> tuple[dict[str, Any], Path]:
    """Peak RSS of a cold build (the build process and its workers, summed, sampled every 50 ms)."""
    docs = docs or plan.memory_docs
    corpus = make_corpus(docs, reuse)
    out = WORK / "b-memory"
    shutil.rmtree(out, ignore_errors=True)
    seconds, peak, summary = kg_build(corpus, out, workers)
    return {"documents": summary["documents"], "claims": summary["claims"], "build_s": round(seconds, 1),
            "peak_rss_mb": round(peak / 2**20)}, out


def existing_build() -> Path | None:
    """The largest build a previous run left (for ``--only queries --reuse``)."""
    for name in ("b-memory", "b-incremental", "b-throughput"):
        if (WORK / name / "manifest.json").is_file():
            return WORK / name
    return None


def report(results: dict[str, Any]) -> str:
    t, inc, q, mem = (results.get(k) for k in ("throughput", "incremental", "queries", "memory"))
    viz = results.get("viz", {})
    lines = [
        f"# Benchmark ({results['plan']}, {results['when']}, {os.cpu_count()} cores, "
        f"load average {results.get('load', '?')})", "",
        "| measure | result | baseline (same run) | ratio | target |", "|---|---|---|---|---|",
    ]
    if t:
        lines.append(f"| build throughput, {t['documents']} docs, {t['workers']} workers | "
                     f"{t['kg_build_words_per_s']:,} words/s | raw spaCy {t['raw_spacy_words_per_s']:,} words/s | "
                     f"{t['ratio']:.2f} | ≥ 0.85 |")
        if "cpu_ratio" in t:
            lines.append(f"| build CPU (all processes), same run | {t['kg_build_cpu_s']} s | raw spaCy "
                         f"{t['raw_spacy_cpu_s']} s | {t['cpu_ratio']:.2f} | – |")
    if inc:
        lines.append(f"| incremental rebuild, 1 of {inc['documents']} changed | {inc['rebuild_one_changed_s']} s"
                     f" | full build {inc['full_build_s']} s | {inc['ratio']:.3f} | ≤ 0.03 |")
    if q:
        lines.append(f"| named queries on {q['quads']:,} quads (worst of {len(q['queries'])}) | see below | "
                     f"pyoxigraph direct | {q['worst_ratio']:.2f} | ≤ 1.5 |")
    if mem:
        lines.append(f"| peak RSS, {mem['documents']}-document build | {mem['peak_rss_mb']:,} MB | – | – | "
                     "≤ 2,048 MB |")
    if viz:
        browser = viz.get("browser", {}).get("uncapped", {})
        lines.append(f"| {viz.get('nodes', 0):,}-node page | generated in {viz.get('uncapped_generate_s')} s, "
                     f"interactive in {browser.get('interactive_ms', '?')} ms | – | – | ≤ 5,000 ms |")
    if not q:
        return "\n".join(lines) + "\n"
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


STAGES = ("throughput", "incremental", "memory", "queries", "viz")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", choices=sorted(PLANS), default="quick")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", action="append", choices=STAGES, default=None,
                        help="run this stage alone (repeat for several); the others keep their results from the "
                             "last run in bench/results/latest.json")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the corpora generated before in bench/corpora/ (same seed, same files) and, "
                             "for queries without the memory stage, the largest build left there")
    parser.add_argument("--memory-docs", type=int, default=None, help="documents of the memory build "
                        "(default: the plan's; e.g. 10000)")
    parser.add_argument("--skip-viz", action="store_true")
    args = parser.parse_args()
    plan = PLANS[args.plan]
    stages = set(args.only or [s for s in STAGES if not (s == "viz" and args.skip_viz)])
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    if args.only and (RESULTS / "latest.json").is_file():  # one stage alone: keep the others' last results
        results = json.loads((RESULTS / "latest.json").read_text(encoding="utf-8"))
    results.update({"plan": args.plan, "when": time.strftime("%Y-%m-%d %H:%M"),
                    "load": " ".join(f"{x:.2f}" for x in os.getloadavg())})
    big_build: Path | None = None
    if "throughput" in stages:
        print("1/5 build throughput …", flush=True)
        results["throughput"] = bench_throughput(plan, args.workers, args.reuse)
        _save(results, "partial.json")
    if "incremental" in stages:
        print("2/5 incremental rebuild …", flush=True)
        results["incremental"], big_build = bench_incremental(plan, args.workers, args.reuse)
        _save(results, "partial.json")
    if "memory" in stages:
        print("5/5 memory (largest build) …", flush=True)
        docs = args.memory_docs or plan.memory_docs
        if docs == plan.incremental_docs and "incremental" in results and big_build is not None:
            inc = results["incremental"]
            results["memory"] = {"documents": inc["documents"], "peak_rss_mb": inc["full_build_peak_rss_mb"]}
        else:
            results["memory"], big_build = bench_memory(plan, args.workers, args.reuse, docs)
        _save(results, "partial.json")
    if "queries" in stages:
        print("3/5 query speed …", flush=True)
        if big_build is None and args.reuse:
            big_build = existing_build()
        if big_build is None:
            results["memory"], big_build = bench_memory(plan, args.workers, args.reuse, args.memory_docs)
        results["queries"] = bench_queries(big_build, plan.query_repeats, plan.rdflib_reference)
    if "viz" in stages:
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
