"""Claim clustering alone on the extractions of a finished build: full against one changed document.

    python bench/cluster_bench.py BUILD [--profile FILE]

Reads every document's extraction from ``BUILD/cache/extractions`` (in manifest order), then

1. clusters them all with an empty clustering cache (a clean build);
2. changes one document (the middle one, as ``bench/run.py`` does): its text gets a sentence appended, one of its
   claims is dropped and another reworded, so its cache key changes;
3. clusters again with the cache left by step 1 (an incremental build), and
4. clusters the changed set with an empty cache, and checks that 3 and 4 are equal.

Prints CPU seconds of each step and the ratio incremental / full.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.clusters import cluster_claims  # noqa: E402
from kg.iris import Iris  # noqa: E402
from kg.records import Extraction  # noqa: E402
from kg.serialize import extraction_from_dict  # noqa: E402


def load_extractions(build: Path) -> list[Extraction]:
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    found = []
    for doc in manifest["documents"]:
        path = build / "cache" / "extractions" / f"{doc['key']}.json"
        found.append(extraction_from_dict(json.loads(path.read_text(encoding="utf-8"))))
    return found


def changed(ex: Extraction) -> Extraction:
    """The document with a sentence appended, its first claim dropped and its last claim reworded."""
    text = ex.document.text + "\nThe company declined to comment further.\n"
    doc = dataclasses.replace(ex.document, text=text, sha256="f" * 64)
    claims = list(ex.claims[1:])
    if claims:
        last = claims[-1]
        claims[-1] = dataclasses.replace(last, text=last.text.replace(" the ", " this ", 1) + " Analysts agreed.")
    return dataclasses.replace(ex, document=doc, claims=tuple(claims))


def timed(label: str, fn: object, *args: object, **kwargs: object) -> tuple[object, float]:
    started = time.process_time()
    result = fn(*args, **kwargs)  # type: ignore[operator]
    seconds = time.process_time() - started
    print(f"{label}: {seconds:.2f} s CPU", flush=True)
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("build", type=Path)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the incremental run here")
    parser.add_argument("--full-profile", type=Path, help="write a cProfile of the full run here")
    args = parser.parse_args()
    extractions = load_extractions(args.build)
    iris = Iris()
    claims = sum(len(ex.claims) for ex in extractions)
    print(f"{len(extractions)} documents, {claims} claims", flush=True)
    work = Path(tempfile.mkdtemp(prefix="cluster-bench-"))
    try:
        cache = work / "cache"
        prof = cProfile.Profile() if args.full_profile else None
        if prof:
            prof.enable()
        _, full_s = timed("full", cluster_claims, extractions, iris, cache_dir=cache)
        if prof:
            prof.disable()
            prof.dump_stats(args.full_profile)
        middle = len(extractions) // 2
        after = [*extractions[:middle], changed(extractions[middle]), *extractions[middle + 1 :]]
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        incremental, inc_s = timed("one changed document", cluster_claims, after, iris, cache_dir=cache)
        if prof:
            prof.disable()
            prof.dump_stats(args.profile)
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
