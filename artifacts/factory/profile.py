"""The reference profile of a candidate: its validation rows as the onshore monitor will see
them (the features as the contract types them, the model's probability of default)."""

from __future__ import annotations

import numpy as np

from artifacts.bundle import ColumnType, Contract, OnnxScorer
from artifacts.bundle.reference_profile import ReferenceProfile, build_reference_profile
from artifacts.factory.loaders import Dataset
from artifacts.factory.training import TrainedModel

IMPORTANCE_ROWS = 2000  # validation rows the importance is averaged over


def reference_profile(dataset: Dataset, trained: TrainedModel, contract: Contract, *,
                      seed: int, scorer: OnnxScorer, baseline: dict) -> ReferenceProfile:
    """`scorer` and `baseline`: the bundle's ONNX model and its reason codes' baselines, whose
    contributions rank the features (the same explanation the service gives)."""
    rows = trained.split.valid
    frame = dataset.features().iloc[rows]
    sample = frame.iloc[:IMPORTANCE_ROWS]
    contributions = np.abs(scorer.contributions(contract.onnx_feeds(sample), baseline))
    importance = {name: float(v) for name, v in zip(contract.names, contributions.mean(axis=0),
                                                     strict=True)}
    probabilities = trained.pipeline.predict_proba(frame)[:, contract.output.column]
    numeric = {f.name: frame[f.name].to_numpy(dtype="float64") for f in contract.fields
               if f.type is ColumnType.NUMERIC}
    categorical = {f.name: frame[f.name].to_numpy(dtype=object) for f in contract.fields
                   if f.type is ColumnType.CATEGORICAL}
    return build_reference_profile(numeric, categorical, dataset.target[rows], probabilities,
                                   source="validation", seed=seed, importance=importance)
