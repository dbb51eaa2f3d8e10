"""kg/patterns/relations.json, read once into typed tables every relation rule shares."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

from kg.extract.spans import pattern_data

PRONOUNS = frozenset({"it", "this", "its"})


@dataclass(frozen=True)
class Signature:
    domain: tuple[str, ...] | None
    range: tuple[str, ...] | None


@dataclass(frozen=True)
class RoleClass:
    """Role nouns that relate a holder ("founder", "unit", "investor") to an anchor ("of DeepSeek")."""

    name: str
    predicate: str
    subject_is_holder: bool
    holder: tuple[str, ...]
    anchor: tuple[str, ...]
    confidence: float
    preps: frozenset[str]
    nouns: tuple[str, ...]
    same_root: bool = False


@dataclass(frozen=True)
class RelationData:
    """The parts of kg/patterns/relations.json every rule needs."""

    raw: dict[str, Any]
    signatures: dict[str, Signature]
    symmetric: frozenset[str]
    hedge_factor: float
    resolution_factor: float
    report_nouns: frozenset[str]
    generic_nouns: frozenset[str]
    anaphors: dict[str, tuple[str, ...]]
    anaphor_window: int
    roles: tuple[RoleClass, ...]
    of_nouns: frozenset[str]
    example_preps: frozenset[str]
    keep_hedged: bool
    referring_words: frozenset[str]  # words that resolve to an entity without a mention ("it", "its", "whose")
    referring_lemmas: frozenset[str]  # nouns that do ("the report", "the company's")

    # Tables the rules read once per sentence unit, made once instead.
    @cached_property
    def possessors(self) -> list[str]:
        """Every class that can own something in a possessive rule, sorted."""
        return sorted({t for e in self.raw["possessives"] for t in e["possessor"]})

    @cached_property
    def possessed_nouns(self) -> frozenset[str]:
        """Generic and report nouns: the heads a possessive may attach to through a compound."""
        return self.generic_nouns | self.report_nouns

    @cached_property
    def light_verbs(self) -> frozenset[str]:
        return frozenset(self.raw["light_verbs"])

    @cached_property
    def bare_titles(self) -> frozenset[str]:
        return frozenset(self.raw["bare_titles"])


def _types(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    assert isinstance(value, list)
    return tuple(str(v) for v in value)


@lru_cache(maxsize=1)
def relation_data() -> RelationData:
    raw = pattern_data("relations")
    sigs = {
        name: Signature(_types(sig.get("domain")), _types(sig.get("range"))) for name, sig in raw["signatures"].items()
    }
    return RelationData(
        raw=raw,
        signatures=sigs,
        symmetric=frozenset(raw["symmetric"]),
        hedge_factor=float(raw["hedge_factor"]),
        resolution_factor=float(raw["resolution_factor"]),
        report_nouns=frozenset(str(n).lower() for n in raw["report_nouns"]),
        generic_nouns=frozenset(str(n).lower() for n in raw["generic_nouns"]),
        anaphors={str(k).lower(): tuple(v) for k, v in raw["anaphors"].items()},
        anaphor_window=int(raw["anaphor_window_units"]),
        roles=tuple(
            RoleClass(
                name=r["name"],
                predicate=r["predicate"],
                subject_is_holder=r["subject"] == "holder",
                holder=tuple(r["holder"]),
                anchor=tuple(r["anchor"]),
                confidence=float(r["confidence"]),
                preps=frozenset(r["preps"]),
                nouns=tuple(r["nouns"]),
                same_root=bool(r.get("same_root", False)),
            )
            for r in raw["role_classes"]
        ),
        of_nouns=frozenset(str(n).lower() for n in raw["of_nouns"]),
        example_preps=frozenset(str(n).lower() for n in raw["example_preps"]),
        keep_hedged=bool(raw["keep_hedged"]),
        referring_words=PRONOUNS | frozenset(str(w).lower() for w in raw["possessive_pronouns"]),
        referring_lemmas=frozenset(str(n).lower() for n in (*raw["report_nouns"], *raw["anaphors"])),
    )


__all__ = ["PRONOUNS", "RelationData", "RoleClass", "Signature", "relation_data"]
