"""`kg build`: read the corpus, extract what changed, write the graph, the store, the cache and the manifest."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from kg.buildio import check_output
from kg.config import Settings
from kg.corpus import read_corpus
from kg.iris import Iris
from kg.records import Problem

Warn = Callable[[str], None]


@dataclass(frozen=True)
class BuildOptions:
    corpus: tuple[Path, ...]
    out: Path
    dask: str | None = None  # scheduler address: extract on a Dask cluster
    progress: bool = True


@dataclass(frozen=True)
class BuildSummary:
    documents: int
    by_format: dict[str, int]
    extracted: int = 0
    cached: int = 0
    removed: int = 0
    entities_by_type: dict[str, int] = field(default_factory=dict)
    relations_by_predicate: dict[str, int] = field(default_factory=dict)
    claims_by_modality: dict[str, int] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    @property
    def entities(self) -> int:
        return sum(self.entities_by_type.values())

    @property
    def relations(self) -> int:
        return sum(self.relations_by_predicate.values())

    @property
    def claims(self) -> int:
        return sum(self.claims_by_modality.values())

    def as_json(self) -> dict[str, int]:
        """The machine-readable summary (`kg build --json` prints it as its last line)."""
        return {"documents": self.documents, "extracted": self.extracted, "cached": self.cached,
                "removed": self.removed, "entities": self.entities, "relations": self.relations,
                "claims": self.claims, "warnings": len(self.warnings)}


@dataclass(frozen=True)
class BuildResult:
    summary: BuildSummary
    outputs: tuple[Path, ...] = ()
    seconds: float = 0.0


def run_build(options: BuildOptions, settings: Settings, warn: Warn | None = None) -> BuildResult:
    """Build ``options.corpus`` into ``options.out``; ``warn`` receives each warning as one line."""
    started = time.perf_counter()
    Iris(settings.base_iri)  # a bad base IRI fails before any work
    check_output(options.out, options.corpus)
    corpus = read_corpus(options.corpus, settings)
    warnings = list(corpus.problems)
    if warn is not None:
        for problem in warnings:
            warn(str(problem))
    summary = BuildSummary(documents=len(corpus.documents), by_format=dict(corpus.by_format),
                           warnings=tuple(warnings))
    return BuildResult(summary=summary, seconds=time.perf_counter() - started)


__all__ = ["BuildOptions", "BuildResult", "BuildSummary", "run_build"]
