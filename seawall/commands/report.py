"""`seawall report`: bilingual model cards (and, later, evidence packs) for compliance."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seawall._console import CatalogueOption, console

app = typer.Typer(no_args_is_help=True, help="Reports for compliance officers and auditors: "
                  "bilingual model cards.")


@app.command("card")
def card(
    bundle: Annotated[Path, typer.Argument(help="The bundle directory.")],
    lang: Annotated[str, typer.Option(help="en, vi, or both (side by side).")] = "both",
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, md, json.")]
        = "html,pdf",
    region: Annotated[str | None, typer.Option(
        help="Verify the bundle under this serving region's trust policy and show the outcome "
             "(default: onshore-hn; 'none' to skip).")] = "onshore-hn",
    out: Annotated[Path, typer.Option(help="Directory to write the card to.")] = Path("reports"),
    catalogue: CatalogueOption = None,
) -> None:
    """Write a bundle's model card: purpose, population, owner, tier, data, metrics with
    intervals, calibration, limitations, the ONNX and preprocessor SHA-256, the signer and the
    verification outcome in the serving region, reason codes in both languages."""
    from reporting import parse_formats, render_card

    formats = parse_formats(fmt)
    verification = None
    if region and region != "none":
        verification = _verify(bundle, region, catalogue)
    for path in render_card(bundle, lang=lang, formats=formats, out=out,
                            verification=verification):
        console.print(f"[green]✓[/] {path}")


def _verify(bundle: Path, region: str, catalogue: Path | None):
    from artifacts.signing import Purpose, verify_bundle
    from regions import load_catalogue
    from reporting import Verification

    report = verify_bundle(bundle, catalogue=load_catalogue(catalogue), region=region,
                           purpose=Purpose.SERVE)
    failed = [f"{c.name}: {'; '.join(c.details) if c.details else 'failed'}"
              for c in report.checks if c.passed is False]
    return Verification(region=region, passed=report.passed, signer=report.signer.claimed,
                        trusted_as=report.signer.trusted_as, failed=failed)


@app.command("regimes")
def regimes(
    period: Annotated[str, typer.Option(help="A quarter (2026Q4), a month (2026-07) or a year.")],
    irb: Annotated[bool, typer.Option(help="The bank is moving to IRB: Circular 83/2025's "
                                      "model-risk articles apply from 1 Jul 2026.")] = False,
) -> None:
    """The regimes in force in a reporting period, and those that change within it or in the
    six months after (a report's "transition" section), each with its confidence."""
    from reporting.regimes import VERIFY, calendar, in_force, transitions
    from reporting.regimes import period as parse_period

    first, last = parse_period(period)
    every = calendar(irb=irb)
    console.print(f"[bold]In force {first} to {last}[/]")
    for r in in_force(every, first, last):
        until = f" until {r.end}" if r.end else ""
        caveat = "" if r.confidence == "C" else f" [yellow]({r.confidence}: {VERIFY})[/]"
        console.print(f"  {r.name}: from {r.start}{until}{caveat}", soft_wrap=True)
    changes = transitions(every, first, last)
    if changes:
        console.print("[bold]Transition[/]")
        for t in changes:
            console.print(f"  {t.on}: {t.regime.name} {t.kind} ({t.regime.confidence})",
                          soft_wrap=True)
