"""The WoE scorecard: monotone bins, its ONNX form equal to scikit-learn's to the last bit on
any input (missing values, special values, categories never seen), and a points table whose
sum is the score."""

from __future__ import annotations

import math

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from artifacts.factory import WoEBinner, points_table, woe_onnx


def frame(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"utilisation": rng.uniform(0, 1.5, n), "months": rng.integers(-1, 60, n)
                      .astype(float), "housing": rng.choice(["own", "rent", "free", "other"], n,
                                                            p=[.5, .3, .17, .03])})
    x.loc[rng.random(n) < 0.04, "utilisation"] = np.nan
    x.loc[rng.random(n) < 0.04, "housing"] = ""
    logit = 2.5 * x["utilisation"].fillna(1.2) - 0.03 * x["months"] + (x["housing"] == "rent")
    y = (rng.random(n) < 1 / (1 + np.exp(-(logit - 1.5)))).astype(int)
    return x, y.to_numpy()


@pytest.fixture(scope="module")
def scorecard():
    x, y = frame(4000, 1)
    return Pipeline([("woe", WoEBinner(max_bins=5, special_values={"months": [-1]})),
                     ("model", LogisticRegression(max_iter=1000))]).fit(x, y), x, y


def test_numeric_bins_are_monotone_large_enough_and_few(scorecard):
    pipeline, x, y = scorecard
    bins = pipeline[0].bins_["utilisation"]
    assert 2 <= len(bins["woe"]) <= 5 and bins["edges"] == sorted(bins["edges"])
    woe = np.array(bins["woe"])
    assert np.all(np.diff(woe) < 0) or np.all(np.diff(woe) > 0)  # monotone in the value
    where = np.searchsorted(bins["edges"], x["utilisation"].dropna(), side="right")
    assert np.bincount(where).min() >= 0.05 * len(x)
    assert -1.0 in pipeline[0].bins_["months"]["special"]
    assert pipeline[0].bins_["housing"]["categories"].keys() == {"own", "rent", "free", "other"}


def onnx_woe(binner: WoEBinner, x: pd.DataFrame) -> np.ndarray:
    woe_onnx.register()
    inputs = [(c, DoubleTensorType([None, 1]) if pd.api.types.is_numeric_dtype(x[c])
               else StringTensorType([None, 1])) for c in x]
    model = convert_sklearn(binner, initial_types=inputs, target_opset={"": 18, "ai.onnx.ml": 3})
    feeds = {c: x[[c]].to_numpy(np.float64) if t.__class__ is DoubleTensorType
             else x[[c]].astype(str).to_numpy(object) for c, t in inputs}
    return ort.InferenceSession(model.SerializeToString()).run(None, feeds)[0]


values = st.one_of(st.floats(-10, 10, allow_nan=False), st.just(np.nan), st.just(-1.0),
                   st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(values, values, st.sampled_from(["own", "rent", "free", "other",
                                                                 "", "boat", "Own"])),
                     min_size=1, max_size=40))
def test_the_onnx_bins_equal_scikit_learns_on_any_input(scorecard, rows):
    pipeline, _, _ = scorecard
    x = pd.DataFrame(rows, columns=["utilisation", "months", "housing"])
    np.testing.assert_array_equal(onnx_woe(pipeline[0], x), pipeline[0].transform(x))


def test_the_points_of_a_rows_bins_add_up_to_its_score(scorecard):
    pipeline, x, _ = scorecard
    table = points_table(pipeline)
    p = pipeline.predict_proba(x.head(50))[:, 1]
    factor = 20 / math.log(2)
    expected = 600 - factor * math.log(50) + factor * np.log((1 - p) / p)
    woe = pipeline[0].transform(x.head(50))
    lookup = [{row["woe"]: row["points"] for row in f["bins"]} for f in table["features"]]
    summed = [sum(lookup[j][w] for j, w in enumerate(r)) for r in woe]
    np.testing.assert_allclose(summed, expected, atol=1e-4)


def test_only_a_woe_logistic_pipeline_has_a_points_table(scorecard):
    pipeline, x, y = scorecard
    from sklearn.ensemble import GradientBoostingClassifier

    boosted = Pipeline([("woe", WoEBinner()), ("model", GradientBoostingClassifier(
        n_estimators=10))]).fit(x, y)
    assert points_table(boosted) is None
    with pytest.raises(ValueError, match="0/1 target"):
        WoEBinner().fit(x, np.full(len(x), 2))
