"""Format readers for the corpus: bytes of one file -> drafts of documents plus problems.

Each reader is a pure function ``read(data, source) -> Parsed``; :mod:`kg.corpus` walks the folders,
enforces limits, assigns document ids and removes duplicates.
"""

from kg.ingest.common import Draft, Parsed, Source

__all__ = ["Draft", "Parsed", "Source"]
