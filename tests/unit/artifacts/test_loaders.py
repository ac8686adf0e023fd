"""Loaders: every bad input gets an error naming file, line, column and rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xlwt

from artifacts.errors import DataError
from artifacts.factory import load_dataset, load_spec, prepare_frame, read_header

SPEC = load_spec()


def _csv(tmp_path, frame: pd.DataFrame, name="data.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_synthetic_csv_loads_typed(small_csv, small_frame):
    data = load_dataset(small_csv, SPEC)
    assert data.rows == len(small_frame)
    assert data.frame["LIMIT_BAL"].dtype == np.float64
    assert set(data.frame["EDUCATION"]) <= set(SPEC.columns[3].categories)
    assert data.target.dtype == np.int64 and set(np.unique(data.target)) == {0, 1}
    assert len(data.sha256) == 64


def test_uci_xls_with_its_extra_header_row_loads(tmp_path, small_frame):
    """The original UCI workbook has an X1..X23,Y row above the names, and a spaced target."""
    frame = small_frame.head(50).rename(columns={"default.payment.next.month":
                                                 "default payment next month"})
    book = xlwt.Workbook()
    sheet = book.add_sheet("Data")
    sheet.write(0, 0, "")
    for j in range(1, len(frame.columns)):
        sheet.write(0, j, f"X{j}" if j < len(frame.columns) - 1 else "Y")
    for j, name in enumerate(frame.columns):
        sheet.write(1, j, name)
    for i, row in enumerate(frame.itertuples(index=False), start=2):
        for j, value in enumerate(row):
            sheet.write(i, j, float(value))  # Excel stores numbers as floats: 1.0, not "1"
    path = tmp_path / "default of credit card clients.xls"
    book.save(str(path))
    header = read_header(path, SPEC)
    assert header.header_row == 1
    data = load_dataset(path, SPEC, header)
    assert data.rows == 50
    assert list(data.frame["SEX"][:5]) == [str(v) for v in small_frame["SEX"][:5]]
    assert (data.target == small_frame["default.payment.next.month"][:50].to_numpy()).all()


def test_kaggle_style_csv_with_pay_1_alias_loads(tmp_path, small_frame):
    path = _csv(tmp_path, small_frame.rename(columns={"PAY_0": "PAY_1"}))
    assert load_dataset(path, SPEC).frame.columns[6] == "PAY_0"


def test_pandas_string_dtype_frame_is_accepted(small_frame):
    frame = small_frame.astype({"EDUCATION": "string", "MARRIAGE": "str", "SEX": "category"})
    frame.loc[3, "BILL_AMT1"] = np.nan  # nullable column
    out = prepare_frame(frame, SPEC, where="frame")
    assert out["EDUCATION"].dtype == object and np.isnan(out["BILL_AMT1"][3])


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda f: f.assign(AGE=f["AGE"].astype(object).where(f.index != 4, "forty")),
     "line 6, column 'AGE': 'forty' is not a number"),
    (lambda f: f.assign(AGE=f["AGE"].where(f.index != 9, 150)),
     "line 11, column 'AGE': '150' is outside the allowed range [18, 100]"),
    (lambda f: f.assign(EDUCATION=f["EDUCATION"].where(f.index != 0, 9)),
     "line 2, column 'EDUCATION': '9' is not an allowed category"),
    (lambda f: f.assign(LIMIT_BAL=f["LIMIT_BAL"].astype(float).where(f.index != 2)),
     "line 4, column 'LIMIT_BAL': (empty) is missing and the column is not nullable"),
    (lambda f: f.assign(**{"default.payment.next.month": f["default.payment.next.month"].where(f.index != 1, 2)}),
     "line 3, column 'default.payment.next.month': '2' target must be 0 or 1"),
    (lambda f: f.assign(**{"default.payment.next.month": f["default.payment.next.month"].astype(float).where(f.index != 1)}),
     "line 3, column 'default.payment.next.month': (empty) is missing"),
    (lambda f: f.assign(**{"default.payment.next.month": 0}),
     "only non-defaults are present (every value is '0'); a default model needs both"),
    (lambda f: f.assign(BILL_AMT3=np.nan), "column 'BILL_AMT3': every value is missing"),
    (lambda f: f.assign(PAY_AMT2=7), "column 'PAY_AMT2': constant"),
    (lambda f: f.assign(AGE=np.inf), "is not a finite number"),
])
def test_bad_values_are_reported_with_line_column_and_rule(tmp_path, small_frame, edit, expected):
    path = _csv(tmp_path, edit(small_frame.head(200).copy()))
    with pytest.raises(DataError) as caught:
        load_dataset(path, SPEC)
    assert expected in str(caught.value) and str(path) in str(caught.value)


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "file is empty"),
    (b"ID,LIMIT_BAL\n", "is missing from the data"),
])
def test_empty_and_truncated_files(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=expected):
        load_dataset(path, SPEC)


def test_header_only_file_has_no_rows(tmp_path, small_frame):
    path = _csv(tmp_path, small_frame.head(0))
    with pytest.raises(DataError, match="has a header but no data rows"):
        load_dataset(path, SPEC)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="data file not found"):
        read_header(tmp_path / "absent.csv", SPEC)


def test_missing_target_column_is_named(tmp_path, small_frame):
    path = _csv(tmp_path, small_frame.drop(columns=["default.payment.next.month"]))
    with pytest.raises(DataError, match="column 'default.payment.next.month' declared in "
                                        "uci_credit.yaml is missing"):
        read_header(path, SPEC)


def test_undeclared_column_is_refused_before_rows_are_read(tmp_path, small_frame):
    path = _csv(tmp_path, small_frame.assign(PHONE="0912345678"))
    with pytest.raises(DataError, match="column 'PHONE' is not declared"):
        read_header(path, SPEC)


def test_many_problems_are_summarised_not_truncated_silently(tmp_path, small_frame):
    path = _csv(tmp_path, small_frame.head(300).assign(AGE=500))
    with pytest.raises(DataError) as caught:
        load_dataset(path, SPEC)
    assert "295 more value(s)" in str(caught.value)
