"""The regression guard: recorded scores per gold set, and what dropped below them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kg.evaluate.gold import GoldError

TOLERANCE = 0.02


@dataclass(frozen=True)
class Baseline:
    gold: str  # gold file, relative to the repository root
    corpus: str  # corpus folder, relative to the repository root
    scores: dict[str, float]


def load_baselines(path: Path) -> dict[str, Baseline]:
    """``{gold file name: Baseline}`` from ``gold/baseline.json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise GoldError(f"{path}: cannot read the baseline ({err})") from err
    sets = data.get("sets") if isinstance(data, dict) else None
    if not isinstance(sets, list):
        raise GoldError(f"{path}: expected an object with a 'sets' list")
    out: dict[str, Baseline] = {}
    for i, raw in enumerate(sets):
        if not (isinstance(raw, dict) and isinstance(raw.get("gold"), str) and isinstance(raw.get("corpus"), str)
                and isinstance(raw.get("scores"), dict)):
            raise GoldError(f"{path}: set [{i}] needs 'gold', 'corpus' and 'scores'")
        scores = {str(k): float(v) for k, v in raw["scores"].items()}
        out[Path(raw["gold"]).name] = Baseline(raw["gold"], raw["corpus"], scores)
    return out


def regressions(scores: Mapping[str, float], baseline: Mapping[str, float], tolerance: float = TOLERANCE) -> list[str]:
    """One line per measure that fell more than ``tolerance`` below its baseline (or is missing)."""
    out: list[str] = []
    for key, recorded in sorted(baseline.items()):
        now = scores.get(key)
        if now is None:
            out.append(f"{key}: missing (baseline {recorded:.3f})")
        elif now < recorded - tolerance - 1e-9:
            out.append(f"{key}: {now:.3f} is more than {tolerance:.2f} below the baseline {recorded:.3f}")
    return out
