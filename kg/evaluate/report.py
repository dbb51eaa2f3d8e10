"""The evaluation report: a stable JSON shape and a readable text table."""

from __future__ import annotations

from typing import Any

from kg.evaluate.score import Counts, Ratio, Scores

# The headline measures, their targets (issue 9) and how they are read from the scores.
TARGETS: dict[str, float] = {
    "entity_f1": 0.95,
    "typed_accuracy": 0.95,
    "relation_f1": 0.80,
    "claim_recall": 0.90,
    "attribution_accuracy": 0.85,
    "modality_accuracy": 0.90,
}


def headline(scores: Scores) -> dict[str, float]:
    """The measures the regression guard compares with the baseline."""
    return {
        "entity_f1": round(scores.entities.f1, 4),
        "typed_accuracy": round(scores.types.value, 4),
        "relation_f1": round(scores.relations.f1, 4),
        "claim_recall": round(scores.claims.recall, 4),
        "attribution_accuracy": round(scores.attribution.value, 4),
        "modality_accuracy": round(scores.modality.value, 4),
        "merge_precision": round(scores.merges.precision, 4),
        "merge_recall": round(scores.merges.recall, 4),
    }


def _counts(table: dict[str, Counts]) -> dict[str, dict[str, float | int]]:
    return {k: table[k].as_dict() for k in sorted(table)}


def _ratios(table: dict[str, Ratio]) -> dict[str, dict[str, float | int]]:
    return {k: table[k].as_dict() for k in sorted(table)}


def to_dict(scores: Scores, gold: str, pairs: int) -> dict[str, Any]:
    return {
        "gold": gold,
        "documents": len(scores.by_document),
        "scores": headline(scores),
        "targets": TARGETS,
        "entities": {**scores.entities.as_dict(), "by_type": _counts(scores.entities_by_type)},
        "types": {**scores.types.as_dict(), "by_type": _ratios(scores.types_by_type)},
        "relations": {**scores.relations.as_dict(), "by_predicate": _counts(scores.relations_by_predicate)},
        "claims": {
            **scores.claims.as_dict(),
            "attribution": scores.attribution.as_dict(),
            "modality": {**scores.modality.as_dict(), "by_gold_modality": _ratios(scores.modality_by_gold)},
        },
        "clustering": {**scores.merges.as_dict(), "pairs": pairs, "unresolved": scores.pairs_unresolved},
        "by_document": {
            doc_id: {
                "entities": s.entities.as_dict(),
                "types": s.types.as_dict(),
                "relations": s.relations.as_dict(),
                "claims": s.claims.as_dict(),
                "attribution": s.attribution.as_dict(),
                "modality": s.modality.as_dict(),
            }
            for doc_id, s in sorted(scores.by_document.items())
        },
        "misses": [f.as_dict() for f in scores.misses],
        "spurious": [f.as_dict() for f in scores.spurious],
    }


def _prf(c: Counts) -> str:
    return f"P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}  (tp {c.tp}, fp {c.fp}, fn {c.fn})"


def format_text(scores: Scores, gold: str, pairs: int) -> str:
    head = headline(scores)
    lines = [f"kg eval {gold}: {len(scores.by_document)} documents", ""]
    rows = [
        ("entity F1", "entity_f1", _prf(scores.entities)),
        ("typed accuracy", "typed_accuracy", f"{scores.types.correct}/{scores.types.total} found entities"),
        ("relation F1", "relation_f1", _prf(scores.relations)),
        ("claim recall", "claim_recall",
         f"{scores.claims.tp}/{scores.claims.tp + scores.claims.fn} gold claims; {scores.claims.fp} predicted "
         f"claims cover no gold claim (precision {scores.claims.precision:.3f})"),
        ("attribution accuracy", "attribution_accuracy", f"{scores.attribution.correct}/{scores.attribution.total}"),
        ("modality accuracy", "modality_accuracy", f"{scores.modality.correct}/{scores.modality.total}"),
        ("merge precision", "merge_precision",
         f"{scores.merges.tp} merged of {scores.merges.tp + scores.merges.fp} pairs merged ({pairs} labelled, "
         f"{scores.pairs_unresolved} with a claim not found)"),
        ("merge recall", "merge_recall", f"{scores.merges.tp}/{scores.merges.tp + scores.merges.fn} 'same' pairs"),
    ]
    lines.append(f"{'measure':<22}{'score':>7}  {'target':>7}  counts")
    for label, key, detail in rows:
        target = TARGETS.get(key)
        mark = "" if target is None else ("  " if head[key] >= target else " <")
        shown_target = f"{target:.2f}" if target is not None else "-"
        lines.append(f"{label:<22}{head[key]:>7.3f}  {shown_target:>7}{mark}  {detail}")
    lines += ["", "entities by type:"]
    for key, counts in sorted(scores.entities_by_type.items()):
        typed = scores.types_by_type.get(key)
        typed_text = f"  typed {typed.correct}/{typed.total}" if typed else ""
        lines.append(f"  {key:<16}{_prf(counts)}{typed_text}")
    lines += ["", "relations by predicate:"]
    for key, counts in sorted(scores.relations_by_predicate.items()):
        lines.append(f"  {key:<16}{_prf(counts)}")
    lines += ["", "by document:"]
    for doc_id, s in sorted(scores.by_document.items()):
        lines.append(
            f"  {doc_id:<44} entities F1 {s.entities.f1:.2f}  relations F1 {s.relations.f1:.2f}  "
            f"claims {s.claims.tp}/{s.claims.tp + s.claims.fn}  attribution {s.attribution.correct}/"
            f"{s.attribution.total}  modality {s.modality.correct}/{s.modality.total}"
        )
    lines += ["", f"misses ({len(scores.misses)}):"]
    for f in scores.misses:
        lines.append(f"  {f.kind:<12}{f.doc_id}: {f.gold}" + (f"  -> predicted {f.predicted}" if f.predicted else ""))
    lines += ["", f"spurious ({len(scores.spurious)}):"]
    for f in scores.spurious:
        lines.append(f"  {f.kind:<12}{f.doc_id}: {f.predicted}" + (f"  ({f.gold})" if f.gold else ""))
    return "\n".join(lines)
