"""RDF namespaces used across the project (the ontology's own and the standards it aligns to)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.config import ONTOLOGY_NS

KG = Namespace(ONTOLOGY_NS)
OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")
WD = Namespace("http://www.wikidata.org/entity/")
CITO = Namespace("http://purl.org/spar/cito/")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, str] = {
    "kg": str(KG),
    "oa": str(OA),
    "schema": str(SCHEMA),
    "wd": str(WD),
    "cito": str(CITO),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}

__all__ = ["CITO", "DCTERMS", "KG", "OA", "OWL", "PREFIXES", "PROV", "RDF", "RDFS", "SCHEMA", "SKOS", "WD", "XSD"]
