"""The drill report document: its JSON round trip and validation, its verdicts, its page (en,
vi) and its place in the evidence pack. The figures here are test data for the renderer; the
drill itself is tested on real servers in tests/e2e/test_drill_cli.py."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artifacts.documents import DocumentError
from artifacts.drill_report import DRILL_KIND, Bin, DrillReport, Event, Figures, RegionCheck
from artifacts.ledger import open_store
from reporting import render_drill
from reporting.evidence_sources import DRILL_PRODUCE, Evidence, Gap, drills, reporting_period

FIGURES = Figures(detection_s=0.2, promote_s=0.12, rto_s=0.5, rpo_lost=0, failed_requests=0,
                  requests=300, acknowledged=300, retried_requests=17, replayed_requests=1,
                  logged_twice=0, chain_intact=True, chain_records=300, head_at_failover=97,
                  continues_chain=True)


def report(**changes) -> DrillReport:
    base = DrillReport(
        drill_id="drill-failover-1", direction="failover",
        started_at="2026-12-03T03:00:00.000000+00:00",
        finished_at="2026-12-03T03:00:20.000000+00:00", from_region="onshore-hn",
        to_region="onshore-hcm", fault="kill", model="uci-credit-default", model_version="1",
        bundle_digest="sha256:" + "ab" * 32, rps=50.0, duration_s=6.0, figures=FIGURES,
        regions=[RegionCheck(region=r, role=role, passed=True, trusted_as="release",
                             signer="key sha256:cd", bundle_digest="sha256:" + "ab" * 32)
                 for r, role in (("onshore-hn", "primary"), ("onshore-hcm", "dr"))],
        timeline=[Event(t=0.0, what="load starts"), Event(t=2.0, what="fault: kill -9"),
                  Event(t=2.5, what="first answer from onshore-hcm")],
        series=[Bin(t=i * 0.25, answered=12, failed=3 if i == 8 else 0, p50_ms=20.0,
                    p95_ms=40.0, served_by={"onshore-hn": 12}) for i in range(24)])
    return replace(base, **changes)


def test_the_report_round_trips_and_carries_its_format():
    doc = report().to_json()
    assert doc["format"] == "seawall.drill_report/v1"
    assert DrillReport.from_json(json.loads(json.dumps(doc))) == report()


def test_each_target_is_judged_from_the_figures():
    assert report().passed
    slow = report(figures=replace(FIGURES, rto_s=2.4))
    assert slow.results()["rto_s"] is False and not slow.passed
    lost = report(figures=replace(FIGURES, rpo_lost=1))
    assert lost.results()["rpo_lost"] is False
    twice = report(figures=replace(FIGURES, logged_twice=1))
    assert twice.results()["chain"] is False
    refused = report(regions=[replace(report().regions[0], passed=False)])
    assert refused.results()["verified"] is False


def test_a_report_missing_a_figure_is_refused_naming_the_field():
    doc = report().to_json()
    del doc["figures"]["rto_s"]
    with pytest.raises(DocumentError, match="'figures.rto_s' is missing"):
        DrillReport.from_json(doc, source="ledger")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) |
                    st.text(max_size=5), lambda inner: st.lists(inner, max_size=3) |
                    st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@given(st.sampled_from(["figures", "regions", "timeline", "series", "rps", "fault",
                        "targets"]), JSON)
def test_any_value_in_any_field_is_refused_with_a_document_error_or_renders(field, value):
    doc = {**report().to_json(), field: value}
    try:
        DrillReport.from_json(doc)
    except DocumentError as e:
        assert field in str(e)
    else:
        assert "<svg" in render_drill(doc, "en")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_page_shows_figures_targets_plots_and_regulation(lang):
    html = render_drill(report().to_json(), lang)
    assert "onshore-hn" in html and "onshore-hcm" in html and html.count("<svg") == 2
    assert "Circular 09/2020" in html and "Art 15" in html
    assert 'class="missed"' not in html and 'class="met"' in html
    missed = render_drill(report(figures=replace(FIGURES, rto_s=3.1)).to_json(), lang)
    assert missed.count('class="missed"') >= 2  # the verdict line and the RTO row


def period():
    return reporting_period("2026Q4", "VN")


def store_with(tmp_path, *reports: DrillReport) -> str:
    url = str(tmp_path / "decisions.db")
    store = open_store(url)
    for r in reports:
        store.add_document(DRILL_KIND, r.model, r.started_at, r.started_at, r.finished_at,
                           json.dumps(r.to_json()))
    store.close()
    return url


def test_the_pack_names_the_command_when_no_drill_is_on_record(tmp_path):
    found = drills(store_with(tmp_path), "uci-credit-default", period())
    assert isinstance(found, Gap) and found.produce == DRILL_PRODUCE
    assert found.supports == ("dr-evidence",)


def test_the_pack_holds_the_periods_drills_and_says_which_missed_a_target(tmp_path):
    slow = report(drill_id="drill-failback-2", direction="failback",
                  figures=replace(FIGURES, rto_s=2.5))
    elsewhere = report(drill_id="other-quarter", started_at="2026-01-05T00:00:00.000000+00:00")
    found = drills(store_with(tmp_path, report(), slow, elsewhere), "uci-credit-default",
                   period())
    assert isinstance(found, Evidence) and found.id == "dr-drills.json"
    assert found.status == "partial" and "drill-failback-2: rto_s" in found.note
    assert found.facts["drills"] == 2 and found.facts["passed"] == 1
    assert found.facts["worst_rto_s"] == 2.5
    assert [d["drill_id"] for d in json.loads(found.data)] == ["drill-failover-1",
                                                              "drill-failback-2"]
