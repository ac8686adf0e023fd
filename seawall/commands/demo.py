"""`seawall demo`: the main job end to end on the embedded defaults (no network, no account).

Train offshore, sign with the local key, then act as the Hanoi auditor: verify the bundle with
onshore-hn's trust policy, import it there and check the onshore copy against the original;
have it validated and released (signed approvals, the promotion ledger), serve the region's
production alias, send a little traffic (one bad request among it), release a retrained version
through the canary's steps without a restart, answer the supervisor's seven questions and
verify the decision log. The
demo keeps its own copy of the catalogue under `<home>/catalogue/`, whose onshore-hn and
onshore-hcm (its DR pair) policies trust the demo key (the packaged policies trust nobody).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

from regions import PACKAGED_CATALOGUE, Catalogue, load_catalogue
from seawall._console import DEFAULT_HOME, ConsoleProgress, HomeOption, console
from seawall.commands.bundle import inspect
from seawall.commands.train import print_summary
from seawall.commands.verify import show

ONSHORE = "onshore-hn"
RETRAIN_SEED = 2027  # the retrained version: same data, another split and fit
CANARY_APPLICANTS = 8000  # fresh applicants from the same population, for the canary's steps


def demo(home: HomeOption = DEFAULT_HOME) -> None:
    """Train offshore, sign, verify and import into onshore-hn, then serve it there, on embedded
    defaults."""
    # The whole stack, loaded only when the demo runs (`seawall --help` must stay fast).
    from artifacts.factory import ModelFamily, TrainRequest, build_candidate
    from artifacts.factory.synthetic import synthesize
    from artifacts.registry import import_bundle
    from artifacts.signing import Method, Purpose, SignRequest, sign_bundle, verify_bundle
    from seawall.commands.demo_govern import canary_release, first_release
    from seawall.commands.demo_serve import serve_and_query

    console.rule("Seawall demo: offshore training in offshore-sg")
    request = TrainRequest(region="offshore-sg", home=home, family=ModelFamily.LOGREG)
    candidate = build_candidate(request, ConsoleProgress())
    print_summary(candidate)
    console.rule("The bundle")
    try:
        inspect(candidate.bundle)
    except typer.Exit as e:
        if e.exit_code:
            raise
    console.rule("Signing offshore (local ECDSA P-256 key)")
    signed = sign_bundle(SignRequest(bundle=candidate.bundle, method=Method.KEY, home=home))
    console.print(f"[green]✓[/] {signed.signature} signed by {signed.signer}")
    catalogue = _demo_catalogue(home)
    console.rule(f"Auditor in {ONSHORE}: verify, import, compare")
    report = verify_bundle(candidate.bundle, catalogue=catalogue, region=ONSHORE)
    show(report, as_json=False)
    if not report.passed:
        raise typer.Exit(1)
    imported = import_bundle(candidate.bundle, catalogue=catalogue, region=ONSHORE, home=home)
    console.print(f"[green]✓[/] imported into {ONSHORE} as {imported.model_name} version "
                  f"{imported.version} (alias {imported.alias}), report attached")
    copy = verify_bundle(imported.bundle, catalogue=catalogue, region=ONSHORE,
                         purpose=Purpose.SERVE, against=candidate.bundle)
    console.print(f"[green]✓[/] the onshore copy {imported.bundle} is identical to the offshore "
                  f"original: {copy.check('against').details[0]}"
                  if copy.passed else f"[red]✗[/] onshore copy: {copy.failures()}")
    console.print(f"\nRe-run the audit yourself:\n  seawall verify {imported.bundle} --region "
                  f"{ONSHORE} --catalogue {catalogue.directory} --against {candidate.bundle}")
    if not copy.passed:
        raise typer.Exit(1)
    console.rule(f"Model-risk governance in {ONSHORE}: validate and release version "
                 f"{imported.version}")
    first_release(imported.model_name, imported.version, catalogue, home)
    console.rule("A retrained model: version 2, trained and signed offshore, imported onshore")
    retrained = build_candidate(TrainRequest(region="offshore-sg", home=home,
                                             family=ModelFamily.LOGREG, seed=RETRAIN_SEED),
                                ConsoleProgress())
    sign_bundle(SignRequest(bundle=retrained.bundle, method=Method.KEY, home=home))
    second = import_bundle(retrained.bundle, catalogue=catalogue, region=ONSHORE, home=home)
    console.print(f"[green]✓[/] signed, verified and imported into {ONSHORE} as version "
                  f"{second.version} (alias {second.alias})")
    console.rule(f"Serving in {ONSHORE}: following alias production, every decision logged")

    def canary(url: str, token: str, columns: list[str]) -> None:
        console.rule(f"Release of version {second.version} through the canary's steps, no "
                     "restart")
        applicants = synthesize(rows=CANARY_APPLICANTS, seed=RETRAIN_SEED)[columns]
        canary_release(second.model_name, second.version, catalogue, home, url=url,
                       token=token, rows=json.loads(applicants.to_json(orient="records")))

    serve_and_query(imported.bundle, region=ONSHORE, catalogue=catalogue.directory, home=home,
                    during=canary)
    console.rule("For the compliance officer: the model card and the model file, in Vietnamese")
    _model_card(imported.bundle, copy, home)
    _evidence_pack(imported.model_name, catalogue, home)
    _monitor(imported.model_name, catalogue, home)
    pair = catalogue.get(ONSHORE).dr_pair
    console.rule(f"For the SRE: a DR drill from {ONSHORE} to {pair} (not run by the demo)")
    console.print(f"  seawall drill run --from {ONSHORE} --to {pair} --bundle {imported.bundle} "
                  f"--catalogue {catalogue.directory} --failback   (docs/sre.md; needs haproxy "
                  "and postgresql)", soft_wrap=True)


def _model_card(bundle: Path, verification, home: Path) -> None:
    from reporting import CardFormat, Verification, render_card

    verified = Verification(region=ONSHORE, passed=verification.passed,
                            signer=verification.signer.claimed,
                            trusted_as=verification.signer.trusted_as, failed=[])
    for path in render_card(bundle, lang="vi", formats=[CardFormat.HTML, CardFormat.PDF],
                            out=home / "reports", verification=verified):
        console.print(f"[green]✓[/] {path}")
    console.print(f"  (seawall report card {bundle} --lang both --format html,pdf,md,json)")


def _evidence_pack(model: str, catalogue: Catalogue, home: Path) -> None:
    """The signed evidence pack for this quarter (Hanoi time), when the demo's decisions were
    made."""
    from datetime import UTC, datetime

    from reporting.evidence_pack import PackRequest, build_pack
    from reporting.evidence_sources import quarter_of

    quarter = quarter_of(datetime.now(UTC), catalogue.get(ONSHORE).jurisdiction)
    pack = build_pack(PackRequest(model=model, region=ONSHORE, period=quarter, home=home,
                                  out=home / "reports", lang="vi",
                                  catalogue=catalogue.directory))
    for path in sorted(pack.glob("evidence-*.*")):
        console.print(f"[green]✓[/] {path}")
    console.print(f"  The signed model file for {quarter}, gaps in red: {pack}\n"
                  f"  (seawall report verify {pack} --home {home})", soft_wrap=True)


def _monitor(model: str, catalogue: Catalogue, home: Path) -> None:
    """Today's demo traffic (Hanoi days) against the bundle's signed reference profile."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from monitoring.run import MonitorRequest, run_monitor
    from regions import timezone_of
    from seawall.commands.monitor import print_report, write_pages

    console.rule(f"For the model owner: monitoring today's decisions in {ONSHORE}")
    today = datetime.now(ZoneInfo(timezone_of(catalogue.get(ONSHORE).jurisdiction))).date()
    report, path = run_monitor(MonitorRequest(region=ONSHORE, window=f"{today}..{today}",
                                              home=home, catalogue=catalogue, model=model))
    print_report(report, path, write_pages(report, path, "vi"))


def _demo_catalogue(home: Path) -> Catalogue:
    """`<home>/catalogue`: the packaged catalogue with the demo key trusted by onshore-hn and
    its DR pair (which serves the same bundle in `seawall drill run`)."""
    from artifacts.signing import add_signer, ensure_local_key, load_trust_policy, policy_path

    directory = home / "catalogue"
    if not directory.exists():
        shutil.copytree(PACKAGED_CATALOGUE, directory)
    catalogue = load_catalogue(directory)
    key = ensure_local_key(home)
    for region in (ONSHORE, catalogue.get(ONSHORE).dr_pair):
        policy = load_trust_policy(catalogue, region)
        if not any(s.fingerprint == key.fingerprint for s in policy.signers):
            add_signer(policy_path(catalogue, region), region, {
                "name": "demo-offshore-sg", "kind": "key", "fingerprint": key.fingerprint,
                "public_key": key.public.read_text(), "purposes": ["import", "serve"],
                "models": ["*"], "description": "the demo's local key (make demo)"})
            console.print(f"[green]✓[/] {region} now trusts the demo key (policy "
                          f"{policy_path(catalogue, region)})")
    return catalogue
