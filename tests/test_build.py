"""`kg build` end to end on small corpora: reporting, warnings, --strict, --json, where it may write, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from kg import store as kg_store
from kg.build import BuildOptions, run_build
from kg.buildio import build_lock
from kg.cli import main
from kg.config import Settings
from kg.errors import BuildError, InputError
from kg.store import open_store, store_from_trig
from tests.build_fixtures import ROOT, copy_corpus, kg

JSON_KEYS = ["documents", "extracted", "cached", "removed", "entities", "relations", "claims", "warnings"]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_corpus(tmp_path_factory.mktemp("small") / "corpus")


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_build_reports_formats_warnings_and_json_last_line(tmp_path: Path) -> None:
    corpus = copy_corpus(tmp_path / "corpus", ("news/deepseek-r1-release.md", "briefs/wire.jsonl"))
    (corpus / "empty.txt").write_text("")
    (corpus / "notes.docx").write_bytes(b"PK\x03\x04")
    with open(corpus / "briefs/wire.jsonl", "a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    before = _snapshot(corpus)
    code, out, err = _invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--json", "--no-progress")
    assert code == 0, err
    assert "6 documents (jsonl 5, md 1)" in out
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 3
    assert any("empty.txt" in w for w in warnings) and any("notes.docx" in w for w in warnings)
    assert any("wire.jsonl:6" in w for w in warnings)  # a bad JSON line is named with its line number
    summary = json.loads(out.strip().splitlines()[-1])
    assert list(summary) == JSON_KEYS
    assert summary["documents"] == 6 and summary["extracted"] == 6 and summary["cached"] == 0
    assert summary["warnings"] == 3 and summary["entities"] > 5 and summary["claims"] > 5
    assert "entities (" in out and "claims (" in out and "relations (" in out
    assert _snapshot(corpus) == before  # nothing written inside the corpus
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["summary"]["warnings"] == 3 and len(manifest["warnings"]) == 3
    assert [d["id"] for d in manifest["documents"]] == sorted(d["id"] for d in manifest["documents"])
    # the same build again with --strict: served from the cache, warnings -> exit 1
    code, out, err = _invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--json", "--strict",
                             "--no-progress")
    assert code == 1 and "--strict" in err
    assert json.loads(out.strip().splitlines()[-1])["cached"] == 6


def test_output_folder_must_not_be_inside_a_corpus_or_a_stranger(tmp_path: Path, small: Path) -> None:
    code, _out, err = _invoke("build", str(small), "-o", str(small / "build"))
    assert code == 1 and err.startswith("kg: error:") and "inside the corpus folder" in err
    assert err.count("\n") == 1 and not (small / "build").exists()
    stranger = tmp_path / "mine"
    stranger.mkdir()
    (stranger / "thesis.tex").write_text("keep me")
    with pytest.raises(InputError, match="not empty and holds no kg build"):
        run_build(BuildOptions((small,), stranger), Settings())
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        run_build(BuildOptions((small,), tmp_path / "file"), Settings())
    with pytest.raises(InputError, match="no such file or folder"):
        run_build(BuildOptions((tmp_path / "missing",), tmp_path / "out"), Settings())
    code, _out, err = _invoke("build", str(small), "-o", str(tmp_path / "o"), "--base-iri", "not an iri")
    assert code == 2 and "--base-iri" in err


def test_one_build_at_a_time(tmp_path: Path, small: Path) -> None:
    out = tmp_path / "out"
    with build_lock(out), pytest.raises(BuildError, match="another `kg build` is writing"):
        run_build(BuildOptions((small,), out, progress=False), Settings())


def test_builds_are_byte_identical_across_processes_and_hash_seeds(tmp_path: Path, small: Path) -> None:
    run_build(BuildOptions((small,), tmp_path / "a", progress=False), Settings())
    proc = kg("build", str(small), "-o", str(tmp_path / "b"), "--no-progress", "--json", seed="4242")
    assert proc.returncode == 0, proc.stderr
    for name in ("graph.trig", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    trig = (tmp_path / "a" / "graph.trig").read_text(encoding="utf-8")
    assert trig.startswith("@prefix ") and "\r" not in trig


def test_store_holds_exactly_the_graph_and_answers_over_the_union(tmp_path: Path, small: Path) -> None:
    out = tmp_path / "out"
    run_build(BuildOptions((small,), out, progress=False), Settings())
    store = open_store(out)
    parsed = set(pyoxigraph.parse(path=str(out / "graph.trig"), format=pyoxigraph.RdfFormat.TRIG))
    stored = set(store)
    assert len(stored) == len(parsed)

    def named(quads: set[pyoxigraph.Quad]) -> set[pyoxigraph.Quad]:  # blank nodes get new labels in a store
        return {q for q in quads if not isinstance(q.subject, pyoxigraph.BlankNode)
                and not isinstance(q.object, pyoxigraph.BlankNode)}

    assert named(stored) == named(parsed) and len(named(parsed)) > 1000
    assert (out / "store").is_symlink() and not any("tmp" in p.name for p in out.rglob("*"))
    ask = 'ASK { ?d <https://policy-kg.org/ns#mentions> ?e . ?e <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }'
    assert store.query(ask, use_default_graph_as_union=True)  # document graph joined with the ontology graph


def test_base_iri_rebases_everything_minted(tmp_path: Path, small: Path) -> None:
    base = "https://example.org/kg/"
    code, _out, err = _invoke("build", str(small), "-o", str(tmp_path / "out"), "--base-iri", base, "--no-progress")
    assert code == 0, err
    store = open_store(tmp_path / "out")
    names = {str(g.value) for g in store.named_graphs()}
    assert f"{base}graph/ontology" in names and f"{base}graph/cross" in names
    assert all(n.startswith(base) for n in names)
    minted = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), "
                         '"https://policy-kg.org/id/")) }', use_default_graph_as_union=True)
    assert int(next(iter(minted))["n"].value) == 0  # type: ignore[index]


def _named_quads(store: pyoxigraph.Store) -> set[pyoxigraph.Quad]:
    """The quads without blank nodes (a store gives blank nodes new labels)."""
    return {q for q in store if not isinstance(q.subject, pyoxigraph.BlankNode)
            and not isinstance(q.object, pyoxigraph.BlankNode)}


def test_two_workers_give_the_same_graph_and_the_build_process_never_loads_spacy(tmp_path: Path,
                                                                                  small: Path) -> None:
    run_build(BuildOptions((small,), tmp_path / "one", progress=False), Settings())
    script = ("import sys; from pathlib import Path; from kg.build import BuildOptions, run_build; "
              "from kg.config import Settings; "
              f"run_build(BuildOptions((Path({str(small)!r}),), Path({str(tmp_path / 'two')!r}), progress=False), "
              "Settings(workers=2)); print('spacy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"  # spaCy runs in the workers only: the build process stays small
    for name in ("graph.trig", "manifest.json"):
        one, two = (tmp_path / d / name for d in ("one", "two"))
        if name == "manifest.json":
            assert json.loads(one.read_text())["graphs"] == json.loads(two.read_text())["graphs"]
            assert json.loads(one.read_text())["documents"] == json.loads(two.read_text())["documents"]
        else:
            assert one.read_bytes() == two.read_bytes()


def test_store_loaded_block_by_block_equals_the_graph_file(tmp_path: Path, small: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg_store, "LOAD_CHUNK_CHARS", 1)  # one bulk load per named graph
    out = tmp_path / "out"
    run_build(BuildOptions((small,), out, progress=False), Settings())
    stored = open_store(out)
    whole = store_from_trig(out / "graph.trig")  # one bulk load of the whole file, as before
    assert len(stored) == len(whole) > 1000
    assert _named_quads(stored) == _named_quads(whole)
    assert {g.value for g in stored.named_graphs()} == {g.value for g in whole.named_graphs()}


def test_a_failed_store_load_leaves_the_previous_build(tmp_path: Path, small: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    run_build(BuildOptions((small,), out, progress=False), Settings())
    before = (out / "store").resolve()
    (out / "cache").joinpath("graphs").mkdir(exist_ok=True)
    for path in (out / "cache" / "graphs").iterdir():  # every graph block must be written again ...
        path.unlink()

    def broken(self: kg_store.StoreLoader, parts: list[str]) -> None:  # ... and the store cannot take them
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(kg_store.StoreLoader, "_load", broken)
    with pytest.raises(BuildError, match="cannot write the store"):
        run_build(BuildOptions((small,), out, progress=False), Settings())
    assert (out / "store").resolve() == before and open_store(out).query("ASK { GRAPH ?g { ?s ?p ?o } }")
    assert not [p for p in out.rglob("*") if ".tmp-" in p.name]


def test_warnings_are_one_line_naming_the_file(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ok.md").write_text("---\ntitle: Fine\n---\nDeepSeek released DeepSeek-R1 in January 2025.\n")
    (corpus / "bad.pdf").write_bytes(b"%PDF-1.7 not really")
    code, _out, err = _invoke("build", str(corpus), "-o", str(tmp_path / "out"), "--no-progress")
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 1 and "bad.pdf" in lines[0]
    assert os.path.exists(tmp_path / "out" / "graph.trig")


def test_awkward_file_names_give_valid_iris(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "news").mkdir(parents=True)
    name = 'news/"Open" models — 开源 #1?.md'
    (corpus / name).write_text("---\ntitle: 'Zhipu \"GLM\" — 智谱'\n---\nZhipu AI said GLM-4.5 may rival OpenAI.\n",
                               encoding="utf-8")
    run_build(BuildOptions((corpus,), tmp_path / "out", progress=False), Settings())
    trig = (tmp_path / "out" / "graph.trig").read_text(encoding="utf-8")
    quads = list(pyoxigraph.parse(input=trig.encode(), format=pyoxigraph.RdfFormat.TRIG))
    graphs = {q.graph_name.value for q in quads if isinstance(q.graph_name, pyoxigraph.NamedNode)}
    (doc_graph,) = [g for g in graphs if "/graph/doc/" in g]
    assert not any(ch in doc_graph for ch in ' "<>{}|^`\\#?') and doc_graph.isascii()
    ids = [q.object.value for q in quads if q.predicate.value == "http://purl.org/dc/terms/identifier"]
    assert ids == [name[:-3]]  # the id itself keeps every character
    titles = [q.object.value for q in quads
              if q.predicate.value == "http://purl.org/dc/terms/title" and q.graph_name.value == doc_graph]
    assert titles == ['Zhipu "GLM" — 智谱']
