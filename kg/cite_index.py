"""The ranking index of `kg cite`: claim links from the store plus a BM25 index of the claim texts, cached.

Building it reads every claim with SPARQL and analyses every claim text, which dominates a query on a large
build (17 s for 50,000 claims on the development machine, against about 1 s with the cache). The index is
therefore cached in ``BUILD/cite-index/KEY/``, where KEY hashes the store's content (the graph digests
``kg build`` records for each store generation, else the store's file names, sizes and modification times),
the lexicon that analyses the texts, and this cache's format: a rebuilt store, or a new analyser, gets a new
key. A cache is written to a temporary folder and renamed into place (readers never see half of one); older
keys are removed. A build folder that cannot be written to is simply used without a cache.

A build on a SPARQL server (``kg cite --endpoint``) is not cached: its index is read from the server on each
call, because reading is most of the cost there (1.4 s of 1.7 s for 7,453 claims on a loopback Oxigraph
server; BM25 indexing 0.3 s), and no query tells cheaply and reliably what changed since the last call.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import bm25s
import pyoxigraph

from kg.cite_store import CiteIndex, ClaimRow, EntityInfo, as_backend, load_index
from kg.claim_text import LEXICON_FILE, tokens
from kg.sparql_backend import SparqlBackend
from kg.store import store_path

CACHE_DIR = "cite-index"
FORMAT_VERSION = "1"
_INDEX_FILE = "index.json"


@dataclass(frozen=True)
class RankIndex:
    index: CiteIndex
    bm25: bm25s.BM25 | None  # None when the build has no claims


def build_rank_index(source: pyoxigraph.Store | SparqlBackend) -> RankIndex:
    return _with_bm25(*load_index(as_backend(source)))


def _with_bm25(index: CiteIndex, texts: list[str]) -> RankIndex:
    if not texts:
        return RankIndex(index, None)
    retriever = bm25s.BM25()
    retriever.index([tokens(t) for t in texts], show_progress=False)
    return RankIndex(index, retriever)


def cache_key(build: Path) -> str | None:
    """A hash of the store's content and of the analyser; None when there is no store.

    The content is named by the generation's graph digests (``store.d/gN.json``, written by ``kg build``) when
    they exist, else by the names, sizes and modification times of the store's files."""
    folder = store_path(build).resolve()
    if not folder.is_dir():
        return None
    digest = hashlib.sha256(f"{FORMAT_VERSION}\x1f{bm25s.__version__}\x1f".encode())
    digest.update(resources.files("kg.patterns").joinpath(LEXICON_FILE).read_bytes())
    digests = folder.parent / f"{folder.name}.json"
    if digests.is_file():
        digest.update(f"{folder.name}\x1f".encode() + digests.read_bytes())
        return digest.hexdigest()[:20]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(folder).as_posix()}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def rank_index(source: pyoxigraph.Store | SparqlBackend, build: Path | None = None) -> RankIndex:
    """The ranking index of a build's store; cached under ``build`` when given."""
    key = cache_key(build) if build is not None else None
    if build is None or key is None:
        return build_rank_index(source)
    root = build / CACHE_DIR
    cached = _load(root / key)
    if cached is not None:
        return cached
    if (root / key).exists():  # damaged: drop it so the fresh one can take its place
        shutil.rmtree(root / key, ignore_errors=True)
    built = build_rank_index(source)
    _save(root, key, built)
    return built


# --- cache files --------------------------------------------------------------------------------------------


def _index_to_json(index: CiteIndex) -> dict[str, Any]:
    return {
        "claims": [[r.iri, r.document, r.cluster] for r in index.claims],
        "entities": [[e.iri, e.label, e.type, list(e.names)] for e in index.entities.values()],
        "links": {c: {k: sorted(v) for k, v in sorted(d.items())} for c, d in sorted(index.links.items())},
        "works": {k: sorted(v) for k, v in sorted(index.works.items())},
        "clusters": dict(sorted(index.clusters.items())),
    }


def _index_from_json(data: dict[str, Any]) -> CiteIndex:
    return CiteIndex(
        claims=tuple(ClaimRow(iri, doc, cluster) for iri, doc, cluster in data["claims"]),
        entities={iri: EntityInfo(iri, label, kind, tuple(names)) for iri, label, kind, names in data["entities"]},
        links={c: {k: frozenset(v) for k, v in d.items()} for c, d in data["links"].items()},
        works={k: frozenset(v) for k, v in data["works"].items()},
        clusters={k: int(v) for k, v in data["clusters"].items()},
    )


def _load(folder: Path) -> RankIndex | None:
    try:
        data = json.loads((folder / _INDEX_FILE).read_text(encoding="utf-8"))
        index = _index_from_json(data)
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=False, show_progress=False) if index.claims else None
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: rebuild
    return RankIndex(index, bm25)


def _save(root: Path, key: str, built: RankIndex) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        try:
            (tmp / _INDEX_FILE).write_text(json.dumps(_index_to_json(built.index), ensure_ascii=False),
                                           encoding="utf-8")
            if built.bm25 is not None:
                built.bm25.save(str(tmp / "bm25"), show_progress=False)
            os.replace(tmp, root / key)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not (root / key).is_dir():
                raise
        for old in root.iterdir():
            if old.name != key and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return  # a read-only build folder: no cache, same answers

