"""`seawall train`: the offshore artifact factory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from artifacts.factory.choices import ModelFamily
from seawall._console import DEFAULT_HOME, CatalogueOption, ConsoleProgress, HomeOption, console

if TYPE_CHECKING:
    from artifacts.factory import Candidate


def train(
    region: Annotated[str, typer.Option("--region", help="Training region from the catalogue.")],
    data: Annotated[Path | None, typer.Option(
        "--data", help="Training data: CSV, or the UCI XLS (default: embedded synthetic).")] = None,
    spec: Annotated[Path | None, typer.Option(
        "--spec", help="Dataset spec YAML (default: the embedded UCI spec).")] = None,
    model: Annotated[ModelFamily, typer.Option(
        "--model", help="logreg (champion) or gbm (challenger).")] = ModelFamily.LOGREG,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Directory for the bundle (default: <home>/bundles).")] = None,
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", envvar="MLFLOW_TRACKING_URI",
        help="MLflow tracking URI (default: SQLite under <home>).")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Registered model name (default: the spec's name).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the split and the estimator.")] = 42,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """Train, export to ONNX (parity-gated), register in MLflow and write a model bundle."""
    from artifacts.factory import TrainRequest, build_candidate

    request = TrainRequest(region=region, home=home, data=data, spec=spec, family=model, out=out,
                           tracking_uri=tracking_uri, model_name=name, seed=seed,
                           catalogue=catalogue)
    print_summary(build_candidate(request, ConsoleProgress()))


def print_summary(c: Candidate) -> None:
    t = c.trained
    r = c.registered
    console.print(f"\n[bold]{r.model_name} v{r.version}[/] ({t.family}, contract "
                  f"{c.contract.version}), alias 'candidate', from {c.dataset_rows:,} rows")
    for label, m in (("test", t.test), ("valid", t.valid)):
        console.print(f"  {label:<5} AUC {m.auc:.4f}  KS {m.ks:.4f}  Gini {m.gini:.4f}  "
                      f"Brier {m.brier:.4f}  n={m.rows:,}")
    p = c.parity
    console.print(f"  parity max |sklearn - onnxruntime| {p.max_abs_diff:.1e} on {p.rows:,} rows "
                  f"(bound {p.tolerance:g}; {p.precision}); top reason codes agree on "
                  f"{p.reason_rows:,} rows")
    console.print(f"  MLflow run {r.run_id}")
    console.print(f"  registry {r.tracking_uri}")
    console.print(f"  bundle [bold]{c.bundle}[/]")


def package(
    region: Annotated[str, typer.Option("--region", help="Training region from the catalogue.")],
    spec: Annotated[Path, typer.Option("--spec", help="Dataset spec YAML of the model's data "
                                       "(seawall spec infer writes a first one).")],
    data: Annotated[Path, typer.Option("--data", help="Evaluation data the model did not see "
                                       "(CSV), checked against the spec.")],
    pipeline: Annotated[Path | None, typer.Option(
        "--pipeline", help="A fitted scikit-learn pipeline or classifier saved with skops "
                           "(.skops); a pickle only with --trust-pickle.")] = None,
    mlflow_model: Annotated[str | None, typer.Option(
        "--mlflow-model", help="models:/NAME/VERSION, models:/NAME@ALIAS or runs:/RUN/PATH "
                               "(scikit-learn flavour).")] = None,
    mlflow_source: Annotated[str | None, typer.Option(
        "--mlflow-source", help="The tracking URI --mlflow-model lives in (default: "
                                "MLFLOW_TRACKING_URI).")] = None,
    trust_pickle: Annotated[bool, typer.Option(
        help="Load a pickle (it runs whatever code it holds); the lineage records it.")] = False,
    trust_type: Annotated[list[str] | None, typer.Option(
        help="A type the skops file needs that you vouch for (repeat).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Directory for the bundle (default: <home>/bundles).")] = None,
    tracking_uri: Annotated[str | None, typer.Option(
        "--tracking-uri", help="MLflow tracking URI to register the candidate in (default: "
                               "SQLite under <home>).")] = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Registered model name (default: the spec's name).")] = None,
    seed: Annotated[int, typer.Option(help="Seed for the evaluation halves and samples.")] = 42,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """Bring a fitted model: check it against the spec and data, export to ONNX (parity-gated),
    register in MLflow and write the same bundle as seawall train."""
    from artifacts.factory import PackageRequest, package_candidate

    if (pipeline is None) == (mlflow_model is None):
        raise typer.BadParameter("give exactly one of --pipeline and --mlflow-model")
    request = PackageRequest(region=region, home=home, spec=spec, data=data, pipeline=pipeline,
                             mlflow_model=mlflow_model, trust_pickle=trust_pickle,
                             trusted_types=tuple(trust_type or ()), out=out,
                             tracking_uri=tracking_uri, source_tracking_uri=mlflow_source,
                             model_name=name, seed=seed, catalogue=catalogue)
    print_summary(package_candidate(request, ConsoleProgress()))
