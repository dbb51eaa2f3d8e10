"""The query page of `kg serve` in headless Chromium: type a query, see rows; nothing leaves the server's origin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

from kg.store import store_from_trig
from tests.serve_process import KgServer, running_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

HOSTILE = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<https://policy-kg.org/id/graph/hostile> {
  <https://policy-kg.org/id/entity/hostile> a <https://policy-kg.org/ns#Lab> ;
      skos:prefLabel "<img src=x onerror=\\"window.__xss=1\\">Hostile <script>window.__xss=2</script>" .
}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mini_trig: Path) -> Iterator[KgServer]:
    build = tmp_path_factory.mktemp("page-build")
    trig = build / "data.trig"
    trig.write_text(mini_trig.read_text(encoding="utf-8") + HOSTILE, encoding="utf-8")
    store = store_from_trig(trig, build / "store")
    del store
    with running_server(build, build / "serve.log", "--workers", "1") as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium",
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


class Watched:
    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.origin = origin
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []


@pytest.fixture()
def page(browser: Browser, server: KgServer) -> Iterator[Watched]:
    origin = server.url.rstrip("/")
    context = browser.new_context()
    page = context.new_page()
    watched = Watched(page, origin)

    def route(r: Route) -> None:
        url = r.request.url
        if url.startswith(origin + "/"):
            r.continue_()
        else:
            watched.foreign.append(url)
            r.abort()

    def on_request(request: Request) -> None:
        watched.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(message.text)

    context.route("**/*", route)
    page.on("request", on_request)
    page.on("console", on_console)
    page.goto(server.url)
    page.wait_for_selector("#named-select option:nth-child(13)", state="attached")
    yield watched
    context.close()


def origins(urls: list[str]) -> set[str]:
    return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in urls}


def test_type_a_query_and_see_rows(page: Watched) -> None:
    p = page.page
    p.fill("#query", "SELECT ?e ?label WHERE { ?e skos:prefLabel ?label } ORDER BY ?label")
    p.click("#run")
    p.wait_for_selector("#table tbody tr")
    rows = p.locator("#table tbody tr")
    assert rows.count() == 15  # 14 in the fixture, 1 hostile
    assert p.locator("#table thead th").all_inner_texts() == ["e", "label"]
    first = rows.nth(1).locator("td")  # "<img…" sorts first
    assert first.nth(0).inner_text() == "e:alibaba"
    assert first.nth(0).get_attribute("title") == "https://policy-kg.org/id/entity/alibaba"
    assert first.nth(1).inner_text() == "Alibaba"
    assert "15 rows" in p.inner_text("#status")
    assert page.foreign == [] and origins(page.requests) == {page.origin}
    assert page.console_errors == []


def test_ctrl_enter_runs_and_the_query_is_kept_in_the_address(page: Watched) -> None:
    p = page.page
    p.fill("#query", "SELECT ?c WHERE { ?c a kg:Country } ORDER BY ?c")
    p.focus("#query")
    p.keyboard.press("Control+Enter")
    p.wait_for_selector("#table tbody tr")
    assert p.locator("#table tbody tr td").all_inner_texts() == ["e:china", "e:united-states"]
    assert "query=SELECT" in p.url
    p.reload()
    p.wait_for_selector("#named-select option:nth-child(13)", state="attached")
    assert p.input_value("#query") == "SELECT ?c WHERE { ?c a kg:Country } ORDER BY ?c"


def test_data_is_shown_as_text_never_markup(page: Watched) -> None:
    p = page.page
    p.fill("#query", "SELECT ?label WHERE { <https://policy-kg.org/id/entity/hostile> skos:prefLabel ?label }")
    p.click("#run")
    p.wait_for_selector("#table tbody tr")
    assert "<img src=x" in p.locator("#table tbody td").inner_text()
    assert p.locator("#results img, #results script").count() == 0
    assert p.evaluate("window.__xss") is None


def test_errors_are_shown(page: Watched) -> None:
    p = page.page
    p.fill("#query", "SELECT ?s WHERE {\n  ?s ?p\n}")
    p.click("#run")
    p.wait_for_selector("#error:not([hidden])")
    assert "line 3" in p.inner_text("#error") and "400" in p.inner_text("#status")
    p.fill("#query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    p.click("#run")
    p.wait_for_selector("#error:not([hidden])")
    assert "SERVICE" in p.inner_text("#error")
    assert page.foreign == []


def test_named_query_with_a_parameter(page: Watched) -> None:
    p = page.page
    p.select_option("#named-select", "claims-about")
    assert "Every claim about an entity" in p.inner_text("#named-description")
    assert p.input_value("#query").startswith("# description:")
    p.fill("#named-params input[name=entity]", "Tongyi Qianwen")
    p.click("#named-run")
    p.wait_for_selector("#table tbody tr")
    texts = p.locator("#table tbody tr").all_inner_texts()
    assert len(texts) == 1 and "Alibaba's Qwen may have moved ahead" in texts[0]
    assert origins(page.requests) == {page.origin} and page.foreign == []


def test_construct_shows_turtle(page: Watched) -> None:
    p = page.page
    p.fill("#query", "CONSTRUCT WHERE { e:qwen skos:prefLabel ?l }")
    p.click("#run")
    p.wait_for_selector("#text:not([hidden])")
    assert 'e:qwen skos:prefLabel "Qwen" .' in p.inner_text("#text")
    assert p.locator("#table").is_hidden()


def test_the_graph_view_runs_under_the_servers_policy(browser: Browser, server: KgServer) -> None:
    """/graph serves the page `kg viz` writes; it draws with no blocked script and no request off the origin."""
    import subprocess
    import sys

    from tests.serve_process import ROOT

    build = Path(server.log).parent
    subprocess.run([sys.executable, "-m", "kg", "viz", "--build", str(build)], check=True, cwd=ROOT, timeout=300,
                   capture_output=True)
    origin = server.url.rstrip("/")
    context = browser.new_context()
    page = context.new_page()
    foreign: list[str] = []
    errors: list[str] = []

    def route(r: Route) -> None:
        if r.request.url.startswith(origin + "/") or r.request.url.startswith("data:"):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "graph")
    page.wait_for_selector("canvas", timeout=60_000)
    assert foreign == [] and errors == []
    context.close()
