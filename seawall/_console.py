"""Console helpers shared by the commands: one rich console, step-by-step progress, options."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

HomeOption = Annotated[Path, typer.Option(
    "--home", envvar="SEAWALL_HOME",
    help="Working directory for the embedded registry, data and bundles.")]
CatalogueOption = Annotated[Path | None, typer.Option(
    "--catalogue", envvar="SEAWALL_CATALOGUE", help="Region catalogue directory "
    "(default: the catalogue shipped with Seawall).")]
LogOption = Annotated[str | None, typer.Option(
    "--decision-log", envvar="SEAWALL_DECISION_LOG",
    help="SQLite path or postgresql:// URL (password via PGPASSWORD, not the URL). Default: "
         "<home>/regions/<region>/decisions.db.")]
DEFAULT_HOME = Path(".seawall")


class ConsoleProgress:
    """Prints a line for each finished step, with a spinner while it runs."""

    def __init__(self, out: Console = console) -> None:
        self.out = out

    @contextlib.contextmanager
    def step(self, title: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            with self.out.status(title):
                yield
        except BaseException:
            self.out.print(f"[red]✗[/] {title}")
            raise
        self.out.print(f"[green]✓[/] {title} [dim]({time.perf_counter() - start:.1f} s)[/]")
