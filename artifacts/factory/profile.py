"""The reference profile of a candidate: its validation rows as the onshore monitor will see
them (the features as the contract types them, the model's probability of default)."""

from __future__ import annotations

from artifacts.bundle import ColumnType, Contract
from artifacts.bundle.reference_profile import ReferenceProfile, build_reference_profile
from artifacts.factory.loaders import Dataset
from artifacts.factory.training import TrainedModel


def reference_profile(dataset: Dataset, trained: TrainedModel, contract: Contract, *,
                      seed: int) -> ReferenceProfile:
    rows = trained.split.valid
    frame = dataset.features().iloc[rows]
    probabilities = trained.pipeline.predict_proba(frame)[:, contract.output.column]
    numeric = {f.name: frame[f.name].to_numpy(dtype="float64") for f in contract.fields
               if f.type is ColumnType.NUMERIC}
    categorical = {f.name: frame[f.name].to_numpy(dtype=object) for f in contract.fields
                   if f.type is ColumnType.CATEGORICAL}
    return build_reference_profile(numeric, categorical, dataset.target[rows], probabilities,
                                   source="validation", seed=seed)
