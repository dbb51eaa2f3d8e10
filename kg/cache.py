"""The build cache: one extraction per document, and the TriG block of its named graph.

A document's cache key is made of

* its content hash: the SHA-256 of its source bytes plus a digest of the whole document record (id, path,
  text, metadata), so a renamed file or an edited ``.meta.yaml`` sidecar is extracted again;
* the pipeline version (``kg.config.PIPELINE_VERSION``) and the configuration hash (``Settings.config_hash``);
* a digest of the data files extraction reads (the ontology, the seed knowledge base, ``kg/patterns/``), so
  editing the seed re-extracts what it may change.

``cache/extractions/KEY.json`` holds the extraction (the ``kg extract`` record, lossless); ``cache/graphs/
KEY-RDF.trig`` holds the document's named graph as written into ``graph.trig``, so an unchanged document
costs a file read. ``cache/cross/KEY.trig`` holds the cross-document graph of the last build, keyed by every
document's key: a build in which no document changed skips claim clustering (the ontology graph's block is
kept there too, keyed by the data files and the configuration). Entries are written atomically
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
from kg.buildio import remove_stale, write_text
from kg.config import PIPELINE_VERSION, Settings
from kg.iris import short_hash
from kg.records import Document, Extraction
from kg.serialize import document_to_dict, extraction_from_dict, extraction_to_dict

CACHE_DIR = "cache"
EXTRACTIONS = "extractions"
GRAPHS = "graphs"
CROSS = "cross"
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


@dataclass(frozen=True)
class Cache:
    root: Path
    config_hash: str
    resources: str

    @classmethod
    def open(cls, build: Path, settings: Settings) -> Cache:
        root = build / CACHE_DIR
        for sub in (EXTRACTIONS, GRAPHS, CROSS):
            (root / sub).mkdir(parents=True, exist_ok=True)
            remove_stale(root / sub)
        return cls(root, settings.config_hash(), resources_digest(settings))

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

    def load_graph(self, key: str) -> str | None:
        try:
            return self._graph_path(key).read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def has_graph(self, key: str) -> bool:
        return self._graph_path(key).is_file()

    def save_graph(self, key: str, block: str) -> None:
        write_text(self._graph_path(key), block)

    def cross_key(self, keys: Iterable[str]) -> str:
        """The key of the cross-document graph: it depends on nothing but every document's extraction."""
        return short_hash(*sorted(keys), RDF_VERSION, __version__, length=24)

    def load_cross(self, key: str) -> str | None:
        try:
            return (self.root / CROSS / f"{key}.trig").read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            return None

    def save_cross(self, key: str, block: str) -> None:
        write_text(self.root / CROSS / f"{key}.trig", block)

    def ontology_key(self) -> str:
        """The key of the ontology graph's block: the data files, the configuration (base IRI), the writer."""
        return short_hash("ontology", self.resources, self.config_hash, RDF_VERSION, __version__, length=24)

    def prune(self, keep: Iterable[str], cross: str = "", ontology: str = "") -> int:
        """Remove the entries of documents no longer in the build (and older cross-document and ontology
        graphs); returns how many files went."""
        wanted = set(keep)
        removed = 0
        for path in (self.root / CROSS).iterdir():
            if path.name not in (f"{cross}.trig", f"{ontology}.trig"):
                path.unlink(missing_ok=True)
                removed += 1
        for sub in (EXTRACTIONS, GRAPHS):
            for path in (self.root / sub).iterdir():
                key = path.name.split(".", 1)[0]
                key = key[: key.rfind("-")] if sub == GRAPHS else key
                current = sub == EXTRACTIONS or path == self._graph_path(key)
                if key not in wanted or not current:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


__all__ = ["CACHE_DIR", "RDF_VERSION", "Cache", "document_digest", "resources_digest"]
