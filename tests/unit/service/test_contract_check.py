"""Contract enforcement: every rule answers with row, field, rule and value; valid rows feed ONNX."""

from __future__ import annotations

import json

import numpy as np
import pytest

from artifacts.bundle import ColumnType, Contract, Field
from service import ContractViolation, RequestParser

CONTRACT = Contract(version="2.1.0", fields=(
    Field(name="LIMIT_BAL", type=ColumnType.NUMERIC, nullable=False, minimum=0, maximum=1e6),
    Field(name="EDUCATION", type=ColumnType.CATEGORICAL, nullable=False,
          categories=("1", "2", "3")),
    Field(name="AGE", type=ColumnType.NUMERIC, nullable=False, minimum=18, maximum=100),
    Field(name="BILL_AMT1", type=ColumnType.NUMERIC, nullable=True, minimum=-1e5, maximum=1e6),
    Field(name="MARRIAGE", type=ColumnType.CATEGORICAL, nullable=True, categories=("1", "2")),
))
GOOD = {"LIMIT_BAL": 50000, "EDUCATION": "2", "AGE": 35, "BILL_AMT1": 1200.5, "MARRIAGE": "1"}


def parse(doc, *, max_rows: int = 10, raw: bytes | None = None):
    return RequestParser(CONTRACT, max_rows=max_rows).parse(
        raw if raw is not None else json.dumps(doc).encode())


def violations(doc=None, **kwargs) -> list[tuple]:
    with pytest.raises(ContractViolation) as e:
        parse(doc, **kwargs)
    return [(v.row, v.field, v.rule) for v in e.value.violations]


def test_named_and_ordered_rows_give_the_same_feeds():
    named = parse({"rows": [GOOD, dict(GOOD, AGE=60)]})
    ordered = parse({"rows": [list(GOOD.values()), list(dict(GOOD, AGE=60).values())]})
    assert named.rows == ordered.rows == 2
    for name in CONTRACT.names:
        assert named.feeds[name].shape == (2, 1)
        np.testing.assert_array_equal(named.feeds[name], ordered.feeds[name])
    assert named.feeds["AGE"].dtype == np.float64 and named.feeds["AGE"][:, 0].tolist() == [35, 60]
    assert named.feeds["EDUCATION"].dtype == object


def test_nulls_are_missing_values_where_the_contract_allows_them():
    batch = parse({"rows": [dict(GOOD, BILL_AMT1=None, MARRIAGE=None)]})
    assert np.isnan(batch.feeds["BILL_AMT1"][0, 0])
    assert batch.feeds["MARRIAGE"][0, 0] == ""


def test_every_violation_in_a_batch_is_listed_with_row_field_rule_and_value():
    bad_row = {"LIMIT_BAL": "lots", "EDUCATION": "9", "AGE": 150, "BILL_AMT1": None,
               "MARRIAGE": 1, "SALARY": 10}
    with pytest.raises(ContractViolation) as e:
        parse({"rows": [GOOD, bad_row, dict(GOOD, AGE=17)]})
    got = {(v.row, v.field, v.rule): v.value for v in e.value.violations}
    assert got == {(1, "SALARY", "unknown_field"): None, (1, "LIMIT_BAL", "type"): "lots",
                   (1, "EDUCATION", "category"): "9", (1, "AGE", "maximum"): 150,
                   (1, "MARRIAGE", "type"): 1, (2, "AGE", "minimum"): 17}
    body = e.value.to_dict()
    assert body["error"] == "contract_violation" and body["contract_version"] == "2.1.0"
    assert all(v["message"] for v in body["violations"])


@pytest.mark.parametrize(("row", "expected"), [
    ({k: v for k, v in GOOD.items() if k != "AGE"}, (0, "AGE", "required")),
    (dict(GOOD, AGE=None), (0, "AGE", "null")),
    (dict(GOOD, EDUCATION=None), (0, "EDUCATION", "null")),
    (dict(GOOD, AGE=True), (0, "AGE", "type")),
    (dict(GOOD, AGE="35"), (0, "AGE", "type")),
    (dict(GOOD, AGE=[35]), (0, "AGE", "type")),
    (dict(GOOD, LIMIT_BAL=10 ** 400), (0, "LIMIT_BAL", "finite")),
    (dict(GOOD, LIMIT_BAL=-1), (0, "LIMIT_BAL", "minimum")),
    (dict(GOOD, MARRIAGE="3"), (0, "MARRIAGE", "category")),
    ([1, "2", 35], (0, "(row)", "row_length")),
    ("a row", (0, "(row)", "row_type")),
])
def test_each_rule(row, expected):
    assert violations({"rows": [row]}) == [expected]


@pytest.mark.parametrize(("literal", "field"), [(b"NaN", "AGE"), (b"Infinity", "LIMIT_BAL"),
                                                (b"-Infinity", "BILL_AMT1")])
def test_nan_and_infinities_are_refused_by_field(literal, field):
    row = dict(GOOD, **{field: 0})
    raw = json.dumps({"rows": [row]}).encode().replace(f'"{field}": 0'.encode(),
                                                        f'"{field}": '.encode() + literal)
    with pytest.raises(ContractViolation) as e:
        parse(None, raw=raw)
    (v,) = e.value.violations
    assert (v.row, v.field, v.rule) == (0, field, "finite")
    assert v.to_dict()["value"] in ("nan", "inf", "-inf")  # JSON has no NaN: shown as text


@pytest.mark.parametrize("literal", [b"Infinity", b"-Infinity", b"NaN", b"1e999"])
def test_a_field_without_a_range_still_refuses_nan_and_infinities(literal):
    unbounded = Contract(version="1.0.0", fields=(
        Field(name="INCOME", type=ColumnType.NUMERIC, nullable=True),))
    parser = RequestParser(unbounded, max_rows=10)
    assert parser.parse(b'{"rows": [[1e300], [null], [-5]]}').rows == 3
    with pytest.raises(ContractViolation) as e:
        parser.parse(b'{"rows": [[1], [' + literal + b']]}')
    assert [(v.row, v.field, v.rule) for v in e.value.violations] == [(1, "INCOME", "finite")]


@pytest.mark.parametrize(("doc", "raw", "expected"), [
    (None, b"{not json", (None, "(body)", "json")),
    ([GOOD], None, (None, "(body)", "body")),
    ({"rows": []}, None, (None, "rows", "rows")),
    ({"rows": GOOD}, None, (None, "rows", "rows")),
    ({"rows": [GOOD] * 11}, None, (None, "rows", "max_rows")),
    ({"rows": [GOOD], "application_ids": ["a", "b"]}, None,
     (None, "application_ids", "application_ids")),
    ({"rows": [GOOD], "application_ids": [7]}, None, (None, "application_ids",
                                                      "application_ids")),
])
def test_envelope_rules(doc, raw, expected):
    assert violations(doc, raw=raw) == [expected]


def test_unknown_top_level_fields_are_refused():
    assert violations({"rows": [GOOD], "debug": True}) == [(None, "debug", "unknown_field")]


def test_a_large_batch_is_checked_as_arrays_and_reports_exactly_the_bad_cells():
    rng = np.random.default_rng(3)
    rows = [[float(rng.integers(0, 10 ** 6)), "1", float(rng.integers(18, 100)), None, "2"]
            for _ in range(1000)]
    rows[17][2], rows[512][0], rows[999][1] = 101.0, -5.0, "7"
    got = violations({"rows": rows}, max_rows=1000)
    assert got == [(17, "AGE", "maximum"), (512, "LIMIT_BAL", "minimum"),
                   (999, "EDUCATION", "category")]
    rows[17][2], rows[512][0], rows[999][1] = 40.0, 5.0, "3"
    batch = parse({"rows": rows}, max_rows=1000)
    assert batch.rows == 1000 and batch.feeds["LIMIT_BAL"].shape == (1000, 1)


def test_application_ids_are_kept_per_row():
    batch = parse({"rows": [GOOD, GOOD], "application_ids": ["A-1", None]})
    assert batch.application_ids == ["A-1", None]


def test_integer_coded_categories_take_json_integers_or_strings():
    from dataclasses import replace

    coded = replace(CONTRACT, fields=tuple(
        replace(f, codes="integer") if f.type is ColumnType.CATEGORICAL else f
        for f in CONTRACT.fields))
    parser = RequestParser(coded, max_rows=10)
    as_ints = parser.parse(json.dumps({"rows": [dict(GOOD, EDUCATION=2, MARRIAGE=None)]}).encode())
    as_text = parser.parse(json.dumps({"rows": [dict(GOOD, MARRIAGE=None)]}).encode())
    assert as_ints.feeds["EDUCATION"].tolist() == as_text.feeds["EDUCATION"].tolist() == [["2"]]
    for bad, rule in ((True, "type"), (2.0, "type"), (7, "category"), ("02", "category")):
        with pytest.raises(ContractViolation) as e:
            parser.parse(json.dumps({"rows": [dict(GOOD, EDUCATION=bad)]}).encode())
        assert [(v.field, v.rule) for v in e.value.violations] == [("EDUCATION", rule)], bad
    with pytest.raises(ContractViolation) as e:  # a text-coded field still takes strings only
        parse({"rows": [dict(GOOD, EDUCATION=2)]})
    assert "a string (category code)" in e.value.violations[0].message
