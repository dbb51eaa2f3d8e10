"""Query speed: every named query through the tool against the same SPARQL run on pyoxigraph directly.

    python bench/query_bench.py BUILD [--repeats 5] [--rdflib] [--json OUT]

For each named query (``kg/queries/*.rq``), with the parameters of its own ``# example:`` line:

- **kg**: ``kg.named_queries.run_named(ds, name, params)``, which is what ``kg query --name`` and ``kg serve``
  do: resolve the entity parameters (names, aliases) to IRIs, check the query (no SERVICE, no update, FROM only
  within the build), bind the parameters in a VALUES block, run it, read every row.
- **pyoxigraph**: the same query text with the same values already bound (the VALUES block the tool writes),
  ``Store.query(..., use_default_graph_as_union=True)`` on the same store, and every row read into Python
  (``tuple(solution)``): what a program using pyoxigraph directly does, and the ratio's baseline.
- **rdflib** (reference only, not a target): the same bound text on ``rdflib.Dataset(default_union=True)``
  loaded from the build's ``graph.trig``.

Timing: one untimed warm-up of both (it pays the disk cache and the tool's once-per-process parse of each
query, ~100 ms, which a long-running ``kg serve`` pays once), then at least ``repeats`` runs alternating tool
and direct so machine noise hits both alike (a fast query keeps going until ``RUN_BUDGET_S`` or ``MAX_RUNS``:
on a shared machine three runs of a 5 ms query say little); the medians are reported, and ``ratio`` = kg /
pyoxigraph (the minimums too, as ``kg_min_ms`` and ``pyoxigraph_min_ms``). The tool's
first (cold) call is reported too, as ``kg_first_ms``. The tool's row count must equal the direct one, else
the query is marked ``"mismatch"``.

rdflib's bound. rdflib keeps every triple as Python objects (about 1.5 KB a quad with its indexes) and parses
TriG at roughly 10k quads/s, so the 10,000-document build (~25M quads) can neither load nor finish. The
reference therefore runs only when the build holds at most ``RDFLIB_MAX_QUADS`` (3M: a few GB, a few minutes
to load); above that it is reported as ``"skipped (N quads)"`` for every query. Each rdflib query gets
``rdflib_budget_s`` seconds (default ``RDFLIB_QUERY_BUDGET_S``; stopped by SIGALRM: rdflib evaluates in Python,
so the alarm lands promptly) and is reported as ``"timeout (> N s)"`` beyond that; queries that rdflib's
engine cannot evaluate report the exception's name.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph  # noqa: E402

from kg.errors import KgError  # noqa: E402
from kg.named_queries import bind_params, load_named_queries, run_named  # noqa: E402
from kg.query import Dataset, bind_values, open_dataset  # noqa: E402

RDFLIB_MAX_QUADS = 3_000_000
RUN_BUDGET_S = 3.0  # fast queries run more than `repeats` times, until this budget or MAX_RUNS (noisy machines)
MAX_RUNS = 30
RDFLIB_QUERY_BUDGET_S = 120


def example_params(example: str) -> dict[str, str]:
    """The ``--param k=v`` pairs of a named query's example line."""
    return {k: v.strip("'\"") for k, v in re.findall(r"--param\s+(\w+)=(\"[^\"]*\"|'[^']*'|\S+)", example)}


class _Timeout(Exception):
    pass


@contextmanager
def _budget(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _direct(ds: Dataset, text: str) -> int:
    """Run ``text`` on the store as a pyoxigraph user would, reading every value; the number of results."""
    result = ds.store.query(text, prefixes=dict(ds.prefixes), use_default_graph_as_union=True)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return 1
    return sum(1 for _ in (tuple(row) for row in result))


def _load_rdflib(build: Path, quads: int) -> tuple[Any, str]:
    if quads > RDFLIB_MAX_QUADS:
        return None, f"skipped ({quads:,} quads)"
    import rdflib

    started = time.perf_counter()
    reference = rdflib.Dataset(default_union=True)
    reference.parse(build / "graph.trig", format="trig")
    return reference, f"loaded in {time.perf_counter() - started:.1f} s"


def _rdflib_ms(reference: Any, text: str, prefixes: dict[str, str], budget_s: int) -> float | str:
    started = time.perf_counter()
    try:
        with _budget(budget_s):
            list(reference.query(text, initNs=prefixes))
    except _Timeout:
        return f"timeout (> {budget_s} s)"
    except Exception as err:  # rdflib's engine cannot evaluate every query pyoxigraph can: report which
        return type(err).__name__
    return round((time.perf_counter() - started) * 1e3, 1)


def bench_one(ds: Dataset, name: str, params: dict[str, str], repeats: int, reference: Any,
              reference_note: str, rdflib_budget_s: int = RDFLIB_QUERY_BUDGET_S) -> dict[str, Any]:
    query = load_named_queries()[name]
    started = time.perf_counter()
    answer = run_named(ds, name, params)  # cold: the query is read (and its parse cached) here
    first_ms = (time.perf_counter() - started) * 1e3
    bound_text, _, _ = bind_values(query.text, bind_params(ds, params, query.params))
    direct_rows = _direct(ds, bound_text)  # warm-up of the direct run
    tool: list[float] = []
    direct: list[float] = []
    began = time.perf_counter()
    while len(tool) < repeats or (len(tool) < MAX_RUNS and time.perf_counter() - began < RUN_BUDGET_S):
        started = time.perf_counter()
        answer = run_named(ds, name, params)
        tool.append(time.perf_counter() - started)
        started = time.perf_counter()
        direct_rows = _direct(ds, bound_text)
        direct.append(time.perf_counter() - started)
    tool_ms, direct_ms = statistics.median(tool) * 1e3, statistics.median(direct) * 1e3
    same = answer.size == direct_rows
    row: dict[str, Any] = {"rows": answer.size if same else f"mismatch {answer.size}/{direct_rows}",
                           "kg_ms": round(tool_ms, 2), "pyoxigraph_ms": round(direct_ms, 2),
                           "ratio": round(tool_ms / max(direct_ms, 1e-3), 3),
                           "rdflib_ms": reference_note, "kg_first_ms": round(first_ms, 1), "runs": len(tool),
                           "kg_min_ms": round(min(tool) * 1e3, 2), "pyoxigraph_min_ms": round(min(direct) * 1e3, 2)}
    if reference is not None:
        row["rdflib_ms"] = _rdflib_ms(reference, bound_text, dict(ds.prefixes), rdflib_budget_s)
    return row


def bench_queries(build: Path, repeats: int, rdflib_reference: bool,
                  rdflib_budget_s: int = RDFLIB_QUERY_BUDGET_S) -> dict[str, Any]:
    """Time every named query on ``build``; see the module docstring for what is measured."""
    ds = open_dataset(build)
    quads = len(ds.store)
    reference, note = _load_rdflib(build, quads) if rdflib_reference else (None, "not run")
    rows: dict[str, Any] = {}
    for name, query in sorted(load_named_queries().items()):
        params = example_params(query.example)
        try:
            rows[name] = bench_one(ds, name, params, repeats, reference, note, rdflib_budget_s)
        except KgError as err:  # e.g. an example's entity missing from this build: report it, go on
            rows[name] = {"rows": f"error: {err}", "kg_ms": None, "pyoxigraph_ms": None, "ratio": None,
                          "rdflib_ms": None}
        r = rows[name]
        print(f"    {name}: {r['rows']} rows, kg {r['kg_ms']} ms, pyoxigraph {r['pyoxigraph_ms']} ms, "
              f"ratio {r['ratio']}, rdflib {r['rdflib_ms']}", file=sys.stderr, flush=True)
    ratios = [r["ratio"] for r in rows.values() if isinstance(r["ratio"], float)]
    return {"build": build.name, "quads": quads, "repeats": repeats, "rdflib": note, "queries": rows,
            "worst_ratio": max(ratios) if ratios else float("nan")}


def table(result: dict[str, Any]) -> str:
    lines = [f"named queries on {result['quads']:,} quads, median of {result['repeats']} (rdflib: {result['rdflib']})",
             "", "| query | rows | kg ms | pyoxigraph ms | ratio | rdflib ms |", "|---|---|---|---|---|---|"]
    for name, r in result["queries"].items():
        cells = (name, r["rows"], r["kg_ms"], r["pyoxigraph_ms"], r["ratio"], r["rdflib_ms"])
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    lines.append(f"\nworst ratio {result['worst_ratio']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", type=Path)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rdflib", action="store_true", help="also time rdflib's in-memory store")
    parser.add_argument("--rdflib-budget", type=int, default=RDFLIB_QUERY_BUDGET_S,
                        help="seconds each rdflib query may take (reported as a timeout beyond)")
    parser.add_argument("--json", type=Path, help="write the result here as JSON")
    args = parser.parse_args()
    result = bench_queries(args.build, args.repeats, args.rdflib, args.rdflib_budget)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
