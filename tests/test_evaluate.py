"""kg eval: gold loading and validation, the scoring rules on hand-built records, the report and the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Settings
from kg.corpus import read_corpus
from kg.evaluate import (
    GoldDocument,
    GoldError,
    Scores,
    check_against_documents,
    evaluate_extractions,
    format_text,
    headline,
    load_gold,
    load_pairs,
    parse_gold,
    parse_pairs,
    run_eval,
    to_dict,
)
from kg.evaluate.baseline import load_baselines, regressions
from kg.evaluate.match import normalise
from kg.iris import Iris
from kg.records import Claim, ClaimCluster, Document, Entity, Extraction, Mention, Ref, Relation, Span

IRIS = Iris()
TEXT = (
    "Hangzhou-based DeepSeek released DeepSeek-R1 in January, the company said. "
    "According to the Stanford report, Chinese models may have moved ahead of US rivals. "
    "DeepSeek has not released its training data. Alibaba's Qwen competes with Meta's Llama."
)
DOC = Document(id="news/a", path="news/a.txt", format="txt", text=TEXT, sha256="0" * 64)
GOLD_RAW = [
    {
        "doc_id": "news/a",
        "entities": [
            {"name": "DeepSeek", "type": "Lab", "aliases_seen": ["DeepSeek"]},
            {"name": "Hangzhou", "type": "City", "aliases_seen": ["Hangzhou"]},
            {"name": "DeepSeek-R1", "type": "Model", "aliases_seen": ["DeepSeek-R1"]},
            {"name": "Stanford report", "type": "Report", "aliases_seen": ["Stanford report"]},
            {"name": "China", "type": "Country", "aliases_seen": ["Chinese"]},
            {"name": "United States", "type": "Country", "aliases_seen": ["US"]},
            {"name": "Alibaba", "type": "Company", "aliases_seen": ["Alibaba's"]},
            {"name": "Qwen", "type": "Model", "aliases_seen": ["Qwen"]},
            {"name": "Meta", "type": "Company", "aliases_seen": ["Meta's"]},
            {"name": "Llama", "type": "Model", "aliases_seen": ["Llama"]},
        ],
        "relations": [
            {"subject": "DeepSeek", "predicate": "basedIn", "object": "Hangzhou"},
            {"subject": "DeepSeek-R1", "predicate": "developedBy", "object": "DeepSeek"},
            {"subject": "Qwen", "predicate": "developedBy", "object": "Alibaba"},
            {"subject": "Llama", "predicate": "developedBy", "object": "Meta"},
            {"subject": "Qwen", "predicate": "competesWith", "object": "Llama"},
        ],
        "claims": [
            {"summary": "R1 released", "key_phrase": "released DeepSeek-R1 in January", "attributed_to": "DeepSeek",
             "hedged": False},
            {"summary": "China ahead", "key_phrase": "may have moved ahead of US", "attributed_to": "Stanford report",
             "hedged": True},
            {"summary": "no data", "key_phrase": "has not released its training data", "attributed_to": None,
             "hedged": False, "negated": True},
            {"summary": "competition", "key_phrase": "Qwen competes with Meta's Llama", "attributed_to": None,
             "hedged": False},
        ],
    }
]


def gold() -> tuple[GoldDocument, ...]:
    return parse_gold(GOLD_RAW, "test")


def oracle(doc: GoldDocument, document: Document) -> Extraction:
    """The extraction a perfect extractor would give: built from the gold itself."""
    text = document.text
    entities = []
    for e in doc.entities:
        iri = IRIS.entity(e.name)
        mentions = tuple(
            Mention(text.index(a), text.index(a) + len(a), a, iri) for a in e.aliases_seen if a in text
        )
        entities.append(Entity(id=iri, name=e.name, type=e.type, aliases=e.aliases_seen, mentions=mentions))
    relations = tuple(
        Relation(IRIS.entity(r.subject), r.predicate, IRIS.entity(r.object), Span(0, 1, text[0]), "gold", 1.0)
        for r in doc.relations
    )
    claims = []
    for c in doc.claims:
        start = text.index(c.key_phrase)
        end = start + len(c.key_phrase)
        who = Ref(IRIS.entity(c.attributed_to), c.attributed_to) if c.attributed_to else None
        claims.append(Claim(IRIS.claim(document.id, start, end), text[start:end], start, end, c.modality, who))
    return Extraction(document=document, entities=tuple(entities), relations=relations, claims=tuple(claims))


def score(extraction: Extraction, pairs: Sequence[object] = (), clusters: Sequence[ClaimCluster] = ()) -> Scores:
    return evaluate_extractions(gold(), [extraction], pairs, clusters)  # type: ignore[arg-type]


# --- gold files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["entities"][0].update(type="Startup"), "type 'Startup' is not one of"),
        (lambda d: d["claims"][0].update(key_phrase="too short"), "key_phrase has 2 words"),
        (lambda d: d["claims"][0].update(key_phrase=" ".join(["word"] * 11)), "key_phrase has 11 words"),
        (lambda d: d["relations"][0].update(object="Shanghai"), "'Shanghai' is not an entity"),
        (lambda d: d["relations"][0].update(predicate="locatedIn"), "predicate 'locatedIn' is not one of"),
        (lambda d: d["claims"][0].update(attributed_to="Reuters"), "attributed_to 'Reuters' is not an entity"),
        (lambda d: d["claims"][0].update(hedged="yes"), "'hedged' must be true or false"),
        (lambda d: d["entities"].append(dict(d["entities"][0])), "entity named twice: DeepSeek"),
    ],
)
def test_malformed_gold_is_refused_with_a_clear_message(mutate: object, message: str) -> None:
    raw = json.loads(json.dumps(GOLD_RAW))
    mutate(raw[0])  # type: ignore[operator]
    with pytest.raises(GoldError, match=message) as info:
        parse_gold(raw, "gold/x.json")
    assert str(info.value).startswith("gold/x.json: news/a")


def test_gold_is_checked_against_the_document_text() -> None:
    raw = json.loads(json.dumps(GOLD_RAW))
    raw[0]["entities"][0]["aliases_seen"].append("Deep Seek")
    raw[0]["claims"][3]["key_phrase"] = "DeepSeek released DeepSeek-R2 in January"
    raw.append({"doc_id": "news/missing", "entities": [], "relations": [], "claims": []})
    pairs = parse_pairs({"pairs": [{"label": "same", "a": {"doc_id": "news/a", "key_phrase": "x y z w"},
                                    "b": {"doc_id": "news/a", "key_phrase": "has not released its training data"}}]},
                        "pairs")
    errors = check_against_documents(parse_gold(raw, "g"), [DOC], pairs)
    assert any("alias 'Deep Seek' does not occur" in e for e in errors)
    assert any("occurs 0 times" in e for e in errors)
    assert any("news/missing: no document" in e for e in errors)
    assert any("'x y z w' is not a gold claim" in e for e in errors)
    assert check_against_documents(gold(), [DOC]) == []


def test_the_committed_gold_fits_the_corpus_and_the_seeds(root: Path, seeds_dir: Path) -> None:
    corpus_gold = load_gold(root / "gold" / "corpus.json")
    seeds_gold = load_gold(root / "gold" / "seeds.json")
    pairs = load_pairs(root / "gold" / "claim_pairs.json")
    corpus = read_corpus([root / "corpus"], Settings()).documents
    seeds = read_corpus([seeds_dir], Settings()).documents
    assert {d.doc_id for d in corpus_gold} == {d.id for d in corpus}, "the whole sample corpus is annotated"
    assert {d.doc_id for d in seeds_gold} == {d.id for d in seeds}, "both seed articles are annotated"
    assert check_against_documents(corpus_gold + seeds_gold, corpus + seeds, pairs) == []
    assert sum(len(d.claims) for d in corpus_gold) >= 150 and sum(len(d.relations) for d in corpus_gold) >= 100
    labels = [p.label for p in pairs]
    assert labels.count("same") >= 15 and labels.count("different") >= 10


# --- scoring -------------------------------------------------------------------------------------------


def test_a_perfect_extraction_scores_one_everywhere() -> None:
    result = score(oracle(gold()[0], DOC))
    assert headline(result) == {
        "entity_f1": 1.0, "typed_accuracy": 1.0, "relation_f1": 1.0, "claim_recall": 1.0,
        "attribution_accuracy": 1.0, "modality_accuracy": 1.0, "merge_precision": 1.0, "merge_recall": 1.0,
    }
    assert result.misses == [] and result.spurious == []
    assert (result.entities.tp, result.relations.tp, result.claims.tp) == (10, 5, 4)


def test_entity_misses_spurious_duplicates_and_types_are_counted() -> None:
    perfect = oracle(gold()[0], DOC)
    entities = [e for e in perfect.entities if e.name != "Hangzhou"]  # a miss
    entities = [replace(e, type="Company") if e.name == "DeepSeek" else e for e in entities]  # a wrong type
    entities.append(Entity(id=IRIS.entity("January"), name="January", type="Person"))  # spurious
    entities.append(Entity(id=IRIS.entity("DeepSeek AI"), name="DeepSeek AI", type="Lab",
                           mentions=(Mention(15, 23, "DeepSeek", IRIS.entity("DeepSeek AI")),)))  # failed merge
    result = score(replace(perfect, entities=tuple(entities)))
    assert (result.entities.tp, result.entities.fp, result.entities.fn) == (9, 2, 1)
    assert result.entities.precision == pytest.approx(9 / 11) and result.entities.recall == pytest.approx(0.9)
    assert (result.types.correct, result.types.total) == (8, 9)
    kinds = {(f.kind, f.gold, f.predicted) for f in result.misses + result.spurious}
    assert ("entity", "Hangzhou (City)", None) in kinds
    assert ("type", "DeepSeek (Lab)", "DeepSeek (Company)") in kinds
    assert ("entity", None, "January (Person)") in kinds
    assert ("entity", "duplicate of DeepSeek", "DeepSeek AI (Lab)") in kinds
    assert result.entities_by_type["City"].fn == 1 and result.entities_by_type["Person"].fp == 1
    # a relation to an entity the extraction does not list still resolves through its IRI
    assert result.relations.fn == 0


def test_surface_forms_match_through_case_possessives_articles_and_quotes() -> None:
    assert normalise("Alibaba’s") == normalise("alibaba") == "alibaba"
    assert normalise("the Stanford  report") == "stanford report"
    assert normalise("U.S.") == "u.s" and normalise("“Qwen”") == "qwen"
    perfect = oracle(gold()[0], DOC)
    renamed = [replace(e, name="ALIBABA", aliases=()) if e.name == "Alibaba" else e for e in perfect.entities]
    assert score(replace(perfect, entities=tuple(renamed))).entities.tp == 10


def test_relations_match_by_subject_predicate_object_and_symmetry() -> None:
    perfect = oracle(gold()[0], DOC)
    qwen, llama, alibaba = IRIS.entity("Qwen"), IRIS.entity("Llama"), IRIS.entity("Alibaba")
    span = Span(0, 1, "H")
    relations = [r for r in perfect.relations if r.predicate != "competesWith"]
    relations.append(Relation(llama, "competesWith", qwen, span, "x", 1.0))  # symmetric, reversed: still right
    relations.append(Relation(alibaba, "developedBy", qwen, span, "x", 1.0))  # wrong direction: spurious
    relations.append(Relation(qwen, "buildsOn", llama, span, "x", 1.0))  # wrong predicate: spurious
    result = score(replace(perfect, relations=tuple(relations)))
    assert (result.relations.tp, result.relations.fp, result.relations.fn) == (5, 2, 0)
    assert result.relations_by_predicate["buildsOn"].fp == 1
    # a predicate missing altogether is a miss
    result = score(replace(perfect, relations=tuple(r for r in perfect.relations if r.predicate != "basedIn")))
    assert (result.relations.tp, result.relations.fn) == (4, 1)
    assert result.relations_by_predicate["basedIn"].fn == 1


def test_a_family_link_counts_as_part_of() -> None:
    raw = json.loads(json.dumps(GOLD_RAW))
    raw[0]["entities"].append({"name": "DeepSeek models", "type": "Model", "aliases_seen": []})
    raw[0]["relations"].append({"subject": "DeepSeek-R1", "predicate": "partOf", "object": "DeepSeek models"})
    doc = parse_gold(raw, "g")[0]
    perfect = oracle(doc, DOC)
    family = IRIS.entity("DeepSeek models")
    entities = tuple(replace(e, family=family) if e.name == "DeepSeek-R1" else e for e in perfect.entities)
    relations = tuple(r for r in perfect.relations if r.predicate != "partOf")
    result = evaluate_extractions([doc], [replace(perfect, entities=entities, relations=relations)])
    assert result.relations.fn == 0 and result.relations.tp == 6


def test_claims_found_by_covering_span_with_attribution_and_modality() -> None:
    perfect = oracle(gold()[0], DOC)
    sentence_start = TEXT.index("According")
    sentence_end = TEXT.index("rivals.") + len("rivals.")
    covering = Claim(IRIS.claim("news/a", sentence_start, sentence_end), TEXT[sentence_start:sentence_end],
                     sentence_start, sentence_end, "asserted", Ref(IRIS.entity("Stanford report"), "the report"))
    others = [c for c in perfect.claims if "moved ahead" not in c.text]
    no_data = next(c for c in others if "training data" in c.text)
    others = [c for c in others if c is not no_data]
    others.append(replace(no_data, attributed_to=Ref(IRIS.entity("DeepSeek"), "DeepSeek")))  # invented source
    short = Claim(IRIS.claim("news/a", 0, 8), TEXT[0:8], 0, 8, "asserted")  # covers no key phrase
    result = score(replace(perfect, claims=(*others, covering, short)))
    assert (result.claims.tp, result.claims.fn, result.claims.fp) == (4, 0, 1)
    assert (result.attribution.correct, result.attribution.total) == (3, 4)
    assert (result.modality.correct, result.modality.total) == (3, 4)
    assert result.modality_by_gold["hedged"].correct == 0
    findings = {(f.kind, f.predicted) for f in result.misses + result.spurious}
    assert ("modality", "asserted") in findings and ("attribution", "DeepSeek") in findings
    assert ("claim", "Hangzhou") in findings
    # a claim that stops short of the key phrase does not count
    cut = TEXT.index("moved ahead")
    partial = Claim(IRIS.claim("news/a", sentence_start, cut), TEXT[sentence_start:cut], sentence_start, cut, "hedged")
    result = score(replace(perfect, claims=(*[c for c in perfect.claims if "moved" not in c.text], partial)))
    assert result.claims.fn == 1 and ("claim", "may have moved ahead of US", None) in {
        (f.kind, f.gold, f.predicted) for f in result.misses
    }


def test_claim_pairs_give_merge_precision_and_recall() -> None:
    perfect = oracle(gold()[0], DOC)
    ids = {c.text: c.id for c in perfect.claims}
    r1, ahead, data, rival = (ids[c.key_phrase] for c in gold()[0].claims)
    pairs = parse_pairs({"pairs": [
        {"label": "same", "a": {"doc_id": "news/a", "key_phrase": "released DeepSeek-R1 in January"},
         "b": {"doc_id": "news/a", "key_phrase": "may have moved ahead of US"}},
        {"label": "same", "a": {"doc_id": "news/a", "key_phrase": "has not released its training data"},
         "b": {"doc_id": "news/a", "key_phrase": "Qwen competes with Meta's Llama"}},
        {"label": "different", "a": {"doc_id": "news/a", "key_phrase": "released DeepSeek-R1 in January"},
         "b": {"doc_id": "news/a", "key_phrase": "Qwen competes with Meta's Llama"}},
    ]}, "pairs")
    clusters = [
        ClaimCluster(id="c1", label="x", members=tuple(sorted((r1, ahead, rival))), sources=1, independent_sources=1),
        ClaimCluster(id="c2", label="y", members=(data,), sources=1, independent_sources=1),
    ]
    result = score(perfect, pairs, clusters)
    assert (result.merges.tp, result.merges.fp, result.merges.fn) == (1, 1, 1)
    assert headline(result)["merge_precision"] == 0.5 and headline(result)["merge_recall"] == 0.5


def test_a_gold_document_without_extraction_is_an_error() -> None:
    with pytest.raises(GoldError, match="news/a: no extraction"):
        evaluate_extractions(gold(), [])


# --- report, run, CLI, baseline -----------------------------------------------------------------------


def oracle_extractor(gold_docs: Sequence[GoldDocument]):  # type: ignore[no-untyped-def]
    by_id = {d.doc_id: d for d in gold_docs}

    def extract(documents: Sequence[Document], settings: Settings) -> Iterable[Extraction]:
        return [oracle(by_id[d.id], d) for d in documents]

    return extract


def test_run_eval_on_the_committed_gold_with_an_oracle_scores_one(root: Path) -> None:
    gold_path = root / "gold" / "corpus.json"
    gold_docs = load_gold(gold_path)

    def one_cluster_per_pair_side(extractions: Sequence[Extraction], iris: Iris) -> list[ClaimCluster]:
        return []

    run = run_eval(gold_path, root / "corpus", Settings(), extractor=oracle_extractor(gold_docs),
                   clusterer=one_cluster_per_pair_side)
    scores = headline(run.scores)
    assert {k: v for k, v in scores.items() if not k.startswith("merge")} == dict.fromkeys(
        ("entity_f1", "typed_accuracy", "relation_f1", "claim_recall", "attribution_accuracy", "modality_accuracy"),
        1.0,
    )
    assert len(run.pairs) >= 30  # the corpus pairs, not the seed pairs
    assert scores["merge_recall"] == 0.0 and run.scores.merges.fn == sum(p.label == "same" for p in run.pairs)
    report = to_dict(run.scores, "gold/corpus.json", len(run.pairs))
    assert set(report["by_document"]) == {d.doc_id for d in gold_docs}
    assert json.loads(json.dumps(report)) == report
    text = format_text(run.scores, "gold/corpus.json", len(run.pairs))
    assert "entity F1" in text and "by document:" in text and "misses (" in text


def test_run_eval_refuses_gold_that_does_not_fit_the_corpus(root: Path, seeds_dir: Path) -> None:
    with pytest.raises(GoldError, match="no document with this id"):
        run_eval(root / "gold" / "seeds.json", root / "corpus", Settings(), extractor=oracle_extractor(()))


def test_baseline_regressions() -> None:
    base = {"entity_f1": 0.9, "claim_recall": 0.8}
    assert regressions({"entity_f1": 0.881, "claim_recall": 0.95}, base) == []
    drops = regressions({"entity_f1": 0.87, "claim_recall": 0.8}, base)
    assert drops == ["entity_f1: 0.870 is more than 0.02 below the baseline 0.900"]
    assert regressions({"entity_f1": 0.9}, base) == ["claim_recall: missing (baseline 0.800)"]


def test_the_committed_baseline_names_both_gold_sets(root: Path) -> None:
    baselines = load_baselines(root / "gold" / "baseline.json")
    assert set(baselines) == {"corpus.json", "seeds.json"}
    for b in baselines.values():
        assert (root / b.gold).is_file()
        assert set(b.scores) >= {"entity_f1", "typed_accuracy", "relation_f1", "claim_recall",
                                 "attribution_accuracy", "modality_accuracy"}


def test_cli_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["eval", "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "kg eval gold/corpus.json" in result.output


def test_cli_reports_bad_gold_in_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "gold.json"
    bad.write_text('{"not": "a list"}')
    result = CliRunner().invoke(main, ["eval", str(bad), "--corpus", str(tmp_path)])
    assert result.exit_code == 1
    assert "must be a JSON list of documents" in result.output


# --- the regression guard: the real extractor on both gold sets -----------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("gold_name", ["corpus.json", "seeds.json"])
def test_no_score_drops_below_the_recorded_baseline(root: Path, gold_name: str) -> None:
    baseline = load_baselines(root / "gold" / "baseline.json")[gold_name]
    run = run_eval(root / baseline.gold, (root / baseline.corpus).resolve(), Settings())
    scores = headline(run.scores)
    drops = regressions(scores, baseline.scores)
    assert drops == [], f"{gold_name}: {drops}; now {scores}; run `kg eval {baseline.gold}` to see the misses"


@pytest.mark.slow
def test_cli_eval_on_the_seeds_json_and_baseline(root: Path, seeds_dir: Path) -> None:
    args = ["eval", str(root / "gold" / "seeds.json"), "--corpus", str(seeds_dir), "--format", "json",
            "--baseline", str(root / "gold" / "baseline.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["documents"] == 2 and report["clustering"]["pairs"] == 5
    assert set(report["scores"]) == set(load_baselines(root / "gold" / "baseline.json")["seeds.json"].scores)
    assert report["claims"]["tp"] + report["claims"]["fn"] == 39
    text = CliRunner().invoke(main, ["eval", str(root / "gold" / "seeds.json"), "--corpus", str(seeds_dir)])
    assert text.exit_code == 0 and "claim recall" in text.output and "by document:" in text.output
