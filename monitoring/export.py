"""`seawall monitor run --export`: the version of a monitoring report that may be sent to the
offshore model developers. Aggregates only, and no aggregate of fewer than the plan's
`min_cell` rows: a window bin, a calibration decile or a whole finding over fewer rows is
suppressed (null, marked), the Page-Hinkley paths (one mean per day, however few applicants
that day) are left out, and nothing per decision (ids, times, scores) is in a report to begin
with. The file says so on its first line.
"""

from __future__ import annotations

import json
from typing import Any

from monitoring.report import MonitoringReport

EXPORT_FORMAT = "seawall.monitoring_export/v1"


def notice(min_cell: int) -> str:
    return (f"AGGREGATES ONLY, for offshore model developers: no decision, id, time or feature "
            f"value; every figure over fewer than {min_cell} rows is suppressed (null)")


def export(report: MonitoringReport, min_cell: int) -> dict[str, Any]:
    doc = report.to_json()
    return {"notice": notice(min_cell), "format": EXPORT_FORMAT, "model": doc["model"],
            "window": doc["window"], "timezone": doc["timezone"],
            "plan_version": doc["plan_version"], "correction": doc["correction"],
            "reference": doc["reference"], "created_at": doc["created_at"],
            "cohorts": [{"role": c["role"], "model_version": c["model_version"],
                         "decisions": _count(c["decisions"], min_cell),
                         "findings": [_finding(f, min_cell) for f in c["findings"]]}
                        for c in doc["cohorts"]],
            "alerts": [{k: a[k] for k in ("severity", "rule", "cohort", "summary")}
                       for a in doc["alerts"]],
            "not_run": doc["not_run"]}


def export_text(report: MonitoringReport, min_cell: int) -> str:
    """The export as JSON whose first line is the notice (still valid JSON)."""
    text = json.dumps(export(report, min_cell), indent=2, ensure_ascii=False, allow_nan=False)
    return "{" + text[1:].lstrip() + "\n"


def _count(n: int, min_cell: int) -> int | None:
    return n if n >= min_cell else None


def _finding(f: dict, min_cell: int) -> dict:
    out = {k: f[k] for k in ("detector", "subject", "threshold", "verdict")}
    if f["n_window"] < min_cell:
        return {**out, "statistic": None, "p_value": None, "rows": None, "suppressed": True}
    detail = dict(f.get("detail") or {})
    detail.pop("path", None)  # one mean a day, however few that day
    if "bins" in detail:
        detail["bins"] = [_bin(b, f["n_window"], min_cell) for b in detail["bins"]]
    if "deciles" in detail:
        detail["deciles"] = [d if d["rows"] >= min_cell else
                             {"decile": d["decile"], "suppressed": True}
                             for d in detail["deciles"]]
    if f["detector"] == "approval_shift" and f["n_reference"] < min_cell:
        detail = {"suppressed": True}
    return {**out, "statistic": f["statistic"], "p_value": f["p_value"], "rows": f["n_window"],
            "detail": detail}


def _bin(b: dict, n_window: int, min_cell: int) -> dict:
    rows = round(b["window"] * n_window)
    if 0 < rows < min_cell:
        return {**b, "window": None, "contribution": None, "suppressed": True}
    return b
