"""Incremental claim clustering: with the state of the previous build, the clusters are exactly a clean build's,
and only what changed is scored again. Also: the numpy scorer equals ``compare`` bit for bit, the fast
independent-source count equals ``independence``, and weights sit on a grid one document rarely moves."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg.cluster_scoring
import kg.clusters
from kg.build_work import PackedExtractions, pack
from kg.claim_similarity import SimilarityParams, TermWeights, claim_features, compare
from kg.cluster_features import FeatureTable, TableWeights
from kg.cluster_scoring import PairScorer
from kg.cluster_state import STATE_FILE
from kg.clusters import ClusterParams, claim_inputs, cluster_claims
from kg.independence import NearDuplicates, Source, independence, independent_count
from kg.records import Extraction
from tests.cite_helpers import IRIS, make_extraction

SUBJECTS = ["DeepSeek", "Alibaba", "Meta", "Qwen", "Llama", "Chinese open models", "US open models"]
TEMPLATES = [
    "{s} released a new open model with {n} billion parameters in {y}.",
    "{s} has overtaken {o} in total downloads on Hugging Face.",
    "{s} has not overtaken {o} in total downloads on Hugging Face.",
    "Analysts said {s} trained its latest model for ${n} million.",
    "{s} is now rivaling, and in some metrics outpacing, {o}.",
    "The Stanford report urges selective engagement between {s} and {o} researchers.",
    "{s} raised {n} percent more funding than {o} in {y}.",
    "Developers in China have built applications on top of {s} for customer service.",
    "{s} faces many of the same safety problems as {o}.",
    "Heavy rain is expected in Hangzhou on Friday, delaying flights.",
]


def sentence(rng: random.Random) -> str:
    s, o = rng.sample(SUBJECTS, 2)
    return rng.choice(TEMPLATES).format(s=s, o=o, n=rng.choice((5, 12, 40)), y=rng.choice((2024, 2025)))


def document(rng: random.Random, doc_id: str) -> Extraction:
    claims = list(dict.fromkeys(sentence(rng) for _ in range(rng.randint(1, 6))))
    negated = {i: "negated" for i, c in enumerate(claims) if " not " in c}
    return make_extraction(doc_id, claims, publisher=rng.choice(["Outlet A", "Outlet B", "Outlet C", None]),
                           modality=negated)  # type: ignore[arg-type]


def corpus(rng: random.Random, n: int, start: int = 0) -> list[Extraction]:
    return [document(rng, f"news/d{i:03d}") for i in range(start, start + n)]


@pytest.fixture()
def scored(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``[n]``: how many units have been scored so far."""
    calls = [0]
    original = kg.cluster_scoring.PairScorer.score

    def counting(self: PairScorer, us: np.ndarray, *, only_after: bool) -> object:
        calls[0] += len(us)
        return original(self, us, only_after=only_after)

    monkeypatch.setattr(kg.cluster_scoring.PairScorer, "score", counting)
    return calls


def test_incremental_equals_clean_and_scores_only_what_changed(tmp_path: Path, scored: list[int]) -> None:
    rng = random.Random(11)
    docs = corpus(rng, 40)
    state = tmp_path / "state"
    first = cluster_claims(docs, IRIS, cache_dir=state)
    units = scored[0]
    assert first == cluster_claims(docs, IRIS)
    assert (state / STATE_FILE).is_file()
    assert any(len(c.members) > 1 for c in first) and any(c.contradicts for c in first)

    before = scored[0]
    assert cluster_claims(docs, IRIS, cache_dir=state) == first
    assert scored[0] == before  # nothing changed: nothing scored

    # a syndicated copy: no new unit, no weight moves; only the copied units are scored again
    docs.append(make_extraction("news/copy", [c.text for c in docs[3].claims], publisher="Aggregator"))
    before = scored[0]
    after_copy = cluster_claims(docs, IRIS, cache_dir=state)
    assert 0 < scored[0] - before <= len(docs[3].claims)
    assert after_copy == cluster_claims(docs, IRIS) != first

    # the same claims in a document with another publisher: nothing is scored, independence is counted again
    docs[3] = make_extraction(docs[3].document.id, [c.text for c in docs[3].claims], publisher="Aggregator")
    before = scored[0]
    relabelled = cluster_claims(docs, IRIS, cache_dir=state)
    assert scored[0] == before and relabelled == cluster_claims(docs, IRIS) != after_copy
    assert scored[0] - before == units  # (the clean run scored every unit)

    docs[7] = make_extraction("news/d007", ["Meta has overtaken DeepSeek in total downloads on Hugging Face.",
                                            "A brand new sentence about weather in Hangzhou."])
    del docs[12]
    docs.append(document(rng, "news/d900"))
    assert cluster_claims(docs, IRIS, cache_dir=state) == cluster_claims(docs, IRIS)


def test_a_damaged_or_foreign_state_is_ignored(tmp_path: Path) -> None:
    rng = random.Random(5)
    docs = corpus(rng, 15)
    state = tmp_path / "state"
    clean = cluster_claims(docs, IRIS)
    state.mkdir()
    (state / STATE_FILE).write_bytes(b"not a zip file")
    assert cluster_claims(docs, IRIS, cache_dir=state) == clean
    other = ClusterParams(similarity=SimilarityParams(merge_threshold=0.6))
    assert cluster_claims(docs, IRIS, other, cache_dir=state) == cluster_claims(docs, IRIS, other)
    assert cluster_claims(docs, IRIS, cache_dir=state) == clean


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), edits=st.lists(st.sampled_from(["edit", "add", "drop", "copy"]), min_size=1,
                                                   max_size=4))
def test_any_sequence_of_edits_gives_the_clean_result(tmp_path_factory: pytest.TempPathFactory, seed: int,
                                                      edits: list[str]) -> None:
    rng = random.Random(seed)
    docs = corpus(rng, rng.randint(3, 25))
    state = tmp_path_factory.mktemp("state")
    cluster_claims(docs, IRIS, cache_dir=state)
    for n, edit in enumerate(edits):
        i = rng.randrange(len(docs))
        if edit == "edit":
            docs[i] = document(rng, docs[i].document.id)
        elif edit == "add":
            docs.append(document(rng, f"news/new{n}"))
        elif edit == "drop" and len(docs) > 1:
            del docs[i]
        elif edit == "copy":  # a syndicated copy: the same sentences in another document
            docs.append(make_extraction(f"news/copy{n}", [c.text for c in docs[i].claims], publisher="Copier"))
        assert cluster_claims(docs, IRIS, cache_dir=state) == cluster_claims(docs, IRIS)


def test_numpy_scores_equal_compare_bit_for_bit() -> None:
    rng = random.Random(3)
    texts = sorted({sentence(rng) for _ in range(300)})
    feats = [claim_features(t, negated=" not " in t) for t in texts]
    units = sorted(set(feats), key=lambda f: sorted(f.terms))
    weights = TermWeights.fit(units)
    params = SimilarityParams()
    scorer = PairScorer.of_features(units, [-1] * len(units), weights, params, max_postings=10_000,
                                    min_shared_terms=2)
    found = {(s.a, s.b): s.result for u in range(len(units)) for s in scorer.scores(u, only_after=True)}
    checked = 0
    for a in range(len(units)):
        for b in range(a + 1, len(units)):
            expected = compare(units[a], units[b], weights, params)
            shared = len(units[a].terms & units[b].terms)
            if shared >= 2 and expected.score >= scorer.floor:
                assert found[(a, b)] == expected
                checked += 1
            else:
                assert (a, b) not in found
    assert checked > 100
    # from the other side: the same bits
    for u in range(0, len(units), 7):
        for s in scorer.scores(u, only_after=False):
            assert s.result == found[(s.a, s.b)]


def test_feature_table_holds_the_same_features_and_weights() -> None:
    rng = random.Random(4)
    texts = sorted({sentence(rng) for _ in range(200)})
    feats = [claim_features(t, negated=" not " in t) for t in texts]
    table = FeatureTable.of(feats)
    assert [table.features(u) for u in range(len(table))] == feats
    fitted = TermWeights.fit(feats)
    weights = TableWeights.fit(table)
    assert (weights.unseen, weights.mean) == (fitted.unseen, fitted.mean)
    words = table.vocab.terms.items
    assert all(weights.term_w[i] == fitted(w) for i, w in enumerate(words))
    assert all(weights.pair_w[i] == fitted("+".join(sorted((words[k >> 32], words[k & 0xFFFFFFFF]))))
               for i, k in enumerate(weights.pair_keys.tolist()))
    # a subset keeps its rows
    rows = np.asarray([5, 0, 17], dtype=np.int64)
    assert [table.take(rows).features(i) for i in range(3)] == [feats[5], feats[0], feats[17]]


def test_weights_sit_on_a_grid_one_document_rarely_moves() -> None:
    rng = random.Random(8)
    feats = [claim_features(sentence(rng)) for _ in range(2000)]
    before = TermWeights.fit(feats)
    after = TermWeights.fit(feats[:-3])
    assert all((v * 4).is_integer() for v in before.idf.values())
    moved = [t for t in before.idf if before.idf[t] != after.idf.get(t)]
    assert len(moved) < len(before.idf) / 10


def test_fast_independent_count_equals_independence() -> None:
    rng = random.Random(2)
    base = " ".join(f"w{rng.randint(0, 50)}" for _ in range(200))
    sources = []
    for i in range(40):
        words = base.split()
        if rng.random() < 0.5:  # a rewrite, not a copy
            words = [w if rng.random() < 0.6 else f"x{rng.randint(0, 999)}" for w in words]
        text = " ".join(words[rng.randint(0, 5):])
        sources.append(Source(f"d{i:02d}", text, title=rng.choice([None, "A long and distinctive headline here"]),
                              publisher=rng.choice([None, "Outlet A", "The Outlet B", f"Own {i}"]),
                              credits=tuple(rng.sample(["outlet a", "Outlet B", "Nobody"], rng.randint(0, 2)))))
    near = NearDuplicates({s.id: s.text for s in sources})
    for _ in range(30):
        chosen = rng.sample(sources, rng.randint(2, 20))
        assert independent_count(chosen, near) == independence(chosen).count


def test_claim_inputs_computed_where_the_document_was_extracted_give_the_same_clusters(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(21)
    docs = corpus(rng, 20)
    clean = cluster_claims(docs, IRIS)
    packed = PackedExtractions([pack(ex, claim_inputs(ex)) for ex in docs])
    assert list(packed) == docs
    mixed = PackedExtractions([pack(ex, claim_inputs(ex) if i % 2 else None) for i, ex in enumerate(docs)])
    assert cluster_claims(mixed, IRIS, cache_dir=tmp_path) == clean

    def no_analysis(*args: object, **kwargs: object) -> object:
        raise AssertionError("features computed again in the build process")

    monkeypatch.setattr(kg.clusters, "claim_features", no_analysis)
    assert cluster_claims(packed, IRIS) == clean
