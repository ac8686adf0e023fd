"""The DR drill report as a page: the verdict against each target, the measured figures, the
timeline, the client's latency and answered/failed attempts over the drill, each region's
verification of the bundle, and the regulation the drill evidences, in English or Vietnamese.
It renders the `seawall.drill_report/v1` document, without importing the drill."""

from __future__ import annotations

from artifacts.drill_report import DrillReport
from reporting.drill_plots import attempts_svg, latency_svg
from reporting.i18n import Formatter, translations
from reporting.render import environment


def render_drill(doc: dict, lang: str) -> str:
    report = DrillReport.from_json(doc, source="drill report")
    f = Formatter(lang)
    gettext = translations(lang).gettext
    fig, targets = report.figures, report.targets
    met = report.results()
    yes, no = gettext("met"), gettext("missed")
    chain = gettext("%(records)s records, head %(head)s") % {
        "records": f.count(fig.chain_records), "head": fig.head_at_failover}
    rows = [
        (gettext("Detection: fault to the primary declared down"),
         f"{f.number(fig.detection_s, 3)} s", "–", None),
        (gettext("Promotion of the standby database"), f"{f.number(fig.promote_s, 3)} s", "–",
         None),
        (gettext("RTO: fault to the first answer from the DR region"),
         f"{f.number(fig.rto_s, 3)} s", f"≤ {f.number(targets['rto_s'], 1)} s", met["rto_s"]),
        (gettext("RPO: acknowledged decisions missing from the DR log"),
         f.count(fig.rpo_lost), f"{int(targets['rpo_lost'])}", met["rpo_lost"]),
        (gettext("Client requests never answered"), f.count(fig.failed_requests),
         f"{int(targets['failed_requests'])}", met["failed_requests"]),
        (gettext("Requests retried (same request id)"), f.count(fig.retried_requests), "–",
         None),
        (gettext("Retries answered from the decision log"), f.count(fig.replayed_requests), "–",
         None),
        (gettext("Request ids logged twice"), f.count(fig.logged_twice), "0",
         fig.logged_twice == 0),
        (gettext("DR log's hash chain verifies and continues the primary's head"),
         chain, gettext("intact, linked"),
         fig.chain_intact and fig.continues_chain),
    ]
    figures = [{"what": w, "value": v, "target": t,
                "verdict": "" if m is None else (yes if m else no),
                "css": "" if m is None else ("met" if m else "missed")} for w, v, t, m in rows]
    series = [b.__dict__ for b in report.series]
    step = report.series[1].t - report.series[0].t if len(report.series) > 1 else 0.25
    fault = next((e.t for e in report.timeline if e.what.startswith("fault")), 0.0)
    marks = [(fault, gettext("fault")), (fault + fig.rto_s, gettext("DR answers"))]
    plots = [{"svg": latency_svg(series, step, marks, f), "caption": gettext(
                 "Latency of answered attempts per quarter second: median (blue) and 95th "
                 "percentile (grey)")},
             {"svg": attempts_svg(series, step, marks, f), "caption": gettext(
                 "Attempts per quarter second: answered (green) and failed, then retried "
                 "(red)")}]
    return environment(lang).get_template("drill.html.j2").render(
        lang=lang, doc=report, figures=figures, plots=plots, passed=report.passed,
        direction=gettext("failover") if report.direction == "failover" else gettext("failback"),
        started=f.when(report.started_at), finished=f.when(report.finished_at))
