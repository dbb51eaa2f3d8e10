"""Extraction cost grows linearly with document length (no rescans of the whole document per sentence).

Not a timing test: it counts function calls under cProfile, which is deterministic. The sample corpus is parsed
once; the long document is the same parsed documents joined ``COPIES`` times (``Doc.from_docs``, no second
parse), so a linear extractor makes the same number of calls per token on both. A stage that rebuilds
``Doc.text``, rescans every mention or every headline for each sentence, or walks all tokens per merge makes
its calls per token grow with ``COPIES``. ``bench/extract_scaling.py`` measures the same in seconds.
"""

from __future__ import annotations

import cProfile
import dataclasses
import pstats
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from kg.config import Settings
from kg.corpus import read_corpus
from kg.extract import extract_document
from kg.extract.annotations import forget
from kg.iris import Iris
from kg.records import Document
from kg.seed import load_seed

COPIES = 8
Counts = dict[tuple[str, int, str], int]


def _calls(run: Callable[[], object]) -> Counts:
    profile = cProfile.Profile()
    profile.enable()
    run()
    profile.disable()
    stats: dict[tuple[str, int, str], tuple[int, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return {func: row[1] for func, row in stats.items()}


@pytest.fixture(scope="module")
def parsed(trained_nlp: Language, root: Path) -> tuple[list[Doc], list[Document]]:
    documents = list(read_corpus([root / "corpus"], Settings()).documents)
    return list(trained_nlp.pipe([d.text for d in documents])), documents


def _extract_all(pairs: Sequence[tuple[Doc, Document]]) -> Callable[[], object]:
    settings = Settings()
    seed, iris = load_seed(settings), Iris(settings.base_iri)
    return lambda: [extract_document(doc, document, seed, iris) for doc, document in pairs]


def test_calls_per_token_do_not_grow_with_document_length(parsed: tuple[list[Doc], list[Document]]) -> None:
    docs, documents = parsed
    short_run = _extract_all(list(zip(docs, documents, strict=True)))
    short_run()  # lexicons and compiled patterns load outside the count
    for doc in docs:
        forget(doc)  # but each doc's own views are built inside it, as for the long document
    short = _calls(short_run)
    short_tokens = sum(len(doc) for doc in docs)
    for doc in docs:
        forget(doc)
    joined = Doc.from_docs(docs * COPIES)
    document = dataclasses.replace(documents[0], id="long", text=joined.text, page_starts=())
    long = _calls(_extract_all([(joined, document)]))
    long_tokens = len(joined)
    assert long_tokens == COPIES * short_tokens

    short_total, long_total = sum(short.values()), sum(long.values())
    assert long_total / long_tokens <= 1.1 * short_total / short_tokens, (
        f"{long_total / long_tokens:.1f} calls per token on the long document against "
        f"{short_total / short_tokens:.1f} on the short ones"
    )
    # no single function may grow faster than the text. Compared between two long documents (COPIES and
    # 2 * COPIES copies), so that windows and sections a short document cuts off count alike in both: a linear
    # function makes twice the calls on the twice-as-long document, a quadratic one four times as many.
    joined = Doc.from_docs(docs * (2 * COPIES))
    document = dataclasses.replace(documents[0], id="longer", text=joined.text, page_starts=())
    for doc in docs:
        forget(doc)
    longer = _calls(_extract_all([(joined, document)]))
    grown = {
        f"{func[0].rsplit('/', 1)[-1]}:{func[1]}({func[2]})": (long.get(func, 0), calls)
        for func, calls in longer.items()
        if calls > 2.5 * long.get(func, 0) + 200
    }
    assert not grown, f"calls growing faster than the document (long document, twice as long): {grown}"


def test_the_long_document_extracts_the_same_facts_per_copy(parsed: tuple[list[Doc], list[Document]]) -> None:
    """Joining copies changes no slice: every mention, evidence and claim of the long document is exact."""
    docs, documents = parsed
    for doc in docs:
        forget(doc)
    joined = Doc.from_docs(docs[:3] * 3)
    document = dataclasses.replace(documents[0], id="long", text=joined.text, page_starts=())
    settings = Settings()
    ex = extract_document(joined, document, load_seed(settings), Iris(settings.base_iri))
    text = document.text
    assert ex.entities and ex.claims
    for ent in ex.entities:
        for m in ent.mentions:
            assert text[m.start : m.end] == m.text
    for rel in ex.relations:
        assert text[rel.evidence.start : rel.evidence.end] == rel.evidence.text
    for claim in ex.claims:
        assert text[claim.start : claim.end] == claim.text
    single = extract_document(docs[0], documents[0], load_seed(settings), Iris(settings.base_iri))
    first_copy = [c.text for c in ex.claims if c.end <= len(docs[0].text)]
    assert first_copy == [c.text for c in single.claims]
