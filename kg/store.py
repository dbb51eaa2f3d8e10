"""The query store: a pyoxigraph store on disk, whose default graph is the union of all named graphs.

``BUILD/store`` is a symbolic link to one *generation* ``BUILD/store.d/gN`` (a complete store). A build never
writes the store that readers use: it makes the next generation in ``store.d/gN.tmp-<pid>`` (from a backup
of the current one, replacing only the named graphs that changed; or loaded from scratch, in chunks), then
moves the link in one atomic rename. Until that rename, the previous complete store is what ``open_store``
opens; a killed build leaves only a temp folder, which the next build removes. The previous generation is
kept one build longer for readers that still hold it open.

Each generation has ``store.d/gN.json`` beside it: the digest of every named graph it holds, so the next
build knows which graphs to replace.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import queue
import re
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.buildio import TMP_MARK, remove_stale, tmp_path, write_text
from kg.errors import BuildError
from kg.store_delta import Delta, NoDelta, apply_delta, block_delta, namespaces
from kg.trig import split_block

STORE_DIR = "store"
GENERATIONS_DIR = "store.d"
GRAPH_FILE = "graph.trig"
_GENERATION = re.compile(r"^g(\d+)$")
FULL_RELOAD_SHARE = 0.5  # load from scratch when more than this share of the graphs changed
LOAD_CHUNK_CHARS = 4 << 20  # TriG text per bulk_load call: bounds the bulk loader's memory


def store_path(build: Path) -> Path:
    return build / STORE_DIR


def open_store(build: Path) -> pyoxigraph.Store:
    """Open the store of a finished build read-only. Query it with ``use_default_graph_as_union=True``."""
    path = store_path(build)
    if not path.is_dir():
        raise BuildError(f"{build}: no built graph here; run `kg build` first (or pass --build DIR)")
    try:
        return pyoxigraph.Store.read_only(str(path))
    except OSError as err:
        raise BuildError(f"{path}: cannot open the store ({err}); rebuild with `kg build`") from err


def store_from_trig(trig: Path, directory: Path | None = None) -> pyoxigraph.Store:
    """Load a TriG file into a new store (in memory when ``directory`` is None). Used by tests and tools."""
    store = pyoxigraph.Store(str(directory)) if directory is not None else pyoxigraph.Store()
    store.bulk_load(path=str(trig), format=pyoxigraph.RdfFormat.TRIG)
    if directory is not None:
        store.optimize()
    return store


# --- writing the store (kg build) ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoreUpdate:
    generation: str
    full: bool  # loaded from scratch
    replaced: int  # named graphs loaded
    removed: int  # named graphs dropped


def _current(build: Path) -> tuple[Path, dict[str, str]] | None:
    """The generation ``BUILD/store`` points to, and the graph digests it holds (None when unknown)."""
    link = store_path(build)
    if not link.is_symlink():
        return None
    target = link.resolve()
    if not target.is_dir() or target.parent != (build / GENERATIONS_DIR).resolve():
        return None
    try:
        state = json.loads(target.with_name(target.name + ".json").read_text(encoding="utf-8"))
        return target, {str(k): str(v) for k, v in state["graphs"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        return None


def store_graphs(build: Path) -> dict[str, str] | None:
    """The named graphs (IRI -> digest) the current store of ``build`` holds; None when unknown."""
    current = _current(build)
    return None if current is None else current[1]


def _generations(build: Path) -> list[tuple[int, Path]]:
    gens = build / GENERATIONS_DIR
    found = []
    for entry in gens.iterdir() if gens.is_dir() else ():
        match = _GENERATION.match(entry.name)
        if match and entry.is_dir():
            found.append((int(match.group(1)), entry))
    return sorted(found)


def _next_generation(build: Path) -> Path:
    """The folder of the next generation (``store.d/gN``); stale temp folders are removed first."""
    gens = build / GENERATIONS_DIR
    gens.mkdir(parents=True, exist_ok=True)
    remove_stale(gens)
    existing = _generations(build)
    return gens / f"g{existing[-1][0] + 1 if existing else 1}"


def full_reload(changed: int, total: int) -> bool:
    """Whether a store with ``changed`` of ``total`` graphs to replace or drop is better loaded from scratch."""
    return changed > FULL_RELOAD_SHARE * max(1, total)


def _commit(build: Path, work: Path, final: Path, graphs: Mapping[str, str],
            current: tuple[Path, dict[str, str]] | None) -> None:
    """Record the digests of generation ``work``, move it to ``final``, point ``BUILD/store`` at it."""
    state = {"graphs": dict(sorted(graphs.items()))}
    write_text(final.with_name(f"{final.name}.json"), json.dumps(state, indent=0, sort_keys=True) + "\n")
    os.rename(work, final)
    _point(build, final)
    _prune_generations(build, keep={final.name, current[0].name if current else ""})


class StoreLoader:
    """A new store generation loaded from scratch with pyoxigraph's bulk loader, fed one TriG block at a time.

    Blocks are queued (in any order: a store has none) and a background thread bulk-loads them in chunks of
    about ``chunk_chars`` characters, so the build goes on meanwhile (the bulk loader releases the GIL) and
    memory stays bounded: one ``bulk_load`` of a whole large file holds its batches in memory (about 1.8 GB
    for 4M quads). ``finish`` compacts the store and moves it into place; ``abort`` removes it.
    """

    def __init__(self, build: Path, header: str, chunk_chars: int | None = None) -> None:
        self.build = build
        self.header = header
        self.chunk_chars = LOAD_CHUNK_CHARS if chunk_chars is None else chunk_chars
        self.current = _current(build)
        self.final = _next_generation(build)
        self.work = tmp_path(self.final)
        self.store: pyoxigraph.Store | None = pyoxigraph.Store(str(self.work))
        self.error: BaseException | None = None
        self.queue: queue.Queue[str | None] = queue.Queue(maxsize=64)
        self.thread = threading.Thread(target=self._run, name="kg-store-loader", daemon=True)
        self.thread.start()

    def add(self, block: str) -> None:
        """Queue one TriG block (without the prefix header); a large one goes in pieces."""
        for piece in split_block(block, self.chunk_chars) if len(block) > self.chunk_chars else [block]:
            if self.error is not None:
                self._raise()
            self.queue.put(piece)

    def _load(self, parts: list[str]) -> None:
        assert self.store is not None
        self.store.bulk_load(input=self.header + "".join(parts), format=pyoxigraph.RdfFormat.TRIG)

    def _run(self) -> None:
        parts: list[str] = []
        size = 0
        while (block := self.queue.get()) is not None:
            if self.error is not None:
                continue  # keep draining so that add() never blocks
            parts.append(block)
            size += len(block)
            if size >= self.chunk_chars:
                try:
                    self._load(parts)
                except BaseException as err:  # reported by add() / finish() in the build's thread
                    self.error = err
                parts, size = [], 0
        if parts and self.error is None:
            try:
                self._load(parts)
            except BaseException as err:
                self.error = err

    def _raise(self) -> None:
        err = self.error
        self.abort()
        if isinstance(err, OSError):
            raise BuildError(f"{self.work}: cannot write the store ({err}); the previous build is untouched") from err
        assert err is not None
        raise err

    def finish(self, graphs: Mapping[str, str]) -> StoreUpdate:
        """Wait for the last chunk, compact, and make this generation the store (``graphs``: IRI -> digest)."""
        self.queue.put(None)
        self.thread.join()
        if self.error is not None:
            self._raise()
        try:
            assert self.store is not None
            self.store.optimize()
            self.store.flush()
            self.store = None  # pyoxigraph closes a store when the object goes: before its folder moves
            gc.collect()
            _commit(self.build, self.work, self.final, graphs, self.current)
        except OSError as err:
            self.abort()
            raise BuildError(f"{self.work}: cannot write the store ({err}); the previous build is untouched") from err
        except BaseException:
            self.abort()
            raise
        return StoreUpdate(generation=self.final.name, full=True, replaced=len(graphs), removed=0)

    def abort(self) -> None:
        """Stop loading and remove the unfinished generation."""
        if self.thread.is_alive():
            self.error = self.error or RuntimeError("aborted")
            self.queue.put(None)
            self.thread.join()
        self.store = None
        gc.collect()
        shutil.rmtree(self.work, ignore_errors=True)


def _replace_graph(store: pyoxigraph.Store, iri: str, new: str, old: str | None, header: str) -> None:
    """Make ``iri`` in ``store`` hold the triples of block ``new``; ``old``: the block it holds now, when known
    (then only the statements that differ are removed and added)."""
    if old is not None:
        try:
            delta = block_delta(old, new, namespaces(header))
            apply_delta(store, iri, header, delta)
            return
        except NoDelta:
            pass  # replaced whole below (which also undoes a delta applied in part)
    graph = pyoxigraph.NamedNode(iri)
    if store.contains_named_graph(graph):
        store.remove_graph(graph)
    for piece in split_block(new, LOAD_CHUNK_CHARS):  # the cross graph is large
        store.load(input=header + piece, format=pyoxigraph.RdfFormat.TRIG)


def write_store(build: Path, graphs: Mapping[str, str], block: Callable[[str], str], header: str,
                previous: Callable[[str], str | None] | None = None,
                delta: Callable[[str], tuple[str, Delta] | None] | None = None) -> StoreUpdate:
    """Make the store hold exactly ``graphs`` (IRI -> digest of its TriG block) and point ``BUILD/store`` at it.

    ``block(iri)`` gives a graph's TriG block (without the prefix header). Only the graphs whose digest
    changed are replaced, unless more than ``FULL_RELOAD_SHARE`` of them did: then the store is loaded from
    scratch (:class:`StoreLoader`). ``previous(iri)``, when given, may return the block a graph had in the
    previous build (None when unknown): if its digest is the one the current store holds, the graph is
    updated by the statements that differ (:mod:`kg.store_delta`) instead of removed and loaded whole.
    ``delta(iri)``, when given, may return that difference already known, with the digest of the block it
    was taken from: it is applied when that digest is the one the store holds (no block is read).
    """
    current = _current(build)
    changed = [iri for iri, digest in sorted(graphs.items()) if current is None or current[1].get(iri) != digest]
    dropped = sorted(set(current[1]) - set(graphs)) if current is not None else []
    if current is not None and not changed and not dropped:
        return StoreUpdate(generation=current[0].name, full=False, replaced=0, removed=0)  # already up to date
    if current is None or full_reload(len(changed) + len(dropped), len(graphs)):
        loader = StoreLoader(build, header)
        for iri in sorted(graphs):
            loader.add(block(iri))
        return loader.finish(graphs)
    final = _next_generation(build)
    work = tmp_path(final)
    store: pyoxigraph.Store | None = None
    try:
        pyoxigraph.Store.read_only(str(current[0])).backup(str(work))
        store = pyoxigraph.Store(str(work))
        for iri in dropped:
            store.remove_graph(pyoxigraph.NamedNode(iri))
        for iri in changed:
            known = delta(iri) if delta is not None and iri in current[1] else None
            if known is not None and known[0] == current[1][iri]:
                try:
                    apply_delta(store, iri, header, known[1])
                    continue
                except NoDelta:
                    pass  # replaced whole below (which also undoes a delta applied in part)
            old = previous(iri) if previous is not None and iri in current[1] else None
            if old is not None and hashlib.sha256(old.encode()).hexdigest() != current[1][iri]:
                old = None  # not what the store holds
            _replace_graph(store, iri, block(iri), old, header)
        store.flush()
        store = None  # pyoxigraph closes a store when the object goes: before its folder moves
        gc.collect()
        _commit(build, work, final, graphs, current)
    except OSError as err:
        store = None  # pyoxigraph closes a store when the object goes: before its folder moves
        gc.collect()
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError(f"{work}: cannot write the store ({err}); the previous build is untouched") from err
    except BaseException:
        store = None  # pyoxigraph closes a store when the object goes: before its folder moves
        gc.collect()
        shutil.rmtree(work, ignore_errors=True)
        raise
    return StoreUpdate(generation=final.name, full=False, replaced=len(changed), removed=len(dropped))


def _point(build: Path, generation: Path) -> None:
    """Atomically make ``BUILD/store`` a link to ``generation``."""
    link = store_path(build)
    if link.exists() and not link.is_symlink():  # a store folder from an older layout: move it aside first
        os.rename(link, build / GENERATIONS_DIR / f"legacy{TMP_MARK}{os.getpid()}")
    new_link = tmp_path(link)
    with contextlib.suppress(FileNotFoundError):
        new_link.unlink()
    os.symlink(os.path.relpath(generation, build), new_link, target_is_directory=True)
    os.replace(new_link, link)


def _prune_generations(build: Path, keep: set[str]) -> None:
    for _number, path in _generations(build):
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            path.with_name(path.name + ".json").unlink(missing_ok=True)
    for state in (build / GENERATIONS_DIR).glob("g*.json"):
        if state.name[: -len(".json")] not in keep:
            state.unlink(missing_ok=True)


__all__ = ["FULL_RELOAD_SHARE", "GENERATIONS_DIR", "GRAPH_FILE", "STORE_DIR", "StoreLoader", "StoreUpdate",
           "full_reload", "open_store", "store_from_trig", "store_graphs", "store_path", "write_store"]
