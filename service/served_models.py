"""The models a service instance serves, each verified before it is loaded (fail closed).

`load_models` verifies every configured bundle (champion, and the optional canary and shadow
challenger) with the region's trust policy for purpose `serve` (`open_verified`), and builds the
ONNX session from the very bytes verification read and proved against the signed manifest, so
a file swapped after verification is never scored. Any failure leaves the
service not ready: `/ready` and the log say why, and scoring endpoints answer 503.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import numpy as np

from artifacts.bundle import (
    Contract,
    GoldenSet,
    OnnxScorer,
    ReasonCodes,
    changes,
    golden_feeds,
)
from artifacts.errors import ArtifactError, VerificationError
from artifacts.signing import Purpose, open_verified
from regions import Catalogue

log = logging.getLogger("seawall.service")


class Role(StrEnum):
    CHAMPION = "champion"  # answers every request not routed to the canary
    CANARY = "canary"  # answers a stable fraction of application ids
    SHADOW = "shadow"  # scored on the same rows and logged, never returned


@dataclass(frozen=True, kw_only=True)
class ServedModel:
    role: Role
    bundle: Path
    name: str
    version: str
    contract: Contract
    reasons: ReasonCodes
    bundle_digest: str  # SHA-256 of manifest.json, which lists every other file's digest
    signer: str
    trusted_as: str
    verified_at: str
    scorer: OnnxScorer
    approved: bool = True  # False: served with --allow-unapproved (development only)

    @property
    def logged_role(self) -> str:
        """The role as the decision log records it: marked when the version is unapproved."""
        return self.role.value if self.approved else f"{self.role.value}-unapproved"

    def identity(self) -> dict:
        return {"role": self.role.value, "approved": self.approved, "model": self.name,
                "version": self.version,
                "contract_version": self.contract.version, "bundle": str(self.bundle),
                "bundle_digest": f"sha256:{self.bundle_digest}", "signer": self.signer,
                "trusted_as": self.trusted_as, "verified_at": self.verified_at}


@dataclass
class ModelSet:
    champion: ServedModel | None = None
    canary: ServedModel | None = None
    shadow: ServedModel | None = None
    failures: list[str] = field(default_factory=list)  # why the service is not ready

    @property
    def ready(self) -> bool:
        return self.champion is not None and not self.failures

    def served(self) -> list[ServedModel]:
        return [m for m in (self.champion, self.canary, self.shadow) if m is not None]


def load_models(*, catalogue: Catalogue, region: str, champion: Path,
                canary: Path | None = None, shadow: Path | None = None, approved: bool = True,
                reuse: list[ServedModel] = ()) -> ModelSet:
    """Verify and load each bundle; one already loaded from the same path (`reuse`, the set
    being replaced) keeps its verified scorer under its new role."""
    models = ModelSet()
    loaded = {m.bundle: m for m in reuse}
    for role, path in ((Role.CHAMPION, champion), (Role.CANARY, canary), (Role.SHADOW, shadow)):
        if path is None:
            continue
        try:
            kept = loaded.get(Path(path).resolve())
            setattr(models, role.value,
                    replace(kept, role=role, approved=approved) if kept is not None
                    else replace(_load(role, Path(path), catalogue, region), approved=approved))
        except _Refused as e:
            models.failures.extend(f"{role.value} {path}: {p}" for p in e.problems)
        except ArtifactError as e:
            models.failures.append(f"{role.value} {path}: {e.diagnostics()}")
    if models.champion is not None:
        for other in (models.canary, models.shadow):
            if other is not None:
                models.failures.extend(_incompatible(models.champion, other))
    for failure in models.failures:
        log.error("not ready: %s", failure)
    return models


class _Refused(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems


def _load(role: Role, path: Path, catalogue: Catalogue, region: str) -> ServedModel:
    try:
        verified = open_verified(path, catalogue=catalogue, region=region, purpose=Purpose.SERVE)
    except VerificationError as e:
        raise _Refused(e.report.failures() if e.report else [str(e)]) from None
    # The bytes verification read and proved against the signed manifest: nothing is read or
    # hashed again, and a file swapped on disk afterwards is never loaded.
    contract = Contract.from_dict(verified.document("contract.json"))
    reasons = ReasonCodes.from_dict(verified.document("reason_codes.json"))
    scorer = OnnxScorer.from_bytes(verified.read("model.onnx"), contract)
    _warm(scorer, contract, reasons, GoldenSet.from_json(verified.document("golden_set.json")))
    report, manifest = verified.report, verified.manifest
    model = ServedModel(
        role=role, bundle=path.resolve(), name=manifest.model.name,
        version=str(manifest.model.version), contract=contract, reasons=reasons,
        bundle_digest=verified.manifest_sha256, signer=report.signer.claimed,
        trusted_as=report.signer.trusted_as, verified_at=report.verified_at,
        scorer=scorer)
    log.info("serving %s %s v%s from %s (verified: %d checks passed; signer %s)", role.value,
             model.name, model.version, path, len(report.checks), model.signer)
    return model


def _warm(scorer: OnnxScorer, contract: Contract, reasons: ReasonCodes, golden: GoldenSet
          ) -> None:
    """Run the first golden rows once, so the first request does not pay for lazy set-up."""
    feeds = golden_feeds(golden.head(8), contract)
    for n in (1, len(next(iter(feeds.values())))):
        sub = {k: np.ascontiguousarray(v[:n]) for k, v in feeds.items()}
        scorer.probabilities(sub)
        scorer.contributions(sub, reasons.baseline)


def _incompatible(champion: ServedModel, other: ServedModel) -> list[str]:
    """Requests are checked against the champion's contract: the other must accept them all."""
    breaking, _ = changes(champion.contract, other.contract.fields)
    return [f"{other.role.value} {other.bundle}: its contract {other.contract.version} does not "
            f"accept every request the champion's {champion.contract.version} accepts: {b}"
            for b in breaking]
