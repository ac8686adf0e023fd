"""`seawall promote`: one approved, signed, logged move of a version through the state machine
(issue 18 item 4).

The approvals are verified (trusted for `approve`, the role, the ticket, not expired, never used
before), the move is checked against the machine and the tier's gate, the registry's aliases
are moved, the approvals and the transition (with the moves that follow from it: the production
it replaces is superseded, a rolled-back production restores the one it replaced) are appended
to the ledger, and the inventory's status is set from the versions' states. Anything refused
moves nothing and is kept in the ledger's refusals with its one-line reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

from artifacts.errors import ArtifactError
from artifacts.registry.approvals import (
    Approval,
    ApprovalError,
    check_gate,
    check_separation,
    verify,
)
from artifacts.registry.governance import Governance, governance, pointer
from artifacts.registry.promotion import CANARY_STEPS, Needs, PromotionError, State, alias_of
from artifacts.registry.promotion import check_move as machine_move
from artifacts.registry.protocol import Registry
from artifacts.registry.tiering import Level, Role, gate
from artifacts.registry.transitions import Transition
from artifacts.signing.trust import load_trust_policy
from regions import Catalogue, Tier, require_tier

RELEASE_ROLES = (Role.RELEASE_ENGINEER, Role.MODEL_OWNER, Role.MODEL_RISK_HEAD)
REVIEW_EVERY = timedelta(days=365)  # SR 11-7: review at least annually
SERVING = (State.PRODUCTION, State.CANARY, State.SHADOW, State.SUPERSEDED)


@dataclass(frozen=True, kw_only=True)
class PromoteRequest:
    model: str
    version: str
    to: State
    region: str
    home: Path
    catalogue: Catalogue
    ticket: str
    reason: str = ""
    approvals: tuple[Path, ...] = ()
    tracking_uri: str | None = None
    inventory: str | None = None
    now: datetime | None = None
    evidence: dict | None = None  # recorded with the move (the champion-challenger comparison)


@dataclass
class Promoted:
    moves: list[tuple[int, Transition]] = field(default_factory=list)  # (seq, transition)
    aliases: dict[str, str] = field(default_factory=dict)
    status: str = ""


def promote(request: PromoteRequest, registry: Registry | None = None) -> Promoted:
    """Make the move or refuse it (`ArtifactError`, kept in the ledger's refusals)."""
    require_tier(request.catalogue.get(request.region), Tier.SERVING)
    if registry is None:
        from artifacts.registry.bundle_import import region_registry

        registry = region_registry(request.home, request.region, request.tracking_uri)[0]
    now = request.now or datetime.now(UTC)
    with governance(request.home, request.region, request.inventory) as gov:
        try:
            return _promote(request, gov, registry, now)
        except ArtifactError as e:
            gov.log.refuse(request.model, request.version, request.to.value, e.diagnostics(),
                           now.isoformat(timespec="seconds"))
            raise


def _promote(r: PromoteRequest, gov: Governance, registry: Registry, now: datetime
             ) -> Promoted:
    if not r.ticket.strip():
        raise ApprovalError("--ticket: a change ticket reference is mandatory")
    tags = dict(registry.versions(r.model)).get(r.version)
    if tags is None:
        raise PromotionError(f"{r.model} version {r.version}: not in {r.region}'s registry")
    source, step = gov.state(r.model, r.version, registry)
    target_step = (step + 1 if source is State.CANARY else 0) if r.to is State.CANARY else None
    move = machine_move(source, r.to, step=step if source is State.CANARY else None)
    if move.needs is Needs.IMPORT:
        raise PromotionError(f"{r.model} version {r.version}: a version becomes "
                             "pending-validation by its verified import (seawall import)")
    if source is State.SHADOW and r.to is not State.RETIRED and r.evidence is None:
        raise PromotionError(f"{r.model} version {r.version} leaves shadow: the promotion "
                             "records the champion-challenger comparison on the shadow log "
                             "(seawall promote computes it)")
    row = gov.inventory.get(r.model, r.region)
    if row is None:
        raise PromotionError(f"{r.model} is not in {r.region}'s inventory; register it first "
                             "(seawall inventory register)")
    aliases = registry.aliases(r.model)
    _check_occupancy(r, source, aliases)
    approvals = _approvals(r, gov, now)
    for a in approvals:
        if a.statement.ticket != r.ticket.strip():
            raise ApprovalError(f"{a.signer}'s approval is for ticket {a.statement.ticket}, "
                                f"this promotion for {r.ticket.strip()}")
        if a.signer == row.developer:
            raise ApprovalError(f"{a.signer} developed {r.model} and cannot approve it "
                                "(separation of duties)")
    signer = tags.get("seawall.signer", "")
    bundle_key = signer.removeprefix("key ") if signer.startswith("key ") else None
    validation = {}
    if move.needs is Needs.GATE:
        check_gate(approvals, gate(Level(row.tier)), bundle_signer=bundle_key)
        checked = next(a for a in approvals if a.statement.role in
                       (Role.VALIDATOR, Role.MODEL_OWNER))
        today = now.date()
        validation = {"validator": checked.signer, "validation_done": today.isoformat(),
                      "last_review": today.isoformat(),
                      "next_review": (today + REVIEW_EVERY).isoformat(),
                      "validation_planned": (today + REVIEW_EVERY).isoformat()}
    elif move.needs in (Needs.RELEASE, Needs.STEP_GATE):
        if not any(a.statement.role in RELEASE_ROLES for a in approvals):
            raise ApprovalError(f"{source} -> {r.to} needs a release approval from one of "
                                f"{', '.join(RELEASE_ROLES)}")
    if move.needs is not Needs.GATE:
        check_separation(approvals, bundle_signer=bundle_key)
    if move.needs is Needs.STEP_GATE:
        _step_passed(r, gov, step)
    plan = [(r.version, source, r.to, target_step)] + _follows(r, source, aliases)
    return _apply(r, gov, registry, plan, approvals, validation, now)


def _check_occupancy(r: PromoteRequest, source: State, aliases: dict[str, str]) -> None:
    """One version at a time in production, canary and shadow; a canary needs a champion."""
    live = aliases.get(alias_of(State.PRODUCTION))
    if r.to is State.PRODUCTION and source is not State.CANARY and live not in (None, r.version):
        raise PromotionError(f"{r.model} version {live} is in production: a new version gets "
                             "there through canary (--to canary)")
    if r.to is State.CANARY and source is not State.CANARY:
        if live is None:
            raise PromotionError(f"{r.model} has no version in production for a canary to be "
                                 "compared with; a first release goes --to production")
        held = aliases.get(alias_of(State.CANARY))
        if held not in (None, r.version):
            raise PromotionError(f"{r.model} version {held} is already in canary; promote or "
                                 "roll it back first")
    if r.to is State.SHADOW and aliases.get(alias_of(State.SHADOW)) not in (None, r.version):
        raise PromotionError(f"{r.model} version {aliases['shadow']} is already in shadow; "
                             "retire or release it first")
    if r.to is State.ROLLED_BACK and source is State.PRODUCTION and \
            aliases.get(alias_of(State.SUPERSEDED)) is None:
        raise PromotionError(f"{r.model} version {r.version} has no previous production to "
                             "roll back to; retire it instead (--to retired)")


def _approvals(r: PromoteRequest, gov: Governance, now: datetime) -> list[Approval]:
    policy = load_trust_policy(r.catalogue, r.region)
    used = gov.log.used_nonces()
    found = []
    for path in r.approvals:
        try:
            signed = orjson.loads(Path(path).read_bytes())
        except (OSError, orjson.JSONDecodeError) as e:
            raise ApprovalError(f"{path}: cannot read the approval ({e})") from None
        approval = verify(signed, policy=policy, model=r.model, version=r.version,
                          region=r.region, to_state=r.to.value, used_nonces=used, now=now,
                          source=str(path))
        used.add(approval.statement.nonce)
        found.append(approval)
    return found


def _step_passed(r: PromoteRequest, gov: Governance, step: int) -> None:
    verdict = gov.log.verdict(r.model, r.version, step)
    at = f"canary step {step} ({CANARY_STEPS[step]:.0%})"
    if verdict is None:
        raise PromotionError(f"{at} of {r.model} version {r.version} has no metric verdict yet: "
                             f"the region's service judges it while serving (seawall serve "
                             "--alias production)")
    if not verdict[0]:
        raise PromotionError(f"{at} failed its metric gate at {verdict[2]}: {verdict[1]}")


def _follows(r: PromoteRequest, source: State, aliases: dict[str, str]
             ) -> list[tuple[str, State, State, int | None]]:
    """The moves that follow from this one: the production it replaces is superseded (and the
    version superseded before it retired), a rolled-back production restores its predecessor."""
    live, previous = aliases.get("production"), aliases.get("previous-production")
    if r.to is State.PRODUCTION and live not in (None, r.version):
        follows = [(live, State.PRODUCTION, State.SUPERSEDED, None)]
        if previous is not None:
            follows.append((previous, State.SUPERSEDED, State.RETIRED, None))
        return follows
    if r.to is State.ROLLED_BACK and source is State.PRODUCTION and previous is not None:
        return [(previous, State.SUPERSEDED, State.PRODUCTION, None)]
    return []


def _apply(r: PromoteRequest, gov: Governance, registry: Registry, plan, approvals, validation,
           now: datetime) -> Promoted:
    before = registry.aliases(r.model)
    today = now.date()
    try:
        for version, source, target, _ in plan:
            _move_aliases(registry, r.model, version, source, target, today)
        done = Promoted(aliases=registry.aliases(r.model))
        at = now.isoformat(timespec="microseconds")
        records = [_record(a) for a in approvals]
        for version, source, target, step in plan:
            t = Transition(model_name=r.model, version=version, region=r.region,
                           from_state=source, to_state=target, step=step, ticket=r.ticket.strip(),
                           reason=r.reason.strip() or (f"follows {r.model} version {r.version} "
                                                       f"-> {r.to}" if version != r.version
                                                       else ""),
                           approvals=records if version == r.version else [], decided_at=at,
                           evidence=r.evidence if version == r.version else None)
            done.moves.append((gov.log.append(t), t))
    except BaseException:
        _restore(registry, r.model, before)
        raise
    for a, rec in zip(approvals, records):
        gov.inventory.add_approval(model_name=r.model, region=r.region, version=r.version,
                                   to_state=r.to.value, approver=a.signer, role=rec["role"],
                                   ticket=rec["ticket"], statement_sha256=rec["statement_sha256"],
                                   approved_at=at)
    if validation:
        gov.inventory.update(r.model, r.region, **validation)
    uri = getattr(registry, "tracking_uri", getattr(registry, "location", ""))
    done.status = gov.refresh(r.model, registry, pointer(uri, r.model))
    return done


def _move_aliases(registry: Registry, model: str, version: str, source: State, target: State,
                  today: date) -> None:
    old, new = alias_of(source, today), alias_of(target, today)
    if old != new and old is not None and registry.aliases(model).get(old) == version:
        registry.drop_alias(model, old)
    if new is not None:
        registry.move_alias(model, new, version)


def _restore(registry: Registry, model: str, before: dict[str, str]) -> None:
    for alias in set(registry.aliases(model)) - set(before):
        registry.drop_alias(model, alias)
    for alias, version in before.items():
        registry.move_alias(model, alias, version)


def _record(a: Approval) -> dict:
    doc = a.statement.to_json()
    return {"signer": a.signer, "fingerprint": a.fingerprint, "role": a.statement.role,
            "ticket": a.statement.ticket, "reason": a.statement.reason,
            "nonce": a.statement.nonce,
            "statement_sha256": hashlib.sha256(orjson.dumps(
                doc, option=orjson.OPT_SORT_KEYS)).hexdigest()}
