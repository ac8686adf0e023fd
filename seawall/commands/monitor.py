"""`seawall monitor`: drift and performance monitoring onshore, and its alert rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from regions import load_catalogue
from seawall._console import (
    DEFAULT_HOME,
    CatalogueOption,
    HomeOption,
    LogOption,
    console,
)

app = typer.Typer(help="Monitor the served model onshore: drift detectors on a window of "
                       "decisions, and the governed plan's alert rules (docs/monitoring.md).",
                  no_args_is_help=True)

PlanOption = Annotated[Path | None, typer.Option(
    "--plan", help="The model's governed monitoring plan (YAML); default: the embedded one.")]


@app.command("rules")
def rules(plan: PlanOption = None,
          out: Annotated[Path, typer.Option(help="Directory for the three files.")] = Path(".")
          ) -> None:
    """Render the plan's Prometheus rules (P0/P1/P2), Alertmanager routes (P0 pages, P1 to
    owner and validator, P2 to no one) and Grafana dashboard. Check them with `promtool check
    rules` and `amtool check-config`; the serving stacks provision them."""
    from monitoring.alerts import prometheus_rules
    from monitoring.plan import load_plan
    from monitoring.rules_files import write_rule_files

    loaded = load_plan(plan)
    written = write_rule_files(loaded, out)
    rule_count = sum(len(g["rules"]) for g in prometheus_rules(loaded)["groups"])
    console.print(f"[bold]{loaded.model}[/] monitoring plan v{loaded.plan_version}: "
                  f"{rule_count} rules (P0, P1, P2), routed P0 to the pager, P1 to owner and "
                  "validator, P2 to the model-risk report; a Grafana dashboard")
    for path in written:
        console.print(f"  {path}", soft_wrap=True)


@app.command("run")
def run(region: Annotated[str, typer.Option(help="The onshore serving region.")],
        window: Annotated[str, typer.Option(help="FROM..TO: inclusive days in the region's "
                                                 "time zone, e.g. 2026-11-01..2026-11-30; or "
                                                 "yesterday, today, last-N-days.")],
        model: Annotated[str | None, typer.Option(
            help="The model; default: the one the region holds.")] = None,
        plan: PlanOption = None,
        decision_log: LogOption = None,
        baseline: Annotated[str, typer.Option(
            help="bundle: the signed reference profile; window: the window of as many days "
                 "just before, exactly.")] = "bundle",
        bundle: Annotated[list[Path] | None, typer.Option(
            help="A served bundle (repeat for canary and shadow); default: the bundles "
                 "imported under the region's home.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")
                           ] = False,
        lang: Annotated[str, typer.Option(help="The HTML page's language: en, vi or both.")
                        ] = "both",
        export: Annotated[bool, typer.Option(
            "--export", help="Also write the aggregates-only version that may go to offshore "
                             "model developers (cells under the plan's min_cell suppressed).")
                          ] = False,
        push_to: Annotated[str | None, typer.Option(
            "--push", help="A Pushgateway URL: push the gauges the P1/P2 rules read.")] = None,
        home: HomeOption = DEFAULT_HOME, catalogue: CatalogueOption = None) -> None:
    """Run every score detector on one window of the region's decisions, per cohort, against
    the served bundle's signed reference profile; print the verdicts and write the report."""
    from monitoring.push import push
    from monitoring.run import MonitorRequest, report_history, report_text, run_monitor

    request = MonitorRequest(
        region=region, window=window, home=home, catalogue=load_catalogue(catalogue),
        model=model, plan=plan, decision_log=decision_log, bundles=tuple(bundle or ()),
        baseline=baseline)
    report, path = run_monitor(request)
    if push_to:
        push(report, push_to, report_history(request, report.model))
    pages = write_pages(report, path, lang)
    if export:
        from artifacts.ledger import write_atomically
        from monitoring.export import export_text
        from monitoring.plan import load_plan

        shared = path.with_name(f"{path.stem}-export.json")
        write_atomically(shared, export_text(report, load_plan(plan).statistics.min_cell))
        pages.append(shared)
    if as_json:
        console.print_json(report_text(report))
        return
    print_report(report, path, pages)


@app.command("rollup")
def rollup(region: Annotated[str, typer.Option(help="The onshore serving region.")],
           quarter: Annotated[str, typer.Option(help="The quarter, e.g. 2026Q4 (in the "
                                                     "region's time zone).")],
           model: Annotated[str | None, typer.Option(
               help="The model; default: the one the region holds.")] = None,
           decision_log: LogOption = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the roll-up as JSON.")
                              ] = False,
           home: HomeOption = DEFAULT_HOME, catalogue: CatalogueOption = None) -> None:
    """Summarise the quarter's monitoring reports (from the ledger's store) for the quarterly
    internal-control report: alerts raised, verdicts per detector, days no window covered."""
    from monitoring.rollup import rollup as build
    from monitoring.run import MonitorRequest

    doc, path = build(MonitorRequest(region=region, window="", home=home,
                                     catalogue=load_catalogue(catalogue), model=model,
                                     decision_log=decision_log), quarter)
    if as_json:
        console.print_json(path.read_text(encoding="utf-8"))
        return
    console.print(f"[bold]{doc.model}[/] in {doc.region}, {doc.quarter} ({doc.timezone}): "
                  f"{len(doc.windows)} windows, plan v{', v'.join(map(str, doc.plan_versions))}")
    if doc.days_uncovered:
        console.print(f"  [yellow]![/] days no window covered: {', '.join(doc.days_uncovered)}",
                      soft_wrap=True)
    table = Table(title="alerts raised in the quarter")
    for column in ("severity", "rule", "cohort", "on", "windows", "first", "last", "largest"):
        table.add_column(column, overflow="fold")
    for a in doc.alerts:
        table.add_row(a.severity, a.rule, a.cohort, a.subject, str(a.windows), a.first, a.last,
                      _num(a.largest))
    if doc.alerts:
        console.print(table)
    else:
        console.print("  no alert was raised in the quarter's windows")
    for reason in doc.not_run:
        console.print(f"  [dim]not run in some windows: {reason}[/]")
    console.print(f"  roll-up {path}", soft_wrap=True)


def write_pages(report, path: Path, lang: str) -> list[Path]:
    """The report as HTML beside its JSON, one page per language."""
    from reporting.monitor_page import render_monitoring
    from reporting.render import languages, write_atomically

    return [write_atomically(path.with_name(f"{path.stem}-{code}.html"),
                             render_monitoring(report.to_json(), code).encode("utf-8"))
            for code in languages(lang)]


def print_report(report, path: Path, pages: list[Path] = ()) -> None:
    table = Table(title=f"{report.model} in {report.region}, {report.window} "
                        f"({report.timezone}); plan v{report.plan_version}")
    for column in ("cohort", "detector", "on", "value", "limit", "rows", "verdict"):
        table.add_column(column, overflow="fold")
    for cohort in report.cohorts:
        label = f"{cohort.role} v{cohort.model_version}"
        for f in cohort.findings:
            if f.detector in FEATURE_DETECTORS and f.verdict != "drift":
                continue  # summarised below: one row per detector, each drift on its own
            table.add_row(label, f.detector, f.subject, _num(f.statistic), _num(f.threshold),
                          f"{f.n_window:,}", _verdict(f.verdict))
        for detector in FEATURE_DETECTORS:
            found = [f for f in cohort.findings if f.detector == detector]
            if found:
                largest = max(found, key=lambda f: f.statistic or 0)
                counts = {v: sum(f.verdict == v for f in found)
                          for v in ("stable", "drift", "insufficient")}
                table.add_row(label, detector, f"{len(found)} {FEATURE_DETECTORS[detector]}",
                              f"max {_num(largest.statistic)}", _num(largest.threshold),
                              f"{largest.n_window:,}", ", ".join(
                                  _verdict(v, n) for v, n in counts.items() if n))
    console.print(table)
    for alert in report.alerts:
        console.print(f"  [bold]{alert.severity}[/] {alert.cohort}: {alert.summary} "
                      f"({alert.subject} {alert.statistic:.4g} > {alert.threshold:.4g}, "
                      f"{alert.rule})")
    if not report.alerts:
        console.print("  no alert: every detector that ran is within the plan's thresholds")
    for reason in report.not_run:
        console.print(f"  [dim]not run: {reason}[/]")
    console.print(f"  report {path}", soft_wrap=True)
    for page in pages:
        label = "export" if page.name.endswith("-export.json") else "page  "
        console.print(f"  {label} {page}", soft_wrap=True)


FEATURE_DETECTORS = {"csi": "features", "pca_csi": "components"}


def _verdict(verdict: str, count: int | None = None) -> str:
    style = {"drift": "red", "stable": "green"}.get(verdict, "yellow")
    return f"[{style}]{'' if count is None else f'{count} '}{verdict}[/]"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


outcomes_app = typer.Typer(help="Observed outcomes for label-delayed performance monitoring, "
                                "kept onshore (docs/monitoring.md).", no_args_is_help=True)


@outcomes_app.command("load")
def load(file: Annotated[Path, typer.Argument(help="CSV: application_id (or request_id), "
                                                   "default (0/1), observed_on (ISO date).")],
         region: Annotated[str, typer.Option(help="The onshore serving region.")],
         model: Annotated[str | None, typer.Option(
             help="The model; default: the one the region holds.")] = None,
         decision_log: LogOption = None,
         home: HomeOption = DEFAULT_HOME, catalogue: CatalogueOption = None) -> None:
    """Record observed outcomes for the region's decisions; ids it never decided on, ids
    repeated in the file and ids already on record are listed by line, not loaded."""
    from monitoring.run import MonitorRequest, record_outcomes

    result = record_outcomes(MonitorRequest(
        region=region, window="", home=home, catalogue=load_catalogue(catalogue), model=model,
        decision_log=decision_log), file)
    console.print(f"[green]✓[/] {result.loaded:,} outcomes recorded in {region}")
    for label, found in (("no decision of this model has this id", result.unknown),
                         ("repeated in the file (the first was used)", result.repeated),
                         ("already on record (an outcome is recorded once)", result.on_record)):
        if found:
            shown = ", ".join(f"line {line} {ident!r}" for line, ident in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            console.print(f"[yellow]![/] {len(found):,} not loaded, {label}: {shown}{more}",
                          soft_wrap=True)
