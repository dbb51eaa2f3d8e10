"""`kg build`: read the corpus, extract what changed, write the graph, the store, the cache and the manifest.

Order of work, each step safe to interrupt:

1. read the corpus (nothing is ever written inside it) and take the build lock on OUT;
2. serve unchanged documents from the cache and extract the others, saving each extraction as it comes;
3. write each document's named graph (cached per document), then the cross-document graph (canonical
   entities, merges, model families, claim clusters) and the ontology graph;
4. write ``graph.trig``, then the next store generation, then ``manifest.json``: each through a temp name
   moved into place, so the previous complete build stays usable until the new one is complete.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDFS
from tqdm import tqdm

from kg import __version__
from kg.build_work import PackedExtractions, RenderContext, Rendered, render, render_documents, unpack
from kg.buildio import atomic_binary, build_lock, check_output, remove_stale, write_text
from kg.cache import CACHE_DIR, Cache
from kg.clusters import CLUSTER_DIR, cluster_claims
from kg.config import ONTOLOGY_NS, PIPELINE_VERSION, Settings
from kg.corpus import READERS, read_corpus
from kg.corpus_index import INDEX_FILE, CorpusIndex, reader_signature
from kg.cross_text import block_pieces, cross_subjects, listing_delta, read_block, write_cross_block
from kg.iris import Iris
from kg.rdf import Activity, Vocabulary
from kg.rdf_cross import CanonicalEntity, EntityTally, ReferenceTally
from kg.records import MODALITIES, Document, Extraction, Problem
from kg.seed import entity_classes, load_seed, ontology_graph
from kg.store import GRAPH_FILE, STORE_DIR, StoreLoader, full_reload, store_graphs, write_store
from kg.store_delta import Delta
from kg.trig import Prefixes, canonical_lines
from kg.vocab import KG, PREFIXES

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
COPY_BYTES = 1 << 20  # graph.trig: a cached block file is copied in pieces of this many bytes
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


def vocabulary(ontology: rdflib.Graph) -> Vocabulary:
    """Entity classes and the relation properties below kg:relatedTo, read from the ontology graph."""
    found: set[str] = set()
    frontier = [KG.relatedTo]
    while frontier:
        prop = frontier.pop()
        for sub in ontology.subjects(RDFS.subPropertyOf, prop):
            name = str(sub)[len(ONTOLOGY_NS) :] if str(sub).startswith(ONTOLOGY_NS) else None
            if name and name not in found:
                found.add(name)
                frontier.append(KG[name])
    return Vocabulary(entity_classes=entity_classes(ontology) - {"Entity"}, relation_properties=frozenset(found))


def build_prefixes(iris: Iris) -> Prefixes:
    return Prefixes({**PREFIXES, **iris.namespaces()})


def _counts(counter: Counter[str]) -> dict[str, int]:
    return {k: counter[k] for k in sorted(counter, key=lambda k: (-counter[k], k))}


def _bar(total: int, desc: str, enabled: bool) -> AbstractContextManager[Any]:
    if not enabled or total == 0:
        return nullcontext(None)
    # disable=None: drawn only when stderr is a terminal
    return tqdm(total=total, desc=desc, unit="doc", file=sys.stderr, disable=None, leave=False)


def read_manifest(build: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class _Tally:
    """What the build keeps of every document while they arrive (in any order), by position in the corpus:
    the checked extraction packed (for claim clustering), its problems, and the running counts."""

    def __init__(self, n: int, vocab: Vocabulary, loader: StoreLoader | None) -> None:
        self.packed: list[bytes] = [b""] * n
        self.problems: list[tuple[Problem, ...]] = [()] * n
        self.entities = EntityTally(vocab)
        self.references = ReferenceTally()
        self.triples: set[tuple[str, str, str]] = set()
        self.modality: Counter[str] = Counter()
        self.loader = loader
        self.graph_digests: dict[str, str] = {}

    def take(self, index: int, done: Rendered, checked: Extraction | None = None) -> None:
        """Keep one document (``checked``: its checked extraction when at hand, else unpacked)."""
        self.packed[index] = done.packed
        self.problems[index] = done.problems
        ex = checked if checked is not None else unpack(done.packed)
        self.entities.add(ex, index)
        self.references.add(ex, index)
        self.triples.update((r.subject, r.predicate, r.object) for r in ex.relations)
        self.modality.update(c.modality for c in ex.claims)
        if self.loader is not None:
            self.loader.add(done.block)


class _Run:
    """One build: the state shared by its steps."""

    def __init__(self, options: BuildOptions, settings: Settings, warn: Warn | None, info: Warn | None) -> None:
        self.info = info
        self.options = options
        self.settings = settings
        self.out = options.out
        self.warn = warn
        self.iris = Iris(settings.base_iri)
        self.seed = load_seed(settings)
        self.ontology = ontology_graph(settings)
        self.vocab = vocabulary(self.ontology)
        self.prefixes = build_prefixes(self.iris)
        config = settings.config_hash()
        self.activity = Activity(self.iris.activity(__version__, config), __version__, config)
        self.context = RenderContext(self.vocab, self.activity, self.prefixes, settings.base_iri)
        self.warnings: list[Problem] = []
        self.cache = Cache.open(self.out, settings)

    def problem(self, problems: Sequence[Problem]) -> None:
        for p in problems:
            self.warnings.append(p)
            if self.warn is not None:
                self.warn(str(p))

    def plan_full_load(self, docs: Sequence[Document], keys: dict[str, str]) -> bool:
        """Whether the store will be loaded from scratch: no store yet, or most graphs change (judged from
        the cache before extracting, so that loading can start at once; ``write_store`` decides exactly
        otherwise)."""
        current = store_graphs(self.out)
        if current is None:
            return True
        graphs = {self.iris.document_graph(d.id): keys[d.id] for d in docs}
        stale = sum(1 for iri, key in graphs.items() if iri not in current or not self.cache.has_graph(key))
        dropped = len(set(current) - set(graphs) - {self.iris.ontology_graph, self.iris.cross_graph})
        return full_reload(stale + dropped, len(graphs) + 2)

    def documents(self, docs: Sequence[Document], keys: dict[str, str], tally: _Tally) -> int:
        """Every document's extraction and graph block: from the cache, or extracted (and cached) now;
        returns how many were extracted."""
        index = {d.id: i for i, d in enumerate(docs)}
        seed, iris, ctx = self.seed, self.iris, self.context
        todo = []
        for i, doc in enumerate(docs):
            key = keys[doc.id]
            block: str | None = ""  # not needed: the store is updated graph by graph, from the cache
            if tally.loader is not None or not self.cache.has_graph(key):
                block = self.cache.load_graph(key)
            kept = self.cache.load_packed(key) if block is not None else None
            if kept is not None:  # the checked extraction as kept last time: no JSON to read, nothing to check
                checked = unpack(kept[0])
                if checked.document == doc:
                    tally.take(i, Rendered(doc.id, "", block or "", kept[0], kept[1]), checked)
                    continue
            ex = self.cache.load(key, doc)
            if ex is None:
                todo.append(doc)
                continue
            done = render(ex, ctx, seed, iris, record=False, block=block)
            if block is None:
                self.cache.save_graph(key, done.block)
            self.cache.save_packed(key, done.packed, done.problems)
            tally.take(i, done, unpack(done.packed))
        if todo and self.info is not None:
            self.info(f"extracting {len(todo):,} new or changed documents ({len(docs) - len(todo):,} unchanged, "
                      "from the cache)")
        with _bar(len(todo), "extracting", self.options.progress) as bar:
            progress = bar.update if bar is not None else None
            seen: set[str] = set()
            for done in render_documents(todo, self.settings, ctx, dask=self.options.dask, progress=progress):
                new_key = keys.get(done.doc_id)
                if new_key is None or done.doc_id in seen or tally.packed[index[done.doc_id]]:
                    raise RuntimeError(f"extraction returned an unexpected document {done.doc_id!r}")
                seen.add(done.doc_id)
                self.cache.save_record(new_key, done.record)
                self.cache.save_graph(new_key, done.block)
                self.cache.save_packed(new_key, done.packed, done.problems)
                tally.take(index[done.doc_id], done)
        return len(todo)

    def ontology_block(self) -> str:
        key = self.cache.ontology_key()
        block = self.cache.load_cross(key)
        if block is None:
            block = self.prefixes.trig_block(self.iris.ontology_graph, canonical_lines(self.ontology))
            self.cache.save_cross(key, block)
        return block

    def write_trig(self, blocks: Sequence[tuple[str, str | Path]], docs: Sequence[Document],
                   keys: dict[str, str]) -> tuple[dict[str, str], str]:
        """Write graph.trig (ontology, cross, then documents by id); returns each graph's digest and the
        file's. A block given as a path (the cross graph's, in the cache) is copied in pieces."""
        digests: dict[str, str] = {}
        whole = hashlib.sha256()

        with atomic_binary(self.out / GRAPH_FILE, sync=True) as handle:
            def write(data: bytes) -> None:
                handle.write(data)
                whole.update(data)

            write(self.prefixes.header().encode())
            for iri, block in blocks:
                write(b"\n")
                graph = hashlib.sha256()
                if isinstance(block, Path):
                    with block.open("rb") as source:
                        while piece := source.read(COPY_BYTES):
                            write(piece)
                            graph.update(piece)
                else:
                    data = block.encode()
                    write(data)
                    graph.update(data)
                digests[iri] = graph.hexdigest()
            for doc in docs:
                found = self.cache.graph_bytes(keys[doc.id])
                if found is None:
                    raise RuntimeError(f"{doc.path}: its graph vanished from the cache during the build")
                write(b"\n")
                write(found)
                digests[self.iris.document_graph(doc.id)] = hashlib.sha256(found).hexdigest()
        return digests, whole.hexdigest()

    def block_of(self, special: dict[str, str | Path], keys_by_graph: dict[str, str]) -> Callable[[str], str]:
        def block(iri: str) -> str:
            if iri in special:
                found = special[iri]
                return read_block(found) if isinstance(found, Path) else found
            text = self.cache.load_graph(keys_by_graph[iri])
            if text is None:
                raise RuntimeError(f"{iri}: its graph vanished from the cache during the build")
            return text

        return block

    def cross_block(self, cross_key: str, tally: _Tally, entities: dict[str, CanonicalEntity]) -> Path:
        """The cross-document graph's block in the cache: kept from the last build when no document changed,
        else written again (claims clustered, unchanged subjects' statements copied from the last block)."""
        path = self.cache.cross_path(cross_key)
        if path.is_file():
            return path
        clusters = cluster_claims(PackedExtractions(tally.packed), self.iris,
                                  cache_dir=self.cache.root / CLUSTER_DIR)
        subjects = cross_subjects(entities, clusters, self.iris, self.activity)
        del clusters
        write_cross_block(path, subjects, self.prefixes, self.iris.cross_graph, self.cache.previous_cross(cross_key))
        return path


def _summary(docs: Sequence[Document], by_format: dict[str, int], tally: _Tally,
             entities: dict[str, CanonicalEntity], extracted: int, removed: int,
             warnings: Sequence[Problem]) -> BuildSummary:
    modality = tally.modality
    return BuildSummary(
        documents=len(docs), by_format=dict(by_format), extracted=extracted, cached=len(docs) - extracted,
        removed=removed, entities_by_type=_counts(Counter(e.type for e in entities.values())),
        relations_by_predicate=_counts(Counter(p for _s, p, _o in tally.triples)),
        claims_by_modality={m: modality[m] for m in MODALITIES if modality[m]}, warnings=tuple(warnings),
    )


def _manifest(options: BuildOptions, settings: Settings, docs: Sequence[Document], keys: dict[str, str],
              digests: dict[str, str], iris: Iris, summary: BuildSummary, graph_sha256: str,
              store: str) -> dict[str, Any]:
    doc_graphs = {iris.document_graph(d.id) for d in docs}
    return {
        "kg_build": MANIFEST_VERSION,
        "tool_version": __version__,
        "pipeline_version": PIPELINE_VERSION,
        "config_hash": settings.config_hash(),
        "base_iri": settings.base_iri,
        "corpus": [p.as_posix() for p in options.corpus],
        "graph": {"file": GRAPH_FILE, "sha256": graph_sha256},
        "store": store,
        "graphs": {iri: d for iri, d in sorted(digests.items()) if iri not in doc_graphs},
        "documents": [
            {"id": d.id, "path": d.path, "format": d.format, "sha256": d.sha256, "key": keys[d.id],
             "graph": iris.document_graph(d.id), "graph_sha256": digests[iris.document_graph(d.id)]}
            for d in docs
        ],
        "summary": {**summary.as_json(), "by_format": summary.by_format,
                    "entities_by_type": summary.entities_by_type,
                    "relations_by_predicate": summary.relations_by_predicate,
                    "claims_by_modality": summary.claims_by_modality},
        "warnings": [str(p) for p in summary.warnings],
    }


def run_build(options: BuildOptions, settings: Settings, warn: Warn | None = None,
              info: Warn | None = None) -> BuildResult:
    """Build ``options.corpus`` into ``options.out``; ``warn`` receives each warning as one line, ``info``
    a line when extraction starts."""
    started = time.perf_counter()
    Iris(settings.base_iri)  # a bad base IRI fails before any work
    check_output(options.out, options.corpus)
    out = options.out
    index_path = out / CACHE_DIR / INDEX_FILE
    index = CorpusIndex.load(index_path, reader_signature(settings.max_file_bytes, settings.max_pdf_pages))
    corpus = read_corpus(options.corpus, settings, index)
    with build_lock(out):
        remove_stale(out)
        run = _Run(options, settings, warn, info)
        index.save(index_path)  # valid whatever happens next (each entry vouches for its own file): not in the tail
        run.problem(corpus.problems)
        if not corpus.documents:
            where = ", ".join(p.as_posix() for p in options.corpus)
            run.problem([Problem(where, "no documents found; kg build reads " + ", ".join(sorted(READERS)) +
                                 " files (folders are read recursively)")])
        previous = read_manifest(out)
        docs = corpus.documents
        keys = {d.id: run.cache.key(d) for d in docs}
        loader = StoreLoader(out, run.prefixes.header()) if run.plan_full_load(docs, keys) else None
        try:
            tally = _Tally(len(docs), run.vocab, loader)
            extracted = run.documents(docs, keys, tally)
            for problems in tally.problems:
                run.problem(problems)
            iris = run.iris
            entities, found = tally.entities.result(run.seed, iris)
            run.problem(found + tally.references.dangling(entities, run.seed))
            cross_key = run.cache.cross_key(keys.values())
            cross = run.cross_block(cross_key, tally, entities)
            ontology = run.ontology_block()
            special: list[tuple[str, str | Path]] = [(iris.ontology_graph, ontology), (iris.cross_graph, cross)]
            digests, graph_sha256 = run.write_trig(special, docs, keys)
            if loader is not None:
                loader.add(ontology)
                for piece in block_pieces(cross, loader.chunk_chars):
                    loader.add(piece)
                update = loader.finish(digests)
            else:
                keys_by_graph = {iris.document_graph(d.id): keys[d.id] for d in docs}
                held = store_graphs(out) or {}

                def held_delta(iri: str) -> tuple[str, Delta] | None:  # from the cross block the store holds
                    old = run.cache.cross_with_listed_digest(held.get(iri, "")) if iri == iris.cross_graph else None
                    found = listing_delta(old, cross) if old is not None else None
                    return (held[iri], found) if found is not None else None

                def held_block(iri: str) -> str | None:  # the same, read whole (a block without a subject list)
                    digest = held.get(iri)
                    return run.cache.cross_with_digest(digest) if digest and iri == iris.cross_graph else None

                update = write_store(out, digests, run.block_of(dict(special), keys_by_graph),
                                     run.prefixes.header(), held_block, held_delta)
        except BaseException:
            if loader is not None:
                loader.abort()
            raise
        before = {d.get("id") for d in (previous or {}).get("documents", []) if isinstance(d, dict)}
        removed = len(before - {d.id for d in docs})
        summary = _summary(docs, corpus.by_format, tally, entities, extracted, removed, run.warnings)
        manifest = _manifest(options, settings, docs, keys, digests, iris, summary, graph_sha256,
                             f"store.d/{update.generation}")
        write_text(out / MANIFEST_FILE, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", sync=True)
        run.cache.prune(keys.values(), cross_key, run.cache.ontology_key())
    outputs = (out / GRAPH_FILE, out / STORE_DIR, out / MANIFEST_FILE)
    return BuildResult(summary=summary, outputs=outputs, seconds=time.perf_counter() - started)


__all__ = ["MANIFEST_FILE", "BuildOptions", "BuildResult", "BuildSummary", "build_prefixes", "read_manifest",
           "run_build", "vocabulary"]
