"""The speed limit: the same spaCy pipeline as `kg build`, run alone over the same texts with the same
process layout (spawned worker processes that load the pipeline once, fed batches), doing nothing else.

    python bench/raw_spacy.py CORPUS WORKERS

spaCy's own ``nlp.pipe(n_process=N)`` cannot pickle the pipeline's seed EntityRuler, so the baseline
uses the same ProcessPoolExecutor layout as ``kg.build_work`` (with workers, neither process that hands out the
batches imports spaCy).
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kg.config import Settings
from kg.corpus import read_corpus


def _nlp(settings: Settings):  # type: ignore[no-untyped-def]
    from kg.nlp import load_nlp
    from kg.seed import load_seed

    return load_nlp(settings, load_seed(settings))


def _warm_up(settings: Settings) -> None:
    _nlp(settings)


def _run(texts: list[str], settings: Settings) -> int:
    from kg.extract.pipeline import make_docs  # spaCy is imported where it runs: `kg build` does the same

    return len(make_docs(_nlp(settings), texts, settings.batch_size))


def main() -> None:
    corpus, workers = Path(sys.argv[1]), int(sys.argv[2])
    settings = Settings()
    texts = [d.text for d in read_corpus([corpus], settings).documents]
    if workers <= 1:
        _run(texts, settings)
        return
    size = max(1, settings.batch_size // 4)
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_up, initargs=(settings,)) as pool:
        done = sum(f.result() for f in [pool.submit(_run, texts[i : i + size], settings)
                                        for i in range(0, len(texts), size)])
    assert done == len(texts)


if __name__ == "__main__":
    main()
