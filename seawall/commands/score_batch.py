"""`seawall score-batch`: score a portfolio file onshore, in chunks, every decision logged."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer

from regions import load_catalogue, region_home
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, LogOption, console


def score_batch(
    region: Annotated[str, typer.Option(help="The onshore serving region (offshore is "
                                        "refused before a row is read).")],
    source: Annotated[Path, typer.Option("--in", help="The rows: a .parquet or .csv file with "
                                         "a column per contract field.")],
    out: Annotated[Path, typer.Option(help="Where the scores go (.parquet).")],
    bundle: Annotated[Path | None, typer.Option(help="The signed bundle to score with.")] = None,
    alias: Annotated[str | None, typer.Option(help="Or the version this registry alias points "
                                              "at (approved for serving).")] = None,
    model: Annotated[str | None, typer.Option(help="The registered model for --alias.")] = None,
    rejects: Annotated[Path | None, typer.Option(help="Rows the contract refuses, with row "
                                                 "number, field and rule (default: "
                                                 "<out>.rejects.csv).")] = None,
    id_column: Annotated[str | None, typer.Option(help="The column of application ids.")] = None,
    chunk_rows: Annotated[int, typer.Option(min=1, max=1_000_000, help="Rows per chunk (memory "
                                            "stays bounded by it).")] = 50_000,
    base_score: Annotated[float, typer.Option(help="Scorecard points at --base-odds.")] = 600.0,
    base_odds: Annotated[float, typer.Option(help="Good:bad odds scoring --base-score.")] = 50.0,
    pdo: Annotated[float, typer.Option("--points-to-double-odds")] = 20.0,
    decision_log: LogOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Score every row of a file with a verified bundle, in chunks: contract-checked (refused
    rows to a rejects file), each decision appended to the region's decision log, scores,
    points and reason codes written to Parquet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from service.batch import BatchRequest
    from service.batch import score_batch as run
    from service.scoring import Scorecard

    if (bundle is None) == (alias is None):
        raise typer.BadParameter("give exactly one of --bundle and --alias")
    if out.suffix.lower() != ".parquet":
        raise typer.BadParameter("--out must be a .parquet file")
    if not source.is_file():
        raise typer.BadParameter(f"{source}: no such file")
    cat = load_catalogue(catalogue)
    if alias is not None:
        from artifacts.registry.following import RegistrySource

        bundle = RegistrySource(home=home, region=region, alias=alias, model=model,
                                catalogue=cat.directory).wanted().champion.bundle
    total = None
    if source.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        try:
            total = pq.ParquetFile(source).metadata.num_rows
        except Exception as e:  # noqa: BLE001  (pyarrow raises several kinds for a bad file)
            raise typer.BadParameter(f"{source}: not a readable Parquet file ({e})") from None
    request = BatchRequest(
        region=region, catalogue=cat, bundle=bundle, source=source, out=out,
        rejects=rejects or out.with_name(out.stem + ".rejects.csv"),
        decision_log=decision_log or str(region_home(home, region) / "decisions.db"),
        scorecard=Scorecard(base_score, base_odds, pdo), chunk_rows=chunk_rows,
        id_column=id_column, caller=f"batch:{getpass.getuser()}")
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task("scoring rows", total=total)
        result = run(request, lambda n: bar.advance(task, n))
    rate = result.rows / result.seconds if result.seconds else 0.0
    console.print(f"[green]✓[/] {result.scored:,} of {result.rows:,} rows scored with "
                  f"{result.model} v{result.version} in {result.seconds:.1f} s "
                  f"({rate:,.0f} rows/s), {result.chunks} chunks; decisions logged under "
                  f"{result.run_id}-*")
    console.print(f"  scores  {request.out}", soft_wrap=True)
    note = f" ({result.rejected:,} rows refused by the contract)" if result.rejected else ""
    console.print(f"  rejects {request.rejects}{note}", soft_wrap=True)
