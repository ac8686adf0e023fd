"""The frames between the serving process and its decision-log writer process: a 4-byte
little-endian length, then orjson. Apart from `log_process` so that importing `service` does not
import the module `python -m service.log_process` runs (runpy warns about that on stderr)."""

from __future__ import annotations

import struct

import orjson

FRAME = struct.Struct("<I")  # the payload's length in bytes


def frame(payload: object) -> bytes:
    body = orjson.dumps(payload, default=tuple)  # named tuples as JSON arrays
    return FRAME.pack(len(body)) + body


# The fields of a logged decision sent back for a request answered from the log (a retry).
REPLAY_FIELDS = ("endpoint", "role", "model_name", "model_version", "application_id",
                 "features_sha256", "probability", "points", "reason_codes", "seq")
