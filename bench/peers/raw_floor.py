"""The floor: a minimal raw-ASGI app, orjson and onnxruntime, no validation, no log, no metrics.

Run: uvicorn bench.peers.raw_floor:app (with SEAWALL_BENCH_BUNDLE pointing at a bundle).
Accepts `{"rows": [[v1, ..., vn], ...]}` in contract order and answers the probabilities.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import orjson

_bundle = Path(os.environ["SEAWALL_BENCH_BUNDLE"])
_contract = json.loads((_bundle / "contract.json").read_bytes())
_fields = [(f["name"], f["type"] == "numeric") for f in _contract["fields"]]
_options = ort.SessionOptions()
_options.intra_op_num_threads = 1
_options.inter_op_num_threads = 1
_session = ort.InferenceSession(str(_bundle / "model.onnx"), _options,
                                providers=["CPUExecutionProvider"])
_HEADERS = [(b"content-type", b"application/json")]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = b""
    more = True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    rows = orjson.loads(body)["rows"]
    columns = list(zip(*rows))
    feeds = {name: np.array(col, dtype=np.float64 if numeric else object).reshape(-1, 1)
             for (name, numeric), col in zip(_fields, columns)}
    (proba,) = _session.run(["probabilities"], feeds)
    out = orjson.dumps({"probability_of_default": proba[:, 1].tolist()})
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": out})
