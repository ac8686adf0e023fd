"""`seawall monitor`: drift and performance monitoring onshore, and its alert rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from monitoring.alerts import prometheus_rules
from monitoring.plan import load_plan
from monitoring.rules_files import write_rule_files
from seawall._console import console

app = typer.Typer(help="Monitor the served model onshore: the governed plan's alert rules "
                       "(docs/monitoring.md).", no_args_is_help=True)

PlanOption = Annotated[Path | None, typer.Option(
    "--plan", help="The model's governed monitoring plan (YAML); default: the embedded one.")]


@app.command("rules")
def rules(plan: PlanOption = None,
          out: Annotated[Path, typer.Option(help="Directory for the two files.")] = Path(".")
          ) -> None:
    """Render the plan's Prometheus rules (P0/P1/P2) and Alertmanager routes (P0 pages, P1 to
    owner and validator, P2 to no one). Check them with `promtool check rules` and `amtool
    check-config`."""
    loaded = load_plan(plan)
    written = write_rule_files(loaded, out)
    rule_count = sum(len(g["rules"]) for g in prometheus_rules(loaded)["groups"])
    console.print(f"[bold]{loaded.model}[/] monitoring plan v{loaded.plan_version}: "
                  f"{rule_count} rules (P0, P1, P2), routed P0 to the pager, P1 to owner and "
                  "validator, P2 to the model-risk report")
    for path in written:
        console.print(f"  {path}", soft_wrap=True)
