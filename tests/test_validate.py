"""`kg validate`: conforming graphs pass; each broken fixture fails for its own reason; the CLI reports and exits
with 0 / 1 / 2."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from kg.config import Settings
from kg.consistency import check_consistency
from kg.errors import ValidationRunError
from kg.seed import ontology_graph
from kg.validate import Finding, ValidationReport, format_text, load_build, validate_build, validate_dataset
from tests.build_fixtures import Built, sample_build  # noqa: F401  (session fixture: the sample corpus, built once)

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BROKEN = FIXTURES / "shapes"
KG = rdflib.Namespace("https://policy-kg.org/ns#")
E = rdflib.Namespace("https://policy-kg.org/id/entity/")


@functools.cache
def report_for(name: str) -> ValidationReport:
    return validate_build(BROKEN / f"{name}.trig", Settings())


def keys(report: ValidationReport) -> set[tuple[str, str]]:
    return {(f.focus, f.shape) for f in report.findings}


# --- conforming graphs ------------------------------------------------------------------------------


def test_mini_fixture_conforms(mini_trig: Path) -> None:
    report = validate_build(mini_trig, Settings())
    assert report.conforms, format_text(report)
    assert report.findings == ()
    assert report.graphs == 3 and report.triples > 100
    assert 0 < report.consistency_sampled <= report.consistency_available


def test_mini_with_the_full_ontology_and_seed_graph_conforms(mini_trig: Path) -> None:
    """What a real build holds in graph/ontology: kg.ttl and every seed entity."""
    dataset = load_build(mini_trig)
    graph = dataset.graph(rdflib.URIRef("https://policy-kg.org/id/graph/ontology"))
    for triple in ontology_graph(Settings()):
        graph.add(triple)
    report = validate_dataset(dataset, Settings(), source="mini+seed")
    assert report.conforms, format_text(report)
    assert report.consistency_available > 1000 > report.consistency_sampled > 0


def test_report_is_deterministic() -> None:
    path = BROKEN / "claim-without-selector.trig"
    assert format_text(validate_build(path, Settings())) == format_text(validate_build(path, Settings()))


# --- broken fixtures fail for the right reason -------------------------------------------------------


def test_claim_without_selector() -> None:
    report = report_for("claim-without-selector")
    assert not report.conforms
    assert keys(report) == {
        ("claim:news/a/0-64", "kgsh:Claim-evidence"),
        ("claim:news/a/0-64/target", "kgsh:Evidence-selectors"),
    }
    messages = {f.message for f in report.findings}
    assert any("TextQuoteSelector" in m for m in messages)
    assert any("TextPositionSelector" in m for m in messages)


def test_entity_without_label() -> None:
    report = report_for("entity-without-label")
    assert [(f.focus, f.shape, f.path) for f in report.findings] == [
        ("e:alibaba", "kgsh:Entity-prefLabel", "skos:prefLabel")
    ]
    assert "exactly one skos:prefLabel" in report.findings[0].message


def test_entity_with_two_types() -> None:
    report = report_for("entity-two-types")
    assert keys(report) == {("e:deepseek", "kgsh:Entity-type")}


def test_relation_without_evidence_in_its_document() -> None:
    report = report_for("relation-without-evidence")
    (finding,) = report.findings
    assert (finding.focus, finding.shape, finding.path, finding.value) == (
        "e:qwen", "kgsh:DocumentRelationEvidence", "kg:developedBy", "e:alibaba",
    )  # fmt: skip
    assert "graph:doc/news/a" in finding.message


def test_selector_offsets_that_do_not_match_the_text() -> None:
    report = report_for("selector-offsets-wrong")
    assert ("claim:news/a/0-64/target", "kgsh:Evidence-quoteMatchesText") in keys(report)


def test_claim_with_unknown_modality() -> None:
    report = report_for("claim-bad-modality")
    assert keys(report) == {
        ("claim:news/a/65-118", "kgsh:Claim-modality"),
        ("claim:news/a/65-118", "kgsh:DeclaredVocabulary"),
    }


def test_owl_rl_inconsistency() -> None:
    report = report_for("inconsistent")
    assert keys(report) == {("e:qwen", "owl2rl:consistency"), ("e:alibaba", "owl2rl:consistency")}
    assert any("kg:Organization and kg:Model" in f.message for f in report.findings)


def test_evidence_with_two_quote_selectors() -> None:
    (finding,) = report_for("evidence-two-quotes").findings
    assert (finding.focus, finding.shape, finding.path) == (
        "claim:news/a/0-64/target", "kgsh:Evidence-oneQuote", "oa:hasSelector/oa:exact",
    )  # fmt: skip
    assert "exactly one oa:TextQuoteSelector" in finding.message


def test_quote_selector_without_prefix() -> None:
    (finding,) = report_for("quote-without-prefix").findings
    assert (finding.focus, finding.path) == ("claim:news/a/0-64/quote", "oa:prefix")
    assert "oa:prefix" in finding.message


def test_position_selector_that_starts_after_it_ends() -> None:
    report = report_for("position-start-after-end")
    by_shape = {f.shape: f for f in report.findings}
    assert by_shape["kgsh:PositionSelectorShape[oa:start]"].value == "'64'"
    assert by_shape["kgsh:Evidence-quoteMatchesText"].message == "oa:start 64 is after oa:end 0"


EXPECTED = {
    "claim-without-selector": {
        ("claim:news/a/0-64", "kgsh:Claim-evidence"),
        ("claim:news/a/0-64/target", "kgsh:Evidence-selectors"),
    },
    "entity-without-label": {("e:alibaba", "kgsh:Entity-prefLabel")},
    "entity-two-types": {("e:deepseek", "kgsh:Entity-type")},
    "relation-without-evidence": {("e:qwen", "kgsh:DocumentRelationEvidence")},
    "selector-offsets-wrong": {("claim:news/a/0-64/target", "kgsh:Evidence-quoteMatchesText")},
    "claim-bad-modality": {
        ("claim:news/a/65-118", "kgsh:Claim-modality"),
        ("claim:news/a/65-118", "kgsh:DeclaredVocabulary"),
    },
    "inconsistent": {("e:qwen", "owl2rl:consistency"), ("e:alibaba", "owl2rl:consistency")},
    "evidence-two-quotes": {("claim:news/a/0-64/target", "kgsh:Evidence-oneQuote")},
    "quote-without-prefix": {("claim:news/a/0-64/quote", "kgsh:QuoteSelectorShape[oa:prefix]")},
    "position-start-after-end": {
        ("claim:news/a/0-64/position", "kgsh:PositionSelectorShape[oa:start]"),
        ("claim:news/a/0-64/target", "kgsh:Evidence-quoteMatchesText"),
    },
}


@pytest.mark.parametrize("name", sorted(p.stem for p in BROKEN.glob("*.trig")))
def test_each_broken_fixture_fails_for_exactly_its_reason(name: str) -> None:
    assert name in EXPECTED, f"add the expected findings of tests/fixtures/shapes/{name}.trig to EXPECTED"
    report = report_for(name)
    assert not report.conforms
    assert keys(report) == EXPECTED[name], format_text(report)


def test_more_broken_graphs_built_in_memory(mini_trig: Path) -> None:
    dataset = load_build(mini_trig)
    doc = dataset.graph(rdflib.URIRef("https://policy-kg.org/id/graph/doc/news/a"))
    claim = rdflib.URIRef("https://policy-kg.org/id/claim/news/a/0-64")
    doc.remove((claim, KG.statedIn, None))
    doc.add((claim, KG.modality, KG.hedged))  # now two modalities
    rel = rdflib.URIRef("https://policy-kg.org/id/relation/news/a/5d41402abc4b")
    doc.remove((rel, KG.confidence, None))
    doc.add((rel, KG.confidence, rdflib.Literal(1.5)))
    report = validate_dataset(dataset, Settings())
    found = keys(report)
    assert ("claim:news/a/0-64", "kgsh:Claim-statedIn") in found
    assert ("claim:news/a/0-64", "kgsh:Claim-modality") in found
    assert ("rel:news/a/5d41402abc4b", "kgsh:RelationAssertionShape[kg:confidence]") in found


# --- OWL 2 RL --------------------------------------------------------------------------------------


def test_ontology_and_seed_are_consistent_and_contradictions_are_found() -> None:
    ontology = rdflib.Graph().parse(Settings().ontology_dir / "kg.ttl")
    seed = ontology_graph(Settings())
    assert check_consistency(ontology, seed).inconsistencies == ()
    seed.add((E["china"], KG.developedBy, E["alibaba"]))  # a country cannot be a model
    result = check_consistency(ontology, seed)
    assert [i.focus for i in result.inconsistencies] == [str(E["china"])]
    assert "Model" in result.inconsistencies[0].message and "Place" in result.inconsistencies[0].message


def test_consistency_sample_is_capped_and_reported(mini_trig: Path) -> None:
    full = validate_build(mini_trig, Settings())
    assert full.consistency_sampled == full.consistency_summary < full.consistency_available
    report = validate_build(mini_trig, Settings(), sample=10)
    assert report.consistency_sampled == 10 < report.consistency_summary == full.consistency_summary
    (warning,) = report.findings
    assert (warning.severity, warning.shape) == ("warning", "owl2rl:consistency")
    assert f"saw 10 of the {full.consistency_summary} triples" in warning.message
    assert report.conforms


def test_an_ontology_the_summary_cannot_stand_in_for_is_reported(tmp_path: Path, mini_trig: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(Settings().ontology_dir, ontology)
    with (ontology / "kg.ttl").open("a", encoding="utf-8") as f:
        f.write("\nkg:LabModel owl:intersectionOf ( kg:Lab kg:Model ) .\n")
    report = validate_build(mini_trig, Settings(ontology_dir=ontology))
    (warning,) = report.findings
    assert (warning.focus, warning.severity) == ("(ontology)", "warning")
    assert "owl:intersectionOf" in warning.message and report.conforms


# --- loading errors ---------------------------------------------------------------------------------


def test_missing_build_says_run_kg_build(tmp_path: Path) -> None:
    with pytest.raises(ValidationRunError, match=r"graph\.trig: no built graph here; run `kg build`"):
        validate_build(tmp_path, Settings())
    assert ValidationRunError.exit_code == 2


def test_unreadable_graph_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "graph.trig").write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(ValidationRunError, match=r"graph\.trig: cannot read the graph"):
        validate_build(tmp_path, Settings())


def test_broken_shapes_file_cannot_run(tmp_path: Path, mini_trig: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(Settings().ontology_dir, ontology)
    (ontology / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ValidationRunError, match=r"shapes\.ttl: not valid Turtle"):
        validate_build(mini_trig, Settings(ontology_dir=ontology))


# --- CLI --------------------------------------------------------------------------------------------


def _cli(*args: str) -> tuple[int, str, str]:
    from kg.cli import main

    result = CliRunner().invoke(main, ["validate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_conforming_build_exits_0(tmp_path: Path, mini_trig: Path) -> None:
    shutil.copy(mini_trig, tmp_path / "graph.trig")
    code, out, _err = _cli(str(tmp_path))
    assert code == 0
    assert ": conforms, 0 warning(s); 164 triples in 3 graphs; OWL 2 RL consistency over a " in out
    assert out.strip().endswith("data triples")
    assert out.count("\n") == 1


def test_cli_broken_build_exits_1_with_readable_report(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "entity-without-label.trig", tmp_path / "graph.trig")
    code, out, _err = _cli(str(tmp_path))
    assert code == 1
    assert "VIOLATION  e:alibaba skos:prefLabel\n    shape: kgsh:Entity-prefLabel\n" in out
    assert "does NOT conform: 1 violation(s)" in out


def test_cli_json_format(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "claim-without-selector.trig", tmp_path / "graph.trig")
    code, out, _err = _cli(str(tmp_path), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert data["conforms"] is False
    assert {f["focus"] for f in data["findings"]} == {"claim:news/a/0-64", "claim:news/a/0-64/target"}
    assert set(data["findings"][0]) == set(Finding.__dataclass_fields__)


def test_cli_without_build_exits_2_with_one_line(tmp_path: Path) -> None:
    code, out, err = _cli(str(tmp_path / "nowhere"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "run `kg build`" in err


def test_cli_help_has_an_example() -> None:
    from kg.cli import main

    result = CliRunner().invoke(main, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "kg validate build/" in result.output


# --- a real build of the sample corpus --------------------------------------------------------------


def test_the_sample_corpus_build_conforms_and_uses_only_declared_terms(sample_build: Built) -> None:  # noqa: F811
    """The real pipeline (spaCy, extraction, kg build) on corpus/: what the code emits is what the ontology says."""
    report = validate_build(sample_build.out, Settings())
    assert report.conforms, format_text(report)
    assert report.graphs >= 10 and report.triples > 5000
    dataset = load_build(sample_build.out)
    declared = {str(s) for s in rdflib.Graph().parse(Settings().ontology_dir / "kg.ttl").subjects()}
    used = set()
    for _s, p, o, _g in dataset.quads((None, None, None, None)):
        used |= {str(t) for t in (p, o) if isinstance(t, rdflib.URIRef) and str(t).startswith(str(KG))}
    assert len(used) > 40
    assert not used - declared, sorted(used - declared)
    types = {str(o) for o in dataset.objects(None, rdflib.RDF.type) if str(o).startswith(str(KG))}
    assert {str(KG[c]) for c in ("Document", "Claim", "Mention", "RelationAssertion", "Lab", "Model")} <= types
