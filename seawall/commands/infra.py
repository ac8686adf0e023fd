"""`seawall infra`: check and render a region's stack without a cluster or the Pulumi engine.

`infra` is imported inside the commands: the Pulumi SDKs take a while to load, and no other
command needs them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from regions import CATALOGUE_ENV, load_catalogue
from seawall._console import CatalogueOption, console

if TYPE_CHECKING:
    from infra import Plan, SchemaCheck

app = typer.Typer(help="Check and render Pulumi stacks (one per region) for review or GitOps.",
                  no_args_is_help=True)
StackOption = Annotated[str, typer.Option("--stack", "-s", help="Stack = region name "
                                          "(Pulumi.<stack>.yaml), e.g. onshore-hn.")]
ProjectOption = Annotated[Path | None, typer.Option(
    "--project-dir", help="Directory holding Pulumi.yaml (default: the nearest one above the "
                          "current directory).")]


def _use_catalogue(catalogue: Path | None) -> None:
    # The policy pack reads $SEAWALL_CATALOGUE, as it does under `pulumi up`.
    if catalogue is not None:
        os.environ[CATALOGUE_ENV] = str(catalogue.resolve())


def _summary(plan: Plan, checks: list[SchemaCheck]) -> None:
    from infra import KUBERNETES_VERSION

    valid = sum(c.checked for c in checks)
    line = (f"[green]✓[/] stack {plan.stack}: {len(plan.resources)} resources planned under "
            f"Pulumi mocks; {valid} Kubernetes objects valid against the {KUBERNETES_VERSION} "
            "schemas (strict) and CloudNativePG's published schemas")
    console.print(line, soft_wrap=True)
    for why in sorted({c.why for c in checks if not c.checked}):
        kinds = sorted({c.kind for c in checks if not c.checked and c.why == why})
        console.print(f"  [yellow]not checked[/]: {', '.join(kinds)}: {why}", soft_wrap=True)
    console.print("[green]✓[/] policy pack infra/policies: no violations")
    for name, value in sorted(plan.outputs.items()):
        console.print(f"  output {name}: {value}", soft_wrap=True)


@app.command("check")
def check(stack: StackOption, project_dir: ProjectOption = None,
          catalogue: CatalogueOption = None) -> None:
    """Read Pulumi.<stack>.yaml, plan the program under mocks, validate every Kubernetes object
    against the pinned schemas and run the residency policy pack. Exit 1 on any problem."""
    from infra import check_stack, find_project_dir, load_stack  # the Pulumi SDKs load here

    _use_catalogue(catalogue)
    config = load_stack(stack, project_dir or find_project_dir(), load_catalogue(catalogue))
    _summary(*check_stack(config))


@app.command("render")
def render_(stack: StackOption,
            out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the YAML "
                                              "manifests (replaced whole).")],
            project_dir: ProjectOption = None, catalogue: CatalogueOption = None) -> None:
    """Write the stack's Kubernetes manifests (and Vault policy) as YAML, after the same checks
    as `check`; nothing is written if any check fails."""
    from infra import render  # the Pulumi SDKs load here

    _use_catalogue(catalogue)
    plan, checks = render(stack, out, project_dir=project_dir,
                          catalogue=load_catalogue(catalogue))
    _summary(plan, checks)
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    console.print(f"wrote {len(files)} files to {out}:")
    for name in files:
        console.print(f"  {name}", style="dim")
