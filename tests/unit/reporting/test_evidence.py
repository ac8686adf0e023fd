"""The pack document from evidence and gaps alone: the target template follows the calendar
(Circular 13's appendices until 30 Jun 2026, Circular 83/2025's articles after, both in a year
that spans the change), each row's status is the worst of its evidence, every crosswalk row is
present in every section, and the source regimes shown are the ones in force."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reporting import ReportError
from reporting.evidence import Subject, assemble
from reporting.evidence_sources import Evidence, Gap, reporting_period
from reporting.regimes import calendar, crosswalk

SUBJECT = Subject("m", "1", "onshore-hn", "/b", "0" * 64)
EVIDENCE = [Evidence("card.json", "card", ("development-documentation", "tiering"), b"{}"),
            Evidence("log.json", "log", ("override-log",), b"[]", status="partial", note="n"),
            Evidence("bad.json", "verification", ("tiering",), b"x", status="failed")]
GAPS = [Gap(("dr-evidence",), "DR drill reports", "seawall drill run")]


def pack(label: str, irb: bool = False) -> dict:
    return assemble(SUBJECT, reporting_period(label, "VN"), EVIDENCE, GAPS, calendar(irb=irb))


@pytest.mark.parametrize("label, targets", [
    ("2026Q1", ["circular-13-2018"]), ("2026Q4", ["circular-83-2025"]),
    ("2026", ["circular-13-2018", "circular-83-2025"])])
def test_the_target_templates_follow_the_calendar(label, targets):
    doc = pack(label)
    assert [s["regime"] for s in doc["sections"]] == targets
    _, artifacts = crosswalk()
    for section in doc["sections"]:
        rows = [r["id"] for g in section["groups"] for r in g["rows"]]
        assert sorted(rows) == sorted(a.id for a in artifacts)


def test_statuses_are_the_worst_of_their_evidence_and_gaps_are_missing():
    rows = {r["id"]: r for g in pack("2026Q4")["sections"][0]["groups"] for r in g["rows"]}
    assert rows["tiering"]["status"] == "failed"
    assert rows["override-log"]["status"] == "partial" and rows["override-log"]["notes"] == ["n"]
    assert rows["development-documentation"]["status"] == "present"
    assert rows["dr-evidence"]["status"] == "missing"
    assert rows["dr-evidence"]["gaps"][0]["produce"] == "seawall drill run"


def test_sr_11_7_before_its_replacement_and_sr_26_2_after():
    def sources(label):
        rows = pack(label)["sections"][0]["groups"][0]["rows"]
        return {s["regime"] for r in rows for s in r["sources"]}
    assert "sr-11-7" in sources("2026Q1") and "sr-26-2" not in sources("2026Q1")
    assert "sr-26-2" in sources("2026Q4") and "sr-11-7" not in sources("2026Q4")


def test_circular_83s_model_risk_articles_are_flagged_until_they_apply():
    assert pack("2026Q4")["sections"][0]["model_risk_from"] == "2028-01-01"
    assert pack("2026Q4", irb=True)["sections"][0]["model_risk_from"] is None


def test_every_piece_is_listed_with_its_digest():
    doc = pack("2026Q4")
    assert [e["sha256"] for e in doc["evidence"]][0] == \
        "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"  # sha256(b"{}")
    assert doc["summary"] == {"artifacts": 13, "with_evidence": 3, "gaps": 10}


def test_evidence_for_a_row_the_crosswalk_lacks_is_refused():
    with pytest.raises(ReportError, match="do not exist"):
        assemble(SUBJECT, reporting_period("2026Q4", "VN"),
                 [Evidence("x", "x", ("no-such-row",), b"")], [], calendar())


@given(st.text(max_size=12))
def test_any_period_text_is_a_period_or_one_clear_error(text):
    try:
        period = reporting_period(text, "VN")
    except ReportError as e:
        assert "period" in str(e)
    else:
        assert period.start < period.end and period.first <= period.last
