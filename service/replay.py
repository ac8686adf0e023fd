"""Answering a retried request from the decision log: idempotency by request id.

A client that chooses its request id (`X-Request-ID`) may send the request again, to this
replica or to another region after a failover, when it did not get the answer. If the log
already holds decisions under that id, the writer appends nothing and hands back the logged
rows; `answer` builds the response from them, so the client gets the decision that was made
and logged, and no decision is ever logged twice. The retry must be the same request: the same
endpoint and, row for row, the same application id and feature values (their logged SHA-256);
anything else reuses an id for another request and is refused 409, with nothing logged.

The answer is the logged one: probability, model version, role, points and reason codes. A
reason's contribution is not in the log, so a replayed reason carries its code, field and
texts (from the bundle that decided, when it is still served) without one.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from service.contract_check import Batch
from service.scoring import Endpoint
from service.served_models import ModelSet


def answer(endpoint: Endpoint, batch: Batch, logged: list[dict], models: ModelSet,
           request_id: str) -> tuple[int, dict]:
    """(status, body) for a request whose id the log already holds: 200 with the logged
    answer (`replayed: true`), or 409 when the logged request was another one."""
    answered = [r for r in logged if not r["role"].startswith("shadow")]
    if any(r["endpoint"] != endpoint.value for r in answered):
        return _conflict(request_id, f"it was a /{answered[0]['endpoint']} request")
    queues: dict[tuple, list[dict]] = defaultdict(list)
    for r in answered:
        queues[(r["application_id"], r["features_sha256"])].append(r)
    rows = []
    for i, (app_id, text) in enumerate(zip(batch.application_ids, batch.texts)):
        queue = queues.get((app_id, hashlib.sha256(text).hexdigest()))
        if not queue:
            return _conflict(request_id, f"row {i} is not a row of the logged request")
        rows.append(queue.pop(0))
    if any(queues.values()):
        return _conflict(request_id, f"the logged request had {len(answered)} rows, this one "
                                     f"{batch.rows}")
    texts = {(m.name, m.version): {c["code"]: (field, c) for field, c in m.reasons.codes.items()}
             for m in models.served()}
    return 200, {"request_id": request_id, "replayed": True,
                 "results": [_result(r, endpoint, texts) for r in rows]}


def _result(row: dict, endpoint: Endpoint, texts: dict) -> dict:
    result = {"probability_of_default": row["probability"], "model_version": row["model_version"],
              "role": row["role"]}
    if endpoint is Endpoint.SCORE:
        result["score"] = row["points"]
    if endpoint in (Endpoint.SCORE, Endpoint.EXPLAIN):
        known = texts.get((row["model_name"], row["model_version"]), {})
        result["reasons"] = [_reason(code, known) for code in row["reason_codes"] or []]
    return result


def _reason(code: str, known: dict) -> dict:
    if code not in known:
        return {"code": code}
    field, text = known[code]
    return {"code": code, "field": field, "en": text["en"], "vi": text["vi"]}


def _conflict(request_id: str, why: str) -> tuple[int, dict]:
    return 409, {"error": "request_id_reused", "detail": (
        f"request id {request_id!r} is already in the decision log for another request ({why});"
        " a retry must repeat the request exactly, and a new request needs a new id; nothing "
        "was logged")}
