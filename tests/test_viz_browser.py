"""`kg viz` pages in real headless Chromium (Debian's /usr/bin/chromium through Playwright).

Each test writes a page from a real store, opens it from file:// and uses it as a person would:
typing in the search box, clicking on the canvas, toggling filters. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from kg.store import store_from_trig
from kg.viz import viz_html, write_atomic
from kg.viz_select import VizOptions

pytestmark = pytest.mark.browser

E = "https://policy-kg.org/id/entity/"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
# Records what a page tried to do that it must not: CSP violations (an injected script or a remote load
# that the policy blocked) and errors.
WATCH = """
window.__kgViolations = [];
document.addEventListener('securitypolicyviolation',
    e => window.__kgViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""
KG = "https://policy-kg.org/ns#"
OA = "http://www.w3.org/ns/oa#"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


class Opened:
    """A page opened from file:// with everything it requested, printed or raised recorded."""

    def __init__(self, browser: Browser, path: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": 1400, "height": 860})
        self.page.set_default_timeout(90_000)  # the machine is shared: be patient, never flaky
        self.page.add_init_script(WATCH)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.kgViz && window.kgViz.ready === true", timeout=60_000)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg: Any = None) -> Any:
        return self.page.evaluate(expression, arg)

    def click_entity(self, iri: str) -> None:
        """A real mouse click on the node's position on the canvas."""
        box = self.js("""iri => new Promise(done => {
            const net = kgViz.network, id = net.body.data.nodes.getIds().find(
                i => JSON.parse(document.getElementById('kg-data').textContent).entities[i].iri === iri);
            net.once('afterDrawing', () => done(net.canvasToDOM(net.getPosition(id))));
            net.moveTo({position: net.getPosition(id), scale: 1.2});
            net.redraw();
        })""", iri)
        rect = self.page.locator("#kg-graph canvas").bounding_box()
        assert rect is not None
        self.page.mouse.click(rect["x"] + box["x"], rect["y"] + box["y"])

    def search(self, text: str) -> None:
        self.page.click("#kg-search-ts-control")
        self.page.keyboard.type(text)
        self.page.wait_for_selector(".ts-dropdown .option")
        self.page.keyboard.press("Enter")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.page.close()


def write_page(store: pyoxigraph.Store, path: Path, options: VizOptions | None = None) -> Path:
    html, _stats = viz_html(store, options or VizOptions())
    write_atomic(path, html)
    return path


@pytest.fixture(scope="module")
def mini_store(mini_trig: Path) -> pyoxigraph.Store:
    return store_from_trig(mini_trig)


@pytest.fixture(scope="module")
def mini_page(mini_store: pyoxigraph.Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # the whole graph, seed-only entities included (DeepSeek is one in mini.trig)
    return write_page(mini_store, tmp_path_factory.mktemp("viz") / "graph.html", VizOptions(include_seed=True))


@pytest.fixture()
def opened(browser: Browser, mini_page: Path) -> Iterator[Opened]:
    page = Opened(browser, mini_page)
    yield page
    page.close()


def entity_iris(store: pyoxigraph.Store) -> set[str]:
    """Entities as the graph model defines them, counted independently of the viz code."""
    query = """PREFIX kg: <https://policy-kg.org/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?e WHERE { ?e a ?t ; skos:prefLabel ?l . FILTER(STRSTARTS(STR(?t), STR(kg:))
          && ?t NOT IN (kg:Document, kg:Claim, kg:Mention, kg:RelationAssertion, kg:Merge, kg:ClaimCluster)) }"""
    return {row["e"].value for row in store.query(query, use_default_graph_as_union=True)}


def source_slices(store: pyoxigraph.Store, about: str) -> dict[str, str]:
    """claim IRI -> the slice of its document's kg:text that its position selector points at."""
    query = """PREFIX kg: <https://policy-kg.org/ns#> PREFIX oa: <http://www.w3.org/ns/oa#>
        SELECT ?c ?slice ?about WHERE {
          ?c a kg:Claim ; kg:about ?about ; kg:statedIn ?d ; kg:evidence ?t .
          ?t oa:hasSelector ?p . ?p a oa:TextPositionSelector ; oa:start ?s ; oa:end ?e .
          ?d kg:text ?text . BIND(SUBSTR(?text, ?s + 1, ?e - ?s) AS ?slice) }"""
    rows = store.query(query, use_default_graph_as_union=True,
                       substitutions={pyoxigraph.Variable("about"): pyoxigraph.NamedNode(about)})
    return {row["c"].value: row["slice"].value for row in rows}


# ---- tests ------------------------------------------------------------------------------------------

def test_page_loads_with_no_network_request(opened: Opened, mini_page: Path) -> None:
    # use it a little first: open a panel, filter, reset; none of it may fetch anything
    opened.search("DeepSeek")
    opened.page.wait_for_selector("#kg-panel:not([hidden])")
    opened.page.select_option("#kg-doc-filter", label="2025-12-16 · Chinese open models close in — South China "
                                                    "Morning Post")
    opened.page.click("#kg-reset")
    assert opened.requests == [mini_page.as_uri()], "the page may load nothing but itself"
    assert opened.js("window.__kgViolations") == []
    assert opened.errors == []
    opened.screenshot("viz-mini.png")


def test_node_count_equals_the_graph(opened: Opened, mini_store: pyoxigraph.Store) -> None:
    expected = entity_iris(mini_store)
    assert opened.js("kgViz.nodeCount()") == len(expected) == 14
    assert set(opened.js("kgViz.nodeIris()")) == expected
    assert opened.js("kgViz.edgeCount()") == 9
    assert "14 entities · 9 relations · 2 claims" in opened.page.inner_text("#kg-stats")


def test_search_by_name_selects_the_entity(opened: Opened) -> None:
    opened.search("DeepSeek")
    opened.page.wait_for_selector("#kg-panel:not([hidden])")
    assert opened.js("kgViz.selected()") == E + "deepseek"
    assert opened.js("kgViz.network.getSelectedNodes().length") == 1
    assert opened.page.inner_text("#kg-panel h2") == "DeepSeek"
    wikidata = opened.page.locator("#kg-panel a.kg-wd")
    assert wikidata.get_attribute("href") == "https://www.wikidata.org/wiki/Q124556783"
    assert wikidata.get_attribute("rel") == "noopener noreferrer"
    assert "DeepSeek AI" in opened.page.inner_text("#kg-panel .kg-aliases")
    relations = opened.page.inner_text("#kg-panel .kg-section")
    assert "DeepSeek-R1 developed by → DeepSeek" in relations and "based in → China" in relations


def test_search_by_alias(opened: Opened) -> None:
    opened.search("Tongyi")
    opened.page.wait_for_selector("#kg-panel:not([hidden])")
    assert opened.js("kgViz.selected()") == E + "qwen"


def test_click_shows_claims_with_the_exact_source_quote(opened: Opened, mini_store: pyoxigraph.Store) -> None:
    opened.click_entity(E + "alibaba")
    opened.page.wait_for_selector("#kg-panel:not([hidden]) .kg-claim")
    assert opened.js("kgViz.selected()") == E + "alibaba"
    expected = source_slices(mini_store, E + "alibaba")
    assert len(expected) == 1
    claim_iri, source_slice = next(iter(expected.items()))
    card = opened.page.locator(f'#kg-panel .kg-claim[data-claim="{claim_iri}"]')
    assert card.locator(".kg-quote").inner_text() == source_slice
    text = card.inner_text()
    assert "hedged" in text and "cue: “said”" in text
    assert "Made by DigiChina open-weight models report" in text
    assert "reported by South China Morning Post" in text
    assert "Chinese open models close in" in text and "2025-12-16" in text and "chars 65–118" in text
    source = card.locator("a.kg-source-title")
    assert source.get_attribute("href") == "https://example.org/news/a"
    assert source.get_attribute("target") == "_blank"
    opened.screenshot("viz-mini-claim.png")


def test_neighbourhood_highlight_and_reset(opened: Opened) -> None:
    opened.search("DeepSeek")
    opened.page.wait_for_selector("#kg-panel:not([hidden])")
    opacity = opened.js("""() => {
        const data = JSON.parse(document.getElementById('kg-data').textContent);
        const out = {};
        kgViz.network.body.data.nodes.get().forEach(n => { out[data.entities[n.id].iri] = n.opacity; });
        return out; }""")
    lit = {iri for iri, o in opacity.items() if o is None or o == 1}
    assert lit == {E + "deepseek", E + "china", E + "deepseek-r1"}
    assert all(o < 0.5 for iri, o in opacity.items() if iri not in lit)
    opened.page.click("#kg-reset")
    assert opened.page.locator("#kg-panel").is_hidden()
    assert opened.js("kgViz.selected()") is None
    assert opened.js("kgViz.network.body.data.nodes.get().filter(n => n.opacity !== undefined && n.opacity < 1)"
                     ".length") == 0


def test_type_and_document_filters(opened: Opened) -> None:
    opened.page.click(".kg-legend-item:has-text('AI model')")
    assert opened.js("kgViz.nodeCount()") == 11
    assert E + "qwen" not in opened.js("kgViz.nodeIris()")
    opened.page.click(".kg-legend-item:has-text('AI model')")
    assert opened.js("kgViz.nodeCount()") == 14
    opened.page.select_option("#kg-doc-filter", index=1)
    assert set(opened.js("kgViz.nodeIris()")) == {E + "alibaba", E + "qwen", E + "china",
                                                  E + "digichina-open-models-report"}
    assert opened.js("kgViz.edgeCount()") == 1
    assert "filtered from 14" in opened.page.inner_text("#kg-stats")
    opened.page.click("#kg-reset")
    assert opened.js("kgViz.nodeCount()") == 14


def test_hover_shows_a_plain_text_tooltip(opened: Opened) -> None:
    pos = opened.js("""() => { const net = kgViz.network; net.moveTo({position: net.getPosition(0), scale: 1.2});
        return net.canvasToDOM(net.getPosition(0)); }""")
    rect = opened.page.locator("#kg-graph canvas").bounding_box()
    assert rect is not None
    opened.page.mouse.move(rect["x"] + pos["x"] - 3, rect["y"] + pos["y"] - 3)
    opened.page.mouse.move(rect["x"] + pos["x"], rect["y"] + pos["y"])
    tooltip = opened.page.locator("div.vis-tooltip")
    tooltip.wait_for(state="visible")
    assert "Alibaba" in tooltip.inner_text() and "relations" in tooltip.inner_text()


def test_capped_view_shows_a_notice(browser: Browser, mini_store: pyoxigraph.Store, tmp_path: Path) -> None:
    page = Opened(browser, write_page(mini_store, tmp_path / "capped.html",
                                           VizOptions(max_nodes=5, include_seed=True)))
    try:
        notice = page.page.locator("#kg-notice")
        assert notice.is_visible()
        assert "5 most connected of 14" in notice.inner_text() and "--focus" in notice.inner_text()
        assert page.js("kgViz.nodeCount()") == 5
    finally:
        page.close()


def test_focus_page_opens_on_the_focus(browser: Browser, mini_store: pyoxigraph.Store, tmp_path: Path) -> None:
    page = Opened(browser, write_page(mini_store, tmp_path / "focus.html", VizOptions(focus="Qwen", hops=1)))
    try:
        page.page.wait_for_selector("#kg-panel:not([hidden])")
        assert page.js("kgViz.selected()") == E + "qwen"
        assert page.js("kgViz.nodeCount()") == 3
    finally:
        page.close()


def test_hostile_document_text_stays_text(browser: Browser, tmp_path: Path) -> None:
    store = store_from_trig(FIXTURES / "viz_xss.trig")
    page = Opened(browser, write_page(store, tmp_path / "xss.html", VizOptions(include_seed=True)))
    try:
        p = page.page
        # walk every entity's panel with every section open, hover every node, use the filters and search
        iris = page.js("kgViz.nodeIris()")
        tooltips: dict[str, str] = {}
        assert len(iris) == len(entity_iris(store)) == 5
        for iri in iris:
            assert page.js("iri => kgViz.select(iri)", iri)
            p.wait_for_selector("#kg-panel:not([hidden])")
            p.wait_for_timeout(450)  # let the focus animation finish before hovering
            page.js("document.querySelectorAll('#kg-panel details').forEach(d => d.open = true)")
            panel_text = p.inner_text("#kg-panel")
            if iri == E + "evil-lab":
                assert p.inner_text("#kg-panel h2") == "</script><script>window.pwned='label'</script>"
                assert "<img src=x onerror=alert('alias')>" in panel_text
                assert "</script><img src=x onerror=\"window.pwned='title'\"> Evil title" in panel_text
                assert "<svg onload=\"window.pwned='publisher'\"></svg>Publisher" in panel_text
                # the javascript: source is shown as text, never as a link; the bad Wikidata id is dropped
                assert p.locator("#kg-panel a").count() == 0
            if iri == E + "href-model":
                quote = ("Officials said {{7*7}} &lt;b&gt; is\u2028fine "
                         "<a href=\"javascript:window.pwned='href'\">href</a>.")
                assert quote in page.js("document.querySelector('#kg-panel .kg-quote').textContent")
                assert "cue: “<img src=x onerror=\"window.pwned='cue'\">”" in panel_text
                assert "Officials <b onmouseover=\"window.pwned='b'\">{{7*7}}</b> &amp; co" in panel_text
            pos = page.js("""iri => { const net = kgViz.network;
                const id = net.getSelectedNodes()[0]; return net.canvasToDOM(net.getPosition(id)); }""", iri)
            rect = p.locator("#kg-graph canvas").bounding_box()
            assert rect is not None
            p.mouse.move(rect["x"] + pos["x"] + 2, rect["y"] + pos["y"] + 2)
            p.mouse.move(rect["x"] + pos["x"], rect["y"] + pos["y"])
            tooltip = p.locator("div.vis-tooltip")
            tooltip.wait_for(state="visible")
            tooltips[iri] = tooltip.inner_text()
            # plain text (innerText turns its line breaks into <br>), even for the label containing "href"
            assert set(page.js("[...document.querySelectorAll('div.vis-tooltip *')].map(e => e.tagName)")) <= {"BR"}
        assert tooltips[E + "href-model"].startswith("<a href=\"javascript:window.pwned='href'\">href</a>")
        p.select_option("#kg-doc-filter", index=1)
        assert "<img src=x onerror=\"window.pwned='title'\">" in p.inner_text("#kg-doc-filter")
        page.search("script")
        p.wait_for_timeout(300)
        page.screenshot("viz-xss.png")

        assert page.js("typeof window.pwned") == "undefined"
        assert page.dialogs == []
        assert page.js("window.__kgViolations") == []  # nothing even tried to run
        assert page.errors == []
        injected = page.js("""document.querySelectorAll(
            'img, iframe, object, embed, svg[onload], [onerror], [onload], [onmouseover], [onclick],'
            + 'a[href^="javascript"]').length""")
        assert injected == 0
        # the only scripts are the page's own three plus its JSON data block
        assert page.js("document.scripts.length") == 4
        assert page.requests == [(tmp_path / "xss.html").as_uri()]
    finally:
        page.close()


QWENS = """@prefix kg: <https://policy-kg.org/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix e: <https://policy-kg.org/id/entity/> . @prefix g: <https://policy-kg.org/id/graph/> .
g:cross {
  e:qwen a kg:Model ; skos:prefLabel "Qwen" ; skos:altLabel "Tongyi Qianwen" ; kg:developedBy e:alibaba .
  e:qwen3 a kg:Model ; skos:prefLabel "Qwen3" ; kg:developedBy e:alibaba ; kg:partOf e:qwen ;
      kg:outperforms e:llama, e:mistral, e:gemma .
  e:qwen3-coder a kg:Model ; skos:prefLabel "Qwen3-Coder" ; kg:partOf e:qwen3 ; kg:outperforms e:llama .
  e:alibaba a kg:Company ; skos:prefLabel "Alibaba" .
  e:llama a kg:Model ; skos:prefLabel "Llama" . e:mistral a kg:Model ; skos:prefLabel "Mistral" .
  e:gemma a kg:Model ; skos:prefLabel "Gemma" .
}
"""


def test_exact_name_or_alias_wins_the_search(browser: Browser, tmp_path: Path) -> None:
    # Qwen3 is better connected and "Qwen" is a prefix of it: typing the exact name must still pick Qwen
    trig = tmp_path / "qwens.trig"
    trig.write_text(QWENS, encoding="utf-8")
    page = Opened(browser, write_page(store_from_trig(trig), tmp_path / "qwens.html",
                                      VizOptions(include_seed=True)))
    try:
        for typed, wanted in (("Qwen", "qwen"), ("qwen", "qwen"), ("QWEN3", "qwen3"), ("tongyi qianwen", "qwen"),
                              ("Qwen3-Coder", "qwen3-coder")):
            page.js("kgViz.reset()")
            page.search(typed)
            page.page.wait_for_selector("#kg-panel:not([hidden])")
            assert page.js("kgViz.selected()") == E + wanted, typed
        # a partial name still lists every match
        page.js("kgViz.reset()")
        page.page.click("#kg-search-ts-control")
        page.page.keyboard.type("Qwe")
        page.page.wait_for_selector(".ts-dropdown .option")
        names = page.page.locator(".ts-dropdown .option .kg-opt-name").all_inner_texts()
        assert sorted(names) == ["Qwen", "Qwen3", "Qwen3-Coder"]
        assert page.errors == []
    finally:
        page.close()


def large_store(n: int) -> pyoxigraph.Store:
    """n entities in a binary tree of partOf relations (plus a chord every 7 nodes), mentioned by 4 documents."""
    store = pyoxigraph.Store()
    rdf_type = pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    label = pyoxigraph.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
    cross = pyoxigraph.NamedNode("https://policy-kg.org/id/graph/cross")
    types = ["Lab", "Company", "Model", "Person"]
    quads = []
    for d in range(4):
        doc = pyoxigraph.NamedNode(f"https://policy-kg.org/id/doc/news/d{d}")
        graph = pyoxigraph.NamedNode(f"https://policy-kg.org/id/graph/doc/news/d{d}")
        quads += [pyoxigraph.Quad(doc, rdf_type, pyoxigraph.NamedNode(KG + "Document"), graph),
                  pyoxigraph.Quad(doc, pyoxigraph.NamedNode("http://purl.org/dc/terms/identifier"),
                                  pyoxigraph.Literal(f"news/d{d}"), graph),
                  pyoxigraph.Quad(doc, pyoxigraph.NamedNode("http://purl.org/dc/terms/title"),
                                  pyoxigraph.Literal(f"Article {d}"), graph)]
    for i in range(n):
        e = pyoxigraph.NamedNode(f"{E}n{i}")
        quads += [pyoxigraph.Quad(e, rdf_type, pyoxigraph.NamedNode(KG + types[i % 4]), cross),
                  pyoxigraph.Quad(e, label, pyoxigraph.Literal(f"Node {i}"), cross)]
        doc_graph = pyoxigraph.NamedNode(f"https://policy-kg.org/id/graph/doc/news/d{i % 4}")
        quads.append(pyoxigraph.Quad(pyoxigraph.NamedNode(f"https://policy-kg.org/id/doc/news/d{i % 4}"),
                                     pyoxigraph.NamedNode(KG + "mentions"), e, doc_graph))
        if i:
            quads.append(pyoxigraph.Quad(e, pyoxigraph.NamedNode(KG + "partOf"),
                                         pyoxigraph.NamedNode(f"{E}n{(i - 1) // 2}"), cross))
        if i % 7 == 3:
            quads.append(pyoxigraph.Quad(e, pyoxigraph.NamedNode(KG + "competesWith"),
                                         pyoxigraph.NamedNode(f"{E}n{(i * 5) % n}"), cross))
    store.extend(quads)
    return store


def test_large_graph_page_draws_searches_clicks_and_filters(browser: Browser, tmp_path: Path) -> None:
    n = 2400  # above the large-graph threshold: edges drawn in one batch, labels for what is on screen
    path = write_page(large_store(n), tmp_path / "large.html", VizOptions(max_nodes=n))
    page = Opened(browser, path)
    try:
        p = page.page
        assert page.js("kgViz.large") is True
        assert page.js("kgViz.nodeCount()") == n
        edges = page.js("kgViz.edgeCount()")
        assert edges > n  # the tree plus the chords
        assert page.js("kgViz.labelled()") == 0  # nothing readable at the zoom that fits 2,400 nodes
        page.search("Node 16")
        p.wait_for_selector("#kg-panel:not([hidden])")
        assert page.js("kgViz.selected()") == E + "n16" and p.inner_text("#kg-panel h2") == "Node 16"
        assert "part of → Node 7" in p.inner_text("#kg-panel .kg-section")
        # the neighbourhood's edges are real vis-network edges now, and what is on screen has labels
        assert sorted(page.js("kgViz.network.body.data.edges.get().map(e => e.label)")) == ["part of"] * 3
        p.wait_for_function("kgViz.labelled() > 3")
        page.screenshot("viz-large-selected.png")
        # the tooltip of a node is made when the pointer first rests on it
        pos = page.js("""() => { const net = kgViz.network;
            return net.canvasToDOM(net.getPosition(net.getSelectedNodes()[0])); }""")
        rect = p.locator("#kg-graph canvas").bounding_box()
        assert rect is not None
        p.mouse.move(rect["x"] + pos["x"] - 3, rect["y"] + pos["y"] - 3)
        p.mouse.move(rect["x"] + pos["x"], rect["y"] + pos["y"])
        tooltip = p.locator("div.vis-tooltip")
        tooltip.wait_for(state="visible")
        assert tooltip.inner_text().startswith("Node 16") and "3 relations" in tooltip.inner_text()

        page.click_entity(E + "n40")
        p.wait_for_function("kgViz.selected() && kgViz.selected().endsWith('/n40')")
        assert p.inner_text("#kg-panel h2") == "Node 40"

        # a click on an edge (not a node) opens the relation; Escape first, so that the edge is one of the
        # batch-drawn ones and not a highlighted vis-network edge
        p.keyboard.press("Escape")
        assert page.js("kgViz.network.body.data.edges.length") == 0
        mid = page.js("""() => { const data = JSON.parse(document.getElementById('kg-data').textContent);
            const id = key => data.entities.findIndex(e => e.iri.endsWith('/entity/' + key));
            const net = kgViz.network, a = net.getPosition(id('n40')), b = net.getPosition(id('n19'));
            net.moveTo({position: a, scale: 1.5, animation: false});
            for (let t = 0.1; t < 0.9; t += 0.05) {  // a point of the edge with no node on it
                const m = {x: a.x + t * (b.x - a.x), y: a.y + t * (b.y - a.y)}, dom = net.canvasToDOM(m);
                if (net.getNodeAt(dom) === undefined && dom.x > 0 && dom.y > 0 && dom.x < 1000 && dom.y < 700)
                    return dom;
            }
            return null; }""")
        assert mid is not None
        p.wait_for_timeout(100)
        rect = p.locator("#kg-graph canvas").bounding_box()
        assert rect is not None
        p.mouse.click(rect["x"] + mid["x"], rect["y"] + mid["y"])
        p.wait_for_selector("#kg-panel h2:text-is('part of')")
        assert "Node 40 part of → Node 19" in p.inner_text("#kg-panel .kg-rel-line")

        p.click(".kg-legend-item:has-text('AI lab')")
        assert page.js("kgViz.nodeCount()") == n - n // 4
        assert E + "n0" not in page.js("kgViz.nodeIris()")  # n0 is a Lab
        p.select_option("#kg-doc-filter", label="Article 1")
        assert page.js("kgViz.nodeCount()") == n // 4
        assert "filtered from 2,400" in p.inner_text("#kg-stats")
        p.click("#kg-reset")
        assert page.js("kgViz.nodeCount()") == n and page.js("kgViz.edgeCount()") == edges
        assert page.requests == [path.as_uri()]
        assert page.errors == [] and page.js("window.__kgViolations") == []
    finally:
        page.close()


# ---- a real build of the two seed articles ---------------------------------------------------------

@pytest.fixture(scope="module")
def seed_build(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`kg build` (trained spaCy pipeline) on the two seed articles, then `kg viz` on the result."""
    from click.testing import CliRunner

    from kg.cli import main

    build = tmp_path_factory.mktemp("seed") / "build"
    runner = CliRunner()
    built = runner.invoke(main, ["build", str(seeds_dir), "-o", str(build)])
    assert built.exit_code == 0, built.output
    drawn = runner.invoke(main, ["viz", "--build", str(build)])
    assert drawn.exit_code == 0, drawn.output
    return build


@pytest.mark.slow
def test_real_build_page(browser: Browser, seed_build: Path) -> None:
    from kg.store import open_store

    store = open_store(seed_build)
    page = Opened(browser, seed_build / "graph.html")
    try:
        assert page.requests == [(seed_build / "graph.html").as_uri()]
        # what the corpus touches, counted with a query of its own: mentioned, named by a claim, or in a
        # relation some document or the cross-document graph states
        query = """PREFIX kg: <https://policy-kg.org/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            SELECT DISTINCT ?e WHERE {
              { ?d a kg:Document ; kg:mentions ?e } UNION
              { ?c a kg:Claim ; kg:about|kg:attributedTo|kg:reportedBy ?e } UNION
              { GRAPH ?g { ?e ?p ?o } ?o skos:prefLabel [] . FILTER(!STRENDS(STR(?g), "/graph/ontology")
                && STRSTARTS(STR(?p), STR(kg:)) && ?p NOT IN (kg:mentions, kg:about, kg:attributedTo,
                kg:reportedBy, kg:mentionOf, kg:hasMember, kg:merge)) } UNION
              { GRAPH ?g { ?s ?p ?e } ?s skos:prefLabel [] . FILTER(!STRENDS(STR(?g), "/graph/ontology")
                && STRSTARTS(STR(?p), STR(kg:)) && ?p NOT IN (kg:mentions, kg:about, kg:attributedTo,
                kg:reportedBy, kg:mentionOf, kg:hasMember, kg:merge)) }
              ?e skos:prefLabel [] }"""
        expected = {row["e"].value for row in store.query(query, use_default_graph_as_union=True)}
        assert len(expected) >= 10
        assert set(page.js("kgViz.nodeIris()")) == expected

        page.search("DeepSeek")
        page.page.wait_for_selector("#kg-panel:not([hidden])")
        assert page.page.inner_text("#kg-panel h2") == "DeepSeek"
        assert page.js("kgViz.selected()").endswith("/entity/deepseek")

        # the entity with the most claims: every quote on its panel is the exact slice of its source
        page.click_entity(max(expected, key=lambda iri: len(source_slices(store, iri))))
        page.page.wait_for_selector("#kg-panel:not([hidden]) .kg-claim")
        slices = source_slices(store, page.js("kgViz.selected()"))
        cards = page.page.locator("#kg-panel .kg-claim[data-claim]")
        seen = 0
        for i in range(cards.count()):
            claim = cards.nth(i).get_attribute("data-claim")
            if claim in slices:
                assert cards.nth(i).locator(".kg-quote").text_content() == slices[claim]
                seen += 1
        assert seen >= 3
        page.screenshot("viz-seed-build.png")
        assert page.errors == [] and page.js("window.__kgViolations") == []
    finally:
        page.close()
