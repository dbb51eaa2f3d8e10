"""Turn a selection of the graph into one self-contained, offline HTML page (pyvis node/edge lists, our template).

pyvis holds the vis-network node and edge lists and options; the page itself comes from our own template,
because pyvis's template links CDNs in every mode, inserts its heading unescaped and switches to an
innerHTML tooltip when a title contains "href". Here:

- vis-network and tom-select are inlined from the files pyvis ships in its package (no URL is loaded);
- every string that came from a document travels as JSON inside ``<script type="application/json">``
  (with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped) and the page script renders it with textContent;
- tooltips are plain-text strings, which vis-network 9 shows with innerText;
- a Content-Security-Policy allows only the page's own three scripts (by SHA-256 hash: inline event
  handlers and injected scripts cannot run), inline styles and data: images, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pyvis
from markupsafe import Markup
from pyvis.network import Network

from kg import __version__
from kg.viz_data import Claim, GraphData, Styles
from kg.viz_layout import layout
from kg.viz_select import Selection

LARGE_GRAPH_EDGES = 1500  # above this, edges hide while dragging/zooming so panning stays smooth
LABEL_MAX = 36
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


@dataclass(frozen=True)
class PageStats:
    nodes: int
    edges: int
    claims: int
    documents: int
    candidates: int
    total: int
    seed_only: int
    notice: str
    bytes: int


@dataclass(frozen=True)
class _Assets:
    vis_js: str
    vis_css: str
    tom_js: str
    tom_css: str
    viz_js: str
    viz_css: str
    template: str


def _pyvis_lib() -> Path:
    return Path(pyvis.__file__).resolve().parent / "lib"


@lru_cache(maxsize=1)
def _assets() -> _Assets:
    lib = _pyvis_lib()
    static = resources.files("kg").joinpath("static")
    assets = _Assets(
        vis_js=(lib / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8"),
        vis_css=(lib / "vis-9.1.2" / "vis-network.css").read_text(encoding="utf-8"),
        tom_js=(lib / "tom-select" / "tom-select.complete.min.js").read_text(encoding="utf-8"),
        tom_css=(lib / "tom-select" / "tom-select.css").read_text(encoding="utf-8"),
        viz_js=static.joinpath("viz.js").read_text(encoding="utf-8"),
        viz_css=static.joinpath("viz.css").read_text(encoding="utf-8"),
        template=static.joinpath("viz_template.html").read_text(encoding="utf-8"),
    )
    for name in ("vis_js", "vis_css", "tom_js", "tom_css", "viz_js", "viz_css"):
        text = getattr(assets, name).lower()
        # inlined code must not be able to close its own element or load anything
        assert "</script" not in text and "</style" not in text and "<!--" not in text, name
        assert "@import" not in text, name
    return assets


def embed_json(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``</script>``, no HTML parsing."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    for char, escaped in _JSON_ESCAPES.items():
        text = text.replace(char, escaped)
    return text


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _darker(color: str, factor: float = 0.7) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#{:02x}{:02x}{:02x}".format(*(round(c * factor) for c in (r, g, b)))


def _short(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[:LABEL_MAX - 1].rstrip() + "…"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _options(styles: Styles, large: bool) -> dict[str, Any]:
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
                        "selectConnectedEdges": True, "zoomSpeed": 0.7},
        "nodes": {"shape": "dot", "borderWidth": 1.5, "borderWidthSelected": 3,
                  "font": {"size": 14, "face": font, "color": "#1f2328", "strokeWidth": 4, "strokeColor": "#ffffff"}},
        "edges": {"smooth": False, "width": 1.2, "selectionWidth": 1.2, "hoverWidth": 0.8,
                  "color": {"color": "#a3acb6", "highlight": "#374151", "hover": "#374151", "inherit": False},
                  "font": {"size": 10, "face": font, "color": "#4b5563", "strokeWidth": 3,
                           "strokeColor": "#ffffff", "align": "middle"},
                  "arrows": {"to": {"enabled": not large, "scaleFactor": 0.5}}},
        "groups": groups,
    }


def _claims_for(data: GraphData, shown: set[str]) -> list[Claim]:
    """Claims that name a drawn entity, and every claim of a document that mentions one."""
    docs = {d for iri in shown for d in data.entities[iri].documents}
    return [c for c in data.claims if c.document in docs or shown.intersection(c.about + c.attributed_to
                                                                                + c.reported_by)]


def build_payload(data: GraphData, selection: Selection, styles: Styles, title: str,
                  ) -> tuple[dict[str, Any], Network]:
    """The page's data: pyvis node/edge lists (filled directly) plus entity, claim and document details."""
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
    claims_count: Counter[str] = Counter(e for c in claims for e in set(c.about + c.attributed_to))

    # sizes follow what is drawn; the tooltip also gives the count in the whole graph when it differs
    neighbours: dict[str, set[str]] = defaultdict(set)
    for r in selection.relations:
        neighbours[r.source].add(r.target)
        neighbours[r.target].add(r.source)
    drawn_degree = {iri: len(neighbours[iri]) for iri in shown}
    max_degree = max(drawn_degree.values(), default=0) or 1
    sizes = [round(8 + 16 * (drawn_degree[iri] / max_degree) ** 0.5, 1) for iri in shown]
    # each node's box at zoom 1: the wider of its shape and its label, the shape plus a line of label
    boxes = [(max(7.5 * len(_short(data.entities[iri].label)), 2 * size), 2 * size + 22)
             for iri, size in zip(shown, sizes, strict=True)]
    positions = layout(len(shown), [(index[r.source], index[r.target]) for r in selection.relations], boxes)
    net = Network(directed=True, cdn_resources="in_line", height="100%", width="100%")
    class_label = data.class_labels
    for i, iri in enumerate(shown):
        entity = data.entities[iri]
        degree = drawn_degree[iri]
        whole = selection.degree[iri]
        relations = _plural(degree, "relation") + (f" ({whole:,} in the whole graph)" if whole != degree else "")
        tooltip = "\n".join([
            entity.label,
            f"{class_label.get(entity.type, entity.type)} · {relations} · "
            f"{_plural(claims_count[iri], 'claim')} · mentioned in {_plural(len(entity.documents), 'document')}",
            "Click for details"])
        node = {"id": i, "label": _short(entity.label), "group": entity.type, "title": tooltip,
                "x": positions[i][0], "y": positions[i][1],
                "size": sizes[i]}
        net.nodes.append(node)
        net.node_ids.append(i)
        net.node_map[i] = node
    large = len(selection.relations) > LARGE_GRAPH_EDGES or len(shown) > LARGE_GRAPH_EDGES
    pairs: dict[frozenset[int], int] = defaultdict(int)
    for k, r in enumerate(selection.relations):
        a, b = index[r.source], index[r.target]
        label = data.predicate_labels.get(r.predicate, r.predicate)
        where = (["seed knowledge base"] if r.seed else []) + (["cross-document"] if r.cross else []) + \
            ([f"stated in {_plural(len(r.documents), 'document')}"] if r.documents else [])
        edge: dict[str, Any] = {
            "id": k, "from": a, "to": b,
            "title": f"{data.entities[r.source].label} — {label} — {data.entities[r.target].label}\n"
                     + "; ".join(where)}
        if not large:  # on large graphs the page labels the highlighted edges only (see viz.js)
            edge["label"] = label
        if r.symmetric:
            edge["arrows"] = {"to": {"enabled": False}}
        seen = pairs[frozenset((a, b))]
        pairs[frozenset((a, b))] += 1
        if seen:  # parallel edges between the same two entities: curve them apart so labels stay readable
            edge["smooth"] = {"enabled": True, "type": "curvedCW", "roundness": round(0.25 * seen, 2)}
        net.edges.append(edge)
    net.options = _options(styles, large)
    nodes, edges, heading, _height, _width, options_json = net.get_network_data()
    assert heading == "", "pyvis inserts its heading unescaped: never set it"

    type_counts = Counter(data.entities[i].type for i in shown)
    payload: dict[str, Any] = {
        "meta": {"title": title, "version": __version__, "notice": selection.notice, "shown": len(shown),
                 "candidates": selection.candidates, "total": selection.total, "large": large,
                 "seedOnly": selection.seed_only,
                 "focus": index.get(selection.focus) if selection.focus else None,
                 "document": doc_index.get(selection.document) if selection.document else None},
        "types": [{"name": c.name, "label": class_label.get(c.name, c.label), "color": c.color, "shape": c.shape,
                   "count": type_counts[c.name]} for c in styles.classes if type_counts[c.name]],
        "entities": [_entity_json(data, iri, doc_index, i < len(shown), drawn_degree.get(iri, 0))
                     for i, iri in enumerate(iris)],
        "relations": [{"p": r.predicate, "label": data.predicate_labels.get(r.predicate, r.predicate),
                       "from": index[r.source], "to": index[r.target], "symmetric": r.symmetric, "seed": r.seed,
                       "cross": r.cross, "docs": [doc_index[d] for d in r.documents],
                       "evidence": [{"doc": doc_index.get(e.document, -1), "quote": e.quote, "rule": e.rule,
                                     "confidence": e.confidence} for e in r.evidence]}
                      for r in selection.relations],
        "claims": [_claim_json(c, index, doc_index) for c in claims],
        "docs": [_doc_json(data, d) for d in doc_iris],
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options_json),
    }
    return payload, net


def _entity_json(data: GraphData, iri: str, doc_index: dict[str, int], shown: bool, degree: int) -> dict[str, Any]:
    e = data.entities[iri]
    return {"iri": iri, "label": e.label, "type": e.type, "aliases": list(e.aliases), "wikidata": list(e.wikidata),
            "docs": [doc_index[d] for d in e.documents if d in doc_index], "shown": shown, "degree": degree}


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


def content_security_policy(scripts: list[str]) -> str:
    """Only these inline scripts may run; nothing may be fetched except data: images and fonts."""
    hashes = " ".join(_sha256(s) for s in scripts)
    return ("default-src 'none'; " f"script-src {hashes}; " "style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def render_page(data: GraphData, selection: Selection, styles: Styles, title: str) -> tuple[str, PageStats]:
    payload, net = build_payload(data, selection, styles, title)
    assets = _assets()
    scripts = [assets.vis_js, assets.tom_js, assets.viz_js]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    html = env.from_string(assets.template).render(
        csp=content_security_policy(scripts),
        title=title,
        styles=Markup("\n".join([assets.vis_css, assets.tom_css, assets.viz_css])),
        data_json=Markup(embed_json(payload)),
        vis_js=Markup(assets.vis_js),
        tom_js=Markup(assets.tom_js),
        viz_js=Markup(assets.viz_js),
    )
    stats = PageStats(nodes=len(net.nodes), edges=len(net.edges), claims=len(payload["claims"]),
                      documents=len(payload["docs"]), candidates=selection.candidates, total=selection.total,
                      seed_only=selection.seed_only, notice=selection.notice, bytes=len(html.encode("utf-8")))
    return html, stats
