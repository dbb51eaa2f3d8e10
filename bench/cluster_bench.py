"""Claim clustering alone on the extractions of a finished build: full against one changed document, and the
growth curve of time and memory.

    python bench/cluster_bench.py BUILD [--profile FILE]
    python bench/cluster_bench.py BUILD --sizes 1000,10000,100000,600000 [--json FILE]

Reads every document's extraction from ``BUILD/cache/extractions`` (in manifest order), then

1. clusters them all with an empty clustering cache (a clean build);
2. changes one document (the middle one, as ``bench/run.py`` does): its text gets a sentence appended, one of its
   claims is dropped and another reworded, so its cache key changes;
3. clusters again with the cache left by step 1 (an incremental build), and
4. clusters the changed set with an empty cache, and checks that 3 and 4 are equal.

Prints CPU seconds of each step and the ratio incremental / full.

With ``--sizes``, each size is measured in a fresh process: the extractions are cut (first documents, in manifest
order) or grown to that many claims, then a clean clustering is timed (CPU and wall seconds) and its memory
measured as the peak resident set size above what the process held before clustering (the kernel's peak counter
is reset just before; the extractions are held packed, as ``kg build`` holds them); then one changed document
and a run without change, each with the state the clean run left. Growing beyond the build: *replicas* of the
documents whose non-seed entities are renamed per replica
(more labs, models and people over the same sentence templates, which is how ``bench/generate.py`` grows) and
whose texts differ in every seventh word (so replicas are not near-duplicates of each other).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.build_work import PackedExtractions, pack  # noqa: E402
from kg.clusters import cluster_claims  # noqa: E402
from kg.iris import Iris  # noqa: E402
from kg.records import Extraction, Ref  # noqa: E402
from kg.serialize import extraction_from_dict  # noqa: E402


def load_extractions(build: Path, claims: int | None = None) -> list[Extraction]:
    """The extractions of a build in manifest order (without a manifest: every cached one, by document id);
    ``claims``: stop reading once that many claims are in (memory measured later is then not flattered by what
    the unread documents would have left free in the process's heap)."""
    folder = build / "cache" / "extractions"
    manifest = build / "manifest.json"
    if manifest.exists():
        docs = json.loads(manifest.read_text(encoding="utf-8"))["documents"]
        paths = [folder / f"{doc['key']}.json" for doc in docs]
    else:
        paths = sorted(folder.glob("*.json"))
    found: list[Extraction] = []
    total = 0
    for path in paths if manifest.exists() or claims is None else sorted(paths):
        if claims is not None and total >= claims:
            break
        found.append(extraction_from_dict(json.loads(path.read_text(encoding="utf-8"))))
        total += len(found[-1].claims)
    return found if manifest.exists() else sorted(found, key=lambda ex: ex.document.id)


def changed(ex: Extraction) -> Extraction:
    """The document with a sentence appended, its first claim dropped and its last claim reworded."""
    text = ex.document.text + "\nThe company declined to comment further.\n"
    doc = dataclasses.replace(ex.document, text=text, sha256="f" * 64)
    claims = list(ex.claims[1:])
    if claims:
        last = claims[-1]
        claims[-1] = dataclasses.replace(last, text=last.text.replace(" the ", " this ", 1) + " Analysts agreed.")
    return dataclasses.replace(ex, document=doc, claims=tuple(claims))


def _rename(iri: str, replica: int, keep: set[str]) -> str:
    return iri if iri in keep else f"{iri}-r{replica}"


def replica(ex: Extraction, r: int, seed: set[str]) -> Extraction:
    """Copy ``r`` of a document: a new id, its non-seed entities renamed, every seventh word of its text changed."""
    words = ex.document.text.split(" ")
    text = " ".join(f"{w}{r}" if i % 7 == 3 else w for i, w in enumerate(words))
    doc = dataclasses.replace(ex.document, id=f"{ex.document.id}-r{r}", path=f"r{r}/{ex.document.path}", text=text,
                              sha256=f"{r:064x}")

    def ref(x: Ref | None) -> Ref | None:
        return None if x is None else Ref(_rename(x.id, r, seed), f"{x.name} {r}" if x.id not in seed else x.name)

    entities = tuple(dataclasses.replace(e, id=_rename(e.id, r, seed),
                                         mentions=tuple(dataclasses.replace(m, entity_id=_rename(m.entity_id, r, seed))
                                                        for m in e.mentions))
                     for e in ex.entities)
    claims = tuple(dataclasses.replace(c, id=f"{c.id}-r{r}", attributed_to=ref(c.attributed_to),
                                       reported_by=ref(c.reported_by),
                                       about=tuple(_rename(a, r, seed) for a in c.about))
                   for c in ex.claims)
    return dataclasses.replace(ex, document=doc, entities=entities, claims=claims, relations=())


def sized(extractions: Sequence[Extraction], claims: int) -> list[Extraction]:
    """The first documents holding ``claims`` claims, replicas added when the build has fewer."""
    seed = {e.id for ex in extractions for e in ex.entities if e.in_seed}
    out: list[Extraction] = []
    total = 0
    r = 0
    while total < claims:
        for ex in extractions:
            if total >= claims:
                break
            out.append(ex if r == 0 else replica(ex, r, seed))
            total += len(ex.claims)
        r += 1
    return out


def _status(field_name: str) -> float:
    """A field of /proc/self/status in MB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} in /proc/self/status")


def measure_size(build: Path, claims: int) -> dict[str, object]:
    """One point of the growth curve (run in its own process). The extractions are held packed, as ``kg build``
    holds them (``PackedExtractions``): what clustering keeps of them is then part of its measured memory."""
    unpacked = sized(load_extractions(build, claims), claims)
    n = sum(len(ex.claims) for ex in unpacked)
    packed = [pack(ex) for ex in unpacked]
    del unpacked
    gc.collect()
    extractions = PackedExtractions(packed)
    iris = Iris()
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        cache = work / "cache"
        before = _status("VmRSS")
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
        cpu, wall = time.process_time(), time.perf_counter()
        clusters = cluster_claims(extractions, iris, cache_dir=cache)
        full_cpu, full_wall = time.process_time() - cpu, time.perf_counter() - wall
        peak = _status("VmHWM") - before
        middle = len(extractions) // 2
        after = PackedExtractions([*packed[:middle], pack(changed(extractions[middle])), *packed[middle + 1 :]])
        cpu = time.process_time()
        cluster_claims(after, iris, cache_dir=cache)
        one_cpu = time.process_time() - cpu
        cpu = time.process_time()
        cluster_claims(after, iris, cache_dir=cache)
        none_cpu = time.process_time() - cpu
        state_mb = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) / 2**20
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"claims": n, "documents": len(extractions), "clusters": len(clusters), "full_cpu_s": round(full_cpu, 2),
            "full_wall_s": round(full_wall, 2), "peak_mb": round(peak, 1), "one_changed_cpu_s": round(one_cpu, 2),
            "no_change_cpu_s": round(none_cpu, 2), "state_mb": round(state_mb, 1)}


def growth(build: Path, sizes: Sequence[int], out: Path | None) -> None:
    rows = []
    print("| claims | documents | clusters | full CPU s | full wall s | peak MB above start | one changed CPU s "
          "| no change CPU s | state MB |", flush=True)
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for size in sizes:
        done = subprocess.run([sys.executable, __file__, str(build), "--one-size", str(size)], check=True,
                              capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"| {row['claims']:,} | {row['documents']:,} | {row['clusters']:,} | {row['full_cpu_s']} "
              f"| {row['full_wall_s']} | {row['peak_mb']} | {row['one_changed_cpu_s']} | {row['no_change_cpu_s']} "
              f"| {row['state_mb']} |", flush=True)
    if out is not None:
        out.write_text(json.dumps({"load": os.getloadavg(), "rows": rows}, indent=1) + "\n", encoding="utf-8")


def timed(label: str, fn: object, *args: object, **kwargs: object) -> tuple[object, float]:
    started = time.process_time()
    result = fn(*args, **kwargs)  # type: ignore[operator]
    seconds = time.process_time() - started
    print(f"{label}: {seconds:.2f} s CPU", flush=True)
    return result, seconds


@contextmanager
def profiled(path: Path | None) -> Iterator[None]:
    """Profile the block with cProfile into ``path`` (nothing when ``path`` is None)."""
    if path is None:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=Path)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the incremental run here")
    parser.add_argument("--full-profile", type=Path, help="write a cProfile of the full run here")
    parser.add_argument("--sizes", help="comma-separated claim counts: measure the growth curve instead")
    parser.add_argument("--json", type=Path, help="with --sizes: write the rows here")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_size:
        print(json.dumps(measure_size(args.build, args.one_size)))
        return
    if args.sizes:
        growth(args.build, [int(x) for x in args.sizes.split(",")], args.json)
        return
    extractions = load_extractions(args.build)
    iris = Iris()
    claims = sum(len(ex.claims) for ex in extractions)
    print(f"{len(extractions)} documents, {claims} claims", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        cache = work / "cache"
        with profiled(args.full_profile):
            _, full_s = timed("full", cluster_claims, extractions, iris, cache_dir=cache)
        middle = len(extractions) // 2
        after = [*extractions[:middle], changed(extractions[middle]), *extractions[middle + 1 :]]
        with profiled(args.profile):
            incremental, inc_s = timed("one changed document", cluster_claims, after, iris, cache_dir=cache)
        _, none_s = timed("no change", cluster_claims, after, iris, cache_dir=cache)
        clean, _ = timed("clean (check)", cluster_claims, after, iris, cache_dir=work / "clean")
        same = incremental == clean
        print(f"incremental == clean: {same}")
        print(json.dumps({"documents": len(extractions), "claims": claims, "full_s": round(full_s, 2),
                          "one_changed_s": round(inc_s, 2), "no_change_s": round(none_s, 2),
                          "ratio": round(inc_s / full_s, 4), "identical": same}))
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
