"""The points table of a classic scorecard: a `WoEBinner` followed by a logistic regression.

With log odds of default `a + sum_j b_j * woe_j`, and the service's scaling (`--base-score`
points at `--base-odds` good:bad, `--points-to-double-odds`), the score is
`offset - factor * (a + sum_j b_j * woe_j)` with `factor = pdo / ln 2` and
`offset = base_score - factor * ln(base_odds)`. Each bin of each feature gets
`-factor * (b_j * woe + a / k) + offset / k` points, so a row's points add up to exactly what
`/score` answers for it; the table goes into the bundle as `scorecard.json`, signed with the
rest, for the model card and for anyone checking a score by hand.
"""

from __future__ import annotations

import math

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from artifacts.factory.pipelines import split
from artifacts.factory.woe import WoEBinner

SCORECARD_FILE = "scorecard.json"
SCORECARD_FORMAT = "seawall.scorecard/v1"


def points_table(pipeline: Pipeline, *, base_score: float = 600.0, base_odds: float = 50.0,
                 pdo: float = 20.0, default_column: int = 1) -> dict | None:
    """The points per bin, or None when the pipeline is not a WoE scorecard."""
    preprocessor, estimator = split(pipeline)
    steps = list(preprocessor.named_steps.values())
    if len(steps) != 1 or not isinstance(steps[0], WoEBinner) \
            or not isinstance(estimator, LogisticRegression):
        return None
    binner: WoEBinner = steps[0]
    sign = 1.0 if default_column == 1 else -1.0  # coefficients of the log odds of default
    coefs = sign * estimator.coef_[0]
    intercept = sign * float(estimator.intercept_[0])
    factor = pdo / math.log(2)
    offset = base_score - factor * math.log(base_odds)
    k = binner.n_features_in_

    def points(b: float, woe: float) -> float:
        return round(-factor * (b * woe + intercept / k) + offset / k, 6)

    features = []
    for b, name in zip(coefs, binner.feature_names_in_):
        bins = binner.bins_[name]
        rows = []
        if bins["kind"] == "numeric":
            edges = [-math.inf, *bins["edges"], math.inf]
            for lo, hi, woe in zip(edges, edges[1:], bins["woe"]):
                rows.append({"bin": f"[{_bound(lo)}, {_bound(hi)})", "woe": woe,
                             "points": points(b, woe)})
            rows += [{"bin": f"= {v:g}", "woe": w, "points": points(b, w)}
                     for v, w in bins["special"].items()]
        else:
            rows += [{"bin": str(c), "woe": w, "points": points(b, w)}
                     for c, w in bins["categories"].items()]
            rows.append({"bin": "(unknown category)", "woe": 0.0, "points": points(b, 0.0)})
        rows.append({"bin": "(missing)", "woe": bins["missing"],
                     "points": points(b, bins["missing"])})
        features.append({"field": str(name), "coefficient": float(b), "bins": rows})
    return {"format": SCORECARD_FORMAT, "base_score": base_score, "base_odds": base_odds,
            "points_to_double_odds": pdo, "intercept": intercept, "features": features}


def _bound(value: float) -> str:
    return "-inf" if value == -math.inf else "inf" if value == math.inf else f"{value:.6g}"
