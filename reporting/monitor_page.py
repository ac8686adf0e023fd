"""The monitoring report as a page a person reads without the JSON: alerts, each cohort's
findings and plots (score shares by bin, PSI by bin, features ranked by CSI, Page-Hinkley
paths, calibration by decile, AUC against the reference interval), in English or Vietnamese.
It renders the `seawall.monitoring_report/v1` document from its JSON, without importing
`monitoring`."""

from __future__ import annotations

from reporting.i18n import Formatter, translations
from reporting.monitor_plots import (
    contributions_svg,
    interval_svg,
    path_svg,
    ranking_svg,
    shares_svg,
)
from reporting.plots import calibration_svg
from reporting.render import environment

MONITORING_FORMAT = "seawall.monitoring_report/v1"


def render_monitoring(doc: dict, lang: str) -> str:
    f = Formatter(lang)
    gettext = translations(lang).gettext
    verdicts = {"stable": gettext("stable"), "drift": gettext("drift"),
                "insufficient": gettext("insufficient")}

    def number(value) -> str:
        return "–" if value is None else f.number(value)

    cohorts = [{**c, "decisions": f.count(c["decisions"]),
                "findings": [{**x, "statistic": number(x["statistic"]),
                              "threshold": number(x["threshold"]),
                              "rows": f.count(x["n_window"]),
                              "verdict_text": verdicts.get(x["verdict"], x["verdict"])}
                             for x in c["findings"]],
                "plots": _plots(c["findings"], f, gettext)} for c in doc["cohorts"]]
    alerts = [{**a, "statistic": number(a["statistic"]), "threshold": number(a["threshold"])}
              for a in doc["alerts"]]
    return environment(lang).get_template("monitoring.html.j2").render(
        lang=lang, doc=doc, cohorts=cohorts, alerts=alerts, generated=f.when(doc["created_at"]))


def _plots(findings: list[dict], f: Formatter, gettext) -> list[dict]:
    plots = []
    csi = [x for x in findings if x["detector"] == "csi"]
    if csi:
        plots.append({"svg": ranking_svg(csi, f), "caption": gettext(
            "Features by CSI, largest first (red: drift after the correction; ★: a top "
            "feature)")})
    for x in findings:
        detail = x.get("detail") or {}
        if x["detector"] == "psi" and detail.get("bins"):
            plots.append({"svg": shares_svg(detail["bins"], f), "caption": gettext(
                "Share of rows per score bin: reference (grey) and window (blue)")})
            plots.append({"svg": contributions_svg(detail["bins"], f),
                          "caption": gettext("PSI by bin, largest first")})
        elif x["detector"] == "page_hinkley" and detail.get("path"):
            plots.append({"svg": path_svg(detail["path"], x["threshold"], f),
                          "caption": gettext("Page-Hinkley by day: %(subject)s") % {
                              "subject": x["subject"]}})
        elif x["detector"] == "calibration" and detail.get("deciles"):
            plots.append({"svg": calibration_svg(detail["deciles"], f),
                          "caption": gettext("Predicted and observed default rate by decile")})
        elif x["detector"] == "auc" and x["statistic"] is not None:
            plots.append({"svg": interval_svg(detail["reference"], x["statistic"],
                                              detail["window_interval"], f),
                          "caption": gettext("AUC of the window (blue) and the reference "
                                             "interval (grey)")})
    return plots
