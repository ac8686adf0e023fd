"""CSI per feature and PCA-CSI per component, from the feature values the service keeps onshore
beside the decision log (`decision_features`, one JSON array per decision, contract order).

The values are read in chunks into per-feature counts against the signed profile
(`monitoring.window`), so memory is set by the chunk. Each feature is one test of one window:
with 23 of them at 5 % a false alarm a window is what "nothing changed" looks like, so the
p-values are corrected across the features (the plan's `correction`, Benjamini-Hochberg by
default) and, separately, across the principal components. A feature drifts when its CSI
passes the business threshold (the PSI bands: the plan's `p2.score_psi`) and its corrected
test rejects. The plan's top features (by the profile's importance) carry `top: true`; CSI
above `p1.top_feature_csi` on one of them is P1.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import orjson

from artifacts.bundle.reference_profile import ReferenceProfile
from monitoring.multiple import significant
from monitoring.multivariate import project
from monitoring.plan import MonitoringPlan
from monitoring.results import DetectorResult, Verdict
from monitoring.window import CategoricalWindow, NumericWindow

CHUNK = 100_000  # rows parsed at a time


class FeatureCounts:
    """A window's kept values counted into the profile's bins: every feature, every component."""

    def __init__(self, names: list[str], profile: ReferenceProfile) -> None:
        self.names = names
        self.numeric = {n: NumericWindow(n, f.numeric, grid=False)
                        for n, f in profile.features.items()
                        if f.numeric is not None and n in names}
        self.categorical = {n: CategoricalWindow(n, f.categorical)
                            for n, f in profile.features.items()
                            if f.categorical is not None and n in names}
        pca = profile.pca
        self.pca = pca if pca and set(pca.features) <= set(self.numeric) else None
        self.components = [NumericWindow(f"pc{k + 1}", c, grid=False) for k, c in
                           enumerate(self.pca.components)] if self.pca else []

    def add(self, texts: list[str]) -> FeatureCounts:
        column = {n: j for j, n in enumerate(self.names)}
        numeric = [column[n] for n in self.numeric]
        for at in range(0, len(texts), CHUNK):
            rows = np.array(orjson.loads("[" + ",".join(texts[at:at + CHUNK]) + "]"),
                            dtype=object)
            if rows.ndim != 2 or rows.shape[1] != len(self.names):
                raise ValueError(f"kept feature values do not have the contract's "
                                 f"{len(self.names)} columns")
            block = _numbers(rows[:, numeric])
            values = {n: block[:, i] for i, n in enumerate(self.numeric)}
            for n, window in self.numeric.items():
                window.add(values[n])
            for n, window in self.categorical.items():
                window.add(rows[:, column[n]].tolist())
            if self.pca:
                scores = project(self.pca, values)
                for k, window in enumerate(self.components):
                    window.add(scores[:, k])
        return self

    def features(self) -> list:
        return [*self.numeric.values(), *self.categorical.values()]


def feature_findings(texts: list[str], names: list[str], profile: ReferenceProfile,
                     plan: MonitoringPlan, baseline: list[str] | None = None
                     ) -> list[DetectorResult]:
    """CSI for every profiled feature and PCA-CSI for every component, corrected; against the
    profile's bins, or given `baseline` (an earlier window's kept values), against its counts
    in the same bins."""
    window = FeatureCounts(names, profile).add(texts)
    before = None if baseline is None else FeatureCounts(names, profile).add(baseline)
    alpha, correction, alert = plan.statistics.alpha, plan.correction, \
        plan.p2.score_psi
    top = profile.top_features(plan.p1.top_features)
    csi = [w.psi(alert=alert, alpha=alpha,
                 reference=None if before is None else before.features()[i].counts)
           for i, w in enumerate(window.features())]
    csi = [replace(r, detail={**r.detail, "top": r.subject in top,
                              "kind": "numeric" if r.subject in window.numeric
                              else "categorical"}) for r in csi]
    pcs = [w.psi(detector="pca_csi", alert=alert, alpha=alpha,
                 reference=None if before is None else before.components[k].counts)
           for k, w in enumerate(window.components)]
    pcs = [replace(r, detail={**r.detail, "explained": window.pca.explained[k]})
           for k, r in enumerate(pcs)]
    return [*corrected(csi, correction, alpha), *corrected(pcs, correction, alpha)]


def corrected(results: list[DetectorResult], correction, alpha: float
              ) -> list[DetectorResult]:
    """Verdicts under the multiple-testing correction across `results` (one family): drift
    where the statistic passes its business threshold and the corrected test rejects."""
    tested = [i for i, r in enumerate(results)
              if r.verdict is not Verdict.INSUFFICIENT and r.p_value is not None]
    rejected = significant(np.array([results[i].p_value for i in tested]), correction, alpha)
    out = list(results)
    for i, reject in zip(tested, rejected, strict=True):
        r = results[i]
        alert = float(r.detail.get("business_threshold", r.threshold))
        out[i] = replace(r, threshold=alert,
                         verdict=Verdict.DRIFT if reject and r.statistic > alert
                         else Verdict.STABLE,
                         detail={**r.detail, "correction": correction.value,
                                 "family": len(tested), "rejected": bool(reject)})
    return out


def _numbers(block: np.ndarray) -> np.ndarray:
    """Numeric columns (an object array) as float64, None as NaN."""
    block = block.copy()
    block[block == None] = np.nan  # noqa: E711  (elementwise on an object array)
    return block.astype(np.float64)
