"""Discrimination and calibration metrics for a probability-of-default model."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from sklearn.metrics import brier_score_loss, roc_auc_score, roc_curve


@dataclass(frozen=True)
class CalibrationBin:
    decile: int  # 1 = lowest predicted risk
    rows: int
    mean_predicted: float
    observed_rate: float


@dataclass(frozen=True)
class Metrics:
    rows: int
    default_rate: float
    auc: float
    ks: float
    gini: float
    brier: float
    calibration: tuple[CalibrationBin, ...]

    def scalars(self) -> dict[str, float]:
        return {"auc": self.auc, "ks": self.ks, "gini": self.gini, "brier": self.brier}

    def to_dict(self) -> dict:
        d = asdict(self)
        d["calibration"] = [asdict(b) for b in self.calibration]
        return d


def evaluate(y: np.ndarray, p: np.ndarray) -> Metrics:
    """AUC, KS (max TPR - FPR), Gini (2 AUC - 1), Brier and a decile calibration table."""
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    auc = float(roc_auc_score(y, p))
    fpr, tpr, _ = roc_curve(y, p)
    return Metrics(rows=len(y), default_rate=float(y.mean()), auc=auc,
                   ks=float(np.max(tpr - fpr)), gini=2 * auc - 1,
                   brier=float(brier_score_loss(y, p)), calibration=calibration_table(y, p))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[CalibrationBin, ...]:
    """Rows sorted by predicted risk, cut into `bins` equal-count groups."""
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, bins)
    return tuple(CalibrationBin(decile=i + 1, rows=len(g), mean_predicted=float(p[g].mean()),
                                observed_rate=float(y[g].mean()))
                 for i, g in enumerate(groups) if len(g))
