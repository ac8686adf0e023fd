"""The governance part of `seawall demo`: approvers trusted in onshore-hn with their roles, the
first release approved and promoted to production, then a second version promoted through the
canary's steps while the service follows the registry, and the supervisor's seven questions.

The approvals and promotions run the very `seawall approve` and `seawall promote` commands (the
demo prints them as a person would type them).
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import typer

from regions import Catalogue, region_home
from seawall._console import console
from seawall.commands import governance as gov_cli

ONSHORE = "onshore-hn"
APPROVERS = {"demo-validator": "validator", "demo-risk-head": "model-risk-head",
             "demo-release": "release-engineer"}
VALIDATORS = ("demo-validator", "demo-risk-head")  # the UCI model card declares a high tier
TICKET = "CHG-DEMO-1"
BATCH = 250  # applications per request in the canary phase


def trust_approvers(catalogue: Catalogue, home: Path) -> dict[str, Path]:
    """One key per approver (0600, under <home>/keys/approvers/), trusted by onshore-hn for
    purpose `approve` with its role."""
    from cryptography.hazmat.primitives.asymmetric import ec

    from artifacts.signing import add_signer, fingerprint, load_trust_policy, policy_path
    from artifacts.signing.keys import load_private_key, public_pem, write_private_key

    keys = {}
    folder = home / "keys" / "approvers"
    folder.mkdir(parents=True, exist_ok=True)
    trusted = {s.name for s in load_trust_policy(catalogue, ONSHORE).signers}
    for name, role in APPROVERS.items():
        keys[name] = folder / f"{name}.pem"
        if not keys[name].exists():
            write_private_key(keys[name], ec.generate_private_key(ec.SECP256R1()))
        if name not in trusted:
            pem = public_pem(load_private_key(keys[name]).public_key())
            add_signer(policy_path(catalogue, ONSHORE), ONSHORE, {
                "name": name, "kind": "key", "fingerprint": fingerprint(pem),
                "public_key": pem.decode(), "purposes": ["approve"], "roles": [role],
                "description": f"the demo's {role} (make demo)"})
            console.print(f"[green]✓[/] {ONSHORE} trusts {name} to approve as {role}")
    return keys


def move(model: str, version: str, to: str, who: tuple[str, ...], keys: dict[str, Path],
         catalogue: Catalogue, home: Path, reason: str) -> None:
    """`seawall approve` by each of `who`, then `seawall promote` with their approvals."""
    approvals = []
    for name in who:
        out = region_home(home, ONSHORE) / "approvals" / f"{model}-v{version}-{to}-{name}-" \
            f"{time.time_ns()}.json"
        console.print(f"$ seawall approve {model} {version} --to {to} --region {ONSHORE} "
                      f"--ticket {TICKET} --reason '{reason}' --key {keys[name]}", style="dim",
                      soft_wrap=True)
        gov_cli.approve(model, version, gov_cli.Target(to), ONSHORE, TICKET, reason,
                        key=str(keys[name]), out=out, catalogue=catalogue.directory, home=home)
        approvals.append(out)
    console.print(f"$ seawall promote {model} {version} --to {to} --region {ONSHORE} --ticket "
                  f"{TICKET} " + " ".join(f"--approval {a.name}" for a in approvals),
                  style="dim", soft_wrap=True)
    gov_cli.promote(model, version, gov_cli.Target(to), ONSHORE, TICKET, approvals,
                    reason=reason, catalogue=catalogue.directory, home=home)


def first_release(model: str, version: str, catalogue: Catalogue, home: Path) -> None:
    keys = trust_approvers(catalogue, home)
    move(model, version, "validated", VALIDATORS, keys, catalogue, home,
         "independent validation report accepted")
    move(model, version, "production", ("demo-release",), keys, catalogue, home,
         "first release of the model in onshore-hn")


def canary_release(model: str, version: str, catalogue: Catalogue, home: Path, *, url: str,
                   token: str, rows: list[dict]) -> None:
    """Promote `version` through each canary step while the service scores traffic; a step
    advances once the service has judged it and its gate passed."""
    from artifacts.registry.governance import governance
    from artifacts.registry.promotion import CANARY_STEPS

    keys = trust_approvers(catalogue, home)
    move(model, version, "validated", VALIDATORS, keys, catalogue, home,
         "independent validation of the retrained model accepted")
    sent = 0
    with httpx.Client(base_url=url, timeout=30, trust_env=False,
                      headers={"Authorization": f"Bearer {token}"}) as c:
        for step in range(len(CANARY_STEPS)):
            move(model, version, "canary", ("demo-release",), keys, catalogue, home,
                 f"canary step {step + 1} of {len(CANARY_STEPS)}")
            deadline = time.monotonic() + 120
            verdict = None
            while verdict is None:
                if time.monotonic() > deadline:
                    console.print("[red]✗[/] the service judged no canary step in 120 s")
                    raise typer.Exit(1)
                first = sent % len(rows)
                batch = rows[first:first + BATCH]
                ids = [f"HN-C{sent + i:07d}" for i in range(len(batch))]
                c.post("/predict", json={"rows": batch, "application_ids": ids}
                       ).raise_for_status()
                sent += len(batch)
                time.sleep(0.05)  # an origination system's pace, not a flood
                with governance(home, ONSHORE) as gov:
                    verdict = gov.log.verdict(model, version, step)
            mark = "[green]✓[/]" if verdict[0] else "[red]✗[/]"
            console.print(f"{mark} canary at {CANARY_STEPS[step]:.0%}: the service judged the "
                          f"step: {verdict[1]}", soft_wrap=True)
            if not verdict[0]:
                raise typer.Exit(1)
        move(model, version, "production", ("demo-release",), keys, catalogue, home,
             "every canary step passed its gate")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            champion = c.get("/version").json()["models"][0]
            if champion["version"] == version:
                break
            time.sleep(0.2)
        console.print(f"[green]✓[/] GET /version -> champion {champion['model']} "
                      f"v{champion['version']}, with no restart ({sent:,} canary-phase "
                      "applications scored)")
    console.rule(f"For model-risk management: {model} in the inventory of {ONSHORE}")
    gov_cli.show(model, ONSHORE, catalogue=catalogue.directory, home=home)
