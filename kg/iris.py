"""The only place IRIs are minted. Deterministic, valid, and relative to a configurable base."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from kg.config import DEFAULT_BASE_IRI

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def short_hash(*parts: object, length: int = 12) -> str:
    """A stable hex digest of the parts (joined with a separator that cannot occur in them)."""
    blob = "\x1f".join(str(p) for p in parts).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:length]


def slug(name: str) -> str:
    """``"Qwen2.5-72B"`` -> ``"qwen2-5-72b"``. Non-ASCII that cannot be transliterated adds a hash."""
    folded = unicodedata.normalize("NFKD", name.replace("’", "'"))
    ascii_part = folded.encode("ascii", "ignore").decode("ascii").lower()
    base = _NON_ALNUM.sub("-", ascii_part.replace("'", "")).strip("-")
    lossy = any(ord(ch) > 127 and not unicodedata.combining(ch) for ch in folded)
    if not base:
        return "x-" + short_hash(name, length=10)
    if lossy:
        return f"{base}-{short_hash(name, length=6)}"
    return base


def _path(doc_id: str) -> str:
    return quote(doc_id, safe="-._~/")


@dataclass(frozen=True)
class Iris:
    """Mints every IRI of a build. ``Iris(settings.base_iri)``."""

    base: str = DEFAULT_BASE_IRI

    def __post_init__(self) -> None:
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^\s<>\"{}|\\^`]+/$", self.base):
            raise ValueError(f"base IRI must be an absolute IRI ending in '/': {self.base!r}")

    # entities -------------------------------------------------------------
    def entity(self, name: str) -> str:
        """IRI of an entity from its canonical name (new entities)."""
        return f"{self.base}entity/{slug(name)}"

    def entity_key(self, key: str) -> str:
        """IRI of a seed entity from its key (the local name used in ontology/seed/*.ttl)."""
        return f"{self.base}entity/{quote(key, safe='-._~')}"

    def merge(self, entity_iri: str, alias: str) -> str:
        return f"{entity_iri}/merge/{slug(alias)}"

    # documents and what they hold -----------------------------------------
    def document(self, doc_id: str) -> str:
        return f"{self.base}doc/{_path(doc_id)}"

    def document_graph(self, doc_id: str) -> str:
        return f"{self.base}graph/doc/{_path(doc_id)}"

    def mention(self, doc_id: str, start: int, end: int) -> str:
        return f"{self.base}mention/{_path(doc_id)}/{start}-{end}"

    def claim(self, doc_id: str, start: int, end: int) -> str:
        return f"{self.base}claim/{_path(doc_id)}/{start}-{end}"

    def relation(self, doc_id: str, subject: str, predicate: str, obj: str, start: int, end: int) -> str:
        return f"{self.base}relation/{_path(doc_id)}/{short_hash(subject, predicate, obj, start, end)}"

    @staticmethod
    def target(owner_iri: str) -> str:
        """The oa:SpecificResource holding the selectors of a claim, relation or mention."""
        return f"{owner_iri}/target"

    @staticmethod
    def quote_selector(owner_iri: str) -> str:
        return f"{owner_iri}/quote"

    @staticmethod
    def position_selector(owner_iri: str) -> str:
        return f"{owner_iri}/position"

    # build-wide -----------------------------------------------------------
    @property
    def ontology_graph(self) -> str:
        return f"{self.base}graph/ontology"

    @property
    def cross_graph(self) -> str:
        return f"{self.base}graph/cross"

    def cluster(self, key: str) -> str:
        return f"{self.base}cluster/{short_hash(key)}"

    def activity(self, tool_version: str, config_hash: str) -> str:
        return f"{self.base}activity/{quote(tool_version, safe='-._~')}-{config_hash}"

    def namespaces(self) -> dict[str, str]:
        """Short prefixes for the kinds of IRI a build mints (tables shorten with them; queries may use them)."""
        return {"id": self.base, "e": f"{self.base}entity/", "doc": f"{self.base}doc/",
                "claim": f"{self.base}claim/", "rel": f"{self.base}relation/", "graph": f"{self.base}graph/"}
