"""Plain frozen dataclasses passed between stages. No behaviour beyond small helpers."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Literal

Modality = Literal["asserted", "hedged", "negated"]
MODALITIES: tuple[Modality, ...] = ("asserted", "hedged", "negated")


@dataclass(frozen=True)
class Document:
    """One ingested document. Every offset anywhere refers to ``text``."""

    id: str
    path: str  # relative to the corpus root, POSIX separators
    format: str  # "txt" | "md" | "html" | "pdf" | "json" | "jsonl"
    text: str
    sha256: str  # of the source bytes (for jsonl: of the record's canonical JSON)
    url: str | None = None
    title: str | None = None
    publisher: str | None = None
    date: str | None = None  # ISO 8601 (YYYY-MM-DD or full timestamp)
    authors: tuple[str, ...] = ()
    page_starts: tuple[int, ...] = ()  # PDFs: offset where each page starts; page 1 at index 0

    def page_of(self, offset: int) -> int | None:
        """1-based page number that holds ``offset``, or None when the document has no pages."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)


@dataclass(frozen=True)
class Problem:
    """A warning about one input: names the file (and line) and what to do."""

    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    text: str
    entity_id: str  # IRI of the canonical entity


@dataclass(frozen=True)
class Merge:
    """Why a surface form was folded into an entity (auditable merges)."""

    alias: str
    rule: str  # e.g. "seed-alias", "abbreviation", "demonym", "possessive", "model-version", "short-form"


@dataclass(frozen=True)
class Entity:
    id: str  # IRI
    name: str  # canonical label
    type: str  # ontology class local name, e.g. "Lab"
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None  # "Q..."
    mentions: tuple[Mention, ...] = ()
    merges: tuple[Merge, ...] = ()
    in_seed: bool = False
    family: str | None = None  # model versions: IRI of the family entity


@dataclass(frozen=True)
class Relation:
    subject: str  # IRI
    predicate: str  # ontology property local name, e.g. "developedBy"
    object: str  # IRI
    evidence: Span
    rule: str
    confidence: float


@dataclass(frozen=True)
class Ref:
    id: str  # IRI
    name: str


@dataclass(frozen=True)
class Claim:
    id: str  # IRI
    text: str
    start: int
    end: int
    modality: Modality
    attributed_to: Ref | None = None
    reported_by: Ref | None = None
    cue: str | None = None
    quotation: bool = False
    about: tuple[str, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Extraction:
    """Everything extracted from one document."""

    document: Document
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    claims: tuple[Claim, ...] = ()
    problems: tuple[Problem, ...] = field(default=())


@dataclass(frozen=True)
class ClaimCluster:
    """Claims from different documents that state the same thing (cross-document graph)."""

    id: str  # IRI, Iris.cluster(key)
    label: str  # representative claim text
    members: tuple[str, ...]  # claim IRIs, sorted
    sources: int  # documents that support it
    independent_sources: int  # after folding syndicated copies and outlets that only repeat another
    contradicts: tuple[str, ...] = ()  # IRIs of contradicting clusters
