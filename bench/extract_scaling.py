"""Does extraction cost grow linearly with document length? A long document against short ones, same run.

    .venv/bin/python bench/extract_scaling.py [CORPUS ...] [--copies 10] [--repeat 3] [--calls] [--spacy]

Parses the corpus documents once (the trained pipeline), then times the three extraction stages (entities,
relations, claims) on

* **short**: every corpus document on its own;
* **long**: one document made of the same parsed documents repeated ``--copies`` times (``Doc.from_docs``, so
  the long document costs no second parse and its text is exactly the parsed text),

and prints microseconds per token for each stage and the long/short ratio. Linear cost gives a ratio near 1;
a stage that rescans the document for each sentence or mention shows up as a ratio that grows with
``--copies``. ``--calls`` also counts Python function calls per token under cProfile (deterministic, so
comparable across noisy machines; tests/test_extract_scaling.py asserts on it). ``--spacy`` times the trained
pipeline on the short documents too, to show extraction as a share of it.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from spacy.tokens import Doc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.config import Settings  # noqa: E402
from kg.corpus import read_corpus  # noqa: E402
from kg.extract.annotations import MENTIONS_KEY, VIEW_KEY, forget  # noqa: E402
from kg.extract.claims import extract_claims  # noqa: E402
from kg.extract.entities import extract_entities  # noqa: E402
from kg.extract.relations import extract_relations  # noqa: E402
from kg.iris import Iris  # noqa: E402
from kg.nlp import load_nlp  # noqa: E402
from kg.records import Document  # noqa: E402
from kg.seed import SeedKB, load_seed  # noqa: E402

Pair = tuple[Doc, Document]
STAGES = ("entities", "relations", "claims")


def long_document(docs: Sequence[Doc], documents: Sequence[Document], copies: int) -> Pair:
    """One document made of ``docs`` repeated ``copies`` times (no second parse)."""
    for doc in docs:
        forget(doc)  # per-doc caches in user_data cannot be merged by Doc.from_docs
    joined = Doc.from_docs(list(docs) * copies)
    document = dataclasses.replace(documents[0], id="long", text=joined.text, page_starts=())
    return joined, document


def fresh(pairs: Sequence[Pair]) -> None:
    """Drop the views extraction caches on each doc, so that a run pays for them as a build does (the
    pipeline's own caches, made while parsing, stay)."""
    for doc, _document in pairs:
        doc.user_data.pop(VIEW_KEY, None)
        doc.user_data.pop(MENTIONS_KEY, None)


def run_stages(pairs: Sequence[Pair], seed: SeedKB, iris: Iris) -> dict[str, float]:
    """CPU seconds of each stage over ``pairs``, run in order as ``kg.extract.extract_document`` runs them."""
    fresh(pairs)
    spent = dict.fromkeys(STAGES, 0.0)
    for doc, document in pairs:
        start = time.process_time()
        entities = extract_entities(doc, document, seed, iris)
        t1 = time.process_time()
        extract_relations(doc, document, entities, iris)
        t2 = time.process_time()
        extract_claims(doc, document, entities, iris, seed)
        t3 = time.process_time()
        spent["entities"] += t1 - start
        spent["relations"] += t2 - t1
        spent["claims"] += t3 - t2
    return spent


def best_of(repeat: int, run: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Per stage, the best CPU time of this process over ``repeat`` runs (CPU time, not wall time: less
    disturbed on a shared machine)."""
    runs = [run() for _ in range(repeat)]
    return {name: min(r[name] for r in runs) for name in STAGES}


def timed(run: Callable[[], object]) -> float:
    start = time.process_time()
    run()
    return time.process_time() - start


def calls_of(run: Callable[[], object]) -> int:
    """Function calls made by ``run`` (Python functions, builtins and spaCy's profiled Cython methods)."""
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "corpus"])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--calls", action="store_true", help="also count function calls per token (cProfile)")
    parser.add_argument("--spacy", action="store_true", help="also time the spaCy pipeline on the short documents")
    args = parser.parse_args()
    settings = Settings()
    seed = load_seed(settings)
    iris = Iris(settings.base_iri)
    nlp = load_nlp(settings, seed)
    documents = list(read_corpus(args.paths, settings).documents)
    docs = list(nlp.pipe([d.text for d in documents], batch_size=settings.batch_size))
    short_pairs = list(zip(docs, documents, strict=True))
    run_stages(short_pairs, seed, iris)  # warms every lexicon and compiled pattern
    short_tokens = sum(len(doc) for doc in docs)
    short_s = best_of(args.repeat, lambda: run_stages(short_pairs, seed, iris))
    long_pair = long_document(docs, documents, args.copies)
    long_tokens = len(long_pair[0])
    long_s = best_of(args.repeat, lambda: run_stages([long_pair], seed, iris))
    print(f"short: {len(documents)} documents, {short_tokens:,} tokens; long: 1 document of {args.copies} copies, "
          f"{long_tokens:,} tokens")
    print(f"{'stage':10} {'short us/token':>15} {'long us/token':>14} {'ratio':>6}")
    for name in (*STAGES, "total"):
        if name == "total":
            s, ln = sum(short_s.values()), sum(long_s.values())
        else:
            s, ln = short_s[name], long_s[name]
        ps, pl = s / short_tokens * 1e6, ln / long_tokens * 1e6
        print(f"{name:10} {ps:15.1f} {pl:14.1f} {pl / ps:6.2f}")
    if args.spacy:
        texts = [d.text for d in documents]
        spacy_s = min(timed(lambda: list(nlp.pipe(texts, batch_size=settings.batch_size))) for _ in range(args.repeat))
        per_token = spacy_s / short_tokens * 1e6
        ours = sum(short_s.values()) / short_tokens * 1e6
        print(f"spaCy pipeline on the short documents: {per_token:.1f} us/token; extraction is {ours / per_token:.1%} "
              "of it")
    if args.calls:
        short_calls = calls_of(lambda: run_stages(short_pairs, seed, iris)) / short_tokens
        long_calls = calls_of(lambda: run_stages([long_pair], seed, iris)) / long_tokens
        print(f"calls/token: short {short_calls:.1f}, long {long_calls:.1f}, ratio {long_calls / short_calls:.3f}")

if __name__ == "__main__":
    main()
