"""Extraction records <-> the JSON contract of `kg extract` (issue 4), losslessly (also used by the cache).

The required fields are a contract that other tools and our evaluation read; extra fields
(``format``, ``authors``, ``page_starts``, ``text``, ``merges``, ``in_seed``, ``family``, ``problems``)
make the round trip lossless.
"""

from __future__ import annotations

from typing import Any, cast

from kg.records import Claim, Document, Entity, Extraction, Mention, Merge, Modality, Problem, Ref, Relation, Span

SCHEMA_VERSION = 1


def document_to_dict(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "url": doc.url,
        "title": doc.title,
        "publisher": doc.publisher,
        "date": doc.date,
        "path": doc.path,
        "sha256": doc.sha256,
        "format": doc.format,
        "authors": list(doc.authors),
        "page_starts": list(doc.page_starts),
        "text": doc.text,
    }


def _span(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _ref(ref: Ref | None) -> dict[str, str] | None:
    return None if ref is None else {"id": ref.id, "name": ref.name}


def entity_to_dict(ent: Entity) -> dict[str, Any]:
    return {
        "id": ent.id,
        "name": ent.name,
        "type": ent.type,
        "aliases": list(ent.aliases),
        "wikidata": ent.wikidata,
        "mentions": [{"start": m.start, "end": m.end, "text": m.text} for m in ent.mentions],
        "merges": [{"alias": m.alias, "rule": m.rule} for m in ent.merges],
        "in_seed": ent.in_seed,
        "family": ent.family,
    }


def relation_to_dict(rel: Relation) -> dict[str, Any]:
    return {
        "subject": rel.subject,
        "predicate": rel.predicate,
        "object": rel.object,
        "evidence": _span(rel.evidence),
        "rule": rel.rule,
        "confidence": rel.confidence,
    }


def claim_to_dict(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "modality": claim.modality,
        "attributed_to": _ref(claim.attributed_to),
        "reported_by": _ref(claim.reported_by),
        "cue": claim.cue,
        "quotation": claim.quotation,
        "about": list(claim.about),
        "page": claim.page,
    }


def extraction_to_dict(ex: Extraction) -> dict[str, Any]:
    """The record `kg extract` prints for one document."""
    return {
        "document": document_to_dict(ex.document),
        "entities": [entity_to_dict(e) for e in ex.entities],
        "relations": [relation_to_dict(r) for r in ex.relations],
        "claims": [claim_to_dict(c) for c in ex.claims],
        "problems": [{"path": p.path, "message": p.message, "line": p.line} for p in ex.problems],
    }


def _to_ref(d: dict[str, str] | None) -> Ref | None:
    return None if d is None else Ref(id=d["id"], name=d["name"])


def document_from_dict(d: dict[str, Any]) -> Document:
    return Document(
        id=d["id"],
        path=d["path"],
        format=d["format"],
        text=d["text"],
        sha256=d["sha256"],
        url=d.get("url"),
        title=d.get("title"),
        publisher=d.get("publisher"),
        date=d.get("date"),
        authors=tuple(d.get("authors", ())),
        page_starts=tuple(d.get("page_starts", ())),
    )


def extraction_from_dict(d: dict[str, Any]) -> Extraction:
    """Inverse of :func:`extraction_to_dict` (for records that carry the extra fields)."""
    doc = document_from_dict(d["document"])
    entities = tuple(
        Entity(
            id=e["id"],
            name=e["name"],
            type=e["type"],
            aliases=tuple(e.get("aliases", ())),
            wikidata=e.get("wikidata"),
            mentions=tuple(Mention(m["start"], m["end"], m["text"], e["id"]) for m in e.get("mentions", ())),
            merges=tuple(Merge(m["alias"], m["rule"]) for m in e.get("merges", ())),
            in_seed=bool(e.get("in_seed", False)),
            family=e.get("family"),
        )
        for e in d.get("entities", ())
    )
    relations = tuple(
        Relation(
            subject=r["subject"],
            predicate=r["predicate"],
            object=r["object"],
            evidence=Span(r["evidence"]["start"], r["evidence"]["end"], r["evidence"]["text"]),
            rule=r["rule"],
            confidence=float(r["confidence"]),
        )
        for r in d.get("relations", ())
    )
    claims = tuple(
        Claim(
            id=c["id"],
            text=c["text"],
            start=c["start"],
            end=c["end"],
            modality=cast(Modality, c["modality"]),
            attributed_to=_to_ref(c.get("attributed_to")),
            reported_by=_to_ref(c.get("reported_by")),
            cue=c.get("cue"),
            quotation=bool(c.get("quotation", False)),
            about=tuple(c.get("about", ())),
            page=c.get("page"),
        )
        for c in d.get("claims", ())
    )
    problems = tuple(Problem(p["path"], p["message"], p.get("line")) for p in d.get("problems", ()))
    return Extraction(document=doc, entities=entities, relations=relations, claims=claims, problems=problems)
