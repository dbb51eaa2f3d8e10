"""`kg viz`: one self-contained, offline HTML page to explore the graph, with claims and citations a click away.

Stages, each a typed function: read the store (``viz_data.read_graph``) -> choose what to draw
(``viz_select.select``) -> lay it out up front (``viz_layout.layout``) -> build the page
(``viz_page.render_page``) -> write it atomically.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kg.errors import BuildError
from kg.store import open_store
from kg.viz_data import GraphData, load_styles, read_graph
from kg.viz_page import PageStats, render_page
from kg.viz_select import VizOptions, select

DEFAULT_TITLE = "policy-kg · knowledge graph"


@dataclass(frozen=True)
class VizResult:
    path: Path
    stats: PageStats
    seconds: float


def viz_html(store: pyoxigraph.Store, options: VizOptions, title: str = DEFAULT_TITLE) -> tuple[str, PageStats]:
    """The page for a store, as a string."""
    data = read_graph(store)
    return viz_html_from_data(data, options, title)


def viz_html_from_data(data: GraphData, options: VizOptions, title: str = DEFAULT_TITLE) -> tuple[str, PageStats]:
    styles = load_styles()
    selection = select(data, styles, options)
    return render_page(data, selection, styles, title)


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, then rename: readers never see half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_viz(build: Path, output: Path, options: VizOptions, title: str = DEFAULT_TITLE) -> VizResult:
    """Read ``build``'s store and write the page to ``output``."""
    started = time.perf_counter()
    store = open_store(build)
    html, stats = viz_html(store, options, title)
    try:
        write_atomic(output, html)
    except OSError as err:
        raise BuildError(f"{output}: cannot write the page ({err.strerror or err}); choose another -o path") from err
    return VizResult(path=output, stats=stats, seconds=time.perf_counter() - started)


__all__ = ["DEFAULT_TITLE", "VizOptions", "VizResult", "viz_html", "viz_html_from_data", "write_atomic", "write_viz"]
