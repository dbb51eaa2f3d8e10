"""Measured quality: score the extractor against gold annotations (``kg eval``)."""

from kg.evaluate.gold import (
    ClaimPair,
    ClaimRef,
    GoldClaim,
    GoldDocument,
    GoldEntity,
    GoldError,
    GoldRelation,
    check_against_documents,
    load_gold,
    load_pairs,
    parse_gold,
    parse_pairs,
)
from kg.evaluate.report import TARGETS, format_text, headline, to_dict
from kg.evaluate.run import EvalRun, run_eval
from kg.evaluate.score import Counts, Finding, Ratio, Scores, evaluate_extractions

__all__ = [
    "TARGETS",
    "ClaimPair",
    "ClaimRef",
    "Counts",
    "EvalRun",
    "Finding",
    "GoldClaim",
    "GoldDocument",
    "GoldEntity",
    "GoldError",
    "GoldRelation",
    "Ratio",
    "Scores",
    "check_against_documents",
    "evaluate_extractions",
    "format_text",
    "headline",
    "load_gold",
    "load_pairs",
    "parse_gold",
    "parse_pairs",
    "run_eval",
    "to_dict",
]
