"""The corpus index: a rebuild reuses what reading each unchanged file gave, and never serves stale text."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from kg import corpus_index
from kg.config import Settings
from kg.corpus import read_corpus
from kg.corpus_index import CorpusIndex, reader_signature

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings()
SIGNATURE = reader_signature(SETTINGS.max_file_bytes, SETTINGS.max_pdf_pages)


def _read(corpus: Path, index_file: Path) -> tuple[CorpusIndex, tuple[object, ...], tuple[object, ...]]:
    index = CorpusIndex.load(index_file, SIGNATURE)
    result = read_corpus([corpus], SETTINGS, index)
    index.save(index_file)
    return index, result.documents, result.problems


@pytest.fixture()
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(corpus_index, "RACY_NS", 0)  # files written just now count as settled
    dst = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", dst)
    (dst / "broken.md").write_text("---\ntitle: [unclosed\n---\nText after bad front matter.\n", encoding="utf-8")
    (dst / "empty.txt").write_text("")
    return dst


def test_unchanged_files_are_not_parsed_again_and_give_the_same_corpus(tmp_path: Path, corpus: Path) -> None:
    index_file = tmp_path / "index.json"
    plain = read_corpus([corpus], SETTINGS)
    first, docs, problems = _read(corpus, index_file)
    assert (docs, problems) == (plain.documents, plain.problems)
    assert first.parsed > 10 and first.reused == 0
    second, docs2, problems2 = _read(corpus, index_file)
    assert (docs2, problems2) == (plain.documents, plain.problems)  # problems of a bad file are kept too
    assert second.parsed == 0 and second.reused == first.parsed


def test_any_change_is_read_even_with_the_same_size_and_mtime(tmp_path: Path, corpus: Path) -> None:
    index_file = tmp_path / "index.json"
    _read(corpus, index_file)
    path = corpus / "news" / "kimi-k2-launch.md"
    before = os.stat(path)
    text = path.read_text(encoding="utf-8")
    changed = text.replace("based Moonshot", "based Moonshoot", 1)[:-1]  # same length in bytes
    assert len(changed.encode()) == len(text.encode()) and changed != text
    path.write_text(changed, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back: ctime still moves
    index, docs, _ = _read(corpus, index_file)
    assert index.parsed == 1
    (doc,) = [d for d in docs if d.id == "news/kimi-k2-launch"]
    assert "Moonshoot" in doc.text


def test_touched_but_unchanged_files_are_hashed_not_parsed(tmp_path: Path, corpus: Path) -> None:
    index_file = tmp_path / "index.json"
    first, docs, _ = _read(corpus, index_file)
    for path in corpus.rglob("*.md"):
        path.touch()
    index, docs2, _ = _read(corpus, index_file)
    assert index.parsed == 0 and index.reused == first.parsed and docs2 == docs


def test_a_sidecar_edit_is_seen(tmp_path: Path, corpus: Path) -> None:
    index_file = tmp_path / "index.json"
    _read(corpus, index_file)
    side = corpus / "news" / "zhipu-entity-list.txt.meta.yaml"
    side.write_text(side.read_text(encoding="utf-8").replace("title: ", "title: Edited ", 1), encoding="utf-8")
    _index, docs, _ = _read(corpus, index_file)
    (doc,) = [d for d in docs if d.id == "news/zhipu-entity-list"]
    assert doc.title is not None and doc.title.startswith("Edited")
    side.unlink()
    _index, docs, _ = _read(corpus, index_file)
    (doc,) = [d for d in docs if d.id == "news/zhipu-entity-list"]
    assert doc.title is None  # the sidecar gave the title


def test_files_changed_just_before_reading_are_read_again(tmp_path: Path, corpus: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_index, "RACY_NS", 3_000_000_000)
    index_file = tmp_path / "index.json"
    _read(corpus, index_file)  # every file was written a moment ago: racy, its stat does not vouch for it
    again, _docs, _ = _read(corpus, index_file)
    assert again.reused > 10  # read and hashed again (the same bytes: not parsed)
    assert all(not e.trusted for e in again.current.values())


def test_other_limits_or_a_damaged_index_start_afresh(tmp_path: Path, corpus: Path) -> None:
    index_file = tmp_path / "index.json"
    _read(corpus, index_file)
    other = CorpusIndex.load(index_file, reader_signature(1000, 5))
    assert other.previous == {}
    index_file.write_text('{"signature": "', encoding="utf-8")
    assert CorpusIndex.load(index_file, SIGNATURE).previous == {}
    index, docs, _ = _read(corpus, index_file)
    assert index.parsed > 10 and docs == read_corpus([corpus], SETTINGS).documents
