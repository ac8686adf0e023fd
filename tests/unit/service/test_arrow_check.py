"""The contract check on Arrow columns: the JSON check's rules and verdicts, column-wise."""

from __future__ import annotations

import math

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_contract_check import CONTRACT, GOOD

from service import ArrowChecker, ContractViolation, RequestParser, read_stream

CHECK = ArrowChecker(CONTRACT, max_rows=10)


def stream(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def table(rows: list[dict], **types) -> pa.Table:
    return pa.table({name: pa.array([r.get(name) for r in rows], types.get(name))
                     for name in CONTRACT.names})


def found(t: pa.Table, **kwargs) -> set[tuple]:
    return {(v.row, v.field, v.rule) for v in CHECK.check(t, **kwargs).violations}


def test_good_columns_feed_the_model_as_json_rows_do_and_the_text_is_the_values_scored():
    rows = [GOOD, dict(GOOD, AGE=60.25, BILL_AMT1=None, MARRIAGE=None)]
    t = table(rows).append_column("application_id", pa.array(["APP-1", None]))
    batch = CHECK.check(pa.ipc.open_stream(stream(t)).read_all()).raise_for_violations()
    same = RequestParser(CONTRACT, max_rows=10).check([list(r.values()) for r in rows],
                                                      ["APP-1", None])
    for name in CONTRACT.names:
        assert batch.feeds[name].shape == (2, 1)
        np.testing.assert_array_equal(batch.feeds[name], same.feeds[name])
    assert batch.application_ids == ["APP-1", None]
    assert [orjson.loads(t) for t in batch.texts] == [list(r.values()) for r in rows]


def test_dictionary_text_integer_and_float32_columns_are_taken():
    t = table([GOOD], EDUCATION=None).set_column(
        1, "EDUCATION", pa.array(["2"]).dictionary_encode())
    t = t.set_column(2, "AGE", pa.array([35.1], pa.float32()))
    batch = CHECK.check(t).raise_for_violations()
    assert batch.feeds["EDUCATION"][0, 0] == "2"
    scored = batch.feeds["AGE"][0, 0]
    assert scored == float(np.float32(35.1)) and orjson.loads(batch.texts[0])[2] == scored


def test_every_violation_is_named_with_row_field_and_rule():
    rows = [GOOD, dict(GOOD, LIMIT_BAL=-1, EDUCATION="9", AGE=math.nan, MARRIAGE="3"),
            dict(GOOD, EDUCATION=None, AGE=150)]
    assert found(table(rows)) == {
        (1, "LIMIT_BAL", "minimum"), (1, "EDUCATION", "category"), (1, "AGE", "finite"),
        (1, "MARRIAGE", "category"), (2, "EDUCATION", "null"), (2, "AGE", "maximum")}
    with pytest.raises(ContractViolation) as e:
        CHECK.check(table(rows)).raise_for_violations()
    assert {v.value for v in e.value.violations if v.row == 1} >= {-1, "9", "3"}


def test_the_table_itself_is_refused_with_the_column_named():
    t = table([GOOD])
    assert found(t.drop_columns(["AGE"]).append_column("SALARY", pa.array([1]))) == {
        (None, "AGE", "required"), (None, "SALARY", "unknown_field")}
    assert found(t.set_column(2, "AGE", pa.array(["35"]))) == {(None, "AGE", "type")}
    assert found(t.append_column("application_id", pa.array([7]))) == {
        (None, "application_id", "application_ids")}
    assert found(pa.concat_tables([t] * 11)) == {(None, "rows", "max_rows")}
    assert found(t.slice(0, 0)) == {(None, "rows", "rows")}
    twice = pa.Table.from_arrays([*t.columns, t.column(0)], names=[*t.column_names, "LIMIT_BAL"])
    assert found(twice) == {(None, "LIMIT_BAL", "duplicate_key")}


def test_a_partial_check_scores_the_rows_without_violations():
    rows = [GOOD, dict(GOOD, AGE=10), dict(GOOD, AGE=70)]
    checked = CHECK.check(table(rows), partial=True)
    assert checked.good.tolist() == [0, 2] and checked.batch.rows == 2
    assert checked.batch.feeds["AGE"][:, 0].tolist() == [35, 70]


def test_a_body_that_is_not_an_arrow_stream_is_a_violation():
    for body in (b"", b"{}", stream(table([GOOD]))[:-9]):
        with pytest.raises(ContractViolation) as e:
            read_stream(body, "2.1.0", 10)
        assert e.value.violations[0].rule == "arrow"


NUMBER = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True),
                   st.integers(-10**6, 2 * 10**6))
CODE = st.one_of(st.none(), st.sampled_from(["1", "2", "3", "9", ""]))
ROW = st.fixed_dictionaries({"LIMIT_BAL": NUMBER, "EDUCATION": CODE, "AGE": NUMBER,
                             "BILL_AMT1": NUMBER, "MARRIAGE": CODE})


@settings(max_examples=150, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=10))
def test_arrow_and_json_give_the_same_verdict_and_the_same_feeds(rows):
    """Columns typed float64 (numbers) and text: the verdicts and the feeds are the JSON
    check's, row for row; the text digested for each row parses back to the values scored."""
    as_floats = [{k: (float(v) if isinstance(v, int) else v) for k, v in r.items()}
                 for r in rows]
    t = table(as_floats, LIMIT_BAL=pa.float64(), AGE=pa.float64(), BILL_AMT1=pa.float64(),
              EDUCATION=pa.string(), MARRIAGE=pa.string())
    checked = CHECK.check(t)
    try:
        expected = RequestParser(CONTRACT, max_rows=10).check(
            [[r[n] for n in CONTRACT.names] for r in as_floats], [None] * len(rows))
    except ContractViolation as e:
        assert {(v.row, v.field, v.rule) for v in e.violations} == \
            {(v.row, v.field, v.rule) for v in checked.violations}
        return
    assert not checked.violations
    for name in CONTRACT.names:
        np.testing.assert_array_equal(checked.batch.feeds[name], expected.feeds[name])
    for text, row in zip(checked.batch.texts, as_floats):
        assert orjson.loads(text) == [row[n] for n in CONTRACT.names]


def test_compressed_or_oversized_streams_are_refused_before_their_buffers_are_read():
    zeros = pa.table({"LIMIT_BAL": pa.array(np.zeros(200_000))})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, zeros.schema,
                           options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(zeros)
    bomb = sink.getvalue().to_pybytes()
    assert len(bomb) < 2_000  # 1.6 MB of values in a body of a few hundred bytes
    with pytest.raises(ContractViolation) as e:
        read_stream(bomb, "2.1.0", 10**6)
    assert "compressed" in e.value.violations[0].message
    with pytest.raises(ContractViolation) as e:
        read_stream(stream(zeros), "2.1.0", 1000)
    assert (e.value.violations[0].rule, e.value.violations[0].value) == ("max_rows", 200_000)
    assert read_stream(stream(zeros), "2.1.0", 200_000).num_rows == 200_000
