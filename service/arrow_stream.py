"""Reading a request's Arrow IPC stream without trusting it.

A stream's record batches may carry compressed buffers (LZ4 or ZSTD), and a few megabytes of
compressed zeros expand to gigabytes: the body-size limit would bound nothing. So each message's
metadata (a flatbuffer) is read first, here, before any buffer is touched: a compressed batch
is refused, and so is a stream whose batches hold more rows than a request may. Only then is
the stream read, and the table validated in full (offsets, lengths, UTF-8), so no Arrow kernel
ever runs on a malformed buffer. Every failure is a `ContractViolation` with rule `arrow` (or
`max_rows`), never an exception from Arrow.

Flatbuffer layout read here (format/Message.fbs): a `Message` table, field 1 `header_type`,
field 2 `header`; a `RecordBatch` table, field 0 `length`, field 3 `compression`; a
`DictionaryBatch` table, field 1 `data` (a `RecordBatch`).
"""

from __future__ import annotations

import struct

import pyarrow as pa

from service.contract_check import ContractViolation, FieldViolation

_RECORD_BATCH, _DICTIONARY_BATCH = 3, 4  # MessageHeader union tags


class _Malformed(ValueError):
    pass


def read_stream(body: bytes, contract_version: str, max_rows: int) -> pa.Table:
    """The table an Arrow IPC stream holds, validated; `ContractViolation` if it is not one,
    if its buffers are compressed, or if it holds more than `max_rows` rows."""

    def refuse(rule: str, value, message: str) -> ContractViolation:
        return ContractViolation([FieldViolation(None, "(body)" if rule == "arrow" else "rows",
                                                 rule, value, message)], contract_version)

    rows = 0
    try:
        messages = pa.ipc.MessageReader.open_stream(pa.BufferReader(body))
        for message in messages:
            kind, batch_rows, compressed = _header(message.metadata.to_pybytes())
            if compressed:
                raise refuse("arrow", None, "the stream's buffers are compressed; send them "
                                            "uncompressed (a compressed body could expand "
                                            "without bound)")
            if kind == _RECORD_BATCH:
                rows += batch_rows
                if rows > max_rows:
                    raise refuse("max_rows", rows, f"at most {max_rows} rows per request")
        with pa.ipc.open_stream(pa.BufferReader(body)) as reader:
            table = reader.read_all()
        table.validate(full=True)
    except (pa.ArrowException, ValueError, OSError, struct.error) as e:
        raise refuse("arrow", None, f"the body is not a valid Arrow IPC stream ({e})") from None
    return table


def _header(meta: bytes) -> tuple[int, int, bool]:
    """(the message's header type, a record batch's rows, whether its buffers are
    compressed)."""
    message = _Table(meta, _uoffset(meta, 0))
    kind = message.scalar(1, "<B", 0)
    if kind not in (_RECORD_BATCH, _DICTIONARY_BATCH):
        return kind, 0, False
    header = message.table(2)
    if header is None:
        raise _Malformed("a batch message without its header")
    batch = header if kind == _RECORD_BATCH else header.table(1)
    if batch is None:
        raise _Malformed("a dictionary batch without its data")
    length = batch.scalar(0, "<q", 0)
    if length < 0:
        raise _Malformed(f"a batch of {length} rows")
    return kind, length, batch.table(3) is not None


class _Table:
    """One flatbuffer table: its fields by index, every read bounds-checked (`struct.error`)."""

    def __init__(self, buf: bytes, at: int) -> None:
        self.buf, self.at = buf, at
        self.vtable = at - struct.unpack_from("<i", buf, at)[0]
        self.vtable_size = struct.unpack_from("<H", buf, self.vtable)[0]

    def _field(self, i: int) -> int | None:
        slot = 4 + 2 * i
        if slot + 2 > self.vtable_size:
            return None
        offset = struct.unpack_from("<H", self.buf, self.vtable + slot)[0]
        return self.at + offset if offset else None

    def scalar(self, i: int, fmt: str, default: int) -> int:
        at = self._field(i)
        return default if at is None else struct.unpack_from(fmt, self.buf, at)[0]

    def table(self, i: int) -> _Table | None:
        at = self._field(i)
        return None if at is None else _Table(self.buf, at + _uoffset(self.buf, at))


def _uoffset(buf: bytes, at: int) -> int:
    return struct.unpack_from("<I", buf, at)[0]
