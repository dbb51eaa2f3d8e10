"""`kg extract` end to end: the real pipeline on real files, the JSON contract, outputs, errors, workers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kg.cli import main

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def check_contract(record: dict[str, Any]) -> None:
    """The issue-4 contract: required fields, their types, and every text equal to its slice."""
    doc = record["document"]
    for key in ("id", "path", "sha256"):
        assert isinstance(doc[key], str)
    for key in ("url", "title", "publisher", "date"):
        assert doc[key] is None or isinstance(doc[key], str)
    text = doc["text"]
    for ent in record["entities"]:
        assert set(ent) >= {"id", "name", "type", "aliases", "wikidata", "mentions"}
        assert ent["id"].startswith("https://policy-kg.org/id/entity/")
        assert ent["wikidata"] is None or ent["wikidata"].startswith("Q")
        assert ent["mentions"]
        for m in ent["mentions"]:
            assert text[m["start"] : m["end"]] == m["text"]
    for rel in record["relations"]:
        assert set(rel) >= {"subject", "predicate", "object", "evidence", "rule", "confidence"}
        ev = rel["evidence"]
        assert text[ev["start"] : ev["end"]] == ev["text"]
        assert 0.0 <= rel["confidence"] <= 1.0
    for claim in record["claims"]:
        assert set(claim) >= {"id", "text", "start", "end", "modality", "attributed_to", "reported_by", "cue",
                              "quotation", "about", "page"}
        assert text[claim["start"] : claim["end"]] == claim["text"]
        assert claim["modality"] in ("asserted", "hedged", "negated")


@pytest.fixture(scope="module")
def corpus_records() -> list[dict[str, Any]]:
    result = run("extract", str(CORPUS), "--format", "jsonl", "--no-progress")
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_help_has_an_example() -> None:
    result = run("extract", "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "kg extract corpus" in result.stdout


def test_json_list_for_the_seed_articles(seeds_dir: Path) -> None:
    result = run("extract", str(seeds_dir))
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [r["document"]["id"] for r in records] == sorted(r["document"]["id"] for r in records)
    assert len(records) == 2
    for record in records:
        check_contract(record)
    names = {e["name"] for r in records for e in r["entities"]}
    assert {"DeepSeek", "Moonshot AI", "South China Morning Post", "The Business Times"} <= names


def test_every_slice_in_the_whole_corpus_is_exact(corpus_records: list[dict[str, Any]]) -> None:
    assert len(corpus_records) >= 15
    for record in corpus_records:
        check_contract(record)
    formats = {r["document"]["format"] for r in corpus_records}
    assert {"md", "html", "pdf", "json", "jsonl", "txt"} <= formats


def test_pdf_mentions_carry_their_page(corpus_records: list[dict[str, Any]]) -> None:
    pdf = next(r for r in corpus_records if r["document"]["format"] == "pdf")
    starts = pdf["document"]["page_starts"]
    assert len(starts) > 1
    last_page_mentions = [m for e in pdf["entities"] for m in e["mentions"] if m["start"] >= starts[-1]]
    assert last_page_mentions  # entities are found on every page, not only the first chunk


def test_jsonl_to_file_is_atomic_and_deterministic(tmp_path: Path, seeds_dir: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = run("extract", str(seeds_dir), "--format", "jsonl", "-o", str(out))
    assert first.exit_code == 0 and first.stdout == ""
    assert "wrote 2 records" in first.stderr
    data = out.read_bytes()
    assert len(data.splitlines()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]  # no temporary file left behind
    second = run("extract", str(seeds_dir), "--format", "jsonl", "-o", str(out))
    assert second.exit_code == 0 and out.read_bytes() == data


def test_workers_give_the_same_output(tmp_path: Path, seeds_dir: Path) -> None:
    serial = run("extract", str(seeds_dir), "--format", "jsonl")
    parallel = run("extract", str(seeds_dir), "--format", "jsonl", "--workers", "2")
    assert parallel.exit_code == 0, parallel.stderr
    assert parallel.stdout == serial.stdout


def test_bad_inputs_are_warnings_and_the_rest_is_extracted(tmp_path: Path, seeds_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(next(seeds_dir.glob("*.txt")), corpus / "good.txt")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = run("extract", str(corpus), "--format", "jsonl")
    assert result.exit_code == 0
    assert "warning:" in result.stderr and "broken.pdf" in result.stderr
    assert [json.loads(line)["document"]["id"] for line in result.stdout.splitlines()] == ["good"]


def test_output_inside_the_corpus_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    before = sorted(p.name for p in corpus.iterdir())
    result = CliRunner().invoke(main, ["extract", str(corpus), "-o", str(corpus / "out.json")])
    assert result.exit_code == 1
    assert "inside the corpus folder" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_missing_path_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.stderr.startswith("kg: error:") and "no such file or folder" in result.stderr


def test_missing_output_folder_is_a_one_line_error(tmp_path: Path, seeds_dir: Path) -> None:
    result = CliRunner().invoke(main, ["extract", str(seeds_dir), "-o", str(tmp_path / "no" / "out.json")])
    assert result.exit_code == 1
    assert "does not exist" in result.stderr
