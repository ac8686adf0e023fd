"""The strongest floor: raw ASGI, orjson and onnxruntime doing the least work a JSON service
can do for this model. The body is a bare JSON array of rows in contract order
(`[[v1, ..., vn], ...]`); the rows become one object matrix, its numeric block one float64
conversion (transposed, so each field's (n, 1) input is a contiguous slice), and onnxruntime
runs the model. No validation, no log, no metrics, no request id.

Run: uvicorn bench.peers.raw_floor_ordered:app (with SEAWALL_BENCH_BUNDLE pointing at a bundle).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnxruntime as ort
import orjson

_bundle = Path(os.environ["SEAWALL_BENCH_BUNDLE"])
_fields = json.loads((_bundle / "contract.json").read_bytes())["fields"]
_numeric = [j for j, f in enumerate(_fields) if f["type"] == "numeric"]
_numeric_names = [_fields[j]["name"] for j in _numeric]
_text = [(j, f["name"]) for j, f in enumerate(_fields) if f["type"] != "numeric"]
_options = ort.SessionOptions()
_options.intra_op_num_threads = 1
_options.inter_op_num_threads = 1
_session = ort.InferenceSession(str(_bundle / "model.onnx"), _options,
                                providers=["CPUExecutionProvider"])
_OUTPUT = ["probabilities"]
_START = {"type": "http.response.start", "status": 200,
          "headers": [(b"content-type", b"application/json")]}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    message = await receive()
    body = message.get("body", b"")
    while message.get("more_body", False):
        message = await receive()
        body += message.get("body", b"")
    block = np.array(orjson.loads(body), dtype=object)
    numbers = block[:, _numeric].T.astype(np.float64)  # (fields, n), C-contiguous
    feeds = dict(zip(_numeric_names, numbers[:, :, None]))
    for j, name in _text:
        feeds[name] = np.ascontiguousarray(block[:, j:j + 1])
    (proba,) = _session.run(_OUTPUT, feeds)
    await send(_START)
    await send({"type": "http.response.body", "body": orjson.dumps(proba[:, 1].tolist())})
