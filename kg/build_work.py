"""The per-document work of `kg build`, done where the document is extracted (a worker process, a Dask worker,
or this process): extract, check, write the document's named graph as a TriG block and its cache record.

What comes back to the build process is a :class:`Rendered` per document: two strings to write into the
cache, the problems found, and the checked extraction pickled and compressed (a few KB), so the build
process spends its time on files rather than on objects, and holds every document's extraction in little
memory until the claims are clustered. With worker processes the build process never imports spaCy.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import overload

from kg.clusters import ClaimInputs, claim_inputs
from kg.config import Settings
from kg.iris import Iris
from kg.rdf import Activity, Vocabulary, check_extraction, document_block
from kg.records import Document, Extraction, Problem
from kg.seed import SeedKB, load_seed
from kg.serialize import extraction_to_dict
from kg.trig import Prefixes
from kg.worker_guard import warm_up

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RenderContext:
    """What writing a document's graph needs besides the extraction (small, sent with every batch)."""

    vocab: Vocabulary
    activity: Activity
    prefixes: Prefixes
    base_iri: str


@dataclass(frozen=True)
class Rendered:
    """One document, done: ``record`` for ``cache/extractions`` (empty when it came from the cache), ``block``
    for ``cache/graphs`` and graph.trig, ``packed`` the checked extraction (see :func:`unpack`)."""

    doc_id: str
    record: str
    block: str
    packed: bytes
    problems: tuple[Problem, ...]


def cache_record(ex: Extraction) -> str:
    """The cache file text of an extraction (the `kg extract` record, lossless)."""
    return json.dumps(extraction_to_dict(ex), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def pack(ex: Extraction, inputs: ClaimInputs | None = None) -> bytes:
    """The extraction pickled and compressed; ``inputs``: what claim clustering needs of each claim, computed
    where the document was extracted (``kg.clusters.claim_inputs``), travels with it."""
    payload = ex if inputs is None else (ex, inputs)
    return zlib.compress(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL), 1)


def unpack_with_inputs(data: bytes) -> tuple[Extraction, ClaimInputs | None]:
    payload = pickle.loads(zlib.decompress(data))
    ex, inputs = payload if isinstance(payload, tuple) else (payload, None)
    if not isinstance(ex, Extraction):
        raise TypeError("not a packed extraction")
    return ex, inputs


def unpack(data: bytes) -> Extraction:
    return unpack_with_inputs(data)[0]


def render(ex: Extraction, ctx: RenderContext, seed: SeedKB, iris: Iris, *, record: bool = True,
           block: str | None = None, inputs: bool = False) -> Rendered:
    """Check ``ex`` and write its graph block (unless ``block`` is already known) and its cache record;
    ``inputs``: also compute what claim clustering needs of each claim (its input digest and features), so
    that the build process does not (done where documents are extracted: in parallel)."""
    checked, problems = check_extraction(ex, ctx.vocab)
    if block is None:
        block = document_block(checked, iris, ctx.activity, seed, ctx.prefixes)
    packed = pack(checked, claim_inputs(checked) if inputs else None)
    return Rendered(ex.document.id, cache_record(ex) if record else "", block, packed, ex.problems + problems)


def render_batch(documents: list[Document], settings: Settings, ctx: RenderContext) -> list[Rendered]:
    """Extract and render a batch in this process (the unit of work of a worker)."""
    from kg.extract.pipeline import extract_batch

    seed = load_seed(settings)
    iris = Iris(ctx.base_iri)
    return [render(ex, ctx, seed, iris, inputs=True) for ex in extract_batch(documents, settings)]


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    it = iter(documents)
    while batch := list(islice(it, size)):
        yield batch


def render_documents(documents: Sequence[Document], settings: Settings, ctx: RenderContext, *,
                     dask: str | None = None, progress: Progress | None = None) -> Iterator[Rendered]:
    """Every document extracted and rendered, lazily, in input order: on the Dask cluster at ``dask``, in
    ``settings.workers`` spawned processes, or here."""
    if not documents:
        return
    if dask:
        from kg.distributed import render_documents_dask

        yield from render_documents_dask(documents, settings, ctx, dask, progress=progress)
        return
    size = max(1, settings.batch_size)
    if settings.workers <= 1:
        for batch in _batches(documents, size):
            yield from render_batch(batch, settings, ctx)
            if progress is not None:
                progress(len(batch))
        return
    size = max(1, size // 4)  # smaller tasks keep every worker busy on a small corpus
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=settings.workers, mp_context=context, initializer=warm_up,
                             initargs=(settings, os.getpid())) as pool:
        pending: deque[Future[list[Rendered]]] = deque()
        batches = _batches(documents, size)
        for batch in batches:
            pending.append(pool.submit(render_batch, batch, settings, ctx))
            if len(pending) >= 2 * settings.workers:
                break
        while pending:
            results = pending.popleft().result()
            more = next(batches, [])  # keep the workers fed before handing results on
            if more:
                pending.append(pool.submit(render_batch, more, settings, ctx))
            yield from results
            if progress is not None:
                progress(len(results))


class PackedExtractions(Sequence[Extraction]):
    """A read-only sequence of extractions kept packed (compressed pickles), unpacked one at a time on access."""

    def __init__(self, packed: Sequence[bytes]) -> None:
        self._packed = packed

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> Extraction: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Extraction]: ...

    def __getitem__(self, index: int | slice) -> Extraction | Sequence[Extraction]:
        if isinstance(index, slice):
            return PackedExtractions(self._packed[index])
        return unpack(self._packed[index])

    def __iter__(self) -> Iterator[Extraction]:
        for data in self._packed:
            yield unpack(data)

    def with_inputs(self) -> Iterator[tuple[Extraction, ClaimInputs | None]]:
        """Each extraction with its claims' clustering inputs when they were computed with it (else None)."""
        for data in self._packed:
            yield unpack_with_inputs(data)


__all__ = ["PackedExtractions", "RenderContext", "Rendered", "cache_record", "pack", "render", "render_batch",
           "render_documents", "unpack", "unpack_with_inputs"]
