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
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDFS
from tqdm import tqdm

from kg import __version__
from kg.buildio import atomic_text, build_lock, check_output, remove_stale, write_text
from kg.cache import Cache
from kg.clusters import CLUSTER_DIR, cluster_claims
from kg.config import ONTOLOGY_NS, PIPELINE_VERSION, Settings
from kg.corpus import READERS, read_corpus
from kg.iris import Iris
from kg.rdf import Activity, Vocabulary, check_extraction, document_lines
from kg.rdf_cross import CanonicalEntity, canonical_entities, cross_graph, dangling_references
from kg.records import MODALITIES, Document, Extraction, Problem
from kg.seed import entity_classes, load_seed, ontology_graph
from kg.store import GRAPH_FILE, STORE_DIR, write_store
from kg.trig import Prefixes, canonical_lines
from kg.vocab import KG, PREFIXES

MANIFEST_FILE = "manifest.json"
MANIFEST_VERSION = 1
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


def _extract(todo: Sequence[Document], settings: Settings, options: BuildOptions,
             progress: Callable[[int], None] | None) -> Iterator[Extraction]:
    if options.dask:
        from kg.distributed import extract_documents_dask

        return extract_documents_dask(todo, settings, options.dask, progress=progress)
    from kg.extract import extract_documents

    return extract_documents(todo, settings, workers=settings.workers, progress=progress)


def read_manifest(build: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
        self.warnings: list[Problem] = []
        self.cache = Cache.open(self.out, settings)

    def problem(self, problems: Sequence[Problem]) -> None:
        for p in problems:
            self.warnings.append(p)
            if self.warn is not None:
                self.warn(str(p))

    def extractions(self, docs: Sequence[Document], keys: dict[str, str]) -> tuple[list[Extraction], int]:
        """Every document's extraction, in corpus order: from the cache, or extracted (and cached) now."""
        found: dict[str, Extraction] = {}
        todo = []
        for doc in docs:
            ex = self.cache.load(keys[doc.id], doc)
            if ex is None:
                todo.append(doc)
            else:
                found[doc.id] = ex
        if todo and self.info is not None:
            self.info(f"extracting {len(todo):,} new or changed documents ({len(found):,} unchanged, from the cache)")
        with _bar(len(todo), "extracting", self.options.progress) as bar:
            progress = bar.update if bar is not None else None
            for ex in _extract(todo, self.settings, self.options, progress):
                key = keys.get(ex.document.id)
                if key is None or ex.document.id in found:
                    raise RuntimeError(f"extraction returned an unexpected document {ex.document.id!r}")
                self.cache.save(key, ex)
                found[ex.document.id] = ex
        return [found[d.id] for d in docs], len(todo)

    def document_blocks(self, checked: Sequence[Extraction], keys: dict[str, str]) -> None:
        """Make sure the cache holds each document's TriG block."""
        with _bar(len(checked), "writing graphs", self.options.progress and len(checked) > 500) as bar:
            for ex in checked:
                key = keys[ex.document.id]
                if not self.cache.has_graph(key):
                    lines = document_lines(ex, self.iris, self.activity, self.seed)
                    self.cache.save_graph(key, self.prefixes.trig_block(self.iris.document_graph(ex.document.id),
                                                                        lines))
                if bar is not None:
                    bar.update(1)

    def write_trig(self, blocks: Sequence[tuple[str, str]], docs: Sequence[Document],
                   keys: dict[str, str]) -> dict[str, str]:
        """Write graph.trig (ontology, cross, then documents by id); returns each graph's digest."""
        digests: dict[str, str] = {}
        with atomic_text(self.out / GRAPH_FILE, sync=True) as handle:
            handle.write(self.prefixes.header())
            for iri, block in blocks:
                handle.write("\n" + block)
                digests[iri] = hashlib.sha256(block.encode()).hexdigest()
            for doc in docs:
                text = self.cache.load_graph(keys[doc.id])
                if text is None:
                    raise RuntimeError(f"{doc.path}: its graph vanished from the cache during the build")
                handle.write("\n" + text)
                digests[self.iris.document_graph(doc.id)] = hashlib.sha256(text.encode()).hexdigest()
        return digests

    def block_of(self, special: dict[str, str], keys_by_graph: dict[str, str]) -> Callable[[str], str]:
        def block(iri: str) -> str:
            if iri in special:
                return special[iri]
            text = self.cache.load_graph(keys_by_graph[iri])
            if text is None:
                raise RuntimeError(f"{iri}: its graph vanished from the cache during the build")
            return text

        return block


def _summary(docs: Sequence[Document], by_format: dict[str, int], checked: Sequence[Extraction],
             entities: dict[str, CanonicalEntity], extracted: int, removed: int,
             warnings: Sequence[Problem]) -> BuildSummary:
    triples = {(r.subject, r.predicate, r.object) for ex in checked for r in ex.relations}
    modality = Counter(c.modality for ex in checked for c in ex.claims)
    return BuildSummary(
        documents=len(docs), by_format=dict(by_format), extracted=extracted, cached=len(docs) - extracted,
        removed=removed, entities_by_type=_counts(Counter(e.type for e in entities.values())),
        relations_by_predicate=_counts(Counter(p for _s, p, _o in triples)),
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


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def run_build(options: BuildOptions, settings: Settings, warn: Warn | None = None,
              info: Warn | None = None) -> BuildResult:
    """Build ``options.corpus`` into ``options.out``; ``warn`` receives each warning as one line, ``info``
    a line when extraction starts."""
    started = time.perf_counter()
    Iris(settings.base_iri)  # a bad base IRI fails before any work
    check_output(options.out, options.corpus)
    corpus = read_corpus(options.corpus, settings)
    out = options.out
    with build_lock(out):
        remove_stale(out)
        run = _Run(options, settings, warn, info)
        run.problem(corpus.problems)
        if not corpus.documents:
            where = ", ".join(p.as_posix() for p in options.corpus)
            run.problem([Problem(where, "no documents found; kg build reads " + ", ".join(sorted(READERS)) +
                                 " files (folders are read recursively)")])
        previous = read_manifest(out)
        docs = corpus.documents
        keys = {d.id: run.cache.key(d) for d in docs}
        extractions, extracted = run.extractions(docs, keys)
        checked = []
        for ex in extractions:
            ok, problems = check_extraction(ex, run.vocab)
            run.problem(ex.problems + problems)
            checked.append(ok)
        run.document_blocks(checked, keys)
        entities, problems = canonical_entities(checked, run.seed, run.vocab, run.iris)
        run.problem(problems + dangling_references(checked, entities, run.seed))
        iris = run.iris
        cross_key = run.cache.cross_key(keys.values())
        cross = run.cache.load_cross(cross_key)
        if cross is None:  # some document changed: cluster the claims again
            clusters = cluster_claims(checked, iris, cache_dir=run.cache.root / CLUSTER_DIR)
            lines = canonical_lines(cross_graph(entities, clusters, iris, run.activity))
            cross = run.prefixes.trig_block(iris.cross_graph, lines)
            run.cache.save_cross(cross_key, cross)
        special = [
            (iris.ontology_graph, run.prefixes.trig_block(iris.ontology_graph, canonical_lines(run.ontology))),
            (iris.cross_graph, cross),
        ]
        digests = run.write_trig(special, docs, keys)
        keys_by_graph = {iris.document_graph(d.id): keys[d.id] for d in docs}
        update = write_store(out, digests, run.block_of(dict(special), keys_by_graph), run.prefixes.header())
        before = {d.get("id") for d in (previous or {}).get("documents", []) if isinstance(d, dict)}
        removed = len(before - {d.id for d in docs})
        summary = _summary(docs, corpus.by_format, checked, entities, extracted, removed, run.warnings)
        manifest = _manifest(options, settings, docs, keys, digests, iris, summary, _file_digest(out / GRAPH_FILE),
                             f"store.d/{update.generation}")
        write_text(out / MANIFEST_FILE, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", sync=True)
        run.cache.prune(keys.values(), cross_key)
    outputs = (out / GRAPH_FILE, out / STORE_DIR, out / MANIFEST_FILE)
    return BuildResult(summary=summary, outputs=outputs, seconds=time.perf_counter() - started)


__all__ = ["MANIFEST_FILE", "BuildOptions", "BuildResult", "BuildSummary", "build_prefixes", "read_manifest",
           "run_build", "vocabulary"]
