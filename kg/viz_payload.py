"""The data a `kg viz` page carries: what to draw (positions, sizes) and what to show on click (entities,
relations with evidence, claims with exact quotes, documents), as compact JSON.

Drawn nodes come first in ``entities`` (index = vis-network node id); the entities after them are only
referenced by claims. Node geometry and relations are columns (one array per field) rather than one object
per item: a 20,000-node page parses in a fraction of the time and carries no per-item key names. Tooltips,
shortened labels and vis-network's node and edge objects are made by the page script from these arrays.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kg import __version__
from kg.viz_data import Claim, GraphData, Styles
from kg.viz_layout import layout
from kg.viz_select import Selection

# Above this many drawn entities or relations the page runs in its large-graph mode (see viz.js): node
# labels are attached only to what is on screen at a readable zoom, and edges are drawn in one batch.
LARGE_GRAPH = 1500
LABEL_MAX = 36  # the page shortens longer labels on the canvas (the panel shows them in full)
CHAR_WIDTH = 7.5  # average width of a label character at zoom 1, in page pixels (for label boxes in the layout)


def _darker(color: str, factor: float = 0.7) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (r, g, b)))


def vis_options(styles: Styles, large: bool) -> dict[str, Any]:
    """vis-network options: positions are fixed (physics off), edges straight, styles per class (groups)."""
    font = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    groups = {
        c.name: {"shape": c.shape, "color": {
            "background": c.color, "border": _darker(c.color),
            "highlight": {"background": c.color, "border": "#111827"},
            "hover": {"background": c.color, "border": "#111827"}}}
        for c in styles.classes}
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "interaction": {"hover": True, "tooltipDelay": 180, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
                        "navigationButtons": False, "keyboard": False, "multiselect": False,
                        "selectConnectedEdges": not large, "zoomSpeed": 0.7},
        "nodes": {"shape": "dot", "borderWidth": 1.5, "borderWidthSelected": 3,
                  "font": {"size": 14, "face": font, "color": "#1f2328", "strokeWidth": 4, "strokeColor": "#ffffff"}},
        "edges": {"smooth": False, "width": 1.2, "selectionWidth": 1.2, "hoverWidth": 0.8,
                  "color": {"color": "#a3acb6", "highlight": "#374151", "hover": "#374151", "inherit": False},
                  "font": {"size": 10, "face": font, "color": "#4b5563", "strokeWidth": 3,
                           "strokeColor": "#ffffff", "align": "middle"},
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}}},
        "groups": groups,
    }


def _claims_for(data: GraphData, shown: set[str]) -> list[Claim]:
    """Claims that name a drawn entity, and every claim of a document that mentions one."""
    docs = {d for iri in shown for d in data.entities[iri].documents}
    return [c for c in data.claims if c.document in docs or not shown.isdisjoint(c.about + c.attributed_to
                                                                                 + c.reported_by)]


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1].rstrip() + "…"


def build_payload(data: GraphData, selection: Selection, styles: Styles, title: str) -> dict[str, Any]:
    """Everything the page needs, as one JSON-ready value (sorted inputs in, the same value out)."""
    shown = list(selection.nodes)
    shown_set = set(shown)
    claims = _claims_for(data, shown_set)
    referenced = {e for c in claims for e in c.about + c.attributed_to + c.reported_by if e in data.entities}
    iris = shown + sorted(referenced - shown_set)
    index = {iri: i for i, iri in enumerate(iris)}
    doc_iris = sorted({d for iri in shown for d in data.entities[iri].documents}
                      | {c.document for c in claims if c.document}
                      | {e.document for r in selection.relations for e in r.evidence if e.document}
                      | {d for r in selection.relations for d in r.documents})
    doc_index = {iri: i for i, iri in enumerate(doc_iris)}

    # sizes follow what is drawn; the tooltip also gives the count in the whole graph when it differs
    ends = [(index[r.source], index[r.target]) for r in selection.relations]
    neighbours: list[set[int]] = [set() for _ in shown]
    for a, b in ends:
        neighbours[a].add(b)
        neighbours[b].add(a)
    degree = [len(n) for n in neighbours]
    top = max(degree, default=0) or 1
    sizes = [round(8 + 16 * (d / top) ** 0.5, 1) for d in degree]
    # each node's box at zoom 1: the wider of its shape and its label, the shape plus a line of label
    boxes = [(max(CHAR_WIDTH * len(_short(data.entities[iri].label)), 2 * size), 2 * size + 22)
             for iri, size in zip(shown, sizes, strict=True)]
    positions = layout(len(shown), ends, boxes)
    large = len(ends) > LARGE_GRAPH or len(shown) > LARGE_GRAPH

    predicates = sorted({r.predicate for r in selection.relations})
    p_index = {p: i for i, p in enumerate(predicates)}
    symmetric = {r.predicate: r.symmetric for r in selection.relations}
    type_counts: dict[str, int] = defaultdict(int)
    for iri in shown:
        type_counts[data.entities[iri].type] += 1
    entities = []
    for i, iri in enumerate(iris):
        e = data.entities[iri]
        entities.append({"iri": iri, "label": e.label, "type": e.type, "aliases": list(e.aliases),
                         "wikidata": list(e.wikidata), "docs": [doc_index[d] for d in e.documents if d in doc_index],
                         "shown": i < len(shown), "degree": degree[i] if i < len(shown) else 0,
                         "whole": selection.degree.get(iri, 0)})
    rels = selection.relations
    return {
        "meta": {"title": title, "version": __version__, "notice": selection.notice, "shown": len(shown),
                 "candidates": selection.candidates, "total": selection.total, "large": large,
                 "seedOnly": selection.seed_only,
                 "focus": index.get(selection.focus) if selection.focus else None,
                 "document": doc_index.get(selection.document) if selection.document else None},
        "types": [{"name": c.name, "label": data.class_labels.get(c.name, c.label), "color": c.color,
                   "shape": c.shape, "count": type_counts[c.name]} for c in styles.classes if type_counts[c.name]],
        "predicates": [{"name": p, "label": data.predicate_labels.get(p, p), "symmetric": symmetric[p]}
                       for p in predicates],
        "entities": entities,
        "nodes": {"x": [p[0] for p in positions], "y": [p[1] for p in positions], "size": sizes},
        "relations": {
            "from": [a for a, _ in ends], "to": [b for _, b in ends],
            "p": [p_index[r.predicate] for r in rels],
            "seed": [int(r.seed) for r in rels], "cross": [int(r.cross) for r in rels],
            "docs": [[doc_index[d] for d in r.documents] for r in rels],
            # [document index or -1, exact quote, rule, confidence or null]
            "evidence": [[[doc_index.get(e.document, -1), e.quote, e.rule, e.confidence] for e in r.evidence]
                         for r in rels]},
        "claims": [_claim_json(c, index, doc_index) for c in claims],
        "docs": [_doc_json(data, d) for d in doc_iris],
        "options": vis_options(styles, large),
    }


def _claim_json(c: Claim, index: dict[str, int], doc_index: dict[str, int]) -> dict[str, Any]:
    return {"iri": c.iri, "quote": c.quote, "text": c.text, "doc": doc_index.get(c.document, -1),
            "start": c.start, "end": c.end, "page": c.page, "modality": c.modality, "quotation": c.quotation,
            "cue": c.cue, "by": [index[e] for e in c.attributed_to if e in index],
            "reportedBy": [index[e] for e in c.reported_by if e in index],
            "about": [index[e] for e in c.about if e in index],
            "sources": c.sources, "independent": c.independent_sources}


def _doc_json(data: GraphData, iri: str) -> dict[str, Any]:
    d = data.documents[iri]
    return {"iri": d.iri, "id": d.id, "title": d.title, "date": d.date, "publisher": d.publisher, "url": d.url,
            "creators": list(d.creators)}
