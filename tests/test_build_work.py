"""The per-document work of `kg build` and the running tallies: packing, rendering, order of arrival."""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph
import pytest

from bench.generate import facts_path, generate
from kg.build import build_prefixes, vocabulary
from kg.build_work import PackedExtractions, RenderContext, pack, render, unpack
from kg.config import Settings
from kg.iris import Iris
from kg.rdf import Activity, check_extraction, document_lines
from kg.rdf_cross import (
    CanonicalEntity,
    EntityTally,
    ReferenceTally,
    canonical_entities,
    cross_graph,
    cross_lines,
    dangling_references,
)
from kg.records import Claim, ClaimCluster, Document, Entity, Extraction, Mention, Merge, Ref, Relation, Span
from kg.seed import load_seed, ontology_graph
from kg.trig import canonical_lines, split_block

IRIS = Iris()
E = "https://policy-kg.org/id/entity/"


def _doc(i: int) -> Document:
    text = f"Zephyr Lab {i} said Qwen may beat Llama. Analysts doubt it."
    return Document(id=f"d{i:02d}", path=f"news/d{i:02d}.md", format="md", text=text, sha256=f"{i:064x}")


def _ex(i: int) -> Extraction:
    doc = _doc(i)
    name = "Zephyr Lab" if i % 2 else f"Zephyr Lab {i}"
    lab = Entity(E + "zephyr-lab", name, "Lab" if i % 3 else "Company",
                 mentions=(Mention(0, len(name), name, E + "zephyr-lab"),))
    qwen = Entity(E + "qwen", "Qwen", "Model", mentions=(Mention(doc.text.index("Qwen"), doc.text.index("Qwen") + 4,
                                                                  "Qwen", E + "qwen"),))
    start, end = doc.text.index("Qwen"), doc.text.index(".") + 1
    claim = Claim(IRIS.claim(doc.id, start, end), doc.text[start:end], start, end, "hedged",
                  attributed_to=Ref(E + "zephyr-lab", name), about=(E + "qwen", E + f"ghost{i % 3}"))
    rel = Relation(E + "qwen", "developedBy", E + "zephyr-lab", Span(0, end, doc.text[:end]), "test", 0.5)
    return Extraction(doc, (lab, qwen), (rel,), (claim,))


@pytest.fixture(scope="module")
def context() -> RenderContext:
    settings = Settings()
    iris = Iris(settings.base_iri)
    return RenderContext(vocabulary(ontology_graph(settings)), Activity(iris.activity("t", "c"), "t", "c"),
                         build_prefixes(iris), settings.base_iri)


def test_pack_round_trips_and_the_packed_sequence_reads_lazily() -> None:
    exs = [_ex(i) for i in range(5)]
    packed = PackedExtractions([pack(ex) for ex in exs])
    assert len(packed) == 5 and packed[3] == exs[3] and list(packed) == exs
    assert list(packed[1:3]) == exs[1:3]
    assert sum(len(pack(ex)) for ex in exs) < sum(len(repr(ex)) for ex in exs)


def test_render_writes_the_block_the_build_wrote_before(context: RenderContext) -> None:
    seed = load_seed(Settings())
    ex = _ex(1)
    done = render(ex, context, seed, IRIS)
    checked, problems = check_extraction(ex, context.vocab)
    lines = document_lines(checked, IRIS, context.activity, seed)
    assert done.block == context.prefixes.trig_block(IRIS.document_graph(ex.document.id), lines)
    assert unpack(done.packed) == checked and done.problems == ex.problems + problems
    assert done.record.endswith("\n") and '"document":' in done.record
    again = render(ex, context, seed, IRIS, record=False, block=done.block)
    assert again.record == "" and again.block == done.block


def test_tallies_do_not_depend_on_the_order_of_arrival(context: RenderContext) -> None:
    seed = load_seed(Settings())
    exs = [_ex(i) for i in range(9)]
    expected, problems = canonical_entities(exs, seed, context.vocab, IRIS)
    dangling = dangling_references(exs, expected, seed)
    assert dangling and [p.path for p in dangling] == ["news/d00.md", "news/d01.md", "news/d02.md"]
    order = list(enumerate(exs))
    random.Random(3).shuffle(order)
    tally, refs = EntityTally(context.vocab), ReferenceTally()
    for index, ex in order:
        tally.add(ex, index)
        refs.add(ex, index)
    assert tally.result(seed, IRIS) == (expected, problems)
    assert refs.dangling(expected, seed) == dangling


def test_generated_facts_are_written_beside_the_corpus_never_inside(tmp_path: Path) -> None:
    out = tmp_path / "c3"
    words = generate(out, 3)
    assert words > 900 and sorted(p.name for p in out.iterdir()) == ["a000000.md", "a000001.md", "a000002.md"]
    facts = facts_path(out).read_text(encoding="utf-8").splitlines()
    assert facts_path(out) == tmp_path / "c3.facts.jsonl" and len(facts) == 3
    with pytest.raises(ValueError, match="must not be inside"):
        generate(out, 3, facts=out / "facts.jsonl")


def test_cross_lines_are_the_canonical_lines_of_the_cross_graph(context: RenderContext) -> None:
    seed = load_seed(Settings())
    exs = [_ex(i) for i in range(4)]
    entities, _ = canonical_entities(exs, seed, context.vocab, IRIS)
    entities[E + "qwen-2"] = CanonicalEntity(E + "qwen-2", "Qwen 2", "Model", False, alt_labels=("Qwen2",),
                                             wikidata="Q42", surface_forms=("Qwen 2", "Qwen2"),
                                             merges=(Merge("Qwen2", "short-form"),), family=E + "qwen")
    members = tuple(sorted(c.id for ex in exs for c in ex.claims))
    clusters = [ClaimCluster(IRIS.cluster("k1"), 'Qwen "may" beat\nLlama.', members, 4, 2,
                             contradicts=(IRIS.cluster("k2"),)),
                ClaimCluster(IRIS.cluster("k2"), "Qwen will not beat Llama.", members[:1], 1, 5)]
    expected = canonical_lines(cross_graph(entities, clusters, IRIS, context.activity))
    assert cross_lines(entities, clusters, IRIS, context.activity) == expected and len(expected) > 15
    assert cross_lines(entities, clusters, IRIS) == canonical_lines(cross_graph(entities, clusters, IRIS))


def test_a_large_block_splits_at_subjects_into_blocks_of_the_same_triples(context: RenderContext) -> None:
    seed = load_seed(Settings())
    block = render(_ex(1), context, seed, IRIS).block
    header = context.prefixes.header()

    def quads(text: str) -> set[pyoxigraph.Quad]:
        return set(pyoxigraph.parse(input=header + text, format=pyoxigraph.RdfFormat.TRIG))

    for size in (1, 200, 1000, len(block)):
        pieces = split_block(block, size)
        assert len(pieces) == 1 if size == len(block) else len(pieces) > 1
        assert set().union(*(quads(p) for p in pieces)) == quads(block)
        assert all(p.startswith(block.split("\n", 1)[0] + "\n") and p.endswith("}\n") for p in pieces)
