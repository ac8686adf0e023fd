"""The credit MLOps chapter's endpoint (`../shared/seeds/002_6193da750f873779.txt`, 38.6.1):
FastAPI + a pydantic `features: list[list[float]]` model -> `np.float32` -> the scikit-learn
pipeline's `predict_proba`, a request-id middleware, and a pydantic response model.

It serves the same fitted pipeline as every other peer, with its columns taken by position:
at start-up the pipeline's column transformer is re-pointed from column names to positions and
its category encoders from text codes ("1") to the numbers the chapter's clients send (1.0),
which changes no coefficient; a parity check against the bundle's golden set refuses to start
if the answers differ. Per request it does exactly the chapter's work.

    MLFLOW_TRACKING_URI=... SEAWALL_BENCH_MODEL=models:/name/1 SEAWALL_BENCH_BUNDLE=DIR \\
        uvicorn bench.peers.chapter_fastapi:app
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import mlflow
import numpy as np
from fastapi import FastAPI, Request
from pydantic import BaseModel, Field
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

_bundle = Path(os.environ["SEAWALL_BENCH_BUNDLE"])
_names = [f["name"] for f in json.loads((_bundle / "contract.json").read_text())["fields"]]


def by_position(pipeline: Pipeline, names: list[str]) -> Pipeline:
    """The fitted pipeline, taking a float matrix with the contract's columns in order."""
    for step in pipeline.named_steps.values():
        if not isinstance(step, ColumnTransformer):
            continue
        for i, (label, transformer, columns) in enumerate(step.transformers_):
            if isinstance(columns, list) and columns and isinstance(columns[0], str):
                step.transformers_[i] = (label, transformer, [names.index(c) for c in columns])
            for part in (transformer.steps if isinstance(transformer, Pipeline)
                         else [(label, transformer)]):
                encoder = part[1]
                if isinstance(encoder, (OneHotEncoder, OrdinalEncoder)):
                    encoder.categories_ = [np.array([float(c) for c in cats])
                                           for cats in encoder.categories_]
                if hasattr(encoder, "feature_names_in_"):
                    del encoder.feature_names_in_
        step._columns = [c for _, _, c in step.transformers_ if not isinstance(c, str)]
        step._transformer_to_input_indices = {
            label: list(columns) for label, _, columns in step.transformers_
            if isinstance(columns, list)}
        del step.feature_names_in_
    return pipeline


pipe = by_position(mlflow.sklearn.load_model(os.environ["SEAWALL_BENCH_MODEL"]), _names)
_golden = json.loads((_bundle / "golden_set.json").read_text())
_check = pipe.predict_proba(np.asarray(_golden["rows"], dtype=np.float32))[:, 1]
if not np.allclose(_check, _golden["expected"]["probability"], atol=1e-4):
    raise SystemExit("the positional pipeline does not reproduce the golden set")


class PredictRequest(BaseModel):
    features: list[list[float]] = Field(..., description=f"2D array of shape (n, {len(_names)})")


class PredictResponse(BaseModel):
    request_id: str
    probabilities: list[float]


app = FastAPI(title="Taiwan PD", version="1.0.0")


@app.middleware("http")
async def add_request_id(request: Request, call_next):
    rid = request.headers.get("x-request-id") or str(uuid.uuid4())
    response = await call_next(request)
    response.headers["x-request-id"] = rid
    return response


@app.post("/predict", response_model=PredictResponse)
def predict(req: PredictRequest, request: Request):
    x = np.asarray(req.features, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != len(_names):
        return {"request_id": "bad", "probabilities": []}
    p = pipe.predict_proba(x)[:, 1]
    rid = request.headers.get("x-request-id", "n/a")
    return {"request_id": rid, "probabilities": p.tolist()}
