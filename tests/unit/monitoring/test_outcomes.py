"""The outcomes file is user data: any bytes are either outcomes or one `OutcomeError` naming
the file and the lines; never another exception, never a partial load."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.outcomes import OutcomeError, load_outcomes, read_outcomes

HEADER = "application_id,default,observed_on\n"


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.text(max_size=300).map(lambda t: (HEADER + t).encode("utf-8"))))
def test_any_file_is_outcomes_or_one_clear_error(tmp_path, data):
    path = tmp_path / "o.csv"
    path.write_bytes(data)
    try:
        rows = read_outcomes(path)
    except OutcomeError as e:
        assert str(path) in str(e) and "\n" not in e.diagnostics()
    else:
        assert rows and all(flag in (0, 1) for _, _, flag, _ in rows)


def test_a_malformed_row_loads_nothing(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "A1,1,2027-01-01\nA2,maybe,2027-01-01\n")
    store = tmp_path / "outcomes.db"
    with pytest.raises(OutcomeError, match="line 3: default must be 0 or 1"):
        load_outcomes(path, store, {"A1", "A2"})
    assert not store.exists() or sqlite3.connect(store).execute(
        "SELECT count(*) FROM outcomes").fetchone() == (0,)


def test_a_missing_column_is_named(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("id,default\nA1,1\n")
    with pytest.raises(OutcomeError, match=r"missing: application_id, observed_on"):
        read_outcomes(path)
