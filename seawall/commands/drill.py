"""`seawall drill run`: a DR failover drill between two onshore regions on real servers, with
the figures measured, the report rendered and appended to both regions' ledgers."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from regions import load_catalogue, region_home
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, console, errors

app = typer.Typer(no_args_is_help=True, help="DR failover drills between onshore regions, "
                  "with measured RTO and RPO (docs/sre.md).")


@app.command("run")
def run(
    from_region: Annotated[str, typer.Option("--from", help="The primary region.")],
    to_region: Annotated[str, typer.Option("--to", help="Its DR pair, which takes over.")],
    bundle: Annotated[Path | None, typer.Option(help="The signed bundle both regions serve.")]
        = None,
    alias: Annotated[str | None, typer.Option(help="Serve this registry alias in each region "
                                              "(the model must be imported in both).")] = None,
    model: Annotated[str | None, typer.Option(help="The registered model for --alias.")] = None,
    rps: Annotated[float, typer.Option(min=1, max=2000, help="Requests per second of load.")]
        = 50.0,
    duration: Annotated[float, typer.Option(min=2, max=3600, help="Seconds of load per drill.")]
        = 8.0,
    fault: Annotated[str, typer.Option(help="kill (kill -9 of the primary's service), freeze "
                                       "(SIGSTOP of it) or db-kill (kill -9 of its database).")]
        = "kill",
    fault_at: Annotated[float | None, typer.Option(help="Seconds into the load (default: a "
                                                   "third of --duration).")] = None,
    failback: Annotated[bool, typer.Option(help="Then rebuild the primary from the DR region "
                                           "and drill back to it.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report(s) as JSON.")]
        = False,
    out: Annotated[Path | None, typer.Option(help="Where the HTML and JSON reports go "
                                             "(default: <home>/reports/drills).")] = None,
    keep: Annotated[bool, typer.Option(help="Keep the topology's directory (server logs, "
                                       "clusters) for inspection.")] = False,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Fail over from --from to --to under load: two `seawall serve` regions, PostgreSQL with
    a synchronous standby, HAProxy; measures detection, RTO, RPO, failed requests and the hash
    chain across the failover. Exits 1 if a target is missed."""
    from infra.drill import Fault, Plan, Topology, check_machine, check_pair, run_one

    try:
        chosen = Fault(fault)
    except ValueError:
        raise typer.BadParameter(f"--fault must be one of {', '.join(f.value for f in Fault)}"
                                 ) from None
    if (bundle is None) == (alias is None):
        raise typer.BadParameter("give exactly one of --bundle and --alias")
    if fault_at is not None and not 0.5 <= fault_at <= duration - 1:
        raise typer.BadParameter("--fault-at must be at least 0.5 s and leave 1 s of load")
    cat = load_catalogue(catalogue)
    check_pair(cat, from_region, to_region)  # before anything starts: one line, the rule
    check_machine()
    bundles = _bundles(bundle, alias, model, cat, home, (from_region, to_region))
    checks = [_trust(bundles[r], cat, r, role) for r, role in
              ((from_region, "primary"), (to_region, "dr"))]
    rows = _rows(bundles[from_region])
    serve_args = {r: [*(["--bundle", str(bundles[r].resolve())] if alias is None else
                        ["--alias", alias, *(["--model", model] if model else [])]),
                      "--home", str(home.resolve()), "--catalogue", str(cat.directory.resolve())]
                  for r in (from_region, to_region)}
    plan = Plan(chosen, rps, duration, fault_at if fault_at is not None else duration / 3, rows)

    def progress(line: str) -> None:
        errors.print(f"[dim]·[/] {line}", soft_wrap=True)

    reports = []
    with Topology(from_region, to_region, serve_args, keep=keep, progress=progress) as topo:
        topo.up(from_region, to_region)
        reports.append(run_one(topo, from_region, to_region, plan, direction="failover",
                               checks=checks, progress=progress))
        if failback:
            topo.rebuild(from_region, to_region)
            back = [*reversed([_role(c, "dr" if c.role == "primary" else "primary")
                               for c in checks])]
            reports.append(run_one(topo, to_region, from_region, plan, direction="failback",
                                   checks=back, progress=progress))
    target = out or home / "reports" / "drills"
    written = [_record(r, target, home) for r in reports]
    if json_out:
        docs = [r.to_json() for r in reports]
        console.print_json(json.dumps(docs[0] if len(docs) == 1 else docs))
    else:
        for report, paths in zip(reports, written):
            _summary(report, paths)
    if not all(r.passed for r in reports):
        raise typer.Exit(1)


def _bundles(bundle, alias, model, cat, home: Path, regions: tuple[str, str]) -> dict:
    if bundle is not None:
        if not (bundle / "manifest.json").is_file():
            raise typer.BadParameter(f"{bundle}: not a bundle directory (no manifest.json)")
        return {r: bundle for r in regions}
    from artifacts.registry.following import RegistrySource

    return {r: RegistrySource(home=home, region=r, alias=alias, model=model,
                              catalogue=cat.directory).wanted().champion.bundle
            for r in regions}


def _trust(bundle: Path, cat, region: str, role: str):
    """The region's verification of the bundle for serving; `DrillRefused` if it refuses."""
    from artifacts.drill_report import RegionCheck
    from artifacts.signing import Purpose, verify_bundle
    from infra.drill import DrillRefused

    report = verify_bundle(bundle, catalogue=cat, region=region, purpose=Purpose.SERVE)
    if not report.passed:
        raise DrillRefused(f"{region}'s trust policy refuses the bundle for serving "
                           f"({'; '.join(report.failures()[:2])}); rule dr.trusted-signer: "
                           "both regions must verify the bundle before a drill starts")
    manifest = (Path(bundle) / "manifest.json").read_bytes()
    return RegionCheck(region=region, role=role, passed=True, trust_policy=report.trust_policy,
                       signer=report.signer.claimed, trusted_as=report.signer.trusted_as,
                       bundle_digest=f"sha256:{hashlib.sha256(manifest).hexdigest()}")


def _role(check, role: str):
    return replace(check, role=role)


def _rows(bundle: Path) -> list[dict]:
    golden = json.loads((bundle / "golden_set.json").read_text())
    return [dict(zip(golden["columns"], row)) for row in golden["rows"]]


def _record(report, target: Path, home: Path) -> list[Path]:
    """Append the report to both regions' ledgers, then write its JSON and HTML."""
    from artifacts.drill_report import DRILL_KIND
    from artifacts.ledger import open_store
    from reporting import render_drill, write_atomically

    body = json.dumps(report.to_json(), ensure_ascii=False, sort_keys=True)
    for region in (report.from_region, report.to_region):
        store = open_store(str(region_home(home, region) / "decisions.db"))
        try:
            store.add_document(DRILL_KIND, report.model, report.started_at, report.started_at,
                               report.finished_at, body)
        finally:
            store.close()
    target.mkdir(parents=True, exist_ok=True)
    paths = [write_atomically(target / f"{report.drill_id}.json", (body + "\n").encode())]
    for lang in ("en", "vi"):
        paths.append(write_atomically(target / f"{report.drill_id}.{lang}.html",
                                      render_drill(report.to_json(), lang).encode()))
    return paths


def _summary(report, paths: list[Path]) -> None:
    f, met = report.figures, report.results()
    table = Table(title=f"{report.direction}: {report.from_region} → {report.to_region} "
                        f"({report.fault})", title_justify="left")
    for column in ("figure", "measured", "target", ""):
        table.add_column(column)

    def mark(ok: bool | None) -> str:
        return "" if ok is None else ("[green]met[/]" if ok else "[red]missed[/]")

    table.add_row("detection", f"{f.detection_s:.3f} s", "", "")
    table.add_row("standby promotion", f"{f.promote_s:.3f} s", "", "")
    table.add_row("RTO", f"{f.rto_s:.3f} s", f"≤ {report.targets['rto_s']:g} s",
                  mark(met["rto_s"]))
    table.add_row("RPO (acknowledged, lost)", str(f.rpo_lost), "0", mark(met["rpo_lost"]))
    table.add_row("failed client requests", f"{f.failed_requests} of {f.requests}", "0",
                  mark(met["failed_requests"]))
    table.add_row("retried / answered from the log", f"{f.retried_requests} / "
                  f"{f.replayed_requests}", "", "")
    table.add_row("chain", f"{'intact' if f.chain_intact else 'BROKEN'}, {f.chain_records} "
                  f"records, continues head {f.head_at_failover}", "intact, linked",
                  mark(met["chain"]))
    console.print(table)
    for path in paths:
        console.print(f"  {path}", soft_wrap=True)
