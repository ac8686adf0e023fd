"""The classic credit scorecard's first step: monotone binning with weight of evidence.

`WoEBinner` is a scikit-learn transformer. Fitted on the raw columns (a DataFrame) and the 0/1
default flag, it bins each numeric column into at most `max_bins` intervals whose default rate
is monotone in the value, each holding at least `min_bin_share` of the rows (quantile pre-bins,
then merging adjacent bins: first where the trend breaks, then the smallest, then the most
alike); a categorical column gets a bin per category (rare ones share one). Missing values
(NaN, or "" for text) and any declared special values (e.g. -1 for "no history") get bins of
their own. Each bin's weight of evidence is `ln(share of non-defaults / share of defaults)`,
with half a count added to each side so an empty side stays finite; a value never seen at fit
time (an unknown category, a missing value in a column that had none) scores 0, the neutral
weight. `transform` returns one WoE column per input column, in the order fitted.

Put it first in a pipeline, `Pipeline([("woe", WoEBinner()), ("model", LogisticRegression())])`:
its own ONNX converter (`woe_onnx`) reproduces the bins exactly in float64, so the scorecard
exports with parity, and `points_table` turns the fitted pipeline into the points per bin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

PRE_BINS = 20
SMOOTHING = 0.5


class WoEBinner(TransformerMixin, BaseEstimator):
    def __init__(self, max_bins: int = 5, min_bin_share: float = 0.05,
                 special_values: dict | None = None) -> None:
        self.max_bins = max_bins
        self.min_bin_share = min_bin_share
        self.special_values = special_values

    def fit(self, X: pd.DataFrame, y) -> WoEBinner:
        if not isinstance(X, pd.DataFrame):
            raise TypeError("WoEBinner is fitted on a DataFrame (it bins each column by name)")
        y = np.asarray(y).astype(np.int64)
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("WoEBinner needs a 0/1 target (1 = default) with both classes")
        self.feature_names_in_ = np.array([str(c) for c in X.columns], dtype=object)
        self.n_features_in_ = len(self.feature_names_in_)
        totals = (float((y == 0).sum()), float((y == 1).sum()))
        self.bins_ = {}
        for name in self.feature_names_in_:
            column = X[name]
            if pd.api.types.is_numeric_dtype(column):
                self.bins_[name] = self._numeric(column.to_numpy(np.float64), y, totals, name)
            else:
                self.bins_[name] = self._categorical(column.astype(str).to_numpy(), y, totals)
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(X), self.n_features_in_), dtype=np.float64)
        for j, name in enumerate(self.feature_names_in_):
            bins = self.bins_[name]
            if bins["kind"] == "numeric":
                x = pd.to_numeric(X[name], errors="coerce").to_numpy(np.float64)
                edges = np.asarray(bins["edges"], dtype=np.float64)
                values = np.asarray(bins["woe"], dtype=np.float64)[
                    np.searchsorted(edges, x, side="right")]
                for special, woe in bins["special"].items():
                    values = np.where(x == special, woe, values)
                out[:, j] = np.where(np.isnan(x), bins["missing"], values)
            else:
                table = bins["categories"]
                text = X[name].astype(str).to_numpy()
                out[:, j] = [table.get(v, bins["missing"] if v in ("", "nan") else 0.0)
                             for v in text]
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([f"woe_{n}" for n in self.feature_names_in_], dtype=object)

    # -- fitting ------------------------------------------------------------------------------

    def _numeric(self, x: np.ndarray, y: np.ndarray, totals: tuple[float, float],
                 name: str) -> dict:
        specials = [float(v) for v in (self.special_values or {}).get(name, [])]
        missing = np.isnan(x)
        special = np.isin(x, specials) & ~missing
        regular = ~missing & ~special
        values, flags = x[regular], y[regular]
        cuts = np.unique(np.quantile(values, np.linspace(0, 1, PRE_BINS + 1)[1:-1])) \
            if values.size else np.array([])
        where = np.searchsorted(cuts, values, side="right")
        counts = [(int((flags[where == i] == 0).sum()), int((flags[where == i] == 1).sum()))
                  for i in range(len(cuts) + 1)]
        edges, counts = self._merge(list(cuts), counts, len(y))
        return {"kind": "numeric", "edges": [float(e) for e in edges],
                "woe": [_woe(good, bad, totals) for good, bad in counts],
                "missing": _woe(int((y[missing] == 0).sum()), int((y[missing] == 1).sum()),
                                totals) if missing.any() else 0.0,
                "special": {s: _woe(int((y[x == s] == 0).sum()), int((y[x == s] == 1).sum()),
                                    totals) for s in specials if (x == s).any()}}

    def _merge(self, edges: list[float], counts: list[tuple[int, int]], rows: int):
        """Merge adjacent bins until the default rate is monotone, every bin holds at least
        `min_bin_share` of the rows, and there are at most `max_bins`."""
        def rate(c):
            return (c[1] + SMOOTHING) / (c[0] + c[1] + 2 * SMOOTHING)

        def merge(i: int) -> None:  # bin i with bin i + 1
            counts[i:i + 2] = [(counts[i][0] + counts[i + 1][0], counts[i][1] + counts[i + 1][1])]
            del edges[i]

        while len(counts) > 1:
            rates = [rate(c) for c in counts]
            rising = rates[-1] >= rates[0]
            broken = [i for i in range(len(rates) - 1)
                      if (rates[i + 1] < rates[i]) == rising and rates[i + 1] != rates[i]]
            gaps = [abs(rates[i + 1] - rates[i]) for i in range(len(rates) - 1)]
            small = [i for i, c in enumerate(counts) if sum(c) < self.min_bin_share * rows]
            if broken:
                merge(min(broken, key=lambda i: gaps[i]))
            elif small:
                i = min(small, key=lambda i: sum(counts[i]))
                merge(i if i == 0 or (i < len(gaps) and gaps[i] <= gaps[i - 1]) else i - 1)
            elif len(counts) > self.max_bins:
                merge(int(np.argmin(gaps)))
            else:
                break
        return edges, counts

    def _categorical(self, text: np.ndarray, y: np.ndarray, totals: tuple[float, float]) -> dict:
        missing = (text == "") | (text == "nan")
        present = text[~missing]
        values, counts = np.unique(present, return_counts=True)
        rare = set(values[counts < self.min_bin_share * len(text)])
        table = {}
        if rare:
            pooled = np.isin(text, list(rare))
            shared = _woe(int((y[pooled] == 0).sum()), int((y[pooled] == 1).sum()), totals)
            table.update({str(v): shared for v in rare})
        for v in values:
            if v not in rare:
                mask = text == v
                table[str(v)] = _woe(int((y[mask] == 0).sum()), int((y[mask] == 1).sum()), totals)
        return {"kind": "categorical", "categories": table,
                "missing": _woe(int((y[missing] == 0).sum()), int((y[missing] == 1).sum()),
                                totals) if missing.any() else 0.0}


def _woe(good: int, bad: int, totals: tuple[float, float]) -> float:
    return float(np.log(((good + SMOOTHING) / (totals[0] + SMOOTHING))
                        / ((bad + SMOOTHING) / (totals[1] + SMOOTHING))))
