"""Fitted models of any shape, seen the way the exporter needs them: a preprocessor and an
estimator, the categories the encoders learned, and the tree estimators whose ONNX form works
in float32.

No step needs a particular name. A `Pipeline` of two or more steps splits into everything
before the last step (the preprocessor) and the last step; a bare estimator, or a one-step
pipeline, gets a passthrough `ColumnTransformer` in front, fitted on the contract's columns, so
that its inputs are one matrix as scikit-learn saw them (numeric columns only: a model without a
preprocessor cannot take text).
"""

from __future__ import annotations

import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from artifacts.bundle import ColumnType, Contract
from artifacts.errors import ParityError
from artifacts.factory.woe import WoEBinner

PASSTHROUGH = "inputs"  # the name of the step added in front of a model without one


def as_pipeline(model: BaseEstimator, contract: Contract, frame: pd.DataFrame) -> Pipeline:
    """`model` as a pipeline with a preprocessor first (see the module docstring)."""
    if isinstance(model, Pipeline) and len(model.steps) >= 2:
        return model
    estimator = model.steps[-1][1] if isinstance(model, Pipeline) else model
    text = [f.name for f in contract.fields if f.type is ColumnType.CATEGORICAL]
    if text:
        raise ParityError(f"the model has no preprocessing step, so it cannot take the "
                          f"categorical field(s) {', '.join(text)}: bring the pipeline that "
                          "encodes them (e.g. a ColumnTransformer with a OneHotEncoder)")
    inputs = ColumnTransformer([("numeric", "passthrough", contract.names)], remainder="drop")
    inputs.fit(frame[contract.names])
    return Pipeline([(PASSTHROUGH, inputs), ("model", estimator)])


def split(pipeline: Pipeline) -> tuple[Pipeline, BaseEstimator]:
    """(preprocessor, estimator): every step but the last, and the last."""
    return pipeline[:-1], pipeline.steps[-1][1]


def encoder_categories(pipeline: Pipeline) -> dict[str, tuple[str, ...]]:
    """Column -> categories, for every column a OneHot or Ordinal encoder inside a
    ColumnTransformer of the preprocessor learned (in or at the end of a sub-pipeline), or a
    WoE binner binned."""
    found: dict[str, tuple[str, ...]] = {}
    for step in split(pipeline)[0].named_steps.values():
        if isinstance(step, WoEBinner):
            found.update({name: tuple(bins["categories"]) for name, bins in step.bins_.items()
                          if bins["kind"] == "categorical"})
            continue
        if not isinstance(step, ColumnTransformer):
            continue
        for _, transformer, columns in step.transformers_:
            encoder = transformer.steps[-1][1] if isinstance(transformer, Pipeline) \
                else transformer
            if isinstance(encoder, (OneHotEncoder, OrdinalEncoder)) and \
                    not isinstance(columns, slice) and len(columns) == len(encoder.categories_):
                for column, categories in zip(columns, encoder.categories_):
                    found[str(column)] = tuple(str(c) for c in categories
                                               if not (isinstance(c, float) and c != c))
    return found


def estimator_name(pipeline: Pipeline) -> str:
    return type(split(pipeline)[1]).__name__
