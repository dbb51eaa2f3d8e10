"""Node positions computed up front, so the page draws at once with physics off.

Each connected component is laid out on its own and the components are packed in rows, biggest first
(a news graph is one large component and many small ones; laid out together, the small ones fly to the
edges and the whole view zooms out until no label is readable). Small graphs use networkx's spring layout;
larger ones igraph's grid-based Fruchterman-Reingold, close to linear per iteration (30 iterations for
20,000 nodes with 60,000 edges). Both are seeded: the same graph always gets the same positions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import igraph
import networkx as nx
import numpy as np

SMALL_GRAPH = 300  # up to this many nodes in total, networkx's dense spring layout is fast and looks best
SPACING = 130.0  # target median edge length in page pixels (labels sit under the nodes: leave room)
CELL = 90.0  # and at least this much room per node on average (dense hubs would otherwise pile up)
GAP = 50.0  # space between packed components
SEED = 20251216
OVERLAP_LIMIT = 1500  # components up to this size get their labels pushed apart (pairwise, O(n^2) memory)
ITERATION_BUDGET = 2_500_000  # layout iterations x (nodes + edges) for one component
LABEL_HEIGHT = 44.0  # default height of a node and the line of label under it, in page pixels


def layout(n: int, edges: Sequence[tuple[int, int]], boxes: Sequence[tuple[float, float]] | None = None,
           ) -> list[tuple[float, float]]:
    """Positions (page pixels, centred on 0,0) for nodes ``0..n-1`` joined by ``edges``.

    ``boxes`` are the (width, height) in pixels each node takes with its label: labels are pushed apart
    within a component and packing keeps neighbouring components apart.
    """
    if n == 0:
        return []
    graph = igraph.Graph(n=n, edges=[(a, b) for a, b in edges if a != b])
    graph.simplify()
    components = sorted((sorted(c) for c in graph.connected_components()), key=lambda c: (-len(c), c[0]))
    use_networkx = n <= SMALL_GRAPH
    sizes = np.asarray(boxes if boxes is not None else [(SPACING, LABEL_HEIGHT)] * n, dtype=float).reshape(n, 2)
    pieces = []
    for members in components:
        sub = graph.induced_subgraph(members, implementation="create_from_scratch")
        placed = _component(sub, use_networkx)
        if 2 < len(members) <= OVERLAP_LIMIT:
            placed = remove_overlaps(placed, sizes[members])
        pieces.append((members, placed))
    pos = _pack(n, pieces, sizes)
    return [(round(float(x), 1), round(float(y), 1)) for x, y in pos]


def _component(sub: igraph.Graph, use_networkx: bool) -> np.ndarray:
    """Positions for one connected component, scaled so its median edge is SPACING long."""
    size = sub.vcount()
    if size == 1:
        return np.zeros((1, 2))
    if size == 2:
        return np.array([[-SPACING / 2, 0.0], [SPACING / 2, 0.0]])
    edges = sub.get_edgelist()
    if use_networkx:
        g = nx.Graph()
        g.add_nodes_from(range(size))
        g.add_edges_from(edges)
        placed = nx.spring_layout(g, seed=SEED, iterations=150)
        pos = np.array([placed[i] for i in range(size)], dtype=float)
    else:
        rng = np.random.default_rng(SEED)
        start = rng.uniform(-math.sqrt(size), math.sqrt(size), size=(size, 2)).tolist()
        # fewer iterations on very large components keeps the time bounded (about linear in nodes + edges):
        # 500 up to about 5,000 nodes + edges, 30 for 20,000 nodes with 60,000 edges
        niter = max(30, min(500, int(ITERATION_BUDGET / (size + len(edges)))))
        igraph.set_random_number_generator(random.Random(SEED))
        try:
            coords = sub.layout_fruchterman_reingold(seed=start, niter=niter, grid=size > 1000)
        finally:
            igraph.set_random_number_generator(random)
        pos = np.array(coords.coords, dtype=float)
    pos = pos - pos.mean(axis=0)
    lengths = np.hypot(*(pos[[a for a, _ in edges]] - pos[[b for _, b in edges]]).T)
    reference = float(np.median(lengths)) if len(lengths) else 1.0
    factor = SPACING / max(reference, 1e-9)
    spread = float(np.sqrt(np.mean(np.sum(pos * pos, axis=1))))  # radius of gyration
    if spread > 1e-9:
        # a disc of radius r holds pi r^2 / CELL^2 nodes at the wanted density; r ~ 1.4 x radius of gyration
        factor = max(factor, CELL * math.sqrt(size / math.pi) / (1.4 * spread))
    scaled: np.ndarray = pos * factor
    return scaled


def remove_overlaps(pos: np.ndarray, boxes: np.ndarray, iterations: int = 80) -> np.ndarray:
    """Push apart nodes whose boxes (node and label, at zoom 1) overlap, along the shorter overlap axis,
    until none do or ``iterations`` run out. Keeps the layout's shape and opens up dense cores."""
    pos = pos.copy()
    need_x = (boxes[:, None, 0] + boxes[None, :, 0]) / 2 + 10.0
    need_y = (boxes[:, None, 1] + boxes[None, :, 1]) / 2 + 4.0
    for _ in range(iterations):
        dx = pos[:, None, 0] - pos[None, :, 0]
        dy = pos[:, None, 1] - pos[None, :, 1]
        over_x = need_x - np.abs(dx)
        over_y = need_y - np.abs(dy)
        clash = (over_x > 0) & (over_y > 0)
        np.fill_diagonal(clash, False)
        if not clash.any():
            break
        along_x = clash & (over_x < over_y)
        along_y = clash & ~along_x
        # identical positions: separate by index so the result stays deterministic
        sign_x = np.where(dx == 0, np.sign(np.arange(len(pos))[:, None] - np.arange(len(pos))[None, :]), np.sign(dx))
        sign_y = np.where(dy == 0, np.sign(np.arange(len(pos))[:, None] - np.arange(len(pos))[None, :]), np.sign(dy))
        push = np.zeros_like(pos)
        push[:, 0] = (np.where(along_x, over_x, 0.0) * sign_x).sum(axis=1) / 4
        push[:, 1] = (np.where(along_y, over_y, 0.0) * sign_y).sum(axis=1) / 4
        pos += push
    return pos


def _pack(n: int, pieces: list[tuple[list[int], np.ndarray]], sizes: np.ndarray) -> np.ndarray:
    """Place components in rows (shelf packing), biggest first, in a roughly 16:10 area."""
    boxes = []
    for members, pos in pieces:
        half = sizes[members] / 2
        lo = (pos - half).min(axis=0)
        hi = (pos + half).max(axis=0)
        boxes.append((lo, hi - lo + GAP))
    area = sum(float(size[0] * size[1]) for _lo, size in boxes)
    row_width = max(math.sqrt(area * 1.6), float(max(size[0] for _lo, size in boxes)))
    out = np.zeros((n, 2))
    x = y = row_height = 0.0
    for (members, pos), (lo, size) in zip(pieces, boxes, strict=True):
        if x > 0 and x + size[0] > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        out[members] = pos - lo + np.array([x, y])
        x += float(size[0])
        row_height = max(row_height, float(size[1]))
    centred: np.ndarray = out - (out.min(axis=0) + out.max(axis=0)) / 2
    return centred
