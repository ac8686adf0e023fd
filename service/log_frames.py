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
