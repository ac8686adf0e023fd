"""Fit the champion (logistic regression) or challenger (gradient boosting) pipeline.

The pipeline is a ColumnTransformer (numeric: median impute + standard scale; categorical:
one-hot with unknown categories ignored, the spec's categories fixed) followed by the estimator.
The split is stratified 60/20/20 train/validation/test and seeded, so a run is reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from artifacts.bundle import ColumnType
from artifacts.errors import DataError
from artifacts.factory.choices import ModelFamily
from artifacts.factory.loaders import Dataset
from artifacts.factory.metrics import Metrics, evaluate
from artifacts.factory.pipelines import encoder_categories
from artifacts.factory.spec import DatasetSpec

DEFAULT_SEED = 42
MIN_ROWS = 1_000  # the parity gate and the golden set need 1,000 rows
MIN_CLASS_ROWS = 10  # per class, so that every split holds both classes


@dataclass(frozen=True)
class Split:
    train: np.ndarray
    valid: np.ndarray
    test: np.ndarray


@dataclass(frozen=True)
class TrainedModel:
    """A fitted pipeline with what the bundle records of it: trained here (`fit`), or brought
    by its developer (`artifacts.factory.byom`: `split.train` is empty, `source` says where it
    came from)."""

    pipeline: Pipeline
    family: str  # logreg | gbm for Seawall's own; "brought" for a model brought in
    split: Split
    seed: int
    params: dict[str, object]
    valid: Metrics
    test: Metrics
    source: dict[str, object] | None = None  # lineage of a brought model
    positive_column: int = 1  # the predict_proba column that is the probability of default

    def learned_categories(self) -> dict[str, tuple[str, ...]]:
        return encoder_categories(self.pipeline)

    @property
    def reference_rows(self) -> np.ndarray:
        """Rows whose typical values are the reason codes' baseline: the training rows, or
        for a brought model every row it was evaluated on."""
        if len(self.split.train):
            return self.split.train
        return np.sort(np.concatenate([self.split.valid, self.split.test]))


def build_pipeline(spec: DatasetSpec, family: ModelFamily, seed: int) -> Pipeline:
    numeric = [c.name for c in spec.features if c.type is ColumnType.NUMERIC]
    categorical = [c for c in spec.features if c.type is ColumnType.CATEGORICAL]
    parts = []
    if numeric:
        parts.append(("numeric", Pipeline([("impute", SimpleImputer(strategy="median")),
                                           ("scale", StandardScaler())]), numeric))
    if categorical:
        categories = ([list(c.categories) for c in categorical]
                      if all(c.categories for c in categorical) else "auto")
        parts.append(("categorical",
                      OneHotEncoder(categories=categories, handle_unknown="ignore",
                                    sparse_output=False, dtype=np.float64),
                      [c.name for c in categorical]))
    estimator = (LogisticRegression(max_iter=2_000, C=1.0) if family is ModelFamily.LOGREG
                 else GradientBoostingClassifier(n_estimators=150, max_depth=3, learning_rate=0.1,
                                                 subsample=1.0, random_state=seed))
    return Pipeline([("preprocess", ColumnTransformer(parts, remainder="drop")),
                     ("model", estimator)])


def split(dataset: Dataset, seed: int) -> Split:
    y = dataset.target
    if dataset.rows < MIN_ROWS:
        raise DataError(f"{dataset.source}: {dataset.rows:,} rows; training needs at least "
                        f"{MIN_ROWS:,} (the parity gate and the golden set use 1,000)")
    counts = np.bincount(y, minlength=2)
    if counts.min() < MIN_CLASS_ROWS:
        raise DataError(f"{dataset.source}: only {counts.min()} rows of class "
                        f"{int(counts.argmin())}; need at least {MIN_CLASS_ROWS} of each class")
    idx = np.arange(dataset.rows)
    train, rest = train_test_split(idx, test_size=0.4, stratify=y, random_state=seed)
    valid, test = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=seed)
    return Split(train=np.sort(train), valid=np.sort(valid), test=np.sort(test))


def fit(dataset: Dataset, family: ModelFamily, seed: int = DEFAULT_SEED) -> TrainedModel:
    parts = split(dataset, seed)
    X, y = dataset.features(), dataset.target
    pipeline = build_pipeline(dataset.spec, family, seed)
    pipeline.fit(X.iloc[parts.train], y[parts.train])

    def score(rows: np.ndarray) -> Metrics:
        return evaluate(y[rows], pipeline.predict_proba(X.iloc[rows])[:, 1])

    params = {"family": family.value, "seed": seed, "rows_train": len(parts.train),
              "rows_valid": len(parts.valid), "rows_test": len(parts.test),
              **{f"model__{k}": v for k, v in pipeline.named_steps["model"].get_params().items()
                 if isinstance(v, (int, float, str, bool)) or v is None}}
    return TrainedModel(pipeline=pipeline, family=family.value, split=parts, seed=seed,
                        params=params,
                        valid=score(parts.valid), test=score(parts.test))
