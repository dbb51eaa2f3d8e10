"""How much the relation and claim stages cost next to the spaCy pipeline, measured in the same run.

    .venv/bin/python bench/relations_claims_bench.py corpus ../shared/seeds

Parses the documents once, then times (best of ``--repeat``) the trained pipeline, ``extract_relations`` and
``extract_claims`` on them, and prints microseconds per token and each stage's share of the pipeline's time.
A ratio, not an absolute time, is what stays comparable on a shared machine.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from kg.config import Settings
from kg.corpus import read_corpus
from kg.extract.claims import extract_claims
from kg.extract.entities import extract_entities
from kg.extract.relations import extract_relations
from kg.iris import Iris
from kg.nlp import load_nlp
from kg.seed import load_seed


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    settings = Settings()
    seed = load_seed(settings)
    iris = Iris(settings.base_iri)
    nlp = load_nlp(settings, seed)
    documents = read_corpus(args.paths, settings).documents
    texts = [d.text for d in documents]
    docs = list(nlp.pipe(texts))  # warm-up and the parses the stages read
    tokens = sum(len(doc) for doc in docs)
    entities = [extract_entities(doc, d, seed, iris) for doc, d in zip(docs, documents, strict=True)]
    pairs = list(zip(docs, documents, entities, strict=True))
    spacy_s = best_of(args.repeat, lambda: list(nlp.pipe(texts)))
    rel_s = best_of(args.repeat, lambda: [extract_relations(doc, d, e, iris) for doc, d, e in pairs])
    claim_s = best_of(args.repeat, lambda: [extract_claims(doc, d, e, iris, seed) for doc, d, e in pairs])
    print(f"{len(documents)} documents, {tokens} tokens")
    for name, seconds in (("spaCy pipeline", spacy_s), ("relations", rel_s), ("claims", claim_s)):
        share = seconds / spacy_s
        print(f"{name:15} {seconds:7.3f} s  {seconds / tokens * 1e6:8.1f} us/token  {share:6.1%} of the pipeline")


if __name__ == "__main__":
    main()
