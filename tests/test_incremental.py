"""Incremental rebuilds: unchanged documents come from the cache, a changed one replaces only its graph, a deleted
one's graph goes, and an interrupted build (kill -9, Ctrl-C, full disk) leaves the previous build usable."""

from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest

import kg.build
import kg.buildio
import kg.store
from kg.build import BuildOptions, run_build
from kg.config import Settings
from kg.errors import BuildError
from kg.iris import Iris
from kg.store import open_store
from kg.store_delta import Delta, apply_delta
from tests.build_fixtures import ROOT, build, copy_corpus

IRIS = Iris()


def _manifest(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return data


def _graph_digests(out: Path) -> dict[str, str]:
    return {d["id"]: d["graph_sha256"] for d in _manifest(out)["documents"]}


def _store_graphs(out: Path) -> set[str]:
    return {str(g.value) for g in open_store(out).named_graphs()}


def _leftovers(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".tmp-" in p.name)


def _edit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + "\n\nAlibaba said Qwen3 may be released next month, according to Reuters.\n",
                    encoding="utf-8")


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    return copy_corpus(tmp_path / "corpus")


def _no_clustering(*_args: object) -> None:
    raise AssertionError("claims were clustered again although no document changed")


def test_touch_nothing_edit_one_delete_one(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = build(corpus, out).summary
    assert first.extracted == first.documents == 4 and first.cached == 0
    trig = (out / "graph.trig").read_bytes()
    generation = (out / "store").resolve()

    with monkeypatch.context() as patch:
        patch.setattr(kg.build, "cluster_claims", _no_clustering)
        again = build(corpus, out).summary
    assert (again.extracted, again.cached, again.removed) == (0, 4, 0)
    assert (out / "graph.trig").read_bytes() == trig
    assert (out / "store").resolve() == generation  # nothing changed: the same store

    before = _graph_digests(out)
    _edit(corpus / "news/kimi-k2-launch.md")
    deltas: list[int] = []

    def spy(store: pyoxigraph.Store, graph: str, header: str, delta: Delta) -> None:
        deltas.append(delta.changed)
        apply_delta(store, graph, header, delta)

    with monkeypatch.context() as patch:
        patch.setattr(kg.store, "apply_delta", spy)
        edited = build(corpus, out).summary
    assert len(deltas) == 1 and deltas[0] > 0  # the cross graph was updated by its difference, not reloaded
    assert (edited.extracted, edited.cached) == (1, 3)
    after = _graph_digests(out)
    assert [k for k in before if before[k] != after[k]] == ["news/kimi-k2-launch"]  # only its graph changed
    ask = 'ASK { GRAPH ?g { ?d <https://policy-kg.org/ns#text> ?t FILTER(CONTAINS(?t, "Qwen3 may be released")) } }'
    assert open_store(out).query(ask)
    _same_as_clean(out, corpus, tmp_path / "clean1")

    copy_corpus(corpus, ("news/openai-gpt-oss.md",))
    added = build(corpus, out).summary
    assert (added.documents, added.extracted, added.removed) == (5, 1, 0)
    _same_as_clean(out, corpus, tmp_path / "clean2")

    (corpus / "news/deepseek-r1-release.md").unlink()
    deleted = build(corpus, out).summary
    assert (deleted.documents, deleted.extracted, deleted.removed) == (4, 0, 1)
    gone = IRIS.document_graph("news/deepseek-r1-release")
    assert gone not in _store_graphs(out)
    assert f"<{gone}>" not in (out / "graph.trig").read_text(encoding="utf-8")
    _same_as_clean(out, corpus, tmp_path / "clean3")
    assert len(list((out / "cache" / "extractions").iterdir())) == 4  # the deleted document's entry went too
    assert _leftovers(out) == []


def _clean(corpus: Path, out: Path) -> bytes:
    build(corpus, out)
    return (out / "graph.trig").read_bytes()


def _store_dump(out: Path) -> tuple[list[str], dict[str, int]]:
    """The store's quads as sorted N-Quads, and how many quads with blank nodes each graph holds (a store gives
    blank nodes labels of its own)."""
    named: list[str] = []
    blank: dict[str, int] = {}
    for q in open_store(out):
        if isinstance(q.subject, pyoxigraph.BlankNode) or isinstance(q.object, pyoxigraph.BlankNode):
            blank[str(q.graph_name)] = blank.get(str(q.graph_name), 0) + 1
        else:
            named.append(str(q))
    return sorted(named), blank


def _same_as_clean(out: Path, corpus: Path, clean: Path) -> None:
    """The rebuilt folder holds what a clean build of the same corpus gives: graph.trig, manifest, store."""
    build(corpus, clean)
    assert (out / "graph.trig").read_bytes() == (clean / "graph.trig").read_bytes()
    mine, theirs = _manifest(out), _manifest(clean)
    for manifest in (mine, theirs):  # what differs by design: the store generation, what this build extracted
        del manifest["store"]
        for key in ("extracted", "cached", "removed"):
            del manifest["summary"][key]
    assert mine == theirs
    dumped, expected = _store_dump(out), _store_dump(clean)
    assert dumped == expected and len(dumped[0]) > 1000


def _start(corpus: Path, out: Path) -> subprocess.Popen[str]:
    """`kg build` in a new process; returns once it has started extracting."""
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", str(corpus), "-o", str(out), "--no-progress"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("extracting "):
            return proc
    proc.wait(timeout=60)
    raise AssertionError(f"the build never started extracting (exit {proc.returncode})")


def _change(corpus: Path) -> None:
    _edit(corpus / "news/deepseek-r1-release.md")
    (corpus / "news/kimi-k2-launch.md").unlink()
    copy_corpus(corpus, ("news/openai-gpt-oss.md", "news/qwen-overtakes-llama.md"))


def _usable(out: Path, old_trig: bytes) -> None:
    """The previous complete build (or, had it finished, the new one) is whole and answers queries."""
    trig = (out / "graph.trig").read_bytes()
    parsed = list(pyoxigraph.parse(input=trig, format=pyoxigraph.RdfFormat.TRIG))
    assert len(parsed) > 1000
    assert trig == old_trig or trig.endswith(b"}\n")
    assert open_store(out).query("ASK { GRAPH ?g { ?s a <https://policy-kg.org/ns#Claim> } }")
    assert _manifest(out)["kg_build"] == 1


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_an_interrupted_build_leaves_the_previous_one_and_the_next_finishes(tmp_path: Path, corpus: Path,
                                                                          sig: signal.Signals) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    old_trig = (out / "graph.trig").read_bytes()
    _change(corpus)
    proc = _start(corpus, out)
    time.sleep(1.0)  # inside extraction (the pipeline loads first)
    proc.send_signal(sig)
    code = proc.wait(timeout=120)
    assert proc.stderr is not None
    err = proc.stderr.read()
    if sig == signal.SIGINT and code != 0:  # (a very fast machine may have finished first)
        assert code == 130 and "interrupted" in err and "Traceback" not in err
    _usable(out, old_trig)
    finished = build(corpus, out).summary
    assert finished.documents == 5 and finished.extracted <= 3
    assert (out / "graph.trig").read_bytes() == _clean(corpus, tmp_path / "clean")
    assert _leftovers(out) == []
    ids = [{d["id"] for d in _manifest(folder)["documents"]} for folder in (out, tmp_path / "clean")]
    assert ids[0] == ids[1]


class _FullDisk:
    """``open`` for kg.buildio that fails like a full disk when the build writes ``graph.trig``."""

    def __init__(self) -> None:
        self.hit = 0

    def __call__(self, file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        handle = open(file, mode, *args, **kwargs)  # noqa: SIM115
        if "w" in mode and Path(file).name.startswith("graph.trig"):
            self.hit += 1
            handle.write = self._fail  # type: ignore[method-assign]
        return handle

    @staticmethod
    def _fail(_data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_fails_cleanly_and_the_next_build_finishes(tmp_path: Path, corpus: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    old = {name: (out / name).read_bytes() for name in ("graph.trig", "manifest.json")}
    generation = (out / "store").resolve()
    _change(corpus)
    full = _FullDisk()
    monkeypatch.setattr(kg.buildio, "open", full, raising=False)
    with pytest.raises(BuildError, match=r"disk is full.*previous build is untouched"):
        run_build(BuildOptions((corpus,), out, progress=False), Settings())
    assert full.hit == 1
    assert {name: (out / name).read_bytes() for name in old} == old
    assert (out / "store").resolve() == generation and _leftovers(out) == []
    monkeypatch.undo()
    finished = build(corpus, out).summary
    assert finished.extracted == 0  # the failed build had cached its extractions
    assert (out / "graph.trig").read_bytes() == _clean(corpus, tmp_path / "clean")


def test_damaged_cache_entries_are_extracted_again(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    trig = (out / "graph.trig").read_bytes()
    packed = sorted((out / "cache" / "packed").iterdir())
    packed[0].write_bytes(b'[["x", "trunc')  # the checked extraction as kept: damaged -> read from the record
    summary = build(corpus, out).summary
    assert (summary.extracted, summary.cached) == (0, 4)
    assert (out / "graph.trig").read_bytes() == trig
    entry = sorted((out / "cache" / "extractions").iterdir())[0]
    entry.write_text('{"document": {"id": "trunc')  # the record itself damaged (and nothing kept beside it)
    for path in (out / "cache" / "packed").iterdir():
        if path.name.startswith(entry.stem):
            path.unlink()
    summary = build(corpus, out).summary
    assert (summary.extracted, summary.cached) == (1, 3)
    assert (out / "graph.trig").read_bytes() == trig


def test_editing_the_seed_knowledge_base_extracts_again(tmp_path: Path, corpus: Path) -> None:
    out = tmp_path / "out"
    build(corpus, out)
    ontology = tmp_path / "ontology"
    shutil.copytree(ROOT / "ontology", ontology)
    outlets = ontology / "seed" / "outlets.ttl"
    outlets.write_text(outlets.read_text(encoding="utf-8") + '\ne:tech-ledger a kg:NewsOutlet ; '
                       'skos:prefLabel "Tech Ledger Weekly" .\n', encoding="utf-8")
    summary = build(corpus, out, ontology_dir=ontology).summary
    assert summary.extracted == summary.documents == 4
