"""The query store: a pyoxigraph store on disk, whose default graph is the union of all named graphs."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph

from kg.errors import BuildError

STORE_DIR = "store"
GRAPH_FILE = "graph.trig"


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
