"""Bring your own model: a fitted scikit-learn pipeline (a skops file, or a pickle when its
origin is trusted) or an MLflow model URI, through the same export, parity gate, registry and
bundle as `seawall train` (`candidate.produce`).

    from artifacts.factory import PackageRequest, package_candidate

    candidate = package_candidate(PackageRequest(
        region="offshore-sg", home=Path(".seawall"), spec=Path("spec.yaml"),
        data=Path("holdout.csv"), pipeline=Path("scorecard.skops")))

The data is the model's evaluation data (a holdout the model did not see): every row is checked
against the spec, the model is scored on it (metrics on two stratified halves, `valid` and
`test`), and the parity gate runs on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split

from artifacts.bundle import Contract, sha256_file
from artifacts.errors import DataError, ModelSourceError, ParityError
from artifacts.factory.candidate import (
    Candidate,
    Destination,
    Progress,
    SilentProgress,
    check_residency,
    produce,
)
from artifacts.factory.documents import contract_fields
from artifacts.factory.loaders import Dataset, load_dataset, read_header
from artifacts.factory.metrics import evaluate
from artifacts.factory.model_sources import load_from_file, load_from_mlflow
from artifacts.factory.pipelines import as_pipeline, estimator_name
from artifacts.factory.training import (
    DEFAULT_SEED,
    MIN_CLASS_ROWS,
    MIN_ROWS,
    Split,
    TrainedModel,
)


@dataclass(frozen=True, kw_only=True)
class PackageRequest:
    region: str
    home: Path
    spec: Path
    data: Path  # evaluation data, checked against the spec
    pipeline: Path | None = None  # a .skops file (or a pickle with trust_pickle)
    mlflow_model: str | None = None  # models:/name/version, models:/name@alias, runs:/id/path
    trust_pickle: bool = False
    trusted_types: tuple[str, ...] = ()  # skops types the developer vouches for
    out: Path | None = None
    tracking_uri: str | None = None  # where the candidate is registered (default: SQLite)
    source_tracking_uri: str | None = None  # the developer's MLflow, for --mlflow-model
    model_name: str | None = None
    seed: int = DEFAULT_SEED
    catalogue: Path | None = None


def package_candidate(request: PackageRequest, progress: Progress | None = None) -> Candidate:
    progress = progress or SilentProgress()
    if (request.pipeline is None) == (request.mlflow_model is None):
        raise ModelSourceError("package: give exactly one of a pipeline file and an MLflow "
                               "model URI")
    with progress.step(f"Residency: checking the spec against region {request.region}"):
        region, spec = check_residency(request.catalogue, request.region, request.spec)
    with progress.step("Data: reading and checking every row against the spec"):
        dataset = load_dataset(request.data, spec, read_header(request.data, spec))
    with progress.step("Model: loading the fitted model"):
        if request.pipeline is not None:
            model, source = load_from_file(request.pipeline, trust_pickle=request.trust_pickle,
                                           trusted_types=request.trusted_types)
            source["file_sha256"] = sha256_file(request.pipeline)
        else:
            model, source = load_from_mlflow(request.mlflow_model,
                                             tracking_uri=request.source_tracking_uri)
    with progress.step(f"Evaluation: scoring {dataset.rows:,} rows with the model"):
        trained = evaluate_brought(model, dataset, request.seed, source)
    return produce(Destination(home=request.home, out=request.out,
                               tracking_uri=request.tracking_uri, model_name=request.model_name,
                               seed=request.seed), region, dataset, trained, progress)


def evaluate_brought(model: BaseEstimator, dataset: Dataset, seed: int,
                     source: dict) -> TrainedModel:
    """The brought model as a `TrainedModel`: checked to be a fitted binary classifier whose
    inputs the spec declares, with a preprocessor in front, scored on two stratified halves."""
    if not hasattr(model, "predict_proba") or not hasattr(model, "classes_"):
        raise ParityError(f"the model ({type(model).__name__}) is not a fitted classifier with "
                          "predict_proba")
    features = [c.name for c in dataset.spec.features]
    wanted = [str(n) for n in getattr(model, "feature_names_in_", [])]
    unknown = [n for n in wanted if n not in features]
    if unknown:
        raise DataError(f"{dataset.spec.path}: the model reads column(s) {', '.join(unknown)}, "
                        "which the spec does not declare as features")
    column = positive_column(model, dataset)
    if dataset.rows < MIN_ROWS:
        raise DataError(f"{dataset.source}: {dataset.rows:,} rows; packaging needs at least "
                        f"{MIN_ROWS:,} evaluation rows (the parity gate and the golden set)")
    contract = Contract(version="0", fields=contract_fields(dataset.spec, {}))
    pipeline = as_pipeline(model, contract, dataset.features())
    X, y = dataset.features(), dataset.target
    counts = np.bincount(y, minlength=2)
    if counts.min() < MIN_CLASS_ROWS:
        raise DataError(f"{dataset.source}: only {counts.min()} rows of class "
                        f"{int(counts.argmin())}; evaluation needs at least {MIN_CLASS_ROWS} "
                        "of each class")
    halves = train_test_split(np.arange(dataset.rows), test_size=0.5, stratify=y,
                              random_state=seed)
    parts = Split(train=np.array([], dtype=np.int64), valid=np.sort(halves[0]),
                  test=np.sort(halves[1]))
    try:
        valid, test = (evaluate(y[rows], pipeline.predict_proba(X.iloc[rows])[:, column])
                       for rows in (parts.valid, parts.test))
    except (ValueError, TypeError, KeyError) as e:
        raise ParityError(f"the model cannot score the data as the spec types it "
                          f"({type(e).__name__}: {e})") from None
    params = {"family": "brought", "estimator": estimator_name(pipeline),
              "source": source.get("kind", ""), "rows_evaluated": dataset.rows}
    return TrainedModel(pipeline=pipeline, family="brought", split=parts, seed=seed,
                        params=params, valid=valid, test=test, source=source,
                        positive_column=column)


def positive_column(model: BaseEstimator, dataset: Dataset) -> int:
    """Which column of `predict_proba` is the probability of default: class 1 for a model
    fitted on the 0/1 default flag, else the class the spec's target marks positive."""
    classes = [str(c.item() if hasattr(c, "item") else c) for c in model.classes_]
    if len(classes) != 2:
        raise ParityError(f"the model has {len(classes)} classes ({', '.join(classes)}); a "
                          "default model is a binary classifier")
    target = dataset.spec.target
    canonical = [_canonical(c) for c in classes]
    # A model fitted on the 0/1 flag (1 = default) reads the same whatever the raw target held.
    positive = "1" if sorted(canonical) == ["0", "1"] else target.positive or "1"
    if positive not in canonical:
        raise DataError(f"{dataset.spec.path}: the model's classes are {', '.join(classes)}, "
                        f"and none is the target's default value {positive!r} (positive:)")
    return canonical.index(positive)


def _canonical(value: str) -> str:
    from artifacts.factory.spec import canonical_category

    try:
        return canonical_category(float(value))
    except ValueError:
        return canonical_category(value)
