"""The seed knowledge base: curated entities with aliases and key facts, read from ``ontology/seed/*.ttl``.

The seed plays the role Wikidata plays for linkers: an offline list of the entities users care about.
Seed files use the prefix ``e:`` = ``https://policy-kg.org/id/entity/``; the local name is the entity key.
Loading rebases every entity IRI onto ``settings.base_iri`` (``Iris.entity_key``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from kg.config import DEFAULT_BASE_IRI, ONTOLOGY_NS, Settings
from kg.errors import InputError
from kg.iris import Iris

SEED_ENTITY_NS = DEFAULT_BASE_IRI + "entity/"
"""The namespace seed files write entity IRIs in (prefix ``e:``); rebased on load."""
WIKIDATA_NS = "http://www.wikidata.org/entity/"
ONTOLOGY_FILE = "kg.ttl"
SEED_DIR = "seed"
KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
QID_RE = re.compile(r"^Q[1-9][0-9]*$")

_KG = rdflib.Namespace(ONTOLOGY_NS)
_ENTITY_ROOT = _KG.Entity


@dataclass(frozen=True)
class SeedEntity:
    key: str
    iri: str
    type: str  # ontology class local name, e.g. "Lab"
    label: str
    aliases: tuple[str, ...]
    wikidata: str | None  # "Q..."
    demonyms: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]  # (property local name, object IRI), sorted
    ambiguous: tuple[str, ...]  # aliases declared ambiguous

    @property
    def surface_forms(self) -> tuple[str, ...]:
        """Label, aliases and demonyms: every string that names this entity."""
        return (self.label, *self.aliases, *self.demonyms)

    def facts_for(self, prop: str) -> tuple[str, ...]:
        """Object IRIs of one property, e.g. ``entity.facts_for("developedBy")``."""
        return tuple(obj for p, obj in self.facts if p == prop)


@dataclass(frozen=True)
class SeedKB:
    entities: tuple[SeedEntity, ...]  # sorted by key
    _by_iri: dict[str, SeedEntity] = field(init=False, repr=False, compare=False)
    _exact: dict[str, tuple[SeedEntity, ...]] = field(init=False, repr=False, compare=False)
    _folded: dict[str, tuple[SeedEntity, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        exact: dict[str, list[SeedEntity]] = defaultdict(list)
        folded: dict[str, list[SeedEntity]] = defaultdict(list)
        for ent in self.entities:
            for form in dict.fromkeys(ent.surface_forms):
                exact[form].append(ent)
            # acronyms ("US", "HAI", "BIS") only match as written: "us" and "Hai" are other words
            for form in dict.fromkeys(f.casefold() for f in ent.surface_forms if not _is_acronym(f)):
                folded[form].append(ent)
        object.__setattr__(self, "_by_iri", {e.iri: e for e in self.entities})
        object.__setattr__(self, "_exact", {k: tuple(v) for k, v in exact.items()})
        object.__setattr__(self, "_folded", {k: tuple(v) for k, v in folded.items()})

    def __len__(self) -> int:
        return len(self.entities)

    def get(self, iri: str) -> SeedEntity | None:
        return self._by_iri.get(iri)

    def lookup(self, surface: str) -> tuple[SeedEntity, ...]:
        """Entities named ``surface`` (label, alias or demonym): exact match first, then case-insensitive.

        The case-insensitive fallback skips all-lowercase input ("time", "us" are words, not "Time" or "US")
        and never matches an acronym written differently. Several entities come back only for a label
        declared ambiguous (``kg:ambiguousLabel``) on each of them.
        """
        hit = self._exact.get(surface)
        if hit:
            return hit
        if surface == surface.lower():
            return ()
        return self._folded.get(surface.casefold(), ())

    def surface_forms(self) -> tuple[str, ...]:
        """Every label, alias and demonym in the seed, sorted (for gazetteers)."""
        return tuple(sorted(self._exact))


def _is_acronym(form: str) -> bool:
    """No lowercase letter and at least one uppercase one: "US", "U.S.", "G7", "TC260"."""
    return not any(ch.islower() for ch in form) and any(ch.isupper() for ch in form)


def entity_classes(ontology: rdflib.Graph) -> frozenset[str]:
    """Local names of kg:Entity and its subclasses (transitively) in the ontology graph."""
    found = {_ENTITY_ROOT}
    frontier = [_ENTITY_ROOT]
    while frontier:
        cls = frontier.pop()
        for sub in ontology.subjects(RDFS.subClassOf, cls):
            if isinstance(sub, rdflib.URIRef) and str(sub).startswith(ONTOLOGY_NS) and sub not in found:
                found.add(sub)
                frontier.append(sub)
    return frozenset(str(c)[len(ONTOLOGY_NS) :] for c in found)


def seed_files(ontology_dir: Path) -> tuple[Path, ...]:
    return tuple(sorted((ontology_dir / SEED_DIR).glob("*.ttl")))


def _parse(path: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    try:
        graph.parse(path, format="turtle")
    except FileNotFoundError as err:
        raise InputError(f"{path}: file not found; is settings.ontology_dir right?") from err
    except Exception as err:  # rdflib raises many parser exception types
        text = str(err)
        line = re.search(r"at line (\d+)", text)
        reason = re.search(r"Bad syntax \(([^)]*)\)", text)
        where = f"{path}:{line.group(1)}" if line else str(path)
        why = reason.group(1) if reason else (text.strip().splitlines() or [type(err).__name__])[0]
        raise InputError(f"{where}: not valid Turtle ({why}); fix the syntax and rerun") from err
    return graph


@lru_cache(maxsize=8)
def _load_raw(ontology_dir: Path) -> tuple[tuple[tuple[Node, Node, Node], ...], tuple[tuple[Path, rdflib.Graph], ...]]:
    ontology = _parse(ontology_dir / ONTOLOGY_FILE)
    files = seed_files(ontology_dir)
    if not files:
        raise InputError(f"{ontology_dir / SEED_DIR}: no seed files (*.ttl) found")
    return tuple(ontology), tuple((p, _parse(p)) for p in files)


def _rebase(node: Node, base_iri: str) -> Node:
    if isinstance(node, rdflib.URIRef) and str(node).startswith(SEED_ENTITY_NS) and base_iri != DEFAULT_BASE_IRI:
        return rdflib.URIRef(Iris(base_iri).entity_key(str(node)[len(SEED_ENTITY_NS) :]))
    return node


def _local(iri: Node, ns: str) -> str | None:
    text = str(iri)
    return text[len(ns) :] if isinstance(iri, rdflib.URIRef) and text.startswith(ns) else None


def _literals(graph: rdflib.Graph, subject: Node, prop: rdflib.URIRef, path: Path, key: str) -> list[str]:
    values = []
    for obj in graph.objects(subject, prop):
        if not isinstance(obj, rdflib.Literal):
            raise InputError(f"{path}: e:{key} {graph.qname(prop)} must be a string literal, got {obj}")
        if obj.language is not None:
            raise InputError(f"{path}: e:{key} {graph.qname(prop)} {obj.n3()}: use plain literals, no language tags")
        values.append(str(obj))
    return values


def _entity(graph: rdflib.Graph, subject: rdflib.URIRef, path: Path, classes: frozenset[str], iris: Iris) -> SeedEntity:
    key = str(subject)[len(SEED_ENTITY_NS) :]
    if not KEY_RE.match(key):
        raise InputError(f"{path}: entity key {key!r} must be lowercase letters, digits and single hyphens")
    types = sorted(t for o in graph.objects(subject, RDF.type) if (t := _local(o, ONTOLOGY_NS)) is not None)
    if len(types) != 1 or types[0] not in classes:
        allowed = ", ".join(f"kg:{c}" for c in sorted(classes))
        raise InputError(f"{path}: e:{key} needs exactly one type among {allowed}; has {types}")
    labels = _literals(graph, subject, SKOS.prefLabel, path, key)
    if len(labels) != 1:
        raise InputError(f"{path}: e:{key} needs exactly one skos:prefLabel, has {len(labels)}")
    qids = []
    for obj in graph.objects(subject, OWL.sameAs):
        qid = _local(obj, WIKIDATA_NS)
        if qid is None or not QID_RE.match(qid):
            raise InputError(f"{path}: e:{key} owl:sameAs {obj}: only Wikidata entity IRIs (wd:Q...) are allowed")
        qids.append(qid)
    if len(qids) > 1:
        raise InputError(f"{path}: e:{key} has several Wikidata QIDs {sorted(qids)}; keep one")
    facts = []
    for prop, obj in graph.predicate_objects(subject):
        name = _local(prop, ONTOLOGY_NS)
        if name is None or not isinstance(obj, rdflib.URIRef):
            continue
        facts.append((name, str(_rebase(obj, iris.base))))
    aliases = _literals(graph, subject, SKOS.altLabel, path, key)
    ambiguous = _literals(graph, subject, _KG.ambiguousLabel, path, key)
    return SeedEntity(
        key=key,
        iri=iris.entity_key(key),
        type=types[0],
        label=labels[0],
        aliases=tuple(sorted(set(aliases) | set(ambiguous))),
        wikidata=qids[0] if qids else None,
        demonyms=tuple(sorted(set(_literals(graph, subject, _KG.demonym, path, key)))),
        facts=tuple(sorted(set(facts))),
        ambiguous=tuple(sorted(set(ambiguous))),
    )


def _check_aliases(entities: list[SeedEntity], where: dict[str, Path]) -> None:
    holders: dict[str, list[SeedEntity]] = defaultdict(list)
    for ent in entities:
        for form in dict.fromkeys(f.casefold() for f in ent.surface_forms):
            holders[form].append(ent)
    for form, ents in sorted(holders.items()):
        if len(ents) < 2:
            continue
        undeclared = [e for e in ents if form not in {a.casefold() for a in e.ambiguous}]
        if undeclared:
            names = ", ".join(f"e:{e.key} ({where[e.key].name})" for e in ents)
            spelled = next(f for f in undeclared[0].surface_forms if f.casefold() == form)
            raise InputError(
                f"{where[undeclared[0].key]}: label {spelled!r} is shared by {names}; rename it or declare "
                f'kg:ambiguousLabel "{spelled}" on every entity that has it'
            )


def _check_facts(entities: list[SeedEntity], where: dict[str, Path], iris: Iris) -> None:
    known = {e.iri for e in entities}
    entity_ns = iris.base + "entity/"
    for ent in entities:
        for prop, obj in ent.facts:
            if obj.startswith(entity_ns) and obj not in known:
                raise InputError(
                    f"{where[ent.key]}: e:{ent.key} kg:{prop} e:{obj[len(entity_ns) :]}, but that entity is not "
                    "defined in any seed file; add it or fix the key"
                )


@lru_cache(maxsize=8)
def _load_seed(ontology_dir: Path, base_iri: str) -> SeedKB:
    ontology_triples, files = _load_raw(ontology_dir)
    ontology = rdflib.Graph()
    for triple in ontology_triples:
        ontology.add(triple)
    classes = entity_classes(ontology)
    iris = Iris(base_iri)
    entities: list[SeedEntity] = []
    where: dict[str, Path] = {}
    for path, graph in files:
        for subject in sorted(set(graph.subjects(RDF.type, None)), key=str):
            if not isinstance(subject, rdflib.URIRef) or not str(subject).startswith(SEED_ENTITY_NS):
                continue
            ent = _entity(graph, subject, path, classes, iris)
            if ent.key in where:
                raise InputError(f"{path}: e:{ent.key} is already defined in {where[ent.key]}; define it once")
            where[ent.key] = path
            entities.append(ent)
    _check_aliases(entities, where)
    _check_facts(entities, where, iris)
    return SeedKB(entities=tuple(sorted(entities, key=lambda e: e.key)))


def load_seed(settings: Settings) -> SeedKB:
    """The seed knowledge base in ``settings.ontology_dir/seed/*.ttl``, IRIs rebased on ``settings.base_iri``.

    Raises ``InputError`` naming the file for malformed Turtle, a missing or second label, a type outside the
    ontology, an alias shared by two entities without ``kg:ambiguousLabel`` on both, or a fact pointing to an
    undefined entity.
    """
    return _load_seed(Path(settings.ontology_dir).resolve(), settings.base_iri)


@lru_cache(maxsize=8)
def _ontology_triples(ontology_dir: Path, base_iri: str) -> tuple[tuple[Node, Node, Node], ...]:
    _load_seed(ontology_dir, base_iri)  # validates the seed first
    ontology_triples, files = _load_raw(ontology_dir)
    triples = set(ontology_triples)
    for _path, graph in files:
        for s, p, o in graph:
            triples.add((_rebase(s, base_iri), p, _rebase(o, base_iri)))
    return tuple(sorted(triples, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3())))


def ontology_graph(settings: Settings) -> rdflib.Graph:
    """A new graph with ``kg.ttl`` and every seed file, entity IRIs rebased on ``settings.base_iri``.

    Each call returns a fresh graph (parsing is cached), so callers may add to it.
    """
    graph = rdflib.Graph()
    graph.bind("kg", ONTOLOGY_NS)
    graph.bind("e", Iris(settings.base_iri).base + "entity/")
    graph.bind("wd", WIKIDATA_NS)
    for triple in _ontology_triples(Path(settings.ontology_dir).resolve(), settings.base_iri):
        graph.add(triple)
    return graph


__all__ = ["SeedEntity", "SeedKB", "entity_classes", "load_seed", "ontology_graph", "seed_files"]
