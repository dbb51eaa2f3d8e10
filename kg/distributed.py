"""Extraction on a Dask cluster: `kg build --dask SCHEDULER_ADDRESS`.

Documents are sent to the cluster's workers in batches; each worker process loads the spaCy pipeline
once (``kg.nlp.load_nlp`` is cached per process) and returns, for the build, each document rendered
(``kg.build_work.Rendered``: its graph block and cache record, written on the worker), or for
``extract_documents_dask`` plain JSON-able records. Results come back in input order, so a distributed
build is byte-identical to a local one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from kg.build_work import RenderContext, Rendered
from kg.config import Settings
from kg.errors import BuildError
from kg.records import Document, Extraction
from kg.serialize import document_to_dict, extraction_from_dict, extraction_to_dict


def _extract_batch(docs: list[dict[str, Any]], settings: Settings) -> list[dict[str, Any]]:
    """Runs on a worker: dicts in, dicts out (no spaCy objects cross the wire)."""
    from kg.extract import extract_documents
    from kg.serialize import document_from_dict

    documents = [document_from_dict(d) for d in docs]
    return [extraction_to_dict(ex) for ex in extract_documents(documents, settings)]


def _render_batch(docs: list[dict[str, Any]], settings: Settings, ctx: RenderContext) -> list[Rendered]:
    """Runs on a worker: document dicts in, rendered documents out."""
    from kg.build_work import render_batch
    from kg.serialize import document_from_dict

    return render_batch([document_from_dict(d) for d in docs], settings, ctx)


def _batches(documents: Sequence[Document], size: int) -> Iterator[list[Document]]:
    for i in range(0, len(documents), size):
        yield list(documents[i : i + size])


def _client(address: str) -> Any:
    try:
        import distributed
    except ImportError as err:  # the `scale` extra
        raise BuildError("--dask needs the distributed package: pip install 'policy-kg[scale]'") from err
    try:
        client_cls: Any = distributed.Client
        return client_cls(address, timeout="20s", set_as_default=False)
    except OSError as err:
        raise BuildError(f"{address}: cannot reach the Dask scheduler ({err}); is it running?") from err


def render_documents_dask(
    documents: Sequence[Document],
    settings: Settings,
    ctx: RenderContext,
    address: str,
    *,
    batch_docs: int = 16,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Rendered]:
    """Like ``kg.build_work.render_documents`` but on the Dask cluster at ``address``; same order as input."""
    client = _client(address)
    try:
        futures = [
            client.submit(_render_batch, [document_to_dict(d) for d in batch], settings, ctx, pure=False)
            for batch in _batches(documents, batch_docs)
        ]
        for future in futures:  # in submission order: deterministic output
            rendered: list[Rendered] = future.result()
            yield from rendered
            if progress is not None:
                progress(len(rendered))
            future.release()
    finally:
        client.close()


def extract_documents_dask(
    documents: Iterable[Document],
    settings: Settings,
    address: str,
    *,
    batch_docs: int = 16,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Extraction]:
    """Like ``kg.extract.extract_documents`` but on the Dask cluster at ``address``; same order as input."""
    docs = list(documents)
    client = _client(address)
    try:
        futures = [
            client.submit(_extract_batch, [document_to_dict(d) for d in batch], settings, pure=False)
            for batch in _batches(docs, batch_docs)
        ]
        for future in futures:  # in submission order: deterministic output
            records = future.result()
            for record in records:
                yield extraction_from_dict(record)
            if progress is not None:
                progress(len(records))
    finally:
        client.close()
