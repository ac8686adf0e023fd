"""Model tiering and the gates a tier selects (issue 18 item 3).

The tier comes from declared materiality and complexity (PRA SS1/23 principle 1.3: materiality x
complexity; Circular 83/2025 Art 56: high, medium or low, an internal-rating (IRB) model always
high), and is stored with its rationale, so a reviewer can see why a model got the gates it did.

| materiality \\ complexity | low | medium | high |
| --- | --- | --- | --- |
| low | low | low | medium |
| medium | low | medium | high |
| high | medium | high | high |

The tier selects the approvals a promotion needs: a high-tier model an independent validation
record and two distinct approvers (a validator and the head of model risk), medium one
validator, low the model owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from artifacts.errors import ArtifactError


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Role(StrEnum):
    DEVELOPER = "developer"
    MODEL_OWNER = "model-owner"
    VALIDATOR = "validator"
    MODEL_RISK_HEAD = "model-risk-head"
    RELEASE_ENGINEER = "release-engineer"
    AUDITOR = "auditor"


_ORDER = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}
_MATRIX = {0: Level.LOW, 1: Level.LOW, 2: Level.MEDIUM, 3: Level.HIGH, 4: Level.HIGH}


@dataclass(frozen=True, kw_only=True)
class TierDecision:
    tier: Level
    materiality: Level
    complexity: Level
    irb: bool
    rationale: str


@dataclass(frozen=True, kw_only=True)
class Gate:
    """What a promotion of a model of one tier needs."""

    roles: tuple[Role, ...]  # one approval from each, by distinct identities
    independent_validation: bool  # a validation record by someone who did not develop it


GATES = {
    Level.HIGH: Gate(roles=(Role.VALIDATOR, Role.MODEL_RISK_HEAD), independent_validation=True),
    Level.MEDIUM: Gate(roles=(Role.VALIDATOR,), independent_validation=True),
    Level.LOW: Gate(roles=(Role.MODEL_OWNER,), independent_validation=False),
}


def level(value: str, field: str) -> Level:
    try:
        return Level(str(value).strip().lower())
    except ValueError:
        raise ArtifactError(f"{field}: {value!r} is not a level; use low, medium or high"
                            ) from None


def assign_tier(materiality: str, complexity: str, *, irb: bool = False) -> TierDecision:
    """The tier of a model from its declared materiality and complexity (`low`, `medium`,
    `high`); an IRB model is high whatever it declares."""
    m, c = level(materiality, "materiality"), level(complexity, "complexity")
    if irb:
        return TierDecision(tier=Level.HIGH, materiality=m, complexity=c, irb=True,
                            rationale="an internal-rating (IRB) model is always high tier "
                                      "(Circular 83/2025 Art 56)")
    tier = _MATRIX[_ORDER[m] + _ORDER[c]]
    return TierDecision(tier=tier, materiality=m, complexity=c, irb=False,
                        rationale=f"materiality {m} x complexity {c} -> {tier} (PRA SS1/23 "
                                  "principle 1.3; Circular 83/2025 Art 56)")


def gate(tier: Level) -> Gate:
    return GATES[tier]
