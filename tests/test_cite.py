"""`kg cite`: ranking, provenance, and every output format, on a store in the graph model's shape."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import bibtexparser
import jsonschema
import pyoxigraph
import pytest
from click.testing import CliRunner

from kg.cite import CiteAnswer, cite_store
from kg.cite_format import FORMATS, citation_key, render
from kg.clusters import cluster_claims
from kg.records import Extraction
from tests.cite_helpers import IRIS, entity_iri, graph_store, make_extraction

FIXTURES = Path(__file__).resolve().parent / "fixtures"

LEVEL = ("China's open-weight AI models may have drawn level with their American counterparts, according to "
         "the Stanford report.")
SOTA = "The best Chinese open models now perform at near state-of-the-art levels, the brief found."
SEPT = ("Alibaba's Qwen overtook Meta's Llama in September 2025 to become the most downloaded model family on "
        "Hugging Face, the brief said.")
OCT = ("Alibaba's Qwen overtook Meta's Llama in October 2025 to become the most downloaded open model family "
       "on Hugging Face.")
RIVAL = "Chinese open models are rivaling US models in capability and adoption, the Stanford report said."
BUDGET = "Chinese labs' R&D budgets grew 40% to $5.6 billion in 2025 {est.}, per *industry* data_sets #1."
PDF_SOTA = "Chinese open-weight models now perform at near state-of-the-art levels on widely used benchmarks."
ENGAGE = "The brief urges selective engagement with Chinese labs & researchers."


def corpus() -> list[Extraction]:
    pacific = make_extraction(
        "news/pacific", [LEVEL, SOTA, SEPT], publisher="Pacific Tech Review", authors=("Lena Hartmann",),
        title="Chinese open models have caught up with US rivals, Stanford report finds",
        url="https://pacific.example/tech/open-models", date="2025-12-17",
        attributed={0: "Stanford report", 1: "the brief", 2: "the brief"}, cues={0: "according to", 1: "found"},
        modality={0: "hedged"})
    dispatch = make_extraction(
        "news/dispatch", [LEVEL, SOTA, SEPT], publisher="Global AI Dispatch", authors=("Lena Hartmann",),
        title="Chinese open models have caught up with US rivals, Stanford report finds",
        url="https://dispatch.example/a/123", date="2025-12-18", header="Republished with permission. ",
        attributed={0: "Stanford report", 1: "the brief", 2: "the brief"}, modality={0: "hedged"})
    straits = make_extraction(
        "news/straits", [OCT, RIVAL, BUDGET], publisher="Straits Digital", title="Qwen passes Llama",
        url="https://straits.example/qwen", date="2025-11-03", attributed={1: "Stanford report"},
        reported_by="SCMP")
    brief = make_extraction(
        "reports/beyond-deepseek", ["Beyond DeepSeek.", PDF_SOTA, ENGAGE], fmt="pdf",
        publisher="Stanford University", title="Beyond DeepSeek: China's open-weight models",
        authors=("Caroline Meinhardt", "Graham Webster"), date="2025-12-16", page_starts=(0, 27),
        header="DigiChina issue brief\n",
        attributed={1: "the brief", 2: "the brief"})
    return [pacific, dispatch, straits, brief]


RELATIONS = [(entity_iri("the brief"), "publishedBy", entity_iri("DigiChina"))]


@pytest.fixture(scope="module")
def extractions() -> list[Extraction]:
    return corpus()


@pytest.fixture(scope="module")
def store(extractions: list[Extraction]) -> pyoxigraph.Store:
    return graph_store(extractions, cluster_claims(extractions, IRIS), RELATIONS)


@pytest.fixture(scope="module")
def texts(extractions: list[Extraction]) -> dict[str, str]:
    return {IRIS.document(e.document.id): e.document.text for e in extractions}


def _claim(extractions: list[Extraction], text: str, doc: str) -> str:
    return next(c.id for e in extractions if e.document.id == doc for c in e.claims if c.text == text)


# --- ranking and provenance ---------------------------------------------------------------------------------


def test_free_text_finds_the_cluster_with_every_source(store: pyoxigraph.Store, extractions: list[Extraction]
                                                        ) -> None:
    answer = cite_store(store, "Chinese open models near state of the art")
    assert answer.mode == "text" and answer.found
    top = answer.results[0]
    members = {s.claim.iri for s in top.supports}
    assert members == {_claim(extractions, SOTA, "news/pacific"), _claim(extractions, SOTA, "news/dispatch"),
                       _claim(extractions, PDF_SOTA, "reports/beyond-deepseek")}
    assert (top.sources, top.independent_sources) == (3, 2)
    syndicated = [s for s in top.supports if s.counted_with]
    assert [s.claim.document.id for s in syndicated] == ["news/dispatch"]
    assert syndicated[0].fold_rule == "near-duplicate"
    pdf = next(s for s in top.supports if s.claim.document.format == "pdf")
    assert pdf.claim.quote is not None and pdf.claim.quote.page == 2
    assert pdf.claim.attributed_to is not None and pdf.claim.attributed_to.type == "Report"


def test_entity_alias_with_a_typo_returns_the_reports_findings(store: pyoxigraph.Store) -> None:
    for query in ("DigiChina", "digichina project", "Digichna"):
        answer = cite_store(store, query)
        assert answer.mode == "entity", query
        assert [e.name for e in answer.entities] == ["DigiChina Project"]
        assert answer.found
        for result in answer.results:
            # every result is a finding of the brief DigiChina published
            assert any(s.claim.attributed_to and s.claim.attributed_to.iri == entity_iri("the brief")
                       for s in result.supports), result.label
        labels = " ".join(r.label for r in answer.results)
        assert "state-of-the-art" in labels and "selective engagement" in labels


def test_query_words_naming_an_entity_expand_with_its_aliases(store: pyoxigraph.Store) -> None:
    answer = cite_store(store, "what did the Stanford report say about capability")
    assert answer.mode == "text"
    assert entity_iri("Stanford report") in {e.iri for e in answer.entities}
    top = answer.results[0]
    assert top.matched_claim == next(s.claim.iri for s in top.supports if s.claim.text == RIVAL)
    # "drawn level with" and "rivaling" state the same finding: one cluster
    assert {s.claim.text for s in top.supports} == {LEVEL, RIVAL}


def test_contradicting_figures_are_reported(store: pyoxigraph.Store) -> None:
    answer = cite_store(store, "Qwen overtook Llama most downloaded")
    top = answer.results[0]
    assert top.contradicted_by, top
    other = {r.cluster: r for r in answer.results}
    assert top.contradicted_by[0][0] in other
    assert {r.label for r in answer.results[:2]} == {SEPT, OCT}


def test_outlet_repeating_another_is_shown_in_the_chain(store: pyoxigraph.Store) -> None:
    answer = cite_store(store, "rivaling US models in capability and adoption")
    sup = next(s for s in answer.results[0].supports if s.claim.text == RIVAL)
    assert sup.claim.reported_by is not None and sup.claim.reported_by.name == "South China Morning Post"
    assert sup.claim.attributed_to is not None and sup.claim.attributed_to.name == "Beyond DeepSeek issue brief"


def test_claim_iri_and_cluster_iri_queries(store: pyoxigraph.Store, extractions: list[Extraction]) -> None:
    iri = _claim(extractions, SOTA, "news/dispatch")
    answer = cite_store(store, iri)
    assert answer.mode == "claim" and len(answer.results) == 1
    assert answer.results[0].matched_claim == iri and answer.results[0].sources == 3
    cluster = answer.results[0].cluster
    assert cluster is not None
    again = cite_store(store, cluster)
    assert again.mode == "cluster" and again.results[0].cluster == cluster


def test_min_sources_and_limit(store: pyoxigraph.Store) -> None:
    answer = cite_store(store, "Chinese open models", min_sources=2)
    assert answer.found and all(r.sources >= 2 for r in answer.results)
    assert len(cite_store(store, "Chinese open models", limit=1).results) == 1
    assert cite_store(store, "Chinese open models", limit=1).total_matches > 1


def test_nothing_matches_suggests_the_nearest_names(store: pyoxigraph.Store) -> None:
    answer = cite_store(store, "Tencent Hunyuan licence")
    assert not answer.found and answer.results == ()
    assert answer.suggestions
    # an entity name alone does not make a match: some other word of the query must occur in the claim
    partial = cite_store(store, "Qwen quarterly revenue")
    assert not partial.found and [e.name for e in partial.entities] == ["Qwen"]
    assert cite_store(store, "Qwen downloads").found
    typo = cite_store(store, "Allibabba")  # too far for a match, close enough to suggest
    assert typo.found or typo.suggestions[0].startswith("Alibaba")


# --- output formats: quotes are exact slices ----------------------------------------------------------------


@pytest.fixture(scope="module")
def answers(store: pyoxigraph.Store) -> list[CiteAnswer]:
    return [cite_store(store, q) for q in ("DigiChina", "Qwen overtook Llama", "R&D budgets", "open models")]


def _expected_quotes(answer: CiteAnswer, texts: dict[str, str]) -> list[tuple[str, str, int, int]]:
    out = []
    for r in answer.results:
        for s in r.supports:
            q = s.claim.quote
            assert q is not None
            assert texts[s.claim.document.iri][q.start:q.end] == q.exact  # the store's quote is the slice
            out.append((s.claim.document.iri, q.exact, q.start, q.end))
    return out


TOP_KEYS = {"schema_version", "query", "mode", "entities", "min_sources", "total_matches", "suggestions", "results"}
RESULT_KEYS = {"rank", "score", "cluster", "claim", "modality", "sources", "independent_sources", "matched_claim",
               "contradicted_by", "supports"}
SUPPORT_KEYS = {"claim", "text", "modality", "quotation", "cue", "attributed_to", "reported_by", "document", "quote",
                "independent", "counted_with", "counted_with_rule"}
DOCUMENT_KEYS = {"iri", "id", "title", "publisher", "date", "url", "path", "format", "type", "authors",
                 "citation_key"}


def test_json_schema_is_the_documented_one(answers: list[CiteAnswer]) -> None:
    from kg import cite_format

    for answer in answers:
        data = json.loads(render(answer, "json"))
        assert set(data) == TOP_KEYS
        for result in data["results"]:
            assert set(result) == RESULT_KEYS
            for sup in result["supports"]:
                assert set(sup) == SUPPORT_KEYS and set(sup["document"]) == DOCUMENT_KEYS
                assert set(sup["quote"]) == {"exact", "prefix", "suffix", "start", "end", "page"}
    documented = cite_format.__doc__ or ""
    for key in TOP_KEYS | RESULT_KEYS | SUPPORT_KEYS | DOCUMENT_KEYS:
        assert f'"{key}"' in documented, key


def test_json_quotes_equal_the_source_slices(answers: list[CiteAnswer], texts: dict[str, str]) -> None:
    for answer in answers:
        data = json.loads(render(answer, "json"))
        assert data["schema_version"] == 1
        seen = 0
        for result in data["results"]:
            assert set(result) >= {"rank", "cluster", "claim", "modality", "sources", "independent_sources",
                                   "supports", "contradicted_by"}
            for sup in result["supports"]:
                doc, quote = sup["document"], sup["quote"]
                assert texts[doc["iri"]][quote["start"]:quote["end"]] == quote["exact"]
                prefix_ok = texts[doc["iri"]][:quote["start"]].endswith(quote["prefix"])
                assert prefix_ok and texts[doc["iri"]][quote["end"]:].startswith(quote["suffix"])
                seen += 1
        assert seen == len(_expected_quotes(answer, texts)) > 0


def test_text_and_markdown_show_each_quote_exactly(answers: list[CiteAnswer], texts: dict[str, str]) -> None:
    for answer in answers:
        text = render(answer, "text")
        markdown = render(answer, "markdown")
        unescaped = re.sub(r"\\([\\`*_\[\]<>#|~])", r"\1", markdown)
        for _doc, exact, start, end in _expected_quotes(answer, texts):
            assert f"«{exact}»" in text
            assert f"chars {start}–{end}" in text
            assert f"> {exact}\n" in unescaped
        assert "R&D" not in answer.query or r"\*industry\*" in markdown  # markup characters are escaped


def test_csl_json_validates_and_carries_the_quotes(answers: list[CiteAnswer], texts: dict[str, str]) -> None:
    schema = json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8"))
    for answer in answers:
        items = json.loads(render(answer, "csl-json"))
        jsonschema.Draft7Validator(schema).validate(items)
        expected = _expected_quotes(answer, texts)
        assert len(items) == len({doc for doc, *_ in expected})  # one item per source document
        for item in items:
            doc = item["custom"]["policy_kg_document"]
            assert item["type"] in ("article-newspaper", "report")
            assert item["issued"]["date-parts"][0][0] == 2025
            for q in item["custom"]["quotes"]:
                assert texts[doc][q["start"]:q["end"]] == q["exact"]
                assert f"“{q['exact']}”" in item["note"]
            assert {(doc, q["exact"]) for q in item["custom"]["quotes"]} == {
                (d, e) for d, e, *_ in expected if d == doc}
        pdf = [i for i in items if i["type"] == "report"]
        for item in pdf:
            assert [a["family"] for a in item["author"]] == ["Meinhardt", "Webster"]
            assert ", p. 2)" in item["note"]


def _latex_unescape(value: str) -> str:
    value = value.replace(r"\textbackslash{}", "\\").replace(r"\^{}", "^").replace(r"\~{}", "~")
    return re.sub(r"\\([{}$&%#_])", r"\1", value)


def test_bibtex_parses_with_stable_keys_and_exact_quotes(answers: list[CiteAnswer], texts: dict[str, str]
                                                         ) -> None:
    for answer in answers:
        source = render(answer, "bibtex")
        db = bibtexparser.loads(source)
        expected = _expected_quotes(answer, texts)
        assert len(db.entries) == len({doc for doc, *_ in expected})
        keys = [e["ID"] for e in db.entries]
        assert len(keys) == len(set(keys))
        for entry in db.entries:
            assert re.fullmatch(r"[a-z0-9]+(?:nd|\d{4})[a-z0-9]*-[0-9a-f]{4}", entry["ID"]), entry["ID"]
            note = _latex_unescape(entry["note"])
            exacts = [e for d, e, *_ in expected if citation_key_of(answer, d) == entry["ID"]]
            assert exacts
            for exact in exacts:
                assert f"“{exact}”" in note
        types = {e["ENTRYTYPE"] for e in db.entries}
        assert types <= {"article", "techreport", "misc"}
    assert render(answers[0], "bibtex") == render(answers[0], "bibtex")


def citation_key_of(answer: CiteAnswer, doc_iri: str) -> str:
    doc = next(s.claim.document for r in answer.results for s in r.supports if s.claim.document.iri == doc_iri)
    return citation_key(doc)


def test_bibtex_escapes_latex_specials(store: pyoxigraph.Store) -> None:
    bib = render(cite_store(store, "R&D budgets"), "bibtex")
    assert r"R\&D" in bib and r"40\%" in bib and r"\$5.6" in bib and r"data\_sets \#1" in bib
    assert r"\{est.\}" in bib
    entry = bibtexparser.loads(bib).entries[0]
    assert _latex_unescape(entry["note"]).startswith(f"“{BUDGET}”")


def test_every_format_is_deterministic(store: pyoxigraph.Store) -> None:
    for fmt in FORMATS:
        first = render(cite_store(store, "Chinese open models"), fmt)
        assert render(cite_store(store, "Chinese open models"), fmt) == first


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory, store: pyoxigraph.Store) -> Path:
    build = tmp_path_factory.mktemp("build")
    disk = pyoxigraph.Store(str(build / "store"))
    disk.extend(list(store.quads_for_pattern(None, None, None, None)))
    disk.flush()
    del disk
    return build


def _run(*args: str) -> Any:
    from kg.cli.cite import command

    return CliRunner().invoke(command, list(args))


def test_cli_prints_each_format(build_dir: Path) -> None:
    for fmt in FORMATS:
        result = _run("DigiChina", "--build", str(build_dir), "--format", fmt, "--limit", "2")
        assert result.exit_code == 0, result.output
        assert "state-of-the-art" in result.output
    text = _run("Chinese open models near state of the art", "--build", str(build_dir)).output
    assert "3 sources, 2 independent" in text and "not independent: syndicated copy of [" in text


def test_cli_no_match_exits_1_with_suggestions(build_dir: Path) -> None:
    result = _run("Tencent Hunyuan licence", "--build", str(build_dir))
    assert result.exit_code == 1
    assert "no claim matches 'Tencent Hunyuan licence'" in result.output and "Nearest entity names: " in result.output
    partial = _run("Qwen quarterly revenue", "--build", str(build_dir))
    assert partial.exit_code == 1 and 'kg cite "Qwen"' in partial.output
    as_json = _run("Tencent Hunyuan licence", "--build", str(build_dir), "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["results"] == [] and data["suggestions"]


def test_cli_without_a_build_says_what_to_do(tmp_path: Path) -> None:
    result = _run("DigiChina", "--build", str(tmp_path / "nope"))
    assert result.exit_code != 0
    assert "kg build" in str(result.exception) or "kg build" in result.output


# --- the two seed articles, built together by `kg build` -----------------------------------------------------


@pytest.fixture(scope="module")
def seeds(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The seed articles built into a temporary folder, and each document's text by document IRI."""
    from kg.build import BuildOptions, run_build
    from kg.config import Settings
    from kg.corpus import read_corpus

    settings = Settings()
    out = tmp_path_factory.mktemp("seeds") / "build"
    run_build(BuildOptions(corpus=(seeds_dir,), out=out, progress=False), settings)
    documents = read_corpus([seeds_dir], settings).documents
    assert len(documents) == 2
    return out, {IRIS.document(d.id): d.text for d in documents}


@pytest.mark.slow
def test_seeds_rivalry_claim_is_one_cluster_with_two_sources(seeds: tuple[Path, dict[str, str]]) -> None:
    from kg.cite import cite

    build, _texts = seeds
    top = cite(build, "Chinese open models rival US models").results[0]
    assert (top.sources, top.independent_sources) == (2, 2)
    assert len({s.claim.document.iri for s in top.supports}) == 2
    assert all("rival" in s.claim.text for s in top.supports)


@pytest.mark.slow
def test_seeds_citing_digichina_returns_the_reports_findings(seeds: tuple[Path, dict[str, str]]) -> None:
    from kg.cite import cite

    build, texts = seeds
    answer = cite(build, "DigiChina", limit=20)
    assert answer.mode == "entity" and answer.found
    findings = [s for r in answer.results for s in r.supports
                if s.claim.attributed_to is not None and s.claim.attributed_to.type == "Report"]
    assert len(findings) >= 3
    assert any("selective engagement" in s.claim.text for s in findings)
    for result in answer.results:
        for s in result.supports:
            q = s.claim.quote
            assert q is not None and texts[s.claim.document.iri][q.start:q.end] == q.exact
    data = json.loads(render(answer, "json"))
    for result in data["results"]:
        for sup in result["supports"]:
            q = sup["quote"]
            assert texts[sup["document"]["iri"]][q["start"]:q["end"]] == q["exact"]
    schema = json.loads((FIXTURES / "csl-data.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(json.loads(render(answer, "csl-json")))
    assert bibtexparser.loads(render(answer, "bibtex")).entries


def test_ranking_index_is_cached_in_the_build_and_rebuilt_when_damaged(build_dir: Path) -> None:
    from kg.cite import cite

    first = cite(build_dir, "Chinese open models near state of the art")
    keys = [p for p in (build_dir / "cite-index").iterdir() if not p.name.startswith(".")]
    assert len(keys) == 1 and (keys[0] / "index.json").is_file() and (keys[0] / "bm25").is_dir()
    assert cite(build_dir, "Chinese open models near state of the art") == first
    (keys[0] / "index.json").write_text("{broken", encoding="utf-8")
    assert cite(build_dir, "Chinese open models near state of the art") == first
    assert json.loads((keys[0] / "index.json").read_text(encoding="utf-8"))["claims"]
