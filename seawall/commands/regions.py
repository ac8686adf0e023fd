"""`seawall regions`: the region catalogue."""

from __future__ import annotations

import typer
from rich.table import Table

from regions import load_catalogue
from seawall._console import CatalogueOption, console

app = typer.Typer(help="Inspect the region catalogue (where Seawall may train and serve).",
                  no_args_is_help=True)


@app.command("list")
def list_regions(catalogue: CatalogueOption = None) -> None:
    """List every region with its residency, tiers, data classes and DR pair."""
    loaded = load_catalogue(catalogue)
    table = Table(title=f"Regions ({loaded.directory})")
    table.add_column("region", no_wrap=True)
    table.add_column("residency", no_wrap=True)
    table.add_column("provider")
    table.add_column("tiers")
    table.add_column("data classes")
    table.add_column("DR pair", no_wrap=True)
    for r in loaded:
        table.add_row(r.name, f"{r.residency.value} {r.jurisdiction}", r.provider,
                      ", ".join(sorted(t.value for t in r.tiers)),
                      ", ".join(sorted(c.value for c in r.data_classes)), r.dr_pair or "-")
    console.print(table)
