"""The build cache: one extraction per document, and the TriG block of its named graph.

A document's cache key is made of

* its content hash: the SHA-256 of its source bytes plus a digest of the whole document record (id, path,
  text, metadata), so a renamed file or an edited ``.meta.yaml`` sidecar is extracted again;
* the pipeline version (``kg.config.PIPELINE_VERSION``) and the configuration hash (``Settings.config_hash``);
* a digest of the data files extraction reads (the ontology, the seed knowledge base, ``kg/patterns/``), so
  editing the seed re-extracts what it may change.

``cache/extractions/KEY.json`` holds the extraction (the ``kg extract`` record, lossless); ``cache/graphs/
KEY-RDF.trig`` holds the document's named graph as written into ``graph.trig``, so an unchanged document
costs a file read; ``cache/packed/KEY-CODE.bin`` its checked extraction as the build keeps it in memory (a
compressed pickle, after a line of its problems as JSON), so that an unchanged document is neither parsed
from JSON nor checked again (a damaged or missing entry falls back to the record). ``cache/cross/KEY.trig``
holds the cross-document graph of the last build, keyed by every document's key: a build in which no document
changed skips claim clustering; beside it ``KEY.subjects`` lists its subjects, so the next build copies the
statements that did not change (:mod:`kg.cross_text`). The ontology graph's block is kept there too, keyed by
the data files and the configuration. ``cache/corpus-index.json`` is what reading each corpus file gave
(:mod:`kg.corpus_index`). The packed entries and the corpus index are read only from the build folder the
tool wrote; like any cache, a build folder from someone you do not trust should not be rebuilt in place
(pickles are loaded from it). Entries are written atomically
as soon as each document is extracted: a build that is killed keeps what it finished. Entries no build refers
to are removed after a successful build.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kg import __version__
from kg.buildio import code_digest, remove_stale, write_bytes, write_text
from kg.config import PIPELINE_VERSION, Settings
from kg.cross_text import listed_sha256
from kg.iris import short_hash
from kg.records import Document, Extraction, Problem
from kg.serialize import document_to_dict, extraction_from_dict, extraction_to_dict

CACHE_DIR = "cache"
EXTRACTIONS = "extractions"
GRAPHS = "graphs"
CROSS = "cross"
PACKED = "packed"
RDF_VERSION = "4"  # bump when kg.rdf writes a document's graph differently for the same extraction


def resources_digest(settings: Settings) -> str:
    """A digest of every data file extraction reads: ontology, seed knowledge base, patterns."""
    digest = hashlib.sha256()
    ontology = Path(settings.ontology_dir)
    files = sorted(ontology.glob("*.ttl")) + sorted((ontology / "seed").glob("*.ttl"))
    for path in files:
        digest.update(f"{path.relative_to(ontology).as_posix()}\0".encode())
        digest.update(path.read_bytes())
    patterns = resources.files("kg").joinpath("patterns")
    for entry in sorted(patterns.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            digest.update(f"patterns/{entry.name}\0".encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:16]


def document_digest(doc: Document) -> str:
    blob = json.dumps(document_to_dict(doc), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


def packing_digest() -> str:
    """A digest of the code that makes a document's packed checked extraction (records, the check, the packing)."""
    return code_digest(f"{RDF_VERSION}\0{__version__}\0", ("records.py", "rdf.py", "build_work.py"))[:8]


@dataclass(frozen=True)
class Cache:
    root: Path
    config_hash: str
    resources: str
    packing: str = ""

    @classmethod
    def open(cls, build: Path, settings: Settings) -> Cache:
        root = build / CACHE_DIR
        remove_stale(root)
        for sub in (EXTRACTIONS, GRAPHS, CROSS, PACKED):
            (root / sub).mkdir(parents=True, exist_ok=True)
            remove_stale(root / sub)
        return cls(root, settings.config_hash(), resources_digest(settings), packing_digest())

    def key(self, doc: Document) -> str:
        """``{sha256[:16]}-{digest of record, pipeline, config and data files}``."""
        digest = short_hash(document_digest(doc), PIPELINE_VERSION, self.config_hash, self.resources, length=24)
        return f"{doc.sha256[:16]}-{digest}"

    def _extraction_path(self, key: str) -> Path:
        return self.root / EXTRACTIONS / f"{key}.json"

    def _graph_path(self, key: str) -> Path:
        return self.root / GRAPHS / f"{key}-{short_hash(RDF_VERSION, __version__, length=8)}.trig"

    def load(self, key: str, doc: Document) -> Extraction | None:
        """The cached extraction of ``doc``, or None (missing, unreadable, or for another document record)."""
        path = self._extraction_path(key)
        try:
            record: Any = json.loads(path.read_text(encoding="utf-8"))
            ex = extraction_from_dict(record)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)  # a damaged entry: extract again
            return None
        return ex if ex.document == doc else None

    def save(self, key: str, ex: Extraction) -> None:
        text = json.dumps(extraction_to_dict(ex), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        self.save_record(key, text + "\n")

    def save_record(self, key: str, text: str) -> None:
        """Save an extraction already written as its record (``kg.build_work.cache_record``)."""
        write_text(self._extraction_path(key), text)

    def _packed_path(self, key: str) -> Path:
        return self.root / PACKED / f"{key}-{self.packing}.bin"

    def load_packed(self, key: str) -> tuple[bytes, tuple[Problem, ...]] | None:
        """A document's checked extraction as the build keeps it (``kg.build_work.pack``) and its problems, as
        saved by :meth:`save_packed`; None when missing or damaged."""
        path = self._packed_path(key)
        try:
            data = path.read_bytes()
            cut = data.index(b"\n")
            problems = tuple(Problem(str(p), str(m), None if n is None else int(n))
                             for p, m, n in json.loads(data[:cut]))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError):
            path.unlink(missing_ok=True)
            return None
        return data[cut + 1 :], problems

    def save_packed(self, key: str, packed: bytes, problems: tuple[Problem, ...]) -> None:
        head = json.dumps([[p.path, p.message, p.line] for p in problems], ensure_ascii=True)
        write_bytes(self._packed_path(key), head.encode() + b"\n" + packed)

    def load_graph(self, key: str) -> str | None:
        try:
            return self._graph_path(key).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def graph_bytes(self, key: str) -> bytes | None:
        """A document's graph block as UTF-8 bytes (what graph.trig holds), or None when missing."""
        try:
            return self._graph_path(key).read_bytes()
        except FileNotFoundError:
            return None

    def has_graph(self, key: str) -> bool:
        return self._graph_path(key).is_file()

    def save_graph(self, key: str, block: str) -> None:
        write_text(self._graph_path(key), block)

    def cross_key(self, keys: Iterable[str]) -> str:
        """The key of the cross-document graph: it depends on nothing but every document's extraction."""
        return short_hash(*sorted(keys), RDF_VERSION, __version__, length=24)

    def cross_path(self, key: str) -> Path:
        """Where the cross-document graph's block of ``key`` is kept (with its subject list beside it)."""
        return self.root / CROSS / f"{key}.trig"

    def previous_cross(self, key: str) -> Path | None:
        """The newest cross-document block of another build that has its subject list (to copy from)."""
        found = [p for p in (self.root / CROSS).glob("*.subjects")
                 if p.stem != key and p.with_suffix(".trig").is_file()]
        if not found:
            return None
        return max(found, key=lambda p: (p.stat().st_mtime_ns, p.name)).with_suffix(".trig")

    def load_cross(self, key: str) -> str | None:
        try:
            return self.cross_path(key).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def save_cross(self, key: str, block: str) -> None:
        write_text(self.cross_path(key), block)

    def cross_with_digest(self, digest: str) -> str | None:
        """The cross-document (or ontology) block kept in the cache whose SHA-256 is ``digest``, if any (the
        block of the previous build, which the store holds until this build replaces it)."""
        for path in sorted((self.root / CROSS).glob("*.trig")):
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if hashlib.sha256(text.encode()).hexdigest() == digest:
                return text
        return None

    def cross_with_listed_digest(self, digest: str) -> Path | None:
        """The cross-document block kept in the cache whose subject list records SHA-256 ``digest``."""
        for path in sorted((self.root / CROSS).glob("*.trig")):
            if digest and listed_sha256(path) == digest:
                return path
        return None

    def ontology_key(self) -> str:
        """The key of the ontology graph's block: the data files, the configuration (base IRI), the writer."""
        return short_hash("ontology", self.resources, self.config_hash, RDF_VERSION, __version__, length=24)

    def prune(self, keep: Iterable[str], cross: str = "", ontology: str = "") -> int:
        """Remove the entries of documents no longer in the build (and older cross-document and ontology
        graphs); returns how many files went."""
        wanted = set(keep)
        removed = 0
        for path in (self.root / CROSS).iterdir():
            if path.name not in (f"{cross}.trig", f"{cross}.subjects", f"{ontology}.trig"):
                path.unlink(missing_ok=True)
                removed += 1
        for sub in (EXTRACTIONS, GRAPHS, PACKED):
            for path in (self.root / sub).iterdir():
                key = path.name.split(".", 1)[0]
                key = key[: key.rfind("-")] if sub != EXTRACTIONS else key
                current = (sub == EXTRACTIONS or path == self._graph_path(key) or path == self._packed_path(key))
                if key not in wanted or not current:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


__all__ = ["CACHE_DIR", "RDF_VERSION", "Cache", "document_digest", "resources_digest"]
