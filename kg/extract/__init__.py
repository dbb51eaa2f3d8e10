"""Extraction: spaCy ``Doc`` + :class:`kg.records.Document` -> :class:`kg.records.Extraction`.

``extract_document`` runs the three stages on one parsed document; ``extract_documents`` parses and extracts
many (batches, worker processes, long documents in chunks; see :mod:`kg.extract.pipeline`).
"""

from __future__ import annotations

from spacy.tokens import Doc

from kg.extract.claims import extract_claims
from kg.extract.entities import extract_entities
from kg.extract.pipeline import extract_documents
from kg.extract.relations import extract_relations
from kg.iris import Iris
from kg.records import Document, Extraction
from kg.seed import SeedKB


def extract_document(doc: Doc, document: Document, seed: SeedKB, iris: Iris) -> Extraction:
    """Entities, then relations between them, then claims, for one document parsed by ``kg.nlp.load_nlp``."""
    entities = extract_entities(doc, document, seed, iris)
    relations = extract_relations(doc, document, entities, iris)
    claims = extract_claims(doc, document, entities, iris, seed)
    return Extraction(document=document, entities=entities, relations=relations, claims=claims)


__all__ = ["extract_document", "extract_documents", "extract_entities"]
