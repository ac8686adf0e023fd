"""`seawall verify` and `seawall import`: the onshore side of the border."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from artifacts.errors import VerificationError
from artifacts.signing.purposes import Purpose
from regions import load_catalogue
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, console

if TYPE_CHECKING:
    from artifacts.signing import VerificationReport

RegionOption = Annotated[str, typer.Option("--region", "-r", help="Region whose trust policy "
                                           "decides (e.g. onshore-hn).")]


def verify(
    bundle: Annotated[Path, typer.Argument(help="Bundle directory to verify.")],
    region: RegionOption,
    against: Annotated[Path | None, typer.Option(help="Another copy of the bundle (e.g. the "
                                                 "offshore original) that must be identical in "
                                                 "every digest.")] = None,
    purpose: Annotated[Purpose, typer.Option(help="What the bundle is to be trusted for.")] =
        Purpose.IMPORT,
    manifest_digest: Annotated[str | None, typer.Option(
        help="sha256:<hex> the deployment pinned for manifest.json (Pulumi's bundleDigest); "
             "any other bundle fails.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    catalogue: CatalogueOption = None,
) -> None:
    """Check signer, signature, digests, preprocessor hash and golden-set parity; exit 0 only if
    every check passes."""
    from artifacts.signing import verify_bundle

    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue), region=region,
                           purpose=purpose, against=against, manifest_digest=manifest_digest)
    show(report, as_json)
    raise typer.Exit(0 if report.passed else 1)


def import_(
    bundle: Annotated[Path, typer.Argument(help="Signed bundle directory to import.")],
    region: RegionOption,
    tracking_uri: Annotated[str | None, typer.Option(help="The region's MLflow registry "
                                                     "(default: SQLite under "
                                                     "<home>/regions/<region>/).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Verify a bundle with the region's policy, then register it there as pending-validation."""
    from artifacts.registry import import_bundle

    try:
        imported = import_bundle(bundle, catalogue=load_catalogue(catalogue), region=region,
                                 home=home, tracking_uri=tracking_uri)
    except VerificationError as e:
        if e.report is not None:
            show(e.report, as_json)
        raise
    show(imported.report, as_json)
    if not as_json:
        console.print(f"[green]✓[/] imported into {imported.region}: {imported.model_name} "
                      f"version {imported.version} (alias {imported.alias}); onshore copy "
                      f"{imported.bundle}; registry {imported.tracking_uri}")


def show(report: VerificationReport, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(report.to_json()))
        return
    colours = {"PASS": "green", "FAIL": "red", "SKIP": "yellow"}
    for line in report.to_text().splitlines():
        for status, colour in colours.items():
            line = line.replace(f"[{status}]", f"[{colour}]\\[{status}][/]", 1)
        console.print(line, soft_wrap=True)
