"""What credit teams actually bring, through the same export and parity gate: scikit-learn
pipelines of many shapes, LightGBM and XGBoost, calibrated classifiers, a model with no
preprocessing step, and the WoE scorecard. Each passes the gate within 1e-5 with its top
reason codes agreeing, and the report says which precision was used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lightgbm import LGBMClassifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from xgboost import XGBClassifier

from artifacts.bundle import ColumnType, Contract, Field
from artifacts.errors import ParityError
from artifacts.factory import WoEBinner, check_parity, export_pipeline
from artifacts.factory.pipelines import as_pipeline

NUMERIC, TEXT = ["income", "utilisation", "age"], ["housing", "channel"]


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(8)
    n = 2500
    x = pd.DataFrame({"income": rng.lognormal(16, 0.5, n), "utilisation": rng.uniform(0, 1.4, n),
                      "age": rng.integers(20, 70, n).astype(float),
                      "housing": rng.choice(["own", "rent", "family"], n),
                      "channel": rng.choice(["branch", "web", "agent"], n)})
    x.loc[rng.random(n) < 0.05, "utilisation"] = np.nan
    logit = 2 * x["utilisation"].fillna(0.7) - 0.02 * x["age"] + (x["housing"] == "rent")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit + 0.5))).astype(int).to_numpy()
    contract = Contract(version="1.0.0", fields=tuple(
        [Field(name=c, type=ColumnType.NUMERIC, nullable=True) for c in NUMERIC]
        + [Field(name=c, type=ColumnType.CATEGORICAL, nullable=False,
                 categories=tuple(sorted(x[c].unique()))) for c in TEXT]))
    return x, y, contract


def encode(encoder, scale: bool = True) -> ColumnTransformer:
    numeric = Pipeline([("impute", SimpleImputer(strategy="median")),
                        *([("scale", StandardScaler())] if scale else [])])
    return ColumnTransformer([("numeric", numeric, NUMERIC), ("text", encoder, TEXT)])


ONE_HOT = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
ORDINAL = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)
CASES = {
    "logistic, one-hot": lambda: Pipeline([("p", encode(ONE_HOT)),
                                           ("m", LogisticRegression(max_iter=1000))]),
    "gradient boosting, ordinal": lambda: Pipeline([("p", encode(ORDINAL, scale=False)), (
        "m", GradientBoostingClassifier(n_estimators=60, max_depth=3))]),
    "hist gradient boosting, one-hot": lambda: Pipeline([("p", encode(ONE_HOT)), (
        "m", HistGradientBoostingClassifier(max_iter=60))]),
    "random forest, ordinal": lambda: Pipeline([("p", encode(ORDINAL, scale=False)), (
        "m", RandomForestClassifier(n_estimators=40, max_depth=6, random_state=1))]),
    "extra trees, one-hot": lambda: Pipeline([("p", encode(ONE_HOT)), (
        "m", ExtraTreesClassifier(n_estimators=40, max_depth=6, random_state=1))]),
    "calibrated logistic, one-hot": lambda: Pipeline([("p", encode(ONE_HOT)), (
        "m", CalibratedClassifierCV(LogisticRegression(max_iter=1000), cv=3))]),
    "LightGBM, ordinal": lambda: Pipeline([("p", encode(ORDINAL, scale=False)), (
        "m", LGBMClassifier(n_estimators=60, num_leaves=15, verbose=-1, random_state=1))]),
    "XGBoost, one-hot": lambda: Pipeline([("p", encode(ONE_HOT)), (
        "m", XGBClassifier(n_estimators=60, max_depth=3, random_state=1))]),
    "WoE scorecard": lambda: Pipeline([("woe", WoEBinner()),
                                       ("m", LogisticRegression(max_iter=1000))]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_gate_passes_each_shape_with_its_precision_named(data, case):
    x, y, contract = data
    pipeline = as_pipeline(CASES[case]().fit(x, y), contract, x)
    report = check_parity(pipeline, export_pipeline(pipeline, contract), contract, x,
                          reasons=(dict(zip(x.columns, ["", 0.5, 40.0, "own", "web"]))
                                   | {"income": float(x["income"].median())}, 3))
    assert report.passed and report.max_abs_diff <= 1e-5, case
    assert report.reason_rows == 1000
    trees = any(k in case for k in ("boost", "forest", "trees", "LightGBM", "XGBoost"))
    assert ("float32" in report.precision) == trees, (case, report.precision)


def test_a_model_without_preprocessing_gets_a_passthrough(data):
    x, y, contract = data
    numeric = Contract(version="1.0.0", fields=contract.fields[:3])
    bare = LogisticRegression(max_iter=1000).fit(x[NUMERIC].fillna(0), y)
    pipeline = as_pipeline(bare, numeric, x[NUMERIC].fillna(0))
    report = check_parity(pipeline, export_pipeline(pipeline, numeric), numeric,
                          x[NUMERIC].fillna(0))
    assert report.passed
    with pytest.raises(ParityError, match="cannot take the categorical field"):
        as_pipeline(bare, contract, x)


def test_a_failing_converter_is_a_verdict_naming_the_step(data):
    from sklearn.preprocessing import FunctionTransformer

    x, y, contract = data
    odd = Pipeline([("p", encode(ONE_HOT)), ("f", FunctionTransformer(np.tanh)),
                    ("m", LogisticRegression(max_iter=500))]).fit(x, y)
    with pytest.raises(ParityError, match="while converting the pipeline to ONNX"):
        export_pipeline(odd, contract)
