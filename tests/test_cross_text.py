"""The cross-document graph written subject by subject: the same bytes as the whole-graph writer, unchanged
statements copied from the previous block, and the block fed to a store in pieces."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import pyoxigraph

from kg.build import build_prefixes
from kg.cross_text import SUBJECTS_SUFFIX, block_pieces, cross_subjects, listing_delta, write_cross_block
from kg.iris import Iris
from kg.rdf import Activity
from kg.rdf_cross import CanonicalEntity, cross_lines
from kg.records import ClaimCluster, Merge
from kg.store_delta import apply_delta

IRIS = Iris()
PREFIXES = build_prefixes(IRIS)
ACTIVITY = Activity(IRIS.activity("1.0", "abc"), "1.0", "abc")
E = "https://policy-kg.org/id/entity/"


def _world(seed: int, n: int = 300) -> tuple[dict[str, CanonicalEntity], list[ClaimCluster]]:
    rng = random.Random(seed)
    entities: dict[str, CanonicalEntity] = {}
    for i in range(n):
        iri = f"{E}e{i:04d}" if i % 7 else f"https://example.org/odd iri/{i}"  # some IRIs need escaping
        merges = tuple(Merge(f"Alias {i} {k}", "abbreviation") for k in range(i % 3))
        entities[iri] = CanonicalEntity(
            iri, f'Name "{i}"\n', "Lab", in_seed=i % 5 == 0, alt_labels=tuple(f"alt {i} {k}" for k in range(i % 4)),
            wikidata=f"Q{i}" if i % 2 else None, surface_forms=(f"form {i}", f"Form {i}"), merges=merges,
            family=f"{E}e{i - 1:04d}" if i % 11 == 0 and i else None, documents=1 + i % 3)
    clusters = [ClaimCluster(IRIS.cluster(f"k{i}"), f"claim text {i} — ünïcode", tuple(sorted(
        f"https://policy-kg.org/id/claim/d{rng.randrange(50)}/{j}" for j in range(1 + i % 4))), 1 + i % 3, 1,
        tuple(IRIS.cluster(f"k{(i * 7 + j) % n}") for j in range(i % 3))) for i in range(n)]
    return dict(sorted(entities.items())), clusters


def _reference(entities: dict[str, CanonicalEntity], clusters: list[ClaimCluster]) -> bytes:
    return PREFIXES.trig_block(IRIS.cross_graph, cross_lines(entities, clusters, IRIS, ACTIVITY)).encode()


def _write(path: Path, entities: dict[str, CanonicalEntity], clusters: list[ClaimCluster],
           previous: Path | None = None) -> int:
    subjects = cross_subjects(entities, clusters, IRIS, ACTIVITY)
    return write_cross_block(path, subjects, PREFIXES, IRIS.cross_graph, previous).reused


def test_the_block_is_byte_identical_to_the_whole_graph_writer(tmp_path: Path) -> None:
    entities, clusters = _world(1)
    assert _write(tmp_path / "a.trig", entities, clusters) == 0
    assert (tmp_path / "a.trig").read_bytes() == _reference(entities, clusters)
    assert (tmp_path / f"a{SUBJECTS_SUFFIX}").is_file()


def test_a_rebuild_copies_unchanged_statements_and_gives_the_same_bytes_as_a_fresh_write(tmp_path: Path) -> None:
    entities, clusters = _world(2)
    _write(tmp_path / "a.trig", entities, clusters)
    changed = dict(entities)
    first = next(iter(changed))
    changed[first] = dataclasses.replace(changed[first], surface_forms=("a new form",))
    del changed[sorted(changed)[10]]
    extra = CanonicalEntity(f"{E}zz-new", "New", "Company", False, documents=1)
    changed[extra.iri] = extra
    new_clusters = [*clusters[:5], dataclasses.replace(clusters[5], sources=9), *clusters[7:]]
    reused = _write(tmp_path / "b.trig", changed, new_clusters, previous=tmp_path / "a.trig")
    subjects = len(cross_subjects(changed, new_clusters, IRIS, ACTIVITY))
    assert subjects - 3 <= reused < subjects  # the activity, entities, merges and clusters that did not change
    assert (tmp_path / "b.trig").read_bytes() == _reference(changed, new_clusters)


def test_a_previous_block_from_another_writer_or_damaged_is_not_copied(tmp_path: Path) -> None:
    entities, clusters = _world(3)
    _write(tmp_path / "a.trig", entities, clusters)
    listing = tmp_path / f"a{SUBJECTS_SUFFIX}"
    signature, rest = listing.read_text(encoding="utf-8").split("\t", 1)
    listing.write_text("other-writer\t" + rest, encoding="utf-8")
    assert _write(tmp_path / "b.trig", entities, clusters, previous=tmp_path / "a.trig") == 0
    listing.write_text(f"{signature}\t{rest}", encoding="utf-8")
    with (tmp_path / "a.trig").open("ab") as handle:  # the block no longer has the size its listing says
        handle.write(b"# appended\n")
    assert _write(tmp_path / "c.trig", entities, clusters, previous=tmp_path / "a.trig") == 0
    assert (tmp_path / "c.trig").read_bytes() == _reference(entities, clusters)


def test_pieces_hold_the_same_triples_as_the_whole_block(tmp_path: Path) -> None:
    entities, clusters = _world(4, n=2000)
    _write(tmp_path / "a.trig", entities, clusters)
    header = PREFIXES.header()
    whole = set(pyoxigraph.parse(input=header + (tmp_path / "a.trig").read_text(encoding="utf-8"),
                                 format=pyoxigraph.RdfFormat.TRIG))
    pieces = list(block_pieces(tmp_path / "a.trig", 1))
    assert len(pieces) > 1 and all(p.startswith(pieces[0][: pieces[0].index("\n")]) for p in pieces)
    found: set[pyoxigraph.Quad] = set()
    for piece in pieces:
        found |= set(pyoxigraph.parse(input=header + piece, format=pyoxigraph.RdfFormat.TRIG))
    assert found == whole and len(whole) > 10_000


def test_the_difference_from_subject_lists_turns_the_old_graph_into_the_new(tmp_path: Path) -> None:
    entities, clusters = _world(5)
    _write(tmp_path / "a.trig", entities, clusters)
    changed = dict(entities)
    del changed[sorted(changed)[20]]
    new_clusters = [dataclasses.replace(c, sources=c.sources + 1) if i % 50 == 0 else c
                    for i, c in enumerate(clusters)]
    _write(tmp_path / "b.trig", changed, new_clusters, previous=tmp_path / "a.trig")
    delta = listing_delta(tmp_path / "a.trig", tmp_path / "b.trig")
    assert delta is not None and 0 < delta.changed < 30 and delta.kept > 250
    header = PREFIXES.header()
    store = pyoxigraph.Store()
    store.load(input=header + (tmp_path / "a.trig").read_text(encoding="utf-8"), format=pyoxigraph.RdfFormat.TRIG)
    apply_delta(store, IRIS.cross_graph, header, delta)
    fresh = pyoxigraph.Store()
    fresh.load(input=header + (tmp_path / "b.trig").read_text(encoding="utf-8"), format=pyoxigraph.RdfFormat.TRIG)
    assert set(store) == set(fresh)
    (tmp_path / f"b{SUBJECTS_SUFFIX}").write_text("damaged", encoding="utf-8")
    assert listing_delta(tmp_path / "a.trig", tmp_path / "b.trig") is None
