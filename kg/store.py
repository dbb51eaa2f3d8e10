"""The query store: a pyoxigraph store on disk, whose default graph is the union of all named graphs.

``BUILD/store`` is a symbolic link to one *generation* ``BUILD/store.d/gN`` (a complete store). A build never
writes the store that readers use: it makes the next generation in ``store.d/gN.tmp-<pid>`` (from a backup
of the current one, replacing only the named graphs that changed; or loaded from ``graph.trig`` from
scratch), then moves the link in one atomic rename. Until that rename, the previous complete store is what
``open_store`` opens; a killed build leaves only a temp folder, which the next build removes. The previous
generation is kept one build longer for readers that still hold it open.

Each generation has ``store.d/gN.json`` beside it: the digest of every named graph it holds, so the next
build knows which graphs to replace.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.buildio import TMP_MARK, remove_stale, tmp_path, write_text
from kg.errors import BuildError

STORE_DIR = "store"
GENERATIONS_DIR = "store.d"
GRAPH_FILE = "graph.trig"
_GENERATION = re.compile(r"^g(\d+)$")
FULL_RELOAD_SHARE = 0.5  # rebuild from graph.trig when more than this share of the graphs changed


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
    full: bool  # loaded from graph.trig from scratch
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


def _generations(build: Path) -> list[tuple[int, Path]]:
    gens = build / GENERATIONS_DIR
    found = []
    for entry in gens.iterdir() if gens.is_dir() else ():
        match = _GENERATION.match(entry.name)
        if match and entry.is_dir():
            found.append((int(match.group(1)), entry))
    return sorted(found)


def write_store(build: Path, graphs: Mapping[str, str], block: Callable[[str], str], header: str) -> StoreUpdate:
    """Make the store hold exactly ``graphs`` (IRI -> digest of its TriG block) and point ``BUILD/store`` at it.

    ``block(iri)`` gives a graph's TriG block (without the prefix header); ``BUILD/graph.trig`` must already
    hold the whole dataset (used for a full reload).
    """
    gens = build / GENERATIONS_DIR
    gens.mkdir(parents=True, exist_ok=True)
    remove_stale(gens)
    existing = _generations(build)
    number = existing[-1][0] + 1 if existing else 1
    name = f"g{number}"
    final = gens / name
    work = tmp_path(final)
    current = _current(build)
    changed = [iri for iri, digest in sorted(graphs.items()) if current is None or current[1].get(iri) != digest]
    dropped = sorted(set(current[1]) - set(graphs)) if current is not None else []
    if current is not None and not changed and not dropped:
        return StoreUpdate(generation=current[0].name, full=False, replaced=0, removed=0)  # already up to date
    full = current is None or len(changed) + len(dropped) > FULL_RELOAD_SHARE * max(1, len(graphs))
    store: pyoxigraph.Store | None = None
    try:
        if full or current is None:
            store = pyoxigraph.Store(str(work))
            store.bulk_load(path=str(build / GRAPH_FILE), format=pyoxigraph.RdfFormat.TRIG)
        else:
            pyoxigraph.Store.read_only(str(current[0])).backup(str(work))
            store = pyoxigraph.Store(str(work))
            for iri in dropped:
                store.remove_graph(pyoxigraph.NamedNode(iri))
            for iri in changed:
                graph = pyoxigraph.NamedNode(iri)
                if store.contains_named_graph(graph):
                    store.remove_graph(graph)
                store.load(input=header + block(iri), format=pyoxigraph.RdfFormat.TRIG)
        if full:
            store.optimize()
        store.flush()
        store = None  # pyoxigraph closes a store when the object goes: before its folder moves
        gc.collect()
        state = {"graphs": dict(sorted(graphs.items()))}
        write_text(gens / f"{name}.json", json.dumps(state, indent=0, sort_keys=True) + "\n")
        os.rename(work, final)
    except OSError as err:
        store = None
        gc.collect()
        shutil.rmtree(work, ignore_errors=True)
        raise BuildError(f"{work}: cannot write the store ({err}); the previous build is untouched") from err
    except BaseException:
        store = None
        gc.collect()
        shutil.rmtree(work, ignore_errors=True)
        raise
    _point(build, final)
    _prune_generations(build, keep={final.name, current[0].name if current else ""})
    return StoreUpdate(generation=name, full=full, replaced=len(graphs) if full else len(changed),
                       removed=len(dropped))


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


__all__ = ["GENERATIONS_DIR", "GRAPH_FILE", "STORE_DIR", "StoreUpdate", "open_store", "store_from_trig",
           "store_path", "write_store"]
