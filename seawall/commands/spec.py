"""`seawall spec`: dataset specs, starting with one inferred from a data file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seawall._console import console

app = typer.Typer(no_args_is_help=True, help="Dataset specs: what every column is and where it "
                  "may be stored.")


@app.command("infer")
def infer(
    data: Annotated[Path, typer.Option(help="A CSV file of the training data.")],
    target: Annotated[str, typer.Option(help="The column holding the outcome.")],
    positive: Annotated[str | None, typer.Option(help="The target value that means default "
                                                 "(omit for a 0/1 target).")] = None,
    name: Annotated[str | None, typer.Option(help="The spec's (and model's) name (default: the "
                                             "file's stem).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the spec here (default: print it).")]
        = None,
    force: Annotated[bool, typer.Option(help="Replace an existing --out file.")] = False,
) -> None:
    """Write a starting spec from a data file: types, ranges, categories, nullability and a
    suggested data class per column, every data class marked REVIEW. It loads the file it came
    from; correct it before training."""
    from artifacts.factory import load_dataset, load_spec
    from artifacts.factory.spec_infer import infer_columns, spec_yaml
    from artifacts.ledger import write_atomically

    columns = infer_columns(data, target, positive)
    text = spec_yaml(columns, name=name or data.stem, source=data, positive=positive)
    if out is None:
        print(text, end="")
        return
    if out.exists() and not force:
        raise typer.BadParameter(f"{out} already exists; pass --force to replace it",
                                 param_hint="--out")
    write_atomically(out, text)
    loaded = load_dataset(data, load_spec(out))
    review = sum(1 for line in text.splitlines() if "# REVIEW" in line)
    console.print(f"[green]✓[/] {out}: {len(columns)} columns ({len(loaded.spec.features)} "
                  f"features), {loaded.rows:,} rows load against it; {review} lines to REVIEW")
