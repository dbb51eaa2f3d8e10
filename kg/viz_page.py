"""Turn a selection of the graph into one self-contained, offline HTML page (vis-network, our template).

The page's data comes from ``viz_payload.build_payload``; the page itself from our own template, not
pyvis's, because pyvis's template links CDNs in every mode, inserts its heading unescaped and switches to an
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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
import pyvis
from markupsafe import Markup

from kg.viz_data import GraphData, Styles
from kg.viz_payload import build_payload
from kg.viz_select import Selection

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


def content_security_policy(scripts: list[str]) -> str:
    """Only these inline scripts may run; nothing may be fetched except data: images and fonts."""
    hashes = " ".join(_sha256(s) for s in scripts)
    return ("default-src 'none'; " f"script-src {hashes}; " "style-src 'unsafe-inline'; img-src data:; "
            "font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")


def render_page(data: GraphData, selection: Selection, styles: Styles, title: str) -> tuple[str, PageStats]:
    payload = build_payload(data, selection, styles, title)
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
    stats = PageStats(nodes=payload["meta"]["shown"], edges=len(selection.relations), claims=len(payload["claims"]),
                      documents=len(payload["docs"]), candidates=selection.candidates, total=selection.total,
                      seed_only=selection.seed_only, notice=selection.notice, bytes=len(html.encode("utf-8")))
    return html, stats
