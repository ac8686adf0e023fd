"""`seawall approve`, `seawall promote` and `seawall inventory`: promotion governance and the
model inventory (docs/model-risk.md)."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from regions import load_catalogue, region_home
from seawall._console import DEFAULT_HOME, CatalogueOption, HomeOption, LogOption, console

app = typer.Typer(no_args_is_help=True, help="The model inventory: list, show (the seven "
                  "questions, with their proof), export, register what people declare.")
RegionOption = Annotated[str, typer.Option("--region", "-r", help="Onshore serving region.")]
InventoryOption = Annotated[str | None, typer.Option(
    "--inventory", envvar="SEAWALL_INVENTORY", help="The inventory: a postgresql:// URL "
    "(roles and row-level security apply) or a SQLite path. Default: the region's "
    "<home>/regions/<region>/governance.db.")]
TicketOption = Annotated[str, typer.Option(help="The change ticket this move belongs to "
                                           "(mandatory).")]


class Target(StrEnum):
    VALIDATED = "validated"
    SHADOW = "shadow"
    CANARY = "canary"
    PRODUCTION = "production"
    ROLLED_BACK = "rolled-back"
    RETIRED = "retired"


def approve(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[str, typer.Argument(help="Registry version in the region.")],
    to: Annotated[Target, typer.Option("--to", help="The state the approval allows.")],
    region: RegionOption,
    ticket: TicketOption,
    reason: Annotated[str, typer.Option(help="Why (goes into the model's audit trail).")],
    key: Annotated[str, typer.Option(help="Approver's key: a PEM private key file or an HSM "
                                     "key's pkcs11: URI (PIN from $SEAWALL_PKCS11_PIN).")],
    role: Annotated[str | None, typer.Option(help="The role approved as (default: the one the "
                                             "region's trust policy gives this key).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the signed approval (default: "
                                             "<home>/regions/<region>/approvals/).")] = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Sign an approval statement for one move of one version (valid 14 days, used once)."""
    from artifacts.registry.approvals import sign, statement
    from artifacts.signing import fingerprint, load_trust_policy, open_signing_key, public_pem

    cat = load_catalogue(catalogue)
    _serving_region(cat, region)
    signing_key = open_signing_key(key)
    if role is None:
        mine = fingerprint(public_pem(signing_key.public_key()))
        held = sorted({r for s in load_trust_policy(cat, region).signers
                       if s.fingerprint == mine for r in s.roles})
        if len(held) != 1:
            raise typer.BadParameter(f"this key holds {len(held)} roles in {region}'s trust "
                                     f"policy ({', '.join(held) or 'none'}); name one with --role",
                                     param_hint="--role")
        role = held[0]
    doc = statement(model=model, version=version, region=region, to_state=to.value, role=role,
                    ticket=ticket, reason=reason)
    signed = sign(doc, signing_key)
    target = out or (region_home(home, region) / "approvals" /
                     f"{model}-v{version}-{to.value}-{role}-{doc.nonce[:8]}.json")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(json.dumps(signed, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    console.print(f"[green]✓[/] {role} approves {model} v{version} -> {to.value} in {region} "
                  f"(ticket {doc.ticket}, expires {doc.expires_at}): {target}", soft_wrap=True)


def promote(
    model: Annotated[str, typer.Argument(help="Registered model name.")],
    version: Annotated[str, typer.Argument(help="Registry version in the region.")],
    to: Annotated[Target, typer.Option("--to", help="The state to move the version to.")],
    region: RegionOption,
    ticket: TicketOption,
    approval: Annotated[list[Path] | None, typer.Option(
        help="A signed approval (seawall approve); repeat for a gate that needs several.")]
        = None,
    reason: Annotated[str, typer.Option(help="Why, for the ledger.")] = "",
    inventory: InventoryOption = None,
    decision_log: LogOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Move a version (approvals verified, the tier's gate checked, aliases moved, inventory and
    ledger updated); a refusal moves nothing and is logged. From shadow, the champion-challenger
    comparison on the shadow log is computed and recorded with the move."""
    from artifacts.registry.bundle_import import region_registry
    from artifacts.registry.promote import PromoteRequest
    from artifacts.registry.promote import promote as run
    from artifacts.registry.promotion import CANARY_STEPS, State

    cat = load_catalogue(catalogue)
    _serving_region(cat, region)
    registry = region_registry(home, region)[0]  # opened once, for the evidence and the move
    evidence = _challenge(registry, model, version, region, home, decision_log, inventory) \
        if to is not Target.RETIRED else None
    done = run(PromoteRequest(model=model, version=version, to=State(to.value), region=region,
                              home=home, catalogue=cat, ticket=ticket, reason=reason,
                              approvals=tuple(approval or ()), inventory=inventory,
                              evidence=evidence), registry)
    for seq, t in done.moves:
        step = f" at {CANARY_STEPS[t.step]:.0%}" if t.step is not None else ""
        console.print(f"[green]✓[/] ledger #{seq}: {model} v{t.version} {t.from_state} -> "
                      f"{t.to_state}{step}")
    console.print(f"  aliases: {', '.join(f'{a}={v}' for a, v in sorted(done.aliases.items()))}"
                  f"; inventory status {done.status}", soft_wrap=True)
    if evidence is not None:
        interval = (f"AUC delta {evidence['auc_delta']:+.4f} [{evidence['delta_low']:+.4f}, "
                    f"{evidence['delta_high']:+.4f}], DeLong p {evidence['delong_p']:.3g}"
                    if evidence["auc_delta"] is not None else "too few outcomes to compare")
        console.print(f"  champion-challenger on {evidence['pairs']} paired rows: "
                      f"{evidence['verdict']} ({interval})", soft_wrap=True)


def _challenge(registry, model: str, version: str, region: str, home: Path,
               decision_log: str | None, inventory: str | None) -> dict | None:
    """The champion-challenger comparison when `version` is leaving shadow, else None."""
    from artifacts.registry.governance import governance
    from artifacts.registry.promotion import State

    with governance(home, region, inventory) as gov:
        state, _ = gov.state(model, version, registry)
    champion = registry.aliases(model).get("production")
    if state is not State.SHADOW or champion is None:
        return None
    from monitoring.challenge import challenge
    log = decision_log or str(region_home(home, region) / "decisions.db")
    return challenge(decision_log=log, region_home=region_home(home, region), model=model,
                     champion_version=champion, challenger_version=version).to_json()


@app.command("register")
def register(
    model: Annotated[str, typer.Argument(help="Model name (as registered).")],
    region: RegionOption,
    purpose: Annotated[str | None, typer.Option(help="What the model decides.")] = None,
    business_owner: Annotated[str | None, typer.Option(help="Accountable business owner.")]
        = None,
    model_owner: Annotated[str | None, typer.Option(help="Model owner.")] = None,
    developer: Annotated[str | None, typer.Option(help="Developer (as named in the trust policy: "
                                                  "they cannot approve it).")] = None,
    materiality: Annotated[str | None, typer.Option(help="low, medium or high.")] = None,
    complexity: Annotated[str | None, typer.Option(help="low, medium or high.")] = None,
    irb: Annotated[bool, typer.Option(help="An internal-rating (IRB) model: always high tier.")]
        = False,
    use_restrictions: Annotated[str | None, typer.Option(help="Where it must not be used.")]
        = None,
    policy_exceptions: Annotated[str | None, typer.Option(help="Approved policy exceptions.")]
        = None,
    monitoring_pointer: Annotated[str | None, typer.Option(help="Where its monitoring lives.")]
        = None,
    inventory: InventoryOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Declare what only people know: purpose, owners, materiality and complexity (hence the
    tier, with its rationale), restrictions and exceptions."""
    from artifacts.registry.governance import inventory_location
    from artifacts.registry.inventory import Inventory, InventoryRow
    from artifacts.registry.tiering import assign_tier

    changes = {k: v for k, v in {
        "purpose": purpose, "business_owner": business_owner, "model_owner": model_owner,
        "developer": developer, "use_restrictions": use_restrictions,
        "policy_exceptions": policy_exceptions, "monitoring_pointer": monitoring_pointer,
    }.items() if v is not None}
    if (materiality is None) != (complexity is None):
        raise typer.BadParameter("give both --materiality and --complexity (the tier is their "
                                 "product)")
    if materiality is not None:
        tier = assign_tier(materiality, complexity, irb=irb)
        changes |= {"tier": tier.tier.value, "tier_rationale": tier.rationale}
    _serving_region(load_catalogue(catalogue), region)
    store = Inventory(inventory_location(home, region, inventory))
    try:
        if store.get(model, region) is None:
            needed = ("purpose", "business_owner", "model_owner", "developer", "tier")
            missing = [f"--{n.replace('_', '-')}" for n in needed if n not in changes]
            if missing:
                raise typer.BadParameter(f"{model} is new to {region}'s inventory: give "
                                         f"{', '.join(missing)} (or --materiality/--complexity)")
            store.put(InventoryRow(model_name=model, region=region, status="development",
                                   **changes))
            row = store.get(model, region)
        else:
            row = store.update(model, region, **changes)
    finally:
        store.close()
    console.print(f"[green]✓[/] {model} in {region}: tier {row.tier} ({row.tier_rationale}), "
                  f"status {row.status}", soft_wrap=True)


@app.command("list")
def list_(
    region: Annotated[str | None, typer.Option("--region", "-r", help="Only this region.")]
        = None,
    inventory: InventoryOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """Every model in the inventory: tier, status, owners, validator and next review."""
    from rich.table import Table

    rows = _rows(region, inventory, catalogue, home)
    table = Table()
    for name in ("model", "region", "tier", "status"):  # the identifying columns never fold
        table.add_column(name, no_wrap=True)
    for name in ("model owner", "validator", "next review"):
        table.add_column(name)
    for r in rows:
        table.add_row(r.model_name, r.region, r.tier, r.status, r.model_owner,
                      r.validator or "-", r.next_review or "-")
    console.print(table if rows else "the inventory is empty (seawall import adds a model)")


@app.command("show")
def show(
    model: Annotated[str, typer.Argument(help="Model name.")],
    region: RegionOption,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    inventory: InventoryOption = None,
    decision_log: LogOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """The model's inventory row and the supervisor's seven questions, each with its proof."""
    from artifacts.registry.governance import governance
    from reporting.inventory_answers import as_json as answers_json
    from reporting.inventory_answers import seven_answers

    load_catalogue(catalogue).get(region)  # an unknown region is named, not an empty store made
    log = decision_log or str(region_home(home, region) / "decisions.db")
    with governance(home, region, inventory) as gov:
        answers = seven_answers(gov, model, log if _exists(log) else None)
        row = gov.inventory.get(model, region)
    if as_json:
        print(json.dumps({"inventory": row.to_json(), "answers": answers_json(answers)},
                         indent=2))
        return
    console.rule(f"{model} in {region}")
    for name, value in row.to_json().items():
        if name not in ("model_name", "region") and value:
            console.print(f"  [dim]{name.replace('_', ' '):<19}[/] {value}", soft_wrap=True)
    for i, a in enumerate(answers, 1):
        console.print(f"\n[bold]{i}. {a.question}[/] {a.answer}", soft_wrap=True)
        for p in a.proof:
            console.print(f"   [dim]· {p}[/]", soft_wrap=True)


@app.command("schema-sql")
def schema_sql(
    region: Annotated[list[str], typer.Option("--region", "-r", help="A region whose operators "
                                              "get a role; repeat for each.")],
    catalogue: CatalogueOption = None,
) -> None:
    """Print the PostgreSQL schema, roles, grants and row-level security of the inventory, for
    a database administrator to review and apply (psql -f); idempotent."""
    from artifacts.registry.inventory_schema import PG_SCHEMA, pg_security
    from regions import Tier

    cat = load_catalogue(catalogue)
    for name in region:
        if not cat.get(name).allows_tier(Tier.SERVING):
            raise typer.BadParameter(f"{name} is not a serving region: its inventory lives "
                                     "onshore only", param_hint="--region")
    print(PG_SCHEMA.strip() + "\n" + pg_security(region).strip())


class ExportFormat(StrEnum):
    JSON = "json"
    CSV = "csv"


@app.command("export")
def export(
    region: Annotated[str | None, typer.Option("--region", "-r", help="Only this region.")]
        = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="json (rows and approvals) or "
                                              "csv (rows).")] = ExportFormat.JSON,
    out: Annotated[Path | None, typer.Option(help="Write here (default: standard output).")]
        = None,
    inventory: InventoryOption = None,
    catalogue: CatalogueOption = None,
    home: HomeOption = DEFAULT_HOME,
) -> None:
    """The inventory for a supervisor or the bank's model-risk system."""
    import csv
    import io

    from artifacts.registry.inventory import COLUMNS

    rows = _rows(region, inventory, catalogue, home, approvals=fmt is ExportFormat.JSON)
    if fmt is ExportFormat.JSON:
        text = json.dumps({"format": "seawall.inventory/v1", "models": rows}, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(r.to_json() for r in rows)
        text = buffer.getvalue()
    if out is None:
        print(text, end="")
        return
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out)
    console.print(f"[green]✓[/] {len(rows)} model(s): {out}")


def _rows(region, inventory, catalogue, home, *, approvals: bool = False) -> list:
    """Rows of one region or every region with an inventory (JSON dicts with approvals)."""
    from artifacts.registry.governance import STORE, inventory_location
    from artifacts.registry.inventory import Inventory
    from regions import Tier

    if region is not None:
        load_catalogue(catalogue).get(region)  # an unknown region is an error, not []
        places = [(region, inventory_location(home, region, inventory))]
    elif inventory or os.environ.get("SEAWALL_INVENTORY"):
        places = [(None, inventory or os.environ["SEAWALL_INVENTORY"])]
    else:
        places = [(r.name, str(region_home(home, r.name) / STORE))
                  for r in load_catalogue(catalogue) if r.allows_tier(Tier.SERVING)
                  and (region_home(home, r.name) / STORE).is_file()]
    found = []
    for name, location in places:
        store = Inventory(location)
        try:
            for row in store.rows(name):
                found.append({**row.to_json(), "approvals": store.approvals(
                    row.model_name, row.region)} if approvals else row)
        finally:
            store.close()
    return found


def _serving_region(cat, region: str) -> None:
    """An unknown or offshore region is an error before anything is written."""
    from regions import Tier, require_tier

    require_tier(cat.get(region), Tier.SERVING)


def _exists(url: str) -> bool:
    return "://" in url or Path(url).is_file()
