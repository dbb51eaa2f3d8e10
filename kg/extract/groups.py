"""Working state while the entities of one document are assembled: entity groups and which tokens they cover.

A *group* becomes one :class:`kg.records.Entity`. Each mention added to it may carry the merge rule that
folded its surface form into the entity (``seed-alias``, ``demonym``, ``abbreviation``, ``short-form``,
``report-reference``, ``model-version``) so the record can say why two names became one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc

from kg.extract.annotations import token_texts
from kg.extract.docview import made_from
from kg.extract.lexicon import EntityLexicon
from kg.extract.linking import SeedIndex, Target, normalize
from kg.iris import Iris
from kg.records import Document, Entity, Mention, Merge
from kg.seed import SeedEntity

# how much a candidate's rule says about the entity's type
STRENGTH = {
    "seed": 9, "shape": 3, "model-version": 3, "model-family": 3, "place": 3, "demonym": 3, "ner-head": 2,
    "ner-context": 3, "credit": 2, "ner": 1,
}
NON_NAME_RULES = frozenset({"demonym", "report-reference"})
TRAILING_PUNCT = ".,;:!?)\"'’”"


@dataclass
class Group:
    iri: str
    name: str
    seed: SeedEntity | None = None
    family: str | None = None
    votes: Counter[str] = field(default_factory=Counter)  # type -> summed strength
    best: int = 0  # strongest single vote
    best_types: Counter[str] = field(default_factory=Counter)
    mentions: dict[tuple[int, int], str] = field(default_factory=dict)
    merges: set[tuple[str, str]] = field(default_factory=set)
    surfaces: set[str] = field(default_factory=set)

    def vote(self, type_name: str, rule: str) -> None:
        strength = STRENGTH.get(rule, 0)
        if strength <= 0:
            return
        self.votes[type_name] += strength
        if strength > self.best:
            self.best = strength
            self.best_types = Counter()
        if strength == self.best:
            self.best_types[type_name] += 1

    @property
    def type(self) -> str:
        if self.seed is not None:
            return self.seed.type
        if not self.best_types:
            return "Organization"
        # ties: the more specific type wins over "Company", the fallback for organisations of unknown kind
        return sorted(
            self.best_types.items(), key=lambda kv: (-kv[1], -self.votes[kv[0]], kv[0] == "Company", kv[0])
        )[0][0]


class DocEntities:
    """The groups of one document and the tokens their mentions cover."""

    def __init__(self, doc: Doc, document: Document, index: SeedIndex, lexicon: EntityLexicon, iris: Iris) -> None:
        if not made_from(doc, document.text):
            raise ValueError(
                f"{document.path}: the spaCy doc's text differs from the document's text; run the pipeline on "
                "document.text unchanged (kg.extract.extract_documents does)"
            )
        self.doc = doc
        self.document = document
        self.index = index
        self.lexicon = lexicon
        self.iris = iris
        self.groups: dict[str, Group] = {}
        self.owner: list[str | None] = [None] * len(doc)
        self._owned: dict[str, list[int]] = {}  # IRI -> the tokens it owns (moves touch only those)
        self._in_text: dict[str, bool] = {}
        self.texts: list[str] = token_texts(doc)  # one pass over the tokens; rules scan these lists
        self.lowers: list[str] = [t.lower() for t in self.texts]

    # ------------------------------------------------------------------ groups
    def seed_group(self, ent: SeedEntity) -> Group:
        group = self.groups.get(ent.iri)
        if group is None:
            group = Group(iri=ent.iri, name=ent.label, seed=ent)
            self.groups[ent.iri] = group
        return group

    def name_group(self, name: str) -> Group:
        """The group of a new entity called ``name`` (its IRI is minted from the name)."""
        clean = " ".join(name.split())
        iri = self.iris.entity(clean)
        group = self.groups.get(iri)
        if group is None:
            group = Group(iri=iri, name=clean)
            self.groups[iri] = group
        return group

    def target_group(self, target: Target) -> Group:
        if target.seed is not None:
            return self.seed_group(target.seed)
        group = self.name_group(target.name)
        group.vote(target.type, "place" if target.type != "Model" else "model-family")
        return group

    # ------------------------------------------------------------------ mentions
    def free(self, start: int, end: int) -> bool:
        return all(self.owner[i] is None for i in range(start, end))

    def own(self, i: int, group: Group) -> None:
        """Token ``i`` belongs to ``group`` (rules read ``owner``; write it only through here)."""
        self.owner[i] = group.iri
        self._owned.setdefault(group.iri, []).append(i)

    def in_text(self, name: str) -> bool:
        """Whether ``name`` occurs anywhere in the document text (one search per name and document)."""
        found = self._in_text.get(name)
        if found is None:
            found = self._in_text[name] = name in self.document.text
        return found

    def add(self, group: Group, start: int, end: int, merge_rule: str | None, *, claim_tokens: bool = True) -> None:
        """Add tokens ``start..end`` (exclusive) as a mention of ``group``; ``merge_rule`` explains the surface."""
        span = self.doc[start:end]
        first, last = span.start_char, span.end_char
        text = self.document.text
        if group.type == "Model":
            while last > first + 1 and text[last - 1] in TRAILING_PUNCT:
                last -= 1
        surface = text[first:last]
        if (first, last) in group.mentions:
            return
        group.mentions[(first, last)] = surface
        if claim_tokens:
            for i in range(start, end):
                self.own(i, group)
        if merge_rule is None:
            if group.seed is not None and normalize(surface) != normalize(group.name):
                merge_rule = "seed-alias"
            elif group.seed is None and normalize(surface) != normalize(group.name):
                merge_rule = "alias"
        if merge_rule is not None:
            group.merges.add((" ".join(surface.split()), merge_rule))
        if merge_rule not in NON_NAME_RULES and (surface[:1].isupper() or surface[:1].isdigit()):
            clean = " ".join(surface.split())
            if clean != group.name and not clean.lower().startswith(("the ", "a ", "an ")):
                group.surfaces.add(clean)

    def move(self, old: Group, new: Group, rule: str) -> None:
        """Fold every mention of ``old`` into ``new`` (a short form or abbreviation found to be ``new``)."""
        if old.iri == new.iri:
            return
        for (first, last), surface in old.mentions.items():
            new.mentions[(first, last)] = surface
            clean = " ".join(surface.split())
            new.merges.add((clean, rule))
            if clean != new.name:
                new.surfaces.add(clean)
        for i in self._owned.pop(old.iri, []):
            if self.owner[i] == old.iri:
                self.own(i, new)
        del self.groups[old.iri]

    # ------------------------------------------------------------------ records
    def entities(self) -> tuple[Entity, ...]:
        out = []
        for group in self.groups.values():
            if not group.mentions:
                continue
            seed = group.seed
            mentions = tuple(
                Mention(start, end, text, group.iri) for (start, end), text in sorted(group.mentions.items())
            )
            aliases = set(group.surfaces)
            if seed is not None:
                aliases.update(seed.aliases)
            aliases.discard(group.name)
            merges = tuple(
                Merge(alias, rule)
                for alias, rule in sorted(group.merges)
                if alias != group.name or rule == "model-version"
            )
            out.append(
                Entity(
                    id=group.iri,
                    name=group.name,
                    type=group.type,
                    aliases=tuple(sorted(aliases)),
                    wikidata=seed.wikidata if seed is not None else None,
                    mentions=mentions,
                    merges=merges,
                    in_seed=seed is not None,
                    family=group.family,
                )
            )
        return tuple(sorted(out, key=lambda e: e.id))


__all__ = ["STRENGTH", "DocEntities", "Group"]
