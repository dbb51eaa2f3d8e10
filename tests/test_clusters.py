"""Claim clustering, independent-source counts and contradictions on hand-built extractions."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from kg.claim_similarity import claim_features, compare_texts, fit_weights, same_claim
from kg.claim_text import is_negated, quantities
from kg.clusters import cluster_claims
from kg.independence import Source, host_name, independence, name_key
from kg.records import ClaimCluster, Extraction
from tests.cite_helpers import IRIS, make_extraction

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def cluster_of(clusters: list[ClaimCluster], claim_text_part: str, ex: list[Extraction]) -> ClaimCluster:
    claim_ids = [c.id for e in ex for c in e.claims if claim_text_part in c.text]
    assert len(claim_ids) == 1, claim_ids
    found = [c for c in clusters if claim_ids[0] in c.members]
    assert len(found) == 1
    return found[0]


RIVAL_A = "Chinese open-source AI models are now rivaling, and in some metrics outpacing, their US counterparts."
RIVAL_B = "China's open source AI models are rivaling those developed in the United States, the report found."
ENGAGE_A = "The Stanford report urges selective engagement between U.S. and Chinese AI researchers."
ENGAGE_B = "The report argues that US institutions should pursue selective engagement with Chinese AI labs."
DOWNLOADS = "Alibaba's Qwen has become the most downloaded open model family on Hugging Face."
SAFETY = "Chinese AI developers face many of the same safety problems as US developers."
USED = "Chinese open models are widely used by startups in Southeast Asia."


@pytest.fixture()
def two_outlets() -> list[Extraction]:
    a = make_extraction("news/outlet-a", [RIVAL_A, ENGAGE_A, DOWNLOADS], publisher="Outlet A",
                        url="https://www.outlet-a.com/x")
    b = make_extraction("news/outlet-b", [RIVAL_B, USED, ENGAGE_B, SAFETY], publisher="Outlet B",
                        url="https://outlet-b.org/y")
    return [a, b]


def test_paraphrases_across_documents_merge(two_outlets: list[Extraction]) -> None:
    clusters = cluster_claims(two_outlets, IRIS)
    rival = cluster_of(clusters, "rivaling, and", two_outlets)
    assert rival is cluster_of(clusters, "rivaling those", two_outlets)
    assert (rival.sources, rival.independent_sources) == (2, 2)
    assert rival.label in (RIVAL_A, RIVAL_B)
    engage = cluster_of(clusters, "urges selective", two_outlets)
    assert engage is cluster_of(clusters, "pursue selective", two_outlets)
    assert engage.id != rival.id


def test_different_claims_about_the_same_entities_stay_apart(two_outlets: list[Extraction]) -> None:
    clusters = cluster_claims(two_outlets, IRIS)
    for part in ("widely used", "same safety problems", "most downloaded"):
        single = cluster_of(clusters, part, two_outlets)
        assert single.members == tuple(c.id for e in two_outlets for c in e.claims if part in c.text)
        assert (single.sources, single.independent_sources) == (1, 1)


def test_every_claim_in_exactly_one_cluster_sorted_and_stable_ids(two_outlets: list[Extraction]) -> None:
    clusters = cluster_claims(two_outlets, IRIS)
    members = [m for c in clusters for m in c.members]
    assert sorted(members) == sorted(c.id for e in two_outlets for c in e.claims)
    assert len(members) == len(set(members))
    assert [c.id for c in clusters] == sorted(c.id for c in clusters)
    for c in clusters:
        assert list(c.members) == sorted(c.members)
        assert c.id == IRIS.cluster(c.members[0])


def test_deterministic_regardless_of_input_order(two_outlets: list[Extraction]) -> None:
    first = cluster_claims(two_outlets, IRIS)
    shuffled = list(reversed(two_outlets))
    random.Random(3).shuffle(shuffled)
    assert cluster_claims(shuffled, IRIS) == first
    assert cluster_claims(two_outlets, IRIS) == first


def test_cluster_iri_survives_an_unrelated_document(two_outlets: list[Extraction]) -> None:
    before = cluster_of(cluster_claims(two_outlets, IRIS), "rivaling, and", two_outlets)
    other = make_extraction("news/weather", ["Heavy rain is expected in Hangzhou on Friday.",
                                             "Flights from Shenzhen were delayed by a typhoon."])
    after = cluster_of(cluster_claims([*two_outlets, other], IRIS), "rivaling, and", two_outlets)
    assert after.id == before.id and after.members == before.members


def test_paraphrases_within_one_document_do_not_merge() -> None:
    one = make_extraction("news/repeats", [RIVAL_A, RIVAL_B])
    clusters = cluster_claims([one], IRIS)
    assert len(clusters) == 2 and all(len(c.members) == 1 for c in clusters)


def test_a_document_stating_the_claim_twice_is_one_source(two_outlets: list[Extraction]) -> None:
    c = make_extraction("news/outlet-c", [RIVAL_A, RIVAL_B], publisher="Outlet C")
    clusters = cluster_claims([*two_outlets, c], IRIS)
    rival = cluster_of(clusters, "rivaling, and", two_outlets)
    assert set(rival.members) == {cl.id for e in [*two_outlets, c] for cl in e.claims if "rivaling" in cl.text}
    assert (rival.sources, rival.independent_sources) == (3, 3)


def test_syndicated_copy_counts_once(two_outlets: list[Extraction]) -> None:
    a = two_outlets[0]
    copy = make_extraction("news/syndicated-copy", [RIVAL_A, ENGAGE_A, DOWNLOADS], publisher="Aggregator Daily",
                           url="https://aggregator.example/story", header="Republished with permission. ")
    clusters = cluster_claims([*two_outlets, copy], IRIS)
    rival = cluster_of(clusters, "rivaling those", two_outlets)
    assert (rival.sources, rival.independent_sources) == (3, 2)
    downloads = [c for c in clusters if any("most downloaded" in t.text and t.id in c.members
                                            for e in (a, copy) for t in e.claims)]
    assert len(downloads) == 1 and (downloads[0].sources, downloads[0].independent_sources) == (2, 1)


def test_outlet_that_repeats_another_outlet_counts_once() -> None:
    original = make_extraction("news/scmp", [RIVAL_B], publisher="South China Morning Post",
                               url="https://www.scmp.com/tech/story")
    relay = make_extraction("news/relay", [RIVAL_A], publisher="Tech Relay", reported_by="SCMP")
    independent = make_extraction("news/own", ["Chinese open source AI models are rivaling those developed in the "
                                               "US, and outpacing them in some metrics."], publisher="Own Desk")
    clusters = cluster_claims([original, relay, independent], IRIS)
    rival = cluster_of(clusters, "rivaling those", [original])
    assert (rival.sources, rival.independent_sources) == (3, 2)
    # without the original outlet in the cluster, the relay is a source of its own
    alone = cluster_of(cluster_claims([relay, independent], IRIS), "rivaling, and", [relay])
    assert (alone.sources, alone.independent_sources) == (2, 2)


def test_negation_is_linked_as_contradiction_not_merged() -> None:
    yes = make_extraction("news/yes", ["Chinese open models have overtaken US open models in total downloads."])
    no = make_extraction("news/no", ["Chinese open models have not overtaken US open models in total downloads."],
                         modality={0: "negated"})
    clusters = cluster_claims([yes, no], IRIS)
    assert len(clusters) == 2
    a, b = clusters
    assert a.contradicts == (b.id,) and b.contradicts == (a.id,)


def test_conflicting_figures_are_linked_as_contradiction() -> None:
    low = make_extraction("news/low", ["DeepSeek trained its V3 model for $5.6 million, the company said."])
    high = make_extraction("news/high", ["DeepSeek trained its V3 model for more than $500 million, analysts said."])
    same = make_extraction("news/same", ["Training DeepSeek's V3 model cost about 5.6 million dollars."])
    clusters = cluster_claims([low, high, same], IRIS)
    low_c = cluster_of(clusters, "$5.6 million", [low])
    high_c = cluster_of(clusters, "$500 million", [high])
    assert low_c is cluster_of(clusters, "5.6 million dollars", [same])
    assert low_c.contradicts == (high_c.id,) and high_c.contradicts == (low_c.id,)
    assert low_c.sources == 2


def test_same_claim_in_different_years_is_neither_merged_nor_contradicting() -> None:
    y1 = make_extraction("news/y1", ["In 2024 Alibaba's Qwen was the most downloaded open model family."])
    y2 = make_extraction("news/y2", ["In 2025 Alibaba's Qwen was the most downloaded open model family."])
    clusters = cluster_claims([y1, y2], IRIS)
    assert len(clusters) == 2 and all(not c.contradicts for c in clusters)


def test_features_fold_entities_figures_and_negation() -> None:
    f = claim_features("The U.S. is not just catching up: America's share rose to 40 per cent in 2025.")
    assert "@united-states" in f.terms and f.entities == {"united-states"}
    assert not f.negated  # "not just" is an intensifier
    assert f.years == {2025}
    assert [(q.unit, q.value) for q in f.quantities] == [("%", 40.0)]
    assert claim_features("Qwen has not overtaken Llama.").negated
    assert claim_features("Qwen hasn't overtaken Llama.").negated
    # model names (Qwen2.5-72B, R1) are not figures
    assert quantities("US$1.2bn and 3 labs; Qwen2.5-72B and R1")[0] == {
        *quantities("1,200 million dollars")[0], *quantities("three labs")[0]}


def test_independence_rules_and_names() -> None:
    text = " ".join(f"word{i}" for i in range(60))
    srcs = [
        Source("d1", text, title="A long and distinctive headline here", publisher="The Business Times"),
        Source("d2", "Editor's note. " + text, publisher="Other Paper"),  # near-duplicate
        Source("d3", "different text entirely " * 5, publisher="business times"),  # same publisher
        Source("d4", "yet another text " * 5, title="A long and distinctive headline here"),  # same title
        Source("d5", "original reporting " * 5, publisher="Fifth Outlet", credits=("Sixth Outlet",)),
        Source("d6", "more original reporting " * 5, url="https://www.sixthoutlet.com/x",
               publisher="Sixth Outlet"),
        Source("d7", "fully independent work " * 5, publisher="Seventh"),
    ]
    result = independence(srcs)
    assert result.groups == (("d1", "d2", "d3", "d4"), ("d5", "d6"), ("d7",))
    assert result.count == 3
    assert {f.rule for f in result.folds} == {"near-duplicate", "same-publisher", "same-title", "repeats-outlet"}
    # a claim crediting a report by its title is not independent of the report itself
    report = Source("r1", "the report text " * 9, title="Beyond DeepSeek", publisher="Stanford University")
    relay = Source("r2", "news story text " * 9, publisher="Some Daily", credits=("beyond deepseek",))
    assert independence([report, relay]).folds[0].rule == "repeats-outlet"
    assert name_key("The South China Morning Post") == "south china morning post"
    assert host_name("https://amp.scmp.com/news/x") == "scmp"
    assert host_name("https://www.bbc.co.uk/news") == "bbc"


# --- the labelled pairs: measured precision and recall of merges ------------------------------------------


def _pairs(split: str) -> list[dict[str, str]]:
    data = json.loads((FIXTURES / "cite-claim-pairs.json").read_text(encoding="utf-8"))
    return [p for p in data["pairs"] if p["split"] == split]


# measured (docs/claim-clustering.md): dev 0.91/1.00, heldout 0.89/1.00, corpus 0.78/0.64 (raw text: no entities)
@pytest.mark.parametrize(("split", "min_precision", "min_recall"),
                         [("dev", 0.85, 0.85), ("heldout", 0.85, 0.85), ("corpus", 0.75, 0.6)])
def test_merge_precision_and_recall_on_labelled_pairs(split: str, min_precision: float, min_recall: float) -> None:
    pairs = _pairs(split)
    weights = fit_weights(sorted({t for p in pairs for t in (p["a"], p["b"])}))
    tp = fp = fn = 0
    for p in pairs:
        predicted = same_claim(p["a"], p["b"], weights=weights)
        gold = p["label"] == "same"
        tp += predicted and gold
        fp += predicted and not gold
        fn += gold and not predicted
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    assert precision >= min_precision and recall >= min_recall, (precision, recall)


@pytest.mark.parametrize("split", ["dev", "heldout", "corpus"])
def test_contradictions_on_labelled_pairs_are_found(split: str) -> None:
    pairs = _pairs(split)
    weights = fit_weights(sorted({t for p in pairs for t in (p["a"], p["b"])}))
    for p in pairs:
        result = compare_texts(p["a"], p["b"], weights=weights)
        if p["label"] == "contradiction":
            assert result.contradicts and not result.same, p
        elif p["label"] == "different":
            assert not result.contradicts, p


def test_double_negatives_assert_and_intensifiers_do_not_negate() -> None:
    assert not is_negated("The authors urged US companies not to walk away from selective engagement.")
    assert not is_negated("Export controls have not stopped Chinese labs from building competitive models.")
    assert not is_negated("Chinese models are not just catching up with US ones.")
    assert is_negated("Qwen has not overtaken Llama in downloads.")
    assert is_negated("DeepSeek never received government funding.")
    assert is_negated("It did not stop there, and Qwen has not overtaken Llama.")


def test_a_story_syndicated_to_many_outlets_is_one_cluster_and_one_independent_source() -> None:
    copies = [make_extraction(f"news/copy-{n:03d}", [RIVAL_A, ENGAGE_A, DOWNLOADS], publisher=f"Outlet {n}",
                              title="Chinese open models now rival US ones, Stanford report finds",
                              header=f"Outlet {n}. ") for n in range(120)]
    other = make_extraction("news/outlet-b", [RIVAL_B, USED], publisher="Outlet B")
    clusters = cluster_claims([*copies, other], IRIS)
    rival = cluster_of(clusters, "rivaling those", [other])
    assert (rival.sources, rival.independent_sources) == (121, 2)
    assert len(clusters) == 4  # rivalry, engagement, downloads, "widely used"
