"""The Open Inference Protocol (KServe V2 / Triton HTTP), so clients that already speak it score
against Seawall unchanged: `/v2/health/live|ready`, `/v2/models/{name}[/ready]` and
`/v2/models/{name}/infer`, with JSON tensors and the binary tensor data extension.

One input tensor per contract field (named after it, shape `[N]` or `[N, 1]`): numeric fields
as FP64, FP32, INT64, INT32 or INT16 (a categorical field coded by whole numbers takes those
too), categorical fields as BYTES; optionally `application_id` (BYTES) for a stable canary split
and the log. The output is `probability_of_default` (FP64, `[N]`). With the binary extension
(`Inference-Header-Content-Length`), tensors whose `parameters.binary_data_size` is set follow
the JSON header as raw little-endian bytes (BYTES: each element's 4-byte length, then its bytes),
and an output asked for with `binary_data` comes back the same way.

The tensors become rows that `RequestParser.check` checks exactly as a JSON body's rows, and
the decisions go to the same decision log; an error is a 400 `{"error": ...}` (the protocol's
shape) that lists every violation, never a 500.
"""

from __future__ import annotations

import struct

import numpy as np
import orjson

from service.contract_check import ContractViolation, RequestParser
from service.served_models import ServedModel

HEADER_LENGTH = b"inference-header-content-length"
ID_INPUT = "application_id"
OUTPUT = "probability_of_default"
_NUMERIC = {"FP64": "<f8", "FP32": "<f4", "INT64": "<i8", "INT32": "<i4", "INT16": "<i2",
            "INT8": "<i1", "UINT8": "<u1", "UINT16": "<u2", "UINT32": "<u4", "UINT64": "<u8"}
_LENGTH = struct.Struct("<I")


class ProtocolError(Exception):
    """A request the protocol does not allow: its message is the 400's `error`."""


def model_metadata(model: ServedModel) -> dict:
    """`GET /v2/models/{name}`: the contract's fields as the model's input tensors."""
    inputs = [{"name": f.name, "datatype": "FP64" if f.type.value == "numeric" else "BYTES",
               "shape": [-1]} for f in model.contract.fields]
    return {"name": model.name, "versions": [model.version], "platform": "onnxruntime_onnx",
            "inputs": [*inputs, {"name": ID_INPUT, "datatype": "BYTES", "shape": [-1],
                                 "optional": True}],
            "outputs": [{"name": OUTPUT, "datatype": "FP64", "shape": [-1]}]}


def split_body(body: bytes, headers) -> tuple[dict, bytes]:
    """The JSON header and the binary data that follows it (empty without the extension)."""
    length = next((v for k, v in headers if k == HEADER_LENGTH), None)
    if length is None:
        return _json(body), b""
    if not length.isdigit() or int(length) > len(body):
        raise ProtocolError(f"Inference-Header-Content-Length {length.decode('latin-1')!r} is "
                            f"not a length within the {len(body)}-byte body")
    return _json(body[:int(length)]), body[int(length):]


def rows_of(doc: dict, data: bytes, parser: RequestParser) -> tuple[list, list, bool]:
    """(rows in contract order, application ids, whether the answer goes back binary)."""
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ProtocolError("'inputs' must be a non-empty array of tensors")
    names = parser.names
    columns: dict[str, list] = {}
    offset = 0
    for tensor in inputs:
        if not isinstance(tensor, dict) or not isinstance(tensor.get("name"), str):
            raise ProtocolError("each input must be an object with a 'name'")
        name = tensor["name"]
        if name not in names and name != ID_INPUT:
            raise ProtocolError(f"input '{name}' is not a field of contract "
                                f"{parser.contract.version} (fields: {', '.join(names)})")
        if name in columns:
            raise ProtocolError(f"input '{name}' is given twice")
        values, offset = _tensor(tensor, data, offset)
        columns[name] = values
    if offset != len(data):
        raise ProtocolError(f"{len(data) - offset} bytes of binary data follow the inputs that "
                            "no input's binary_data_size accounts for")
    missing = [n for n in names if n not in columns]
    if missing:
        raise ProtocolError(f"missing input tensor(s): {', '.join(missing)}")
    sizes = {len(v) for v in columns.values()}
    if len(sizes) != 1:
        raise ProtocolError("every input tensor must hold the same number of rows")
    (n,) = sizes
    if not 0 < n <= parser.max_rows:
        raise ProtocolError(f"a request holds 1 to {parser.max_rows} rows, not {n}")
    ids = columns.pop(ID_INPUT, [None] * n)
    if not all(i is None or (isinstance(i, str) and 0 < len(i) <= 128) for i in ids):
        raise ProtocolError(f"'{ID_INPUT}' values must be strings of 1 to 128 characters")
    rows = [list(r) for r in zip(*(columns[name] for name in names))]
    return rows, list(ids), _binary_output(doc)


def infer_response(model_name: str, version: str, probabilities: list[float], request_id: str,
                   binary: bool) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The body and extra headers of a 200."""
    output = {"name": OUTPUT, "datatype": "FP64", "shape": [len(probabilities)]}
    doc = {"model_name": model_name, "model_version": version, "id": request_id}
    if not binary:
        doc["outputs"] = [{**output, "data": probabilities}]
        return orjson.dumps(doc), [(b"content-type", b"application/json")]
    raw = np.asarray(probabilities, dtype="<f8").tobytes()
    doc["outputs"] = [{**output, "parameters": {"binary_data_size": len(raw)}}]
    header = orjson.dumps(doc)
    return header + raw, [(b"content-type", b"application/octet-stream"),
                          (HEADER_LENGTH, str(len(header)).encode())]


def violation_error(e: ContractViolation) -> dict:
    """A contract violation in the protocol's error shape, every violation listed."""
    first = "; ".join(f"{'row ' + str(v.row) + ': ' if v.row is not None else ''}{v.message}"
                      for v in e.violations[:3])
    more = f" (and {len(e.violations) - 3} more)" if len(e.violations) > 3 else ""
    return {"error": f"contract {e.contract_version}: {first}{more}",
            **{k: v for k, v in e.to_dict().items() if k in ("violations", "contract_version")}}


def _tensor(tensor: dict, data: bytes, offset: int) -> tuple[list, int]:
    name, datatype = tensor["name"], tensor.get("datatype")
    shape = tensor.get("shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 2 and
            all(type(d) is int and d >= 0 for d in shape) and (len(shape) == 1 or shape[1] == 1)):
        raise ProtocolError(f"input '{name}': shape must be [N] or [N, 1], got {shape!r}")
    n = shape[0]
    size = (tensor.get("parameters") or {}).get("binary_data_size")
    if size is not None:
        if type(size) is not int or size < 0 or offset + size > len(data):
            raise ProtocolError(f"input '{name}': binary_data_size {size!r} runs past the "
                                f"{len(data)} bytes of binary data")
        chunk, offset = data[offset:offset + size], offset + size
        return _from_bytes(name, datatype, chunk, n), offset
    values = tensor.get("data")
    if not isinstance(values, list):
        raise ProtocolError(f"input '{name}': needs 'data' (or binary data and its "
                            "binary_data_size)")
    if values and isinstance(values[0], list):  # [[v], [v], ...] for an [N, 1] tensor
        values = [v[0] if isinstance(v, list) and len(v) == 1 else v for v in values]
    if len(values) != n:
        raise ProtocolError(f"input '{name}': shape says {n} values, data holds {len(values)}")
    if datatype == "BYTES":
        return values, offset
    if datatype not in _NUMERIC and datatype != "BOOL":
        raise ProtocolError(f"input '{name}': datatype {datatype!r} is not supported "
                            f"(BYTES, BOOL, {', '.join(_NUMERIC)})")
    return values, offset  # the contract check judges every value as it judges JSON rows


def _from_bytes(name: str, datatype, chunk: bytes, n: int) -> list:
    if datatype == "BYTES":
        values, at = [], 0
        while at < len(chunk):
            if at + 4 > len(chunk):
                raise ProtocolError(f"input '{name}': a BYTES element's length is cut short")
            (length,) = _LENGTH.unpack_from(chunk, at)
            if at + 4 + length > len(chunk):
                raise ProtocolError(f"input '{name}': a BYTES element runs past its tensor")
            try:
                values.append(chunk[at + 4:at + 4 + length].decode("utf-8"))
            except UnicodeDecodeError:
                raise ProtocolError(f"input '{name}': element {len(values)} is not UTF-8") \
                    from None
            at += 4 + length
    elif datatype in _NUMERIC or datatype == "BOOL":
        dtype = np.dtype("?" if datatype == "BOOL" else _NUMERIC[datatype])
        if len(chunk) != n * dtype.itemsize:
            raise ProtocolError(f"input '{name}': {len(chunk)} bytes is not {n} {datatype} "
                                "values")
        values = np.frombuffer(chunk, dtype=dtype).tolist()
    else:
        raise ProtocolError(f"input '{name}': datatype {datatype!r} is not supported")
    if len(values) != n:
        raise ProtocolError(f"input '{name}': shape says {n} values, data holds {len(values)}")
    return values


def _binary_output(doc: dict) -> bool:
    if (doc.get("parameters") or {}).get("binary_data_output") is True:
        return True
    outputs = doc.get("outputs") or []
    if not isinstance(outputs, list):
        raise ProtocolError("'outputs' must be an array")
    for out in outputs:
        if not isinstance(out, dict) or out.get("name") != OUTPUT:
            raise ProtocolError(f"the only output is '{OUTPUT}'")
    return any((out.get("parameters") or {}).get("binary_data") is True for out in outputs)


def _json(header: bytes) -> dict:
    try:
        doc = orjson.loads(header)
    except orjson.JSONDecodeError as e:
        raise ProtocolError(f"the request's JSON header is not valid JSON ({e})") from None
    if not isinstance(doc, dict):
        raise ProtocolError("the request's JSON header must be an object")
    return doc
