"""The regulation calendar and the crosswalk are data, checked when read: the shipped files
validate, a report period names the regimes in force and the transitions within or just after
it, and a broken file is refused naming the row, the column and the rule."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from reporting import ReportError
from reporting.regimes import DATA, VERIFY, calendar, crosswalk, in_force, period, transitions


def ids(regimes) -> set[str]:
    return {r.id for r in regimes}


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2028-12", date(2028, 12, 1), date(2028, 12, 31)),
    ("2027", date(2027, 1, 1), date(2027, 12, 31)),
])
def test_periods(text, first, last):
    assert period(text) == (first, last)


@given(st.text(max_size=12))
def test_any_other_period_is_a_clear_error(text):
    try:
        first, last = period(text)
    except ReportError as e:
        assert "write a quarter" in str(e)
    else:
        assert first <= last


def test_a_period_names_the_regimes_in_force_and_the_changes_around_it():
    every = calendar()
    q2 = period("2026Q2")
    assert {"sr-11-7", "sr-26-2", "circular-13-2018", "pdpl-2025"} <= ids(in_force(every, *q2))
    assert "circular-83-2025" not in ids(in_force(every, *q2))
    changes = {(t.regime.id, t.kind, t.on) for t in transitions(every, *q2)}
    assert ("circular-13-2018", "ends", date(2026, 6, 30)) in changes
    assert ("circular-83-2025", "starts", date(2026, 7, 1)) in changes
    q3 = period("2026Q3")
    assert {"sr-26-2", "circular-83-2025"} <= ids(in_force(every, *q3))
    assert {"sr-11-7", "circular-13-2018", "decree-13-2023"}.isdisjoint(ids(in_force(every, *q3)))
    assert "circular-83-2025-model-risk" not in ids(in_force(every, *q3))
    assert "circular-83-2025-model-risk" in ids(in_force(calendar(irb=True), *q3))
    assert "eu-ai-act" in ids(in_force(every, *period("2027Q4")))
    assert "eu-ai-act" not in ids(in_force(every, *period("2026Q4")))


def test_the_shipped_crosswalk_covers_every_artifact_and_regime_with_a_confidence():
    regimes, artifacts = crosswalk()
    assert set(regimes) <= ids(calendar())  # every column is a regime the calendar dates
    assert len(artifacts) == 13
    assert {a.id for a in artifacts} >= {"inventory-entry", "validation-report",
                                         "transfer-dossier", "dr-evidence"}
    validation = next(a for a in artifacts if a.id == "validation-report")
    assert validation.cells["pra-ss1-23"].cite == "4.1, 4.2, 4.5"
    assert validation.cells["circular-83-2025"].caveat == VERIFY  # an S cell
    assert validation.cells["sr-11-7"].caveat == ""  # a C cell
    assert all(a.name["vi"] for a in artifacts)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["artifacts"][0]["cells"].pop("eu-ai-act"), "missing ['eu-ai-act']"),
    (lambda d: d["artifacts"][1]["cells"]["sr-11-7"].update(confidence="X"),
     "artifacts[1] (tiering).sr-11-7: a cell is {cite: text or null, confidence: C|S|G}"),
    (lambda d: d["artifacts"][2]["name"].pop("vi"), "name needs exactly en and vi"),
    (lambda d: d["artifacts"][3].update(id="inventory-entry"), "each artifact has a unique id"),
    (lambda d: d.update(version=2), "a version 1 document"),
])
def test_a_broken_crosswalk_is_refused_naming_the_cell(tmp_path, change, message):
    doc = yaml.safe_load((DATA / "crosswalk.yaml").read_text())
    change(doc)
    path = tmp_path / "crosswalk.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(ReportError) as e:
        crosswalk(path)
    assert message in str(e.value)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["regimes"][0].update({"from": "soon"}), "from and until are dates"),
    (lambda d: d["regimes"][0].update(until=date(2000, 1, 1)), "until is before from"),
    (lambda d: d["regimes"][1].update(confidence="maybe"), "confidence is one of C, S, G"),
    (lambda d: d["regimes"][0].update(replaced_by="sr-99"), "unknown: ['sr-99']"),
])
def test_a_broken_calendar_is_refused(tmp_path, change, message):
    doc = yaml.safe_load((DATA / "calendar.yaml").read_text())
    change(doc)
    path = tmp_path / "calendar.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True))
    with pytest.raises(ReportError, match=message.replace("[", r"\[").replace("]", r"\]")):
        calendar(path)
