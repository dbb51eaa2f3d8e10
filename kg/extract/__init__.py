"""Extraction: spaCy ``Doc`` + :class:`kg.records.Document` -> :class:`kg.records.Extraction`.

``extract_document`` runs the three stages on one parsed document; ``extract_documents`` parses and extracts
many (batches, worker processes, long documents in chunks; see :mod:`kg.extract.pipeline`).
"""

from __future__ import annotations

from spacy.tokens import Doc

from kg.extract.entities import extract_entities
from kg.extract.pipeline import extract_documents
from kg.iris import Iris
from kg.records import Claim, Document, Entity, Extraction, Relation
from kg.seed import SeedKB


def _relations(doc: Doc, document: Document, entities: tuple[Entity, ...], iris: Iris) -> tuple[Relation, ...]:
    try:
        from kg.extract.relations import extract_relations
    except ModuleNotFoundError as err:  # the relations stage has not landed yet
        if err.name != "kg.extract.relations":
            raise
        return ()
    return tuple(extract_relations(doc, document, entities, iris))


def _claims(doc: Doc, document: Document, entities: tuple[Entity, ...], iris: Iris, seed: SeedKB) -> tuple[Claim, ...]:
    try:
        from kg.extract.claims import extract_claims
    except ModuleNotFoundError as err:  # the claims stage has not landed yet
        if err.name != "kg.extract.claims":
            raise
        return ()
    return tuple(extract_claims(doc, document, entities, iris, seed))


def extract_document(doc: Doc, document: Document, seed: SeedKB, iris: Iris) -> Extraction:
    """Entities, then relations between them, then claims, for one document parsed by ``kg.nlp.load_nlp``."""
    entities = extract_entities(doc, document, seed, iris)
    relations = _relations(doc, document, entities, iris)
    claims = _claims(doc, document, entities, iris, seed)
    return Extraction(document=document, entities=entities, relations=relations, claims=claims)


__all__ = ["extract_document", "extract_documents", "extract_entities"]
