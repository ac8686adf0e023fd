"""Specs say what the user means by the target: numeric 0/1, or a categorical or coded target
with `positive:` naming the value that means default; every non-conforming value is one line
naming the row."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from artifacts.errors import DataError, SpecError
from artifacts.factory import load_dataset, load_spec


def spec(tmp_path, target: str):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent(f"""
        name: t
        columns:
          - {{name: x, role: feature, type: numeric, data_class: anonymous}}
          - {{name: y, role: target, data_class: anonymous, {target}}}
        """))
    return path


def data(tmp_path, y: list):
    rng = np.random.default_rng(1)
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": rng.normal(size=len(y)), "y": y}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("target", "values", "expected"), [
    ("type: numeric", [0, 1, 1, 0], [0, 1, 1, 0]),
    ("type: categorical, positive: bad", ["good", "bad", "bad", "good"], [0, 1, 1, 0]),
    ("type: categorical, positive: Y, categories: [Y, N]", ["N", "Y", "Y", "N"], [0, 1, 1, 0]),
    ("type: numeric, positive: 2", [1, 2, 2, 1], [0, 1, 1, 0]),  # German credit: 1 good, 2 bad
    ("type: categorical, positive: 2", ["1", "2.0", "2", "1"], [0, 1, 1, 0]),
])
def test_the_positive_value_is_default(tmp_path, target, values, expected):
    loaded = load_dataset(data(tmp_path, values * 3), load_spec(spec(tmp_path, target)))
    assert loaded.target.tolist() == expected * 3 and loaded.target.dtype == np.int64


@pytest.mark.parametrize(("target", "values", "message"), [
    ("type: numeric", ["good", "bad", "bad"],
     "line 2, column 'y': 'good' is not 0 or 1; if the target is text (good/bad, Y/N), "
     "declare it type: categorical with positive: <the value that means default>"),
    ("type: numeric", [0, 1, 2], "line 4, column 'y': '2' target must be 0 or 1"),
    ("type: categorical, positive: bad", ["good", "bad", None],
     "line 4, column 'y': (empty) is missing and the column is not nullable"),
    ("type: categorical, positive: bad", ["good", "bad", "bda"],
     "column 'y': a target has two values, this one has 3 (bad, bda, good)"),
    ("type: categorical, positive: bad", ["Good", "Bad", "Bad"],
     "column 'y': the positive value 'bad' (default) never occurs; the target's values are "
     "Bad, Good"),
    ("type: categorical, positive: Y, categories: [Y, N]", ["N", "Y", "y"],
     "line 4, column 'y': 'y' is not an allowed category (Y, N)"),
    ("type: categorical, positive: bad", ["good", "good", "good"],
     "column 'y': the positive value 'bad' (default) never occurs; the target's values are good"),
    ("type: categorical, positive: bad", ["bad", "bad", "bad"],
     "column 'y': only defaults are present (every value is 'bad'); a default model needs both"),
    ("type: numeric, positive: 2", [1, 2, "two"], "line 4, column 'y': 'two' is not a number"),
])
def test_a_non_conforming_target_is_one_line_naming_the_row(tmp_path, target, values, message):
    with pytest.raises(DataError) as e:
        load_dataset(data(tmp_path, values), load_spec(spec(tmp_path, target)))
    assert message in str(e.value)


@pytest.mark.parametrize(("target", "field", "rule"), [
    ("type: categorical", "positive", "a categorical target must say which value means default"),
    ("type: categorical, positive: bad, categories: [good, fine]", "positive",
     "'bad' is not one of the target's categories (good, fine)"),
    ("type: categorical, positive: a, categories: [a, b, c]", "categories",
     "a target has exactly two values (got 3: a, b, c)"),
    ("type: numeric, positive: [1, 2]", "positive", "must be one value"),
])
def test_a_target_spec_that_cannot_be_meant_is_refused(tmp_path, target, field, rule):
    with pytest.raises(SpecError) as e:
        load_spec(spec(tmp_path, target))
    assert field in str(e.value) and rule in str(e.value)


def test_only_the_target_takes_positive(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(textwrap.dedent("""
        name: t
        columns:
          - {name: x, role: feature, type: numeric, data_class: anonymous, positive: 1}
          - {name: y, role: target, type: numeric, data_class: anonymous}
        """))
    with pytest.raises(SpecError, match="only the target column takes positive"):
        load_spec(path)
