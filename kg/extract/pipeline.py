"""Running the pipeline over many documents: batches, worker processes, long documents in chunks.

* Documents go through ``nlp.pipe`` in batches of ``settings.batch_size``.
* ``workers > 1`` starts that many *spawned* processes (safe on every platform and with any parent state);
  each loads the pipeline once (``kg.nlp.load_nlp`` is cached per process) and runs the whole extraction on
  its batches, so our own Python work is parallel too. Results come back in input order.
* A document longer than ``CHUNK_CHARS`` (a PDF report, say) is cut at paragraph, line or sentence
  boundaries, each piece parsed on its own, and the pieces joined back into one ``Doc`` whose text is the
  document's text exactly, so every offset stays a true offset into ``document.text``.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from spacy.language import Language
from spacy.tokens import Doc

from kg.config import Settings
from kg.extract.annotations import forget
from kg.records import Document, Extraction
from kg.worker_guard import warm_up

CHUNK_CHARS = 100_000
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"[.!?][\"”’)]?\s+"), re.compile(r"\s+"))


def split_text(text: str, limit: int = CHUNK_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters whose concatenation is ``text``, cut after the strongest
    boundary available in the second half of each window: a blank line, a line break, a sentence end,
    a space; a hard cut only for a window with none of them."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    pieces = []
    start = 0
    while len(text) - start > limit:
        window_end = start + limit
        cut = window_end
        for pattern in _BREAKS:
            last = None
            for m in pattern.finditer(text, start + limit // 2, window_end):
                last = m
            if last is not None:
                cut = last.end()
                break
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def make_docs(nlp: Language, texts: list[str], batch_size: int, limit: int | None = None) -> list[Doc]:
    """Parse ``texts`` (same order); longer than ``limit`` (default ``CHUNK_CHARS``) in chunks joined back
    with ``Doc.from_docs``."""
    limit = CHUNK_CHARS if limit is None else limit
    flat: list[str] = []
    owners: list[int] = []
    for i, text in enumerate(texts):
        for piece in split_text(text, limit) if len(text) > limit else [text]:
            flat.append(piece)
            owners.append(i)
    parsed: list[list[Doc]] = [[] for _ in texts]
    for owner, doc in zip(owners, nlp.pipe(flat, batch_size=batch_size), strict=True):
        parsed[owner].append(doc)
    out = []
    for text, docs in zip(texts, parsed, strict=True):
        if len(docs) > 1:
            for chunk in docs:
                forget(chunk)
        doc = docs[0] if len(docs) == 1 else Doc.from_docs(docs, ensure_whitespace=False)
        if doc.text != text:  # never expected: from_docs keeps every token's text and whitespace
            raise RuntimeError("joining document chunks changed the text; please report this as a bug")
        out.append(doc)
    return out


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(documents)
    while batch := list(islice(it, size)):
        yield batch


def extract_batch(documents: list[Document], settings: Settings) -> list[Extraction]:
    """Extract a batch in this process (the unit of work a worker process runs)."""
    from kg.extract import extract_document
    from kg.iris import Iris
    from kg.nlp import load_nlp
    from kg.seed import load_seed

    seed = load_seed(settings)
    nlp = load_nlp(settings, seed)
    iris = Iris(settings.base_iri)
    docs = make_docs(nlp, [d.text for d in documents], settings.batch_size)
    return [extract_document(doc, document, seed, iris) for doc, document in zip(docs, documents, strict=True)]


def extract_documents(
    documents: Iterable[Document],
    settings: Settings,
    *,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Extraction]:
    """Extract every document, lazily and in input order. ``progress(n)`` is called after each batch of ``n``."""
    size = max(1, settings.batch_size)
    if workers <= 1:
        for batch in _batches(documents, size):
            yield from extract_batch(batch, settings)
            if progress is not None:
                progress(len(batch))
        return
    size = max(1, size // 4)  # smaller tasks keep every worker busy on a small corpus
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=warm_up,
                             initargs=(settings, os.getpid())) as pool:
        pending: deque[Future[list[Extraction]]] = deque()
        for batch in _batches(documents, size):
            pending.append(pool.submit(extract_batch, batch, settings))
            if len(pending) >= 2 * workers:
                results = pending.popleft().result()
                yield from results
                if progress is not None:
                    progress(len(results))
        while pending:
            results = pending.popleft().result()
            yield from results
            if progress is not None:
                progress(len(results))


__all__ = ["CHUNK_CHARS", "extract_batch", "extract_documents", "make_docs", "split_text"]
