"""Gold annotations: loading, validation against the documents, and the claim pairs for clustering.

Gold format (a JSON list, one object per document)::

    [{"doc_id": str,
      "entities":  [{"name": str, "type": ontology class, "aliases_seen": [surface strings as they occur]}],
      "relations": [{"subject": entity name, "predicate": property, "object": entity name}],
      "claims":    [{"summary": str, "key_phrase": exact 4-10 word substring, "attributed_to": entity name | null,
                     "hedged": bool, "negated": bool (optional, default false)}]}]

Claim pairs (``claim_pairs.json``)::

    {"pairs": [{"a": {"doc_id", "key_phrase"}, "b": {"doc_id", "key_phrase"}, "label": "same" | "different"}]}

See docs/annotation-guidelines.md for what each field means.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import InputError
from kg.records import Document, Modality

ENTITY_TYPES: tuple[str, ...] = (
    "Lab", "Company", "University", "ResearchCenter", "ThinkTank", "GovernmentBody", "NewsOutlet",
    "Model", "Benchmark", "Country", "City", "Place", "Person", "Report", "Policy",
)
PREDICATES: tuple[str, ...] = (
    "developedBy", "basedIn", "partOf", "publishedBy", "authoredBy", "worksFor", "leads", "collaboratesWith",
    "competesWith", "outperforms", "buildsOn", "acquiredBy", "fundedBy", "regulates", "restricts", "issuedBy",
)
SYMMETRIC: frozenset[str] = frozenset({"collaboratesWith", "competesWith"})
PAIR_LABELS: tuple[str, ...] = ("same", "different")


@dataclass(frozen=True)
class GoldEntity:
    name: str
    type: str
    aliases_seen: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases_seen)


@dataclass(frozen=True)
class GoldRelation:
    subject: str
    predicate: str
    object: str


@dataclass(frozen=True)
class GoldClaim:
    summary: str
    key_phrase: str
    attributed_to: str | None
    hedged: bool
    negated: bool = False

    @property
    def modality(self) -> Modality:
        """Hedging wins over negation ("may not have") as the weaker commitment."""
        if self.hedged:
            return "hedged"
        return "negated" if self.negated else "asserted"


@dataclass(frozen=True)
class GoldDocument:
    doc_id: str
    entities: tuple[GoldEntity, ...]
    relations: tuple[GoldRelation, ...]
    claims: tuple[GoldClaim, ...]

    def entity(self, name: str) -> GoldEntity | None:
        return next((e for e in self.entities if e.name == name), None)


@dataclass(frozen=True)
class ClaimRef:
    doc_id: str
    key_phrase: str


@dataclass(frozen=True)
class ClaimPair:
    a: ClaimRef
    b: ClaimRef
    label: str  # "same" | "different"


class GoldError(InputError):
    """The gold file is malformed or does not fit the documents."""


def _str(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise GoldError(f"{where}: '{key}' must be a non-empty string")
    return value


def _bool(obj: Mapping[str, Any], key: str, where: str, default: bool | None = None) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise GoldError(f"{where}: '{key}' must be true or false")
    return value


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise GoldError(f"{where}: '{key}' must be a list")
    return value


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise GoldError(f"{path}: cannot read ({err.strerror or err})") from err
    except ValueError as err:
        raise GoldError(f"{path}: not valid JSON ({err})") from err


def parse_gold(data: object, source: str) -> tuple[GoldDocument, ...]:
    """Gold documents from parsed JSON; raises GoldError naming the file, document and field."""
    if not isinstance(data, list):
        raise GoldError(f"{source}: the gold file must be a JSON list of documents")
    docs: list[GoldDocument] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        where = f"{source}: document [{index}]"
        if not isinstance(raw, dict):
            raise GoldError(f"{where} is not an object")
        doc_id = _str(raw, "doc_id", where)
        where = f"{source}: {doc_id}"
        if doc_id in seen:
            raise GoldError(f"{where}: doc_id appears twice")
        seen.add(doc_id)
        entities = tuple(_entity(e, f"{where} entity [{i}]") for i, e in enumerate(_list(raw, "entities", where)))
        relations = tuple(_relation(r, f"{where} relation [{i}]") for i, r in enumerate(_list(raw, "relations", where)))
        claims = tuple(_claim(c, f"{where} claim [{i}]") for i, c in enumerate(_list(raw, "claims", where)))
        doc = GoldDocument(doc_id, entities, relations, claims)
        _check_internal(doc, where)
        docs.append(doc)
    return tuple(docs)


def _entity(raw: object, where: str) -> GoldEntity:
    if not isinstance(raw, dict):
        raise GoldError(f"{where} is not an object")
    etype = _str(raw, "type", where)
    if etype not in ENTITY_TYPES:
        raise GoldError(f"{where}: type {etype!r} is not one of {', '.join(ENTITY_TYPES)}")
    aliases = _list(raw, "aliases_seen", where)
    if not all(isinstance(a, str) and a for a in aliases):
        raise GoldError(f"{where}: 'aliases_seen' must be non-empty strings")
    return GoldEntity(_str(raw, "name", where), etype, tuple(aliases))


def _relation(raw: object, where: str) -> GoldRelation:
    if not isinstance(raw, dict):
        raise GoldError(f"{where} is not an object")
    predicate = _str(raw, "predicate", where)
    if predicate not in PREDICATES:
        raise GoldError(f"{where}: predicate {predicate!r} is not one of {', '.join(PREDICATES)}")
    return GoldRelation(_str(raw, "subject", where), predicate, _str(raw, "object", where))


def _claim(raw: object, where: str) -> GoldClaim:
    if not isinstance(raw, dict):
        raise GoldError(f"{where} is not an object")
    key_phrase = _str(raw, "key_phrase", where)
    words = len(key_phrase.split())
    if not 4 <= words <= 10:
        raise GoldError(f"{where}: key_phrase has {words} words; it must have 4 to 10")
    attributed = raw.get("attributed_to")
    if attributed is not None and (not isinstance(attributed, str) or not attributed.strip()):
        raise GoldError(f"{where}: 'attributed_to' must be an entity name or null")
    return GoldClaim(
        summary=_str(raw, "summary", where),
        key_phrase=key_phrase,
        attributed_to=attributed,
        hedged=_bool(raw, "hedged", where),
        negated=_bool(raw, "negated", where, default=False),
    )


def _check_internal(doc: GoldDocument, where: str) -> None:
    names = [e.name for e in doc.entities]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise GoldError(f"{where}: entity named twice: {', '.join(duplicates)}")
    known = set(names)
    for rel in doc.relations:
        for name in (rel.subject, rel.object):
            if name not in known:
                triple = f"{rel.subject} {rel.predicate} {rel.object}"
                raise GoldError(f"{where}: relation {triple}: {name!r} is not an entity")
    for claim in doc.claims:
        if claim.attributed_to is not None and claim.attributed_to not in known:
            who = claim.attributed_to
            raise GoldError(f"{where}: claim {claim.key_phrase!r}: attributed_to {who!r} is not an entity")


def load_gold(path: Path) -> tuple[GoldDocument, ...]:
    return parse_gold(_read_json(path), str(path))


def parse_pairs(data: object, source: str) -> tuple[ClaimPair, ...]:
    pairs = data.get("pairs") if isinstance(data, dict) else None
    if not isinstance(pairs, list):
        raise GoldError(f"{source}: expected an object with a 'pairs' list")
    out: list[ClaimPair] = []
    for index, raw in enumerate(pairs):
        where = f"{source}: pair [{index}]"
        if not isinstance(raw, dict):
            raise GoldError(f"{where} is not an object")
        label = _str(raw, "label", where)
        if label not in PAIR_LABELS:
            raise GoldError(f"{where}: label must be 'same' or 'different'")
        refs = []
        for side in ("a", "b"):
            ref = raw.get(side)
            if not isinstance(ref, dict):
                raise GoldError(f"{where}: '{side}' must be an object with doc_id and key_phrase")
            refs.append(ClaimRef(_str(ref, "doc_id", f"{where}.{side}"), _str(ref, "key_phrase", f"{where}.{side}")))
        out.append(ClaimPair(refs[0], refs[1], label))
    return tuple(out)


def load_pairs(path: Path) -> tuple[ClaimPair, ...]:
    return parse_pairs(_read_json(path), str(path))


def check_against_documents(
    gold: Sequence[GoldDocument], documents: Iterable[Document], pairs: Sequence[ClaimPair] = ()
) -> list[str]:
    """Every way the gold does not fit the document texts (empty when it fits)."""
    texts = {d.id: d.text for d in documents}
    errors: list[str] = []
    for doc in gold:
        text = texts.get(doc.doc_id)
        if text is None:
            errors.append(f"{doc.doc_id}: no document with this id in the corpus")
            continue
        for entity in doc.entities:
            for form in entity.aliases_seen:
                if form not in text:
                    errors.append(f"{doc.doc_id}: entity {entity.name}: alias {form!r} does not occur in the text")
        for claim in doc.claims:
            count = text.count(claim.key_phrase)
            if count != 1:
                errors.append(f"{doc.doc_id}: key_phrase {claim.key_phrase!r} occurs {count} times (must be once)")
    gold_phrases = {(d.doc_id, c.key_phrase) for d in gold for c in d.claims}
    for i, pair in enumerate(pairs):
        for ref in (pair.a, pair.b):
            if (ref.doc_id, ref.key_phrase) not in gold_phrases:
                errors.append(f"pair [{i}]: {ref.doc_id}: {ref.key_phrase!r} is not a gold claim's key_phrase")
    return errors
