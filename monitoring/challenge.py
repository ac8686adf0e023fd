"""Champion-challenger evidence for a promotion from shadow (issue 18 item 6): the paired
comparison on the shadow log's rows, so "effective challenge" (SR 11-7) is evidence, not a
claim.

The pairs are the applications both the champion and the shadow scored whose outcome is on
record (`seawall outcomes load`). On them: each model's AUC, the AUC delta with its 95 %
interval and DeLong's paired test (the delta's variance is DeLong's), and each model's
Hosmer-Lemeshow calibration. Too few outcomes is said plainly (verdict `insufficient`), never
filled in.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy import stats

from artifacts.ledger import open_store
from monitoring.outcomes import OUTCOMES, outcomes_for
from monitoring.performance import calibration_test, delong_variance, enough_outcomes

FORMAT = "seawall.champion_challenger/v1"
EVER = ("0000", "9999")  # every decided_at


@dataclass(frozen=True, kw_only=True)
class Challenge:
    format: str
    model: str
    champion_version: str
    challenger_version: str
    pairs: int  # applications both scored, with an outcome on record
    defaults: int
    verdict: str  # challenger-better | champion-better | no-difference | insufficient
    auc_champion: float | None = None
    auc_challenger: float | None = None
    auc_delta: float | None = None  # challenger - champion
    delta_low: float | None = None
    delta_high: float | None = None
    delong_z: float | None = None
    delong_p: float | None = None
    calibration: dict | None = None  # role -> Hosmer-Lemeshow chi2, p, verdict
    computed_at: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def challenge(*, decision_log: str, region_home: Path, model: str, champion_version: str,
              challenger_version: str, alpha: float = 0.05) -> Challenge:
    store = open_store(decision_log, read_only=True)
    try:
        mine = store.scores(model, champion_version, "champion", *EVER)
        theirs = {i: p for _, p, i in store.scores(model, challenger_version, "shadow", *EVER)
                  if i is not None}
    finally:
        store.close()
    ids = [i for _, _, i in mine if i in theirs]
    outcomes = outcomes_for(region_home / OUTCOMES, ids)
    pairs = [(p, theirs[i], outcomes[i]) for _, p, i in mine if i in outcomes]
    y = np.array([t[2] for t in pairs], dtype=np.int64)
    base = {"format": FORMAT, "model": model, "champion_version": champion_version,
            "challenger_version": challenger_version, "pairs": len(pairs),
            "defaults": int(y.sum()), "computed_at": datetime.now(UTC).isoformat(
                timespec="seconds")}
    if not enough_outcomes(y):
        return Challenge(**base, verdict="insufficient")
    a = np.array([t[0] for t in pairs])
    b = np.array([t[1] for t in pairs])
    auc_a, auc_b, variance = delong_variance(y, a, b)
    delta = auc_b - auc_a
    half = stats.norm.ppf(1 - alpha / 2) * math.sqrt(max(variance, 0.0))
    z = delta / math.sqrt(variance) if variance > 0 else 0.0
    p = float(2 * stats.norm.sf(abs(z)))
    verdict = ("no-difference" if p >= alpha else
               "challenger-better" if delta > 0 else "champion-better")
    calibration = {}
    for role, scores in (("champion", a), ("challenger", b)):
        c = calibration_test(role, y, scores, alpha=alpha)
        calibration[role] = {"chi2": _finite(c.statistic), "p": _finite(c.p_value),
                             "verdict": str(c.verdict)}
    return Challenge(**base, verdict=verdict, auc_champion=auc_a, auc_challenger=auc_b,
                     auc_delta=delta, delta_low=delta - half, delta_high=delta + half,
                     delong_z=z, delong_p=p, calibration=calibration)


def _finite(value) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)
