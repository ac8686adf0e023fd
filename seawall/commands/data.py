"""`seawall data`: the embedded synthetic data set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from artifacts.factory.choices import DEFAULT_ROWS, DEFAULT_SEED
from seawall._console import console

app = typer.Typer(help="Generate the embedded synthetic data set.", no_args_is_help=True)


@app.command("synth")
def synth(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    rows: Annotated[int, typer.Option(min=1, help="Number of clients.")] = DEFAULT_ROWS,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same file).")] = DEFAULT_SEED,
) -> None:
    """Write the seeded synthetic twin of the UCI credit-default data set as CSV."""
    from artifacts.factory import write_synthetic_csv

    write_synthetic_csv(out, rows, seed)
    console.print(f"wrote {rows:,} rows to {out}")
