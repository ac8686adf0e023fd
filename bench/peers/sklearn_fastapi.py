"""A seed-style endpoint: FastAPI + a pydantic request model + pandas + the scikit-learn pipeline.

What a first version of a model service usually looks like. Run with MLFLOW_TRACKING_URI,
SEAWALL_BENCH_MODEL (models:/name/version) and SEAWALL_BENCH_BUNDLE (for the column types):
uvicorn bench.peers.sklearn_fastapi:app
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import mlflow
import pandas as pd
from fastapi import FastAPI
from pydantic import BaseModel

pipeline = mlflow.sklearn.load_model(os.environ["SEAWALL_BENCH_MODEL"])
_contract = json.loads((Path(os.environ["SEAWALL_BENCH_BUNDLE"]) / "contract.json").read_text())
_types = {f["name"]: float if f["type"] == "numeric" else str for f in _contract["fields"]}


class Rows(BaseModel):
    rows: list[list[float | str | None]]


app = FastAPI()


@app.post("/predict")
def predict(request: Rows) -> dict:
    frame = pd.DataFrame(request.rows, columns=list(_types))
    frame = frame.astype(_types)
    return {"probability_of_default": pipeline.predict_proba(frame)[:, 1].tolist()}
