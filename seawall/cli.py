"""The `seawall` command: mounts every area's commands and turns their errors into one line.

Every Seawall error (`regions.SeawallError`: a mistake, or a verdict such as a refused bundle)
prints its one-line diagnostics and exits 1; typer reports usage errors with exit 2.
`--verbose` adds the traceback.
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from regions.errors import SeawallError
from seawall._console import errors
from seawall.commands import (
    auth,
    bundle,
    data,
    decisions,
    demo,
    drill,
    governance,
    infra,
    monitor,
    regions,
    report,
    score_batch,
    secrets,
    serve,
    sign,
    spec,
    train,
    trust,
    verify,
)

app = typer.Typer(
    name="seawall", no_args_is_help=True, pretty_exceptions_enable=False,
    help="Carry a credit-risk model from offshore training to a signed, verified onshore "
         "endpoint, and prove it.")
app.add_typer(regions.app, name="regions")
app.add_typer(data.app, name="data")
app.add_typer(bundle.app, name="bundle")
app.add_typer(trust.app, name="trust")
app.add_typer(decisions.app, name="decisions")
app.add_typer(secrets.app, name="secrets")
app.add_typer(infra.app, name="infra")
app.add_typer(auth.app, name="auth")
app.add_typer(spec.app, name="spec")
app.add_typer(report.app, name="report")
app.add_typer(monitor.app, name="monitor")
app.add_typer(monitor.outcomes_app, name="outcomes")
app.add_typer(governance.app, name="inventory")
app.add_typer(drill.app, name="drill")
app.command("train")(train.train)
app.command("package")(train.package)
app.command("sign")(sign.sign)
app.command("verify")(verify.verify)
app.command("import")(verify.import_)
app.command("serve")(serve.serve)
app.command("score-batch")(score_batch.score_batch)
app.command("approve")(governance.approve)
app.command("promote")(governance.promote)
app.command("demo")(demo.demo)

_verbose = {"on": False}


@app.callback()
def _options(verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show tracebacks for errors.")] = False) -> None:
    _verbose["on"] = verbose


def main() -> None:
    try:
        app()
    except SeawallError as e:
        if _verbose["on"]:
            traceback.print_exc()
        errors.print(f"[red]error:[/] {e.diagnostics()}", soft_wrap=True)
        sys.exit(1)
