"""The promotion state machine over a region's registry aliases (issue 18 item 4).

    candidate --import--> pending-validation --validation--> validated
    validated --release--> canary (1 % -> 5 % -> 25 % -> 100 %) --> production
    validated --first release, while no version is in production--> production
    validated --release--> shadow --release--> canary
    canary, production --rollback--> rolled-back
    production --another version reaches production--> superseded (alias previous-production)
    superseded --the production that replaced it is rolled back--> production
    validated, shadow, rolled-back, superseded, production --retire--> retired
        (alias archived-YYYY-MM)

Every version is in one state; each state but `candidate` and `retired` is the registry alias of
the same name (`validated` is the alias `staging`), so the registry is the state. A move the
machine does not have is refused with the rule that forbids it and, when the target can be
reached at all, the path that gets there. What each move needs (the tier's gate, a release
approval, nothing: the import and an automatic rollback) is stated with it; checking the
approvals themselves is the approvals module's job.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from artifacts.errors import ArtifactError

CANARY_STEPS = (0.01, 0.05, 0.25, 1.0)  # the notes' 38.8.6: 1 %, 5 %, 25 %, then all


class State(StrEnum):
    CANDIDATE = "candidate"
    PENDING_VALIDATION = "pending-validation"
    VALIDATED = "validated"
    SHADOW = "shadow"
    CANARY = "canary"
    PRODUCTION = "production"
    ROLLED_BACK = "rolled-back"
    SUPERSEDED = "superseded"  # the previous production, kept as the rollback plan
    RETIRED = "retired"


class Needs(StrEnum):
    IMPORT = "a verified import (seawall import)"
    GATE = "the tier's gate: its validation record and approvals"
    RELEASE = "a release approval"
    STEP_GATE = "the canary step's metric gate"
    NOTHING = "nothing: a rollback is never held up"


@dataclass(frozen=True)
class Move:
    source: State
    target: State
    needs: Needs


MOVES = {(m.source, m.target): m for m in (
    Move(State.CANDIDATE, State.PENDING_VALIDATION, Needs.IMPORT),
    Move(State.PENDING_VALIDATION, State.VALIDATED, Needs.GATE),
    Move(State.VALIDATED, State.SHADOW, Needs.RELEASE),
    Move(State.VALIDATED, State.CANARY, Needs.RELEASE),
    Move(State.VALIDATED, State.PRODUCTION, Needs.RELEASE),  # a first release only: no champion
    Move(State.SHADOW, State.CANARY, Needs.RELEASE),
    Move(State.CANARY, State.CANARY, Needs.STEP_GATE),  # the next traffic step
    Move(State.CANARY, State.PRODUCTION, Needs.STEP_GATE),  # only from the last step
    Move(State.CANARY, State.ROLLED_BACK, Needs.NOTHING),
    Move(State.PRODUCTION, State.ROLLED_BACK, Needs.NOTHING),
    Move(State.PRODUCTION, State.SUPERSEDED, Needs.NOTHING),  # follows another's promotion
    Move(State.SUPERSEDED, State.PRODUCTION, Needs.NOTHING),  # follows that one's rollback
    *(Move(s, State.RETIRED, Needs.RELEASE) for s in (State.VALIDATED, State.SHADOW,
                                                       State.ROLLED_BACK, State.SUPERSEDED,
                                                       State.PRODUCTION)),
)}
ALIASES = {State.PENDING_VALIDATION: "pending-validation", State.VALIDATED: "staging",
           State.SHADOW: "shadow", State.CANARY: "canary", State.PRODUCTION: "production",
           State.ROLLED_BACK: "rolled-back", State.SUPERSEDED: "previous-production"}
# The moves a person asks for; the others follow from them (superseded, its restoration).
AUTOMATIC = {(State.PRODUCTION, State.SUPERSEDED), (State.SUPERSEDED, State.PRODUCTION)}


class PromotionError(ArtifactError):
    """A move the state machine does not allow."""

    next_step = "follow the path the message gives (docs/model-risk.md)"


def alias_of(state: State, today: date | None = None) -> str | None:
    """The registry alias of `state`; `archived-YYYY-MM` for retired, None for a candidate."""
    if state is State.RETIRED:
        return f"archived-{(today or date.today()):%Y-%m}"
    return ALIASES.get(state)


def path(source: State, target: State) -> list[State] | None:
    """The shortest sequence of states from `source` to `target` (both included), or None."""
    previous: dict[State, State | None] = {source: None}
    queue = deque([source])
    while queue:
        state = queue.popleft()
        if state is target and state is not source:
            break
        for s, t in MOVES:
            if s is state and t not in previous:
                previous[t] = state
                queue.append(t)
    if target not in previous or target is source:
        return None
    steps, at = [], target
    while at is not None:
        steps.append(at)
        at = previous[at]
    return steps[::-1]


def check_move(source: State, target: State, *, step: int | None = None) -> Move:
    """The move from `source` to `target` and what it needs; `PromotionError` naming the rule
    if the machine has no such move. `step`: the canary's current step (index into
    `CANARY_STEPS`) when the source is `canary`."""
    move = MOVES.get((source, target))
    if move is None:
        route = path(source, target)
        why = (f"the way there is {' -> '.join(route)}" if route else
               f"{target} cannot be reached from {source}")
        raise PromotionError(f"{source} -> {target} is not a promotion the machine allows; "
                             f"{why}")
    if source is State.CANARY:
        last = len(CANARY_STEPS) - 1
        if step is None or not 0 <= step <= last:
            raise PromotionError(f"canary step {step!r}: must be 0..{last} (traffic "
                                 f"{', '.join(f'{s:.0%}' for s in CANARY_STEPS)})")
        if target is State.CANARY and step == last:
            raise PromotionError("canary at its last step (100 %): the next move is "
                                 "production")
        if target is State.PRODUCTION and step != last:
            raise PromotionError(f"canary at {CANARY_STEPS[step]:.0%}: production comes after "
                                 f"the last step ({', '.join(f'{s:.0%}' for s in CANARY_STEPS)})")
    return move
