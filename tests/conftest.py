"""Fixtures shared by every test area. Area-specific fixtures live in the area's own test files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kg.config import Settings

if TYPE_CHECKING:
    from spacy.language import Language

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The two seed articles beside the checkout (CI has them there too)."""
    assert SEEDS.is_dir(), f"seed articles not found at {SEEDS}"
    return SEEDS


@pytest.fixture(scope="session")
def mini_trig() -> Path:
    return FIXTURES / "mini.trig"


@pytest.fixture(scope="session")
def trained_nlp() -> Language:
    """The full extraction pipeline (trained English model + seed ruler + kg components), loaded once."""
    from kg.nlp import load_nlp
    from kg.seed import load_seed

    settings = Settings()
    return load_nlp(settings, load_seed(settings))
