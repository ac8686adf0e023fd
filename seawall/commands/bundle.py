"""`seawall bundle`: look inside a model bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from artifacts.bundle import load_bundle
from seawall._console import console

app = typer.Typer(help="Inspect model bundles.", no_args_is_help=True)


@app.command("inspect")
def inspect(
    path: Annotated[Path, typer.Argument(help="Bundle directory.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Show a bundle's model, lineage, metrics and files, and whether every digest matches."""
    bundle = load_bundle(path)
    m = bundle.manifest
    problems = bundle.digest_problems()
    if as_json:
        console.print_json(json.dumps({"manifest": m.to_json(), "digest_problems": problems}))
        raise typer.Exit(1 if problems else 0)
    card = bundle.document("model_card.json")
    model = m.model
    console.print(f"[bold]{model.name} v{model.version}[/] ({model.family}), contract "
                  f"{m.contract_version}, made in {m.origin_region} at {m.created_at}")
    console.print(f"  purpose: {card['purpose']}")
    console.print(f"  owner: {card['owner']}; risk tier: {card['risk_tier']}")
    test = card["metrics"]["test"]
    console.print(f"  test AUC {test['auc']:.4f}, KS {test['ks']:.4f}, Gini {test['gini']:.4f}, "
                  f"Brier {test['brier']:.4f}; parity max |Δ| {card['parity']['max_abs_diff']:.2e}")
    lineage = m.lineage
    console.print(f"  data {lineage['data_file']} sha256 {lineage['data_sha256'][:16]}…, git "
                  f"{lineage['git_sha'][:12]}, lock sha256 {lineage['lock_sha256'][:16]}…")
    onnx = m.onnx
    console.print(f"  ONNX opsets {onnx['opset_import']} (pinned target {onnx['target_opset']}), "
                  f"IR {onnx['ir_version']}")
    console.print(f"  MLflow run {m.mlflow['run_id']}, version {m.mlflow['model_version']}")
    console.print(f"  preprocessor sha256 {m.preprocessor_sha256}")
    table = Table("file", "bytes", "sha256")
    for name, facts in m.files.items():
        table.add_row(name, f"{facts.bytes:,}", facts.sha256)
    console.print(table)
    if problems:
        console.print("[red]digest check failed:[/]")
        for p in problems:
            console.print(f"  {p}")
        raise typer.Exit(1)
    console.print("[green]every file matches the manifest[/]")
