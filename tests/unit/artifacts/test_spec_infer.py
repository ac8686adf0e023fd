"""`spec infer`: a starting spec that loads the file it came from, with personal data, keys and
constants recognised and every data class marked for review; any column names and values give
a spec or a clear error, never a crash."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from artifacts.errors import DataError, SpecError
from artifacts.factory import load_dataset, load_spec
from artifacts.factory.spec_infer import infer_columns, spec_yaml


def write(tmp_path, frame: pd.DataFrame, target: str, positive: str | None):
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(spec_yaml(infer_columns(data, target, positive), name="t", source=data,
                              positive=positive))
    return data, spec


def test_an_inferred_spec_loads_its_file_and_flags_what_needs_review(tmp_path):
    rng = np.random.default_rng(3)
    n = 300
    frame = pd.DataFrame({
        "application_id": range(n), "Full_Name": [f"Nguyen {i}" for i in range(n)],
        "age": rng.integers(18, 80, n), "income": rng.normal(5e6, 1e6, n).round(2),
        "housing": rng.choice(["own", "rent", "free"], n), "branch": "HN",
        "region_code": rng.choice([1, 2, 3], n), "status": rng.choice(["good", "bad"], n)})
    frame.loc[5, "income"] = None
    data, path = write(tmp_path, frame, "status", "bad")
    spec = load_spec(path)
    by_name = {c.name: c for c in spec.columns}
    assert by_name["application_id"].role.value == "id"
    assert by_name["Full_Name"].data_class.value == "pii"
    assert by_name["branch"].role.value == "excluded"  # constant
    assert by_name["income"].nullable and by_name["income"].minimum is not None
    assert by_name["housing"].categories == ("free", "own", "rent")
    assert by_name["status"].positive == "bad"
    column_lines = [x for x in path.read_text().splitlines() if x.startswith("  - {")]
    assert len(column_lines) == len(frame.columns)
    assert all("# REVIEW: " in x for x in column_lines)
    loaded = load_dataset(data, spec)
    assert loaded.rows == n and loaded.target.sum() == (frame["status"] == "bad").sum()


def test_a_missing_target_column_is_named(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [1, 2]}).to_csv(data, index=False)
    with pytest.raises(DataError, match="no column 'y' \\(columns: x\\)"):
        infer_columns(data, "y", None)


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
                max_size=12).filter(lambda s: s.strip() == s and s)
cells = st.one_of(st.integers(-5, 5), st.floats(-1e6, 1e6, allow_nan=False),
                  st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                          max_size=6), st.none())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(columns=st.lists(names, min_size=1, max_size=4, unique=True), data=st.data())
def test_any_names_and_values_give_a_spec_or_a_clear_error(tmp_path, columns, data):
    rows = 12
    frame = pd.DataFrame({c: data.draw(st.lists(cells, min_size=rows, max_size=rows))
                          for c in columns})
    frame["outcome"] = ["good", "bad"] * (rows // 2)
    try:
        data_path, spec_path = write(tmp_path, frame, "outcome", "bad")
        spec = load_spec(spec_path)
        assert [c.name for c in spec.columns] == [*columns, "outcome"]
        load_dataset(data_path, spec)
    except (DataError, SpecError) as e:
        assert str(e)  # a refusal with a reason: a constant or empty column, too few features
