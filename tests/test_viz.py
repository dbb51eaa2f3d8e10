"""`kg viz` without a browser: what is read from the store, what is selected, the page's safety properties.

The browser behaviour (search, click, highlight, no network, no script from data) is in test_viz_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from kg.cli.viz import command as viz_command
from kg.errors import BuildError, InputError
from kg.store import store_from_trig
from kg.viz import viz_html, viz_html_from_data, write_viz
from kg.viz_data import GraphData, load_styles, read_graph
from kg.viz_layout import SPACING, layout
from kg.viz_page import embed_json
from kg.viz_select import VizOptions, select

E = "https://policy-kg.org/id/entity/"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def mini_store(mini_trig: Path) -> pyoxigraph.Store:
    return store_from_trig(mini_trig)


@pytest.fixture(scope="module")
def mini(mini_store: pyoxigraph.Store) -> GraphData:
    return read_graph(mini_store)


@pytest.fixture(scope="module")
def xss() -> GraphData:
    return read_graph(store_from_trig(FIXTURES / "viz_xss.trig"))


ALL = VizOptions(include_seed=True)


@pytest.fixture(scope="module")
def mini_html(mini: GraphData) -> str:
    return viz_html_from_data(mini, ALL)[0]


def page_data(html: str) -> dict:  # type: ignore[type-arg]
    match = re.search(r'<script type="application/json" id="kg-data">(.*?)</script>', html, re.S)
    assert match, "the page has no data block"
    return json.loads(match.group(1))  # type: ignore[no-any-return]


# ---- reading the store ----------------------------------------------------------------------------

def test_reads_every_entity_with_its_class_aliases_and_wikidata(mini: GraphData) -> None:
    assert len(mini.entities) == 14
    deepseek = mini.entities[E + "deepseek"]
    assert (deepseek.label, deepseek.type) == ("DeepSeek", "Lab")
    assert deepseek.aliases == ("DeepSeek AI", "深度求索")
    assert deepseek.wikidata == ("Q124556783",)
    # kg:surfaceForm values from graph/cross count as aliases too; the preferred label is not repeated
    assert "American" in mini.entities[E + "united-states"].aliases
    assert mini.entities[E + "qwen2-5-72b"].aliases == ()
    assert mini.entities[E + "alibaba"].documents == ("https://policy-kg.org/id/doc/news/a",)


def test_descriptions_resolved_by_coreference_are_not_shown_as_names(mini_trig: Path, tmp_path: Path) -> None:
    trig = tmp_path / "mini.trig"
    extra = f'<{E}deepseek> <https://policy-kg.org/ns#surfaceForm> "the company", "The Hangzhou lab", "DeepSeek-AI" .\n'
    trig.write_text(mini_trig.read_text(encoding="utf-8") + extra, encoding="utf-8")
    aliases = read_graph(store_from_trig(trig)).entities[E + "deepseek"].aliases
    assert "DeepSeek-AI" in aliases
    assert "the company" not in aliases and "The Hangzhou lab" not in aliases


def test_relations_carry_their_provenance_and_evidence(mini: GraphData) -> None:
    rels = {(r.source.removeprefix(E), r.predicate, r.target.removeprefix(E)): r for r in mini.relations}
    assert len(rels) == 9
    qwen = rels[("qwen", "developedBy", "alibaba")]
    assert qwen.seed and qwen.documents == ("https://policy-kg.org/id/doc/news/a",)
    assert [(e.quote, e.rule, e.confidence) for e in qwen.evidence] == [("Alibaba's Qwen", "possessive", 0.85)]
    version = rels[("qwen2-5-72b", "partOf", "qwen")]
    assert version.cross and not version.seed and not version.documents
    assert mini.predicate_labels["developedBy"] == "developed by"


def test_symmetric_relation_stated_both_ways_is_one_edge(xss: GraphData) -> None:
    competes = [r for r in xss.relations if r.predicate == "competesWith"]
    assert len(competes) == 1
    assert competes[0].symmetric and competes[0].source < competes[0].target


def test_claims_have_quote_speaker_outlet_modality_and_source(mini: GraphData,
                                                              mini_store: pyoxigraph.Store) -> None:
    claim = next(c for c in mini.claims if c.iri.endswith("/65-118"))
    assert claim.modality == "hedged" and claim.cue == "said" and not claim.quotation
    assert claim.attributed_to == (E + "digichina-open-models-report",)
    assert claim.reported_by == (E + "south-china-morning-post",)
    assert claim.about == (E + "alibaba", E + "qwen")
    doc = mini.documents[claim.document]
    assert (doc.title, doc.date, doc.url) == ("Chinese open models close in", "2025-12-16",
                                              "https://example.org/news/a")
    text = next(iter(mini_store.query(
        "SELECT ?t WHERE { ?d a <https://policy-kg.org/ns#Document> ; <https://policy-kg.org/ns#text> ?t }",
        use_default_graph_as_union=True)))["t"].value
    assert claim.start is not None and claim.end is not None
    assert claim.quote == text[claim.start:claim.end]
    other = next(c for c in mini.claims if c.iri.endswith("/0-64"))
    assert (other.sources, other.independent_sources) == (1, 1)


def test_non_http_source_is_not_kept_as_a_link(xss: GraphData) -> None:
    (doc,) = xss.documents.values()
    assert doc.url == ""  # dct:source "javascript:..." must never become a link
    assert xss.entities[E + "evil-lab"].wikidata == ()  # owl:sameAs to a non-Q-id is dropped


# ---- selecting ------------------------------------------------------------------------------------

def names(data: GraphData, options: VizOptions) -> set[str]:
    return {iri.removeprefix(E) for iri in select(data, load_styles(), options).nodes}


def test_default_scope_is_what_the_corpus_touches(mini: GraphData) -> None:
    # mentioned (alibaba, qwen, china, the report), named by a claim (the outlet), in a cross-document
    # relation (the model version); DeepSeek, OpenAI, ... exist only in the seed knowledge base
    sel = select(mini, load_styles(), VizOptions())
    assert {n.removeprefix(E) for n in sel.nodes} == {"alibaba", "qwen", "china", "digichina-open-models-report",
                                                      "south-china-morning-post", "qwen2-5-72b"}
    assert sel.seed_only == 8
    # seed facts between drawn entities are drawn too
    assert ("alibaba", "basedIn") in {(r.source.removeprefix(E), r.predicate) for r in sel.relations}
    assert len(select(mini, load_styles(), ALL).nodes) == 14


def test_focus_by_alias_and_hops(mini: GraphData) -> None:
    assert names(mini, VizOptions(focus="DeepSeek AI", hops=1)) == {"deepseek", "china", "deepseek-r1"}
    assert names(mini, VizOptions(focus="deepseek", hops=2)) == {"deepseek", "china", "deepseek-r1", "alibaba"}
    assert names(mini, VizOptions(focus=E + "qwen", hops=0)) == {"qwen"}


def test_focus_errors_name_the_problem(mini: GraphData) -> None:
    with pytest.raises(InputError, match=r"--focus 'DeepSek'.*did you mean 'DeepSeek'"):
        select(mini, load_styles(), VizOptions(focus="DeepSek"))
    with pytest.raises(InputError, match="no entity has this name"):
        select(mini, load_styles(), VizOptions(focus="Zhipu"))


def test_types_include_subclasses_and_reject_unknown(mini: GraphData) -> None:
    orgs = names(mini, VizOptions(types=("Organization",), include_seed=True))
    assert orgs == {"deepseek", "openai", "alibaba", "stanford-university", "digichina", "cisac",
                    "south-china-morning-post"}
    assert names(mini, VizOptions(types=("model", "AI lab"), include_seed=True)) == {
        "deepseek", "openai", "deepseek-r1", "qwen", "qwen2-5-72b"}
    with pytest.raises(InputError, match="--types: unknown class 'Robot'"):
        select(mini, load_styles(), VizOptions(types=("Robot",)))


def test_document_filter_keeps_what_the_document_mentions_and_states(mini: GraphData) -> None:
    sel = select(mini, load_styles(), VizOptions(document="news/a"))
    assert {n.removeprefix(E) for n in sel.nodes} == {"alibaba", "qwen", "china", "digichina-open-models-report"}
    assert [(r.source.removeprefix(E), r.predicate) for r in sel.relations] == [("qwen", "developedBy")]
    with pytest.raises(InputError, match=r"--document 'news/b'.*did you mean 'news/a'"):
        select(mini, load_styles(), VizOptions(document="news/b"))


def test_min_degree_and_cap_with_notice(mini: GraphData) -> None:
    assert names(mini, VizOptions(min_degree=2, include_seed=True)) == {
        "china", "united-states", "deepseek", "alibaba", "qwen", "cisac", "stanford-university"}
    sel = select(mini, load_styles(), VizOptions(max_nodes=3, include_seed=True))
    assert len(sel.nodes) == 3 and sel.candidates == 14
    # the most connected (all have 2 relations here), ties broken by name
    assert {n.removeprefix(E) for n in sel.nodes} == {"alibaba", "cisac", "china"}
    assert "--focus" in sel.notice and "3 most connected of 14" in sel.notice
    assert select(mini, load_styles(), VizOptions()).notice == ""


# ---- layout -------------------------------------------------------------------------------------

def test_layout_is_deterministic_and_packs_components_apart() -> None:
    edges = [(0, 1), (1, 2), (2, 0), (3, 4), (5, 6), (6, 7)]
    first = layout(9, edges)
    assert first == layout(9, edges)
    assert len(first) == 9 and len(set(first)) == 9

    def box(ids: list[int]) -> tuple[float, float, float, float]:
        xs, ys = [first[i][0] for i in ids], [first[i][1] for i in ids]
        return min(xs), min(ys), max(xs), max(ys)

    comps = [box([0, 1, 2]), box([3, 4]), box([5, 6, 7]), box([8])]
    for i, a in enumerate(comps):
        for b in comps[i + 1:]:
            assert a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1], "components overlap"
    length = abs(complex(*first[3]) - complex(*first[4]))
    assert length == pytest.approx(SPACING, rel=0.01)


def test_large_layout_uses_the_fast_path_and_stays_finite() -> None:
    n = 1200
    edges = [(i, (i * 7 + 3) % n) for i in range(n)] + [(i, i + 1) for i in range(n - 1)]
    pos = layout(n, edges)
    assert len(pos) == n and all(abs(x) < 1e7 and abs(y) < 1e7 for x, y in pos)
    assert pos == layout(n, edges)


# ---- the page -----------------------------------------------------------------------------------

class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []
        self.csp = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "script":
            self.scripts.append(a)
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp = a.get("content") or ""
        for name in ("src", "href", "srcset", "data", "poster", "action", "formaction", "background"):
            if a.get(name):
                self.refs.append((tag, name, a[name] or ""))


def test_page_references_nothing_outside_itself(mini_html: str) -> None:
    parser = _Resources()
    parser.feed(mini_html)
    assert parser.refs == [], "the static page must not link or load any resource"
    assert "link" not in parser.tags and "iframe" not in parser.tags and "img" not in parser.tags
    assert all("src" not in s for s in parser.scripts)
    # CSS may only use data: URLs; nothing imports a stylesheet
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", mini_html):
        assert url.startswith("data:"), url
    assert "@import" not in mini_html
    # pyvis's CDN links must not survive in any form
    for host in ("cdnjs", "jsdelivr", "unpkg", "bootstrapcdn", "googleapis", "cloudflare"):
        assert host not in mini_html
    data_block = re.search(r'<script type="application/json" id="kg-data">.*?</script>', mini_html, re.S)
    assert data_block is not None
    outside_data = mini_html.replace(data_block.group(0), "")
    # the only http(s) strings outside the data are licence headers and the SVG namespace in the libraries
    allowed = ("http://www.w3.org/2000/svg", "http://almende.com", "http://opensource.org/licenses/MIT",
               "http://www.apache.org/licenses/LICENSE-2.0", "https://github.com/", "https://visjs.github.io/",
               "https://www.wikidata.org/wiki/")
    for url in re.findall(r"https?://[^\s\"'<>)]+", outside_data):
        assert url.startswith(allowed), f"unexpected URL in the page: {url}"


def test_csp_allows_exactly_the_page_scripts(mini_html: str) -> None:
    parser = _Resources()
    parser.feed(mini_html)
    csp = dict(part.strip().split(" ", 1) for part in parser.csp.split(";") if part.strip())
    assert csp["default-src"] == "'none'"
    assert csp["img-src"] == "data:" and csp["connect-src"] == "'none'" and csp["base-uri"] == "'none'"
    assert "unsafe-inline" not in csp["script-src"] and "unsafe-eval" not in csp["script-src"]
    bodies = re.findall(r"<script>(.*?)</script>", mini_html, re.S)
    assert len(bodies) == 3  # vis-network, tom-select, the page's own script
    hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() + "'" for b in bodies}
    assert set(csp["script-src"].split()) == hashes


def test_data_is_embedded_as_escaped_json(xss: GraphData) -> None:
    html = viz_html_from_data(xss, VizOptions())[0]
    assert "<img src=x" not in html and "<svg onload" not in html and "<script>window" not in html
    assert "\u2028" not in html and "\u2029" not in html
    parser = _Resources()
    parser.feed(html)
    assert len(parser.scripts) == 4  # json data + 3 code blocks, none from the data
    assert {"img", "svg", "iframe", "a", "b"}.isdisjoint(parser.tags)
    data = page_data(html)
    labels = {e["label"] for e in data["entities"]}
    assert "</script><script>window.pwned='label'</script>" in labels
    quotes = {c["quote"] for c in data["claims"]}
    assert any("\u2028" in q and "{{7*7}}" in q and "&lt;b&gt;" in q for q in quotes)  # no template evaluation
    assert embed_json({"a": "</script>&\u2029"}) == '{"a":"\\u003c/script\\u003e\\u0026\\u2029"}'


def test_nodes_edges_and_legend_in_the_page(mini_html: str, mini: GraphData) -> None:
    data = page_data(mini_html)
    assert data["meta"]["shown"] == 14 and not data["meta"]["large"]
    assert all(len(data["nodes"][k]) == 14 for k in ("x", "y", "size"))
    assert len(data["relations"]["from"]) == len(data["relations"]["to"]) == 9
    by_label = {e["label"]: i for i, e in enumerate(data["entities"][:14])}
    assert data["entities"][by_label["DeepSeek"]]["type"] == "Lab"
    assert data["nodes"]["size"][by_label["China"]] > data["nodes"]["size"][by_label["Entity List"]]  # by relations
    assert {t["name"] for t in data["types"]} == {"Lab", "Company", "University", "ResearchCenter", "NewsOutlet",
                                                  "Model", "Country", "Report", "Policy"}
    assert data["options"]["physics"]["enabled"] is False
    assert data["options"]["groups"]["Model"]["shape"] == "diamond"
    labels = [data["predicates"][p]["label"] for p in data["relations"]["p"]]
    assert labels.count("based in") == 4
    # every drawn relation is a relation of the graph, between the right two entities
    iris = [e["iri"] for e in data["entities"]]
    drawn = {(iris[a], data["predicates"][p]["name"], iris[b]) for a, p, b in
             zip(data["relations"]["from"], data["relations"]["p"], data["relations"]["to"], strict=True)}
    assert drawn == {(r.source, r.predicate, r.target) for r in mini.relations}


def test_large_graph_mode_switches_on_with_size() -> None:
    from kg.viz_payload import LARGE_GRAPH

    store = pyoxigraph.Store()
    kg, skos = "https://policy-kg.org/ns#", "http://www.w3.org/2004/02/skos/core#"
    cross = pyoxigraph.NamedNode("https://policy-kg.org/id/graph/cross")
    n = LARGE_GRAPH + 1
    for i in range(n):
        e = pyoxigraph.NamedNode(f"{E}e{i}")
        store.add(pyoxigraph.Quad(e, pyoxigraph.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                  pyoxigraph.NamedNode(kg + "Lab"), cross))
        store.add(pyoxigraph.Quad(e, pyoxigraph.NamedNode(skos + "prefLabel"), pyoxigraph.Literal(f"Lab {i}"), cross))
        if i:
            store.add(pyoxigraph.Quad(e, pyoxigraph.NamedNode(kg + "partOf"),
                                      pyoxigraph.NamedNode(f"{E}e{i // 2}"), cross))
    html, stats = viz_html(store, VizOptions(max_nodes=n))
    data = page_data(html)
    assert stats.nodes == n and stats.edges == n - 1 and data["meta"]["large"] is True
    assert data["options"]["interaction"]["hideEdgesOnDrag"] is True
    small = page_data(viz_html(store, VizOptions(max_nodes=100))[0])
    assert small["meta"]["large"] is False and small["meta"]["shown"] == 100


def test_empty_graph_gives_a_page_that_says_so() -> None:
    html, stats = viz_html(pyoxigraph.Store(), VizOptions())
    assert stats.nodes == 0 and stats.edges == 0
    data = page_data(html)
    assert data["nodes"] == {"x": [], "y": [], "size": []} and data["types"] == []
    assert 'id="kg-empty"' in html


def test_same_store_gives_byte_identical_pages(mini_store: pyoxigraph.Store) -> None:
    assert viz_html(mini_store, ALL)[0] == viz_html(mini_store, ALL)[0]


# ---- writing and the command ----------------------------------------------------------------------

@pytest.fixture()
def build_dir(tmp_path: Path, mini_trig: Path) -> Path:
    build = tmp_path / "build"
    build.mkdir()
    store = store_from_trig(mini_trig, build / "store")
    del store  # release the store's lock before the command opens it read-only
    return build


def test_write_viz_writes_atomically(build_dir: Path) -> None:
    out = build_dir / "graph.html"
    out.write_text("old page")
    result = write_viz(build_dir, out, ALL)
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert result.stats.nodes == 14
    assert [p.name for p in build_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_missing_build_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="run `kg build` first"):
        write_viz(tmp_path / "nowhere", tmp_path / "g.html", VizOptions())


def test_cli_writes_page_and_reports(build_dir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(viz_command, ["--build", str(build_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert (build_dir / "graph.html").is_file()
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["nodes"] == 6 and summary["seed_only"] == 8 and summary["capped"] is False
    assert "6 entities, 3 relations, 2 claims" in result.output and "--include-seed" in result.output

    everything = runner.invoke(viz_command, ["--build", str(build_dir), "--include-seed", "--json"])
    summary = json.loads(everything.output.strip().splitlines()[-1])
    assert summary["nodes"] == 14 and summary["edges"] == 9 and summary["seed_only"] == 0

    capped = runner.invoke(viz_command, ["--build", str(build_dir), "-o", str(build_dir / "c.html"),
                                         "--max-nodes", "4", "--include-seed"])
    assert capped.exit_code == 0 and "--focus" in capped.output

    focus = runner.invoke(viz_command, ["--build", str(build_dir), "-o", str(build_dir / "f.html"),
                                        "--focus", "Qwen", "--hops", "1", "--json"])
    assert json.loads(focus.output.strip().splitlines()[-1])["nodes"] == 3


def test_cli_usage_errors(build_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(viz_command, ["--build", str(build_dir), "--hops", "2"]).exit_code == 2
    bad = runner.invoke(viz_command, ["--build", str(build_dir), "--focus", "Nobody"])
    assert bad.exit_code == 1 and isinstance(bad.exception, InputError)
    assert "Example:" in (viz_command.help or "")
