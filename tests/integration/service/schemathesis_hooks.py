"""Schemathesis hooks: the one request rule that JSON Schema cannot state.

`application_ids`, when present, holds one id per row: a relation between two arrays' lengths,
which JSON Schema cannot express (the schema says it in its description; the service refuses a
mismatch with a 422, tested in `tests/unit/service/test_bad_requests.py`). So before each call,
the shorter of the two arrays is lengthened to match (ids with nulls, rows by repeating rows),
never shortened, so a schema-invalid part stays in the body; schemathesis then revalidates the
case, and its checks judge what is actually sent. `before_call` runs in every phase (the
`map_body` generation hook does not reach the coverage phase).
"""

from __future__ import annotations

import itertools

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if not (isinstance(body, dict) and isinstance(body.get("rows"), list)
            and isinstance(body.get("application_ids"), list)):
        return
    rows, ids = body["rows"], body["application_ids"]
    if len(ids) < len(rows):
        body["application_ids"] = [*ids, *[None] * (len(rows) - len(ids))]
    elif len(ids) > len(rows) and rows:
        body["rows"] = list(itertools.islice(itertools.cycle(rows), len(ids)))
