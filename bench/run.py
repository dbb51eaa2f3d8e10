"""The benchmark suite (`make bench`, `make bench-quick`).

Every measurement is a ratio against a baseline measured in the same run, because these machines are
shared and noisy:

1. build throughput: words/s of `kg build --workers W` against the same spaCy pipeline alone over the same
   texts with W worker processes (bench/raw_spacy.py), both fresh processes timed end to end;
2. incremental rebuild: one changed document out of N, against the full build of those N;
3. query speed: every named query through the tool (`kg.named_queries.run_named`) against the same
   SPARQL text run on pyoxigraph directly, on the smallest build of this run with at least 1M quads (the
   throughput build in the full plan); rdflib's in-memory store shown for reference;
4. visualisation: `bench/viz_bench.py` (page generation and time to interactive in headless Chromium);
5. memory: peak RSS (the build process and its workers, summed; and the build process alone) of the largest
   build, run last because it takes longest (about 30–60 minutes for 10,000 documents on 2 cores).

Results: a Markdown table and JSON in bench/results/ (latest.md / latest.json), and the table on stdout.

One stage alone, on corpora generated before (e.g. the 10,000-document memory build)::

    python bench/run.py --plan full --only memory --reuse
    python bench/run.py --plan full --only queries --reuse    # on the builds earlier runs left
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.generate import generate  # noqa: E402
from bench.measure import Run, checked, timed  # noqa: E402
from bench.query_bench import bench_queries  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "bench" / "corpora"
QUERY_MIN_QUADS = 1_000_000  # the "named queries on a graph of at least 1M triples"


@dataclass(frozen=True)
class Plan:
    throughput_docs: int
    incremental_docs: int
    memory_docs: int
    viz_nodes: int
    query_repeats: int
    rdflib_reference: bool
    rdflib_budget_s: int = 120  # per rdflib query (reference only)


PLANS = {
    "quick": Plan(throughput_docs=60, incremental_docs=120, memory_docs=120, viz_nodes=2_000, query_repeats=3,
                  rdflib_reference=False),
    "full": Plan(throughput_docs=1_000, incremental_docs=2_000, memory_docs=10_000, viz_nodes=20_000,
                 query_repeats=5, rdflib_reference=True, rdflib_budget_s=30),
}



def timed_process(args: list[str]) -> Run:
    """Run a process to completion (a RuntimeError if it fails) and measure it (bench/measure.py)."""
    return checked(timed(args, ROOT), args)


def kg_build(corpus: Path, out: Path, workers: int) -> tuple[Run, dict[str, int]]:
    """One `kg build` measured; its `--json` summary."""
    run = timed_process([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out),
                         "--workers", str(workers), "--json", "--no-progress"])
    return run, json.loads(run.stdout.strip().splitlines()[-1])


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
    raw = timed_process([sys.executable, str(ROOT / "bench" / "raw_spacy.py"), str(corpus), str(workers)])
    shutil.rmtree(WORK / "b-throughput", ignore_errors=True)  # a cold build: nothing from the cache
    build, summary = kg_build(corpus, WORK / "b-throughput", workers)
    return {"documents": summary["documents"], "words": words, "workers": workers,
            "raw_spacy_words_per_s": round(words / raw.wall_s), "kg_build_words_per_s": round(words / build.wall_s),
            "ratio": round(raw.wall_s / build.wall_s, 3), "raw_spacy_s": round(raw.wall_s, 1),
            "kg_build_s": round(build.wall_s, 1), "raw_spacy_cpu_s": round(raw.cpu_s, 1),
            "kg_build_cpu_s": round(build.cpu_s, 1), "cpu_ratio": round(raw.cpu_s / max(build.cpu_s, 1e-3), 3),
            "kg_build_peak_rss_mb": build.peak_rss_mb}


def bench_incremental(plan: Plan, workers: int, reuse: bool) -> tuple[dict[str, Any], Path]:
    corpus = make_corpus(plan.incremental_docs, reuse)
    out = WORK / "b-incremental"
    shutil.rmtree(out, ignore_errors=True)
    full, summary = kg_build(corpus, out, workers)
    victim = sorted((corpus / "synthetic").glob("*.md"))[len(list((corpus / "synthetic").glob("*.md"))) // 2]
    original = victim.read_text(encoding="utf-8")
    victim.write_text(original + "\nThe company declined to comment further.\n", encoding="utf-8")
    try:
        rebuild, inc = kg_build(corpus, out, workers)
    finally:  # leave the corpus as generated, so that --reuse gets the same files
        victim.write_text(original, encoding="utf-8")
    return ({"documents": summary["documents"], "full_build_s": full.wall_s, "rebuild_one_changed_s":
             rebuild.wall_s, "extracted_on_rebuild": inc["extracted"], "ratio": round(rebuild.wall_s / full.wall_s, 4),
             "full_build_cpu_s": full.cpu_s, "rebuild_cpu_s": rebuild.cpu_s,
             "cpu_ratio": round(rebuild.cpu_s / max(full.cpu_s, 1e-3), 4),
             "full_build_peak_rss_mb": full.peak_rss_mb}, out)


def bench_viz(plan: Plan) -> dict[str, Any]:
    timed_process([sys.executable, str(ROOT / "bench" / "viz_bench.py"), "--nodes", str(plan.viz_nodes),
                   "--baseline-nodes", str(min(2_000, plan.viz_nodes // 2)), "--repeats", "1"])
    return dict(json.loads((RESULTS / "viz_bench.json").read_text(encoding="utf-8")))


def bench_memory(plan: Plan, workers: int, reuse: bool, docs: int | None) -> tuple[dict[str, Any], Path]:
    """Peak RSS of a cold build (the build process and its workers, summed, sampled every 50 ms; and the build
    process alone)."""
    docs = docs or plan.memory_docs
    corpus = make_corpus(docs, reuse)
    out = WORK / "b-memory"
    shutil.rmtree(out, ignore_errors=True)
    build, summary = kg_build(corpus, out, workers)
    return {"documents": summary["documents"], "claims": summary["claims"], "build_s": round(build.wall_s, 1),
            "build_cpu_s": round(build.cpu_s, 1), "peak_rss_mb": build.peak_rss_mb,
            "peak_build_process_rss_mb": build.peak_main_rss_mb}, out


def existing_builds() -> list[Path]:
    """The builds a previous run left (for ``--only queries --reuse``), smallest first."""
    return [WORK / n for n in ("b-throughput", "b-incremental", "b-memory") if (WORK / n / "manifest.json").is_file()]


def query_build(builds: list[Path]) -> Path | None:
    """The smallest of ``builds`` holding at least ``QUERY_MIN_QUADS`` quads (the smallest keeps rdflib's
    in-memory reference loadable), else the largest for a quick plan's small builds, else None."""
    from kg.query import open_dataset

    sizes = [(len(open_dataset(b).store), b) for b in builds]
    big = [b for quads, b in sizes if quads >= QUERY_MIN_QUADS]
    if big:
        return big[0]
    return max(sizes)[1] if sizes else None


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
        lines.append(f"| named queries on {q['quads']:,} quads ({q.get('build', '?')}; worst of {len(q['queries'])}) "
                     "| see below | "
                     f"pyoxigraph direct | {q['worst_ratio']:.2f} | ≤ 1.5 |")
    if mem:
        alone = (f" (build process alone {mem['peak_build_process_rss_mb']:,} MB)"
                 if "peak_build_process_rss_mb" in mem else "")
        lines.append(f"| peak RSS, {mem['documents']}-document build | {mem['peak_rss_mb']:,} MB{alone} | – | – | "
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


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _save(results: dict[str, Any], name: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / f".{name}.tmp"
    for stage in STAGES:  # the machine's load when each stage ended (shared machines: say how loaded)
        if isinstance(results.get(stage), dict) and "load_after" not in results[stage]:
            results[stage]["load_after"] = load_average()
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
                             "for queries when this run makes no build, the builds left there")
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
                    "load": load_average()})
    builds: list[Path] = []  # the builds this run made, smallest first
    if "throughput" in stages:
        print("1/5 build throughput …", flush=True)
        results["throughput"] = bench_throughput(plan, args.workers, args.reuse)
        builds.append(WORK / "b-throughput")
        _save(results, "partial.json")
    if "incremental" in stages:
        print("2/5 incremental rebuild …", flush=True)
        results["incremental"], made = bench_incremental(plan, args.workers, args.reuse)
        builds.append(made)
        _save(results, "partial.json")
    if "queries" in stages:
        print("3/5 query speed …", flush=True)
        build = query_build(builds if builds or not args.reuse else existing_builds())
        if build is None:  # no build of >= 1M quads yet: the memory build is the largest
            results["memory"], build = bench_memory(plan, args.workers, args.reuse, args.memory_docs)
            stages.discard("memory")
        results["queries"] = bench_queries(build, plan.query_repeats, plan.rdflib_reference,
                                           rdflib_budget_s=plan.rdflib_budget_s)
        _save(results, "partial.json")
    if "viz" in stages:
        print("4/5 visualisation …", flush=True)
        results["viz"] = bench_viz(plan)
        _save(results, "partial.json")
    if "memory" in stages:
        print("5/5 memory (largest build) …", flush=True)
        docs = args.memory_docs or plan.memory_docs
        if docs == plan.incremental_docs and "incremental" in results:
            inc = results["incremental"]
            results["memory"] = {"documents": inc["documents"], "peak_rss_mb": inc["full_build_peak_rss_mb"]}
        else:
            results["memory"], _ = bench_memory(plan, args.workers, args.reuse, docs)
        _save(results, "partial.json")
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = report(results)
    for name, body in (("latest.json", json.dumps(results, indent=2) + "\n"), ("latest.md", table)):
        tmp = RESULTS / f".{name}.tmp"
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, RESULTS / name)
    print(table)


if __name__ == "__main__":
    main()
