"""`seawall report`: bilingual model cards, the signed evidence pack and its verification, the
PDPL transfer dossier and the regulation calendar, for compliance officers and auditors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from seawall._console import (
    DEFAULT_HOME,
    CatalogueOption,
    ConsoleProgress,
    HomeOption,
    LogOption,
    console,
)

app = typer.Typer(no_args_is_help=True, help="Reports for compliance officers and auditors: "
                  "bilingual model cards, evidence packs, transfer dossiers.")
PeriodOption = Annotated[str, typer.Option(
    help="A quarter (2026Q4), a month (2026-07) or a year, in the region's time zone.")]


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
        console.print(f"[green]✓[/] {path}", soft_wrap=True)


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


@app.command("evidence")
def evidence(
    model: Annotated[str, typer.Option(help="The registered model's name.")],
    region: Annotated[str, typer.Option(help="The serving region whose records are used.")],
    period: PeriodOption,
    version: Annotated[str | None, typer.Option(
        help="Registry version (default: the newest in the region).")] = None,
    lang: Annotated[str, typer.Option(help="vi, en, or both (a page each).")] = "vi",
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, json "
                                     "(pack.json and the evidence are always written).")]
        = "html,pdf,json",
    out: Annotated[Path, typer.Option(help="Directory to write the pack in.")] = Path("reports"),
    decision_log: LogOption = None,
    checkpoints: Annotated[Path | None, typer.Option(
        help="The service's checkpoint directory (default: <home>/regions/<region>/"
             "checkpoints).")] = None,
    irb: Annotated[bool, typer.Option(help="The bank is moving to IRB (Circular 83/2025's "
                                      "model-risk articles from 1 Jul 2026).")] = False,
    key: Annotated[Path | None, typer.Option(
        help="Signing key, PEM (default: the local key under <home>/keys).")] = None,
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """Write and sign the model file (hồ sơ mô hình) for a period: registry, card facts,
    verification, decision-log counts and chain points, checkpoints, transfer record, organised
    by Circular 13's appendices or Circular 83/2025's articles; every gap in red."""
    from reporting import PackFormat, parse_formats
    from reporting.evidence_pack import PackRequest, build_pack

    formats = tuple(parse_formats(fmt, PackFormat))
    pack = build_pack(PackRequest(
        model=model, region=region, period=period, home=home, out=out, version=version,
        lang=lang, formats=formats, catalogue=catalogue, decision_log=decision_log,
        checkpoints=checkpoints, irb=irb, key=key), ConsoleProgress())
    doc = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    gaps = doc["summary"]["gaps"]
    console.print(f"[green]✓[/] {pack} ({len(doc['evidence'])} pieces of evidence, "
                  + (f"[red]{gaps} gaps[/])" if gaps else "no gaps)"), soft_wrap=True)
    for path in sorted(pack.glob("evidence-*.*")):
        console.print(f"  {path}", soft_wrap=True)
    console.print(f"  Check it: seawall report verify {pack}", soft_wrap=True)


@app.command("verify")
def verify(
    pack: Annotated[Path, typer.Argument(help="The evidence pack directory.")],
    key: Annotated[Path | None, typer.Option(
        help="The signer's public key, PEM (default: <home>/keys/signing-key.pub).")] = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Check an evidence pack: its signature, its manifest and every piece of evidence's
    SHA-256. Exit 1 if anything does not match."""
    from reporting.pack_verify import verify_pack

    result = verify_pack(pack, key or home / "keys" / "signing-key.pub")
    for check, problems in result.checks.items():
        mark = "[green]✓[/]" if not problems else "[red]✗[/]"
        console.print(f"{mark} {check}" + ("" if not problems else ": " + "; ".join(problems)),
                      soft_wrap=True)
    if not result.passed:
        raise typer.Exit(1)
    console.print(f"[green]✓[/] {pack} is exactly what was signed", soft_wrap=True)


@app.command("transfer")
def transfer(
    sender: Annotated[str, typer.Option("--from", help="The onshore region the data left.")],
    receiver: Annotated[str, typer.Option("--to", help="The offshore region it went to.")],
    period: PeriodOption,
    lang: Annotated[str, typer.Option(help="vi, en, or both (a page each).")] = "vi",
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf, json.")]
        = "html,pdf,json",
    out: Annotated[Path, typer.Option(help="Directory to write the dossier to.")]
        = Path("reports"),
    home: HomeOption = DEFAULT_HOME,
    catalogue: CatalogueOption = None,
) -> None:
    """The PDPL transfer-impact dossier from what actually crossed (training extracts as
    recorded and signed at training, the bundles that came back), with the 60-day filing
    deadline; the assessment fields are left for the officer."""
    from regions import load_catalogue
    from reporting import PackFormat, parse_formats, write_dossier

    for path in write_dossier(home=home, catalogue=load_catalogue(catalogue), sender=sender,
                              receiver=receiver, period=period, lang=lang,
                              formats=tuple(parse_formats(fmt, PackFormat)), out=out):
        console.print(f"[green]✓[/] {path}", soft_wrap=True)

