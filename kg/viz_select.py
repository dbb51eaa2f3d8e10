"""Choose which entities and relations `kg viz` draws: focus + hops, types, one document, min degree, a cap."""

from __future__ import annotations

import difflib
import unicodedata
from collections import deque
from dataclasses import dataclass

from kg.errors import InputError
from kg.viz_data import GraphData, Relation, Styles

DEFAULT_MAX_NODES = 2000


@dataclass(frozen=True)
class VizOptions:
    focus: str | None = None  # entity IRI, key, name or alias
    hops: int = 1
    types: tuple[str, ...] = ()  # ontology class names; a parent class takes its subclasses
    document: str | None = None  # document id (dct:identifier) or IRI
    min_degree: int = 0
    max_nodes: int = DEFAULT_MAX_NODES
    include_seed: bool = False  # also draw seed knowledge-base entities that nothing in the corpus touches


@dataclass(frozen=True)
class Selection:
    nodes: tuple[str, ...]  # entity IRIs, sorted
    relations: tuple[Relation, ...]  # relations between drawn entities
    degree: dict[str, int]  # number of distinct neighbours in the whole graph, for every entity
    focus: str | None
    document: str | None  # document IRI the view is restricted to
    candidates: int  # how many entities passed the filters before the cap
    total: int  # entities in the whole graph
    seed_only: int  # entities left out because only the seed knowledge base has them (0 with include_seed)
    notice: str  # shown above the graph when the view is capped ("" when not)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def resolve_entity(data: GraphData, name: str) -> str:
    """An entity IRI from an IRI, the end of an IRI (its key), a name or an alias (case-insensitive)."""
    if name in data.entities:
        return name
    wanted = _fold(name)
    exact: set[str] = set()
    for iri, entity in data.entities.items():
        names = {entity.label, *entity.aliases, iri.rsplit("/entity/", 1)[-1]}
        if wanted in {_fold(n) for n in names}:
            exact.add(iri)
    if len(exact) == 1:
        return exact.pop()
    if len(exact) > 1:
        listed = ", ".join(f"{data.entities[i].label} <{i}>" for i in sorted(exact))
        raise InputError(f"--focus {name!r} names several entities ({listed}); pass one of their IRIs")
    labels = sorted({e.label for e in data.entities.values()})
    close = difflib.get_close_matches(name, labels, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
        "; pass an entity's name, alias or IRI (`kg query` lists them)"
    raise InputError(f"--focus {name!r}: no entity has this name or alias{hint}")


def resolve_document(data: GraphData, name: str) -> str:
    """A document IRI from its id (``news/scmp-open-models``), its path-less IRI or its title."""
    for iri, doc in data.documents.items():
        if name in (iri, doc.id):
            return iri
    by_title = [iri for iri, doc in data.documents.items() if doc.title and _fold(doc.title) == _fold(name)]
    if len(by_title) == 1:
        return by_title[0]
    close = difflib.get_close_matches(name, sorted(d.id for d in data.documents.values()), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
        f"; the build has {len(data.documents)} documents (ids as in build/manifest.json)"
    raise InputError(f"--document {name!r}: no document has this id{hint}")


def resolve_types(styles: Styles, names: tuple[str, ...]) -> set[str]:
    """Class names (any case, or their legend labels) -> the set of class names they cover, subclasses included."""
    by_fold = {}
    for c in styles.classes:
        by_fold[_fold(c.name)] = c.name
        by_fold[_fold(c.label)] = c.name
    chosen: set[str] = set()
    for raw in names:
        name = by_fold.get(_fold(raw))
        if name is None:
            valid = ", ".join(c.name for c in styles.classes)
            raise InputError(f"--types: unknown class {raw!r}; use any of {valid}")
        chosen.add(name)
    parent = {c.name: c.parent for c in styles.classes}
    covered = set()
    for c in styles.classes:
        node = c.name
        while node:
            if node in chosen:
                covered.add(c.name)
                break
            node = parent.get(node, "")
    return covered


def _adjacency(nodes: set[str], relations: list[Relation]) -> dict[str, set[str]]:
    """Distinct neighbours of each node through relations whose two ends are both in ``nodes``."""
    adjacent: dict[str, set[str]] = {n: set() for n in nodes}
    for r in relations:
        if r.source in adjacent and r.target in adjacent and r.source != r.target:
            adjacent[r.source].add(r.target)
            adjacent[r.target].add(r.source)
    return adjacent


def _hops(adjacent: dict[str, set[str]], start: str, hops: int) -> dict[str, int]:
    """Breadth-first distance from ``start`` up to ``hops``."""
    dist = {start: 0}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if dist[node] >= hops:
            continue
        for nxt in sorted(adjacent[node]):
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return dist


def corpus_entities(data: GraphData) -> set[str]:
    """Entities the corpus is about: mentioned in a document, named by a claim, or in a relation that a
    document (or the cross-document graph) states. The rest exist only in the seed knowledge base."""
    found = {iri for iri, e in data.entities.items() if e.documents}
    found |= {e for c in data.claims for e in c.about + c.attributed_to + c.reported_by}
    found |= {e for r in data.relations if r.documents or r.cross for e in (r.source, r.target)}
    return found & set(data.entities)


def select(data: GraphData, styles: Styles, options: VizOptions) -> Selection:
    """Apply the options in a fixed order: scope, focus/hops, document, types, min degree, then the cap."""
    if options.hops < 0 or options.min_degree < 0 or options.max_nodes < 1:
        raise InputError("--hops and --min-degree must be >= 0 and --max-nodes >= 1")
    degree = {n: len(near) for n, near in _adjacency(set(data.entities), list(data.relations)).items()}

    focus = resolve_entity(data, options.focus) if options.focus else None
    document = resolve_document(data, options.document) if options.document else None
    relations = list(data.relations)
    # a focus looks at the whole graph: the seed's facts about an entity are part of its neighbourhood
    keep = set(data.entities) if options.include_seed or focus is not None else corpus_entities(data)
    seed_only = len(data.entities) - len(keep)
    if document is not None:
        relations = [r for r in relations if document in r.documents]
        keep = {e for e in keep if document in data.entities[e].documents}
        keep |= {r.source for r in relations} | {r.target for r in relations}
    if options.types:
        wanted = resolve_types(styles, options.types)
        keep = {e for e in keep if data.entities[e].type in wanted}
    if focus is not None:
        keep.add(focus)
    relations = [r for r in relations if r.source in keep and r.target in keep]
    dist: dict[str, int] = {}
    if focus is not None:
        dist = _hops(_adjacency(keep, relations), focus, options.hops)
        keep = set(dist)
    if options.min_degree:
        local = _adjacency(keep, relations)
        keep = {n for n, near in local.items() if len(near) >= options.min_degree or n == focus}
    candidates = len(keep)
    notice = ""
    if candidates > options.max_nodes:
        # nearest to the focus first, then the most connected, then by name: stable and explainable
        ranked = sorted(keep, key=lambda n: (dist.get(n, 0), -degree[n], data.entities[n].label, n))
        keep = set(ranked[:options.max_nodes])
        how = f"nearest to {data.entities[focus].label}" if focus else "most connected"
        notice = (f"Showing the {options.max_nodes:,} {how} of {candidates:,} entities to keep the page responsive. "
                  "Use kg viz --focus ENTITY --hops N (or --types, --document, --min-degree, --max-nodes) "
                  "to see the rest.")
    relations = [r for r in relations if r.source in keep and r.target in keep]
    return Selection(nodes=tuple(sorted(keep)), relations=tuple(relations), degree=degree, focus=focus,
                     document=document, candidates=candidates, total=len(data.entities), seed_only=seed_only,
                     notice=notice)
