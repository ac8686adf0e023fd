"""Tiering and the promotion state machine (issue 18 items 3 and 4, the pure part): tiers from
materiality x complexity with IRB always high, the gates they select, and a machine where no
version reaches serving traffic without validation, skipped states are refused with the way
there, and canary steps go 1 % -> 5 % -> 25 % -> 100 % before production."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from artifacts.errors import ArtifactError
from artifacts.registry.promotion import (
    CANARY_STEPS,
    MOVES,
    Needs,
    PromotionError,
    State,
    alias_of,
    check_move,
    path,
)
from artifacts.registry.tiering import Level, Role, assign_tier, gate


@pytest.mark.parametrize("materiality, complexity, tier", [
    ("low", "low", "low"), ("low", "medium", "low"), ("low", "high", "medium"),
    ("medium", "low", "low"), ("medium", "medium", "medium"), ("medium", "high", "high"),
    ("high", "low", "medium"), ("high", "medium", "high"), ("HIGH", " high ", "high")])
def test_the_tier_is_materiality_times_complexity_with_its_rationale(materiality, complexity,
                                                                     tier):
    decided = assign_tier(materiality, complexity)
    assert decided.tier == tier and f"-> {tier}" in decided.rationale


def test_an_irb_model_is_always_high_and_bad_levels_are_named():
    decided = assign_tier("low", "low", irb=True)
    assert decided.tier is Level.HIGH and "IRB" in decided.rationale
    with pytest.raises(ArtifactError, match="materiality: 'huge' is not a level"):
        assign_tier("huge", "low")


def test_the_tier_selects_the_gate():
    assert gate(Level.HIGH).roles == (Role.VALIDATOR, Role.MODEL_RISK_HEAD)
    assert gate(Level.HIGH).independent_validation
    assert gate(Level.MEDIUM).roles == (Role.VALIDATOR,)
    assert gate(Level.LOW).roles == (Role.MODEL_OWNER,)
    assert not gate(Level.LOW).independent_validation


def reachable(source: State, without: State) -> set[State]:
    seen, todo = {source}, [source]
    while todo:
        at = todo.pop()
        for s, t in MOVES:
            if s is at and t is not without and t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def test_nothing_serves_traffic_without_validation():
    assert not {State.CANARY, State.SHADOW, State.PRODUCTION} & reachable(State.CANDIDATE,
                                                                          State.VALIDATED)
    # straight to production only from validated (a first release; promote refuses it while
    # another version is in production), else through the canary's steps
    assert {s for s, t in MOVES if t is State.PRODUCTION} == {State.VALIDATED, State.CANARY,
                                                               State.SUPERSEDED}
    assert all(m.needs is Needs.GATE for m in MOVES.values() if m.target is State.VALIDATED)
    assert not [s for s, t in MOVES if s is State.RETIRED]  # retired is the end


def test_a_skipped_state_is_refused_with_the_way_there():
    with pytest.raises(PromotionError, match="pending-validation -> production is not a "
                       "promotion.*pending-validation -> validated -> production"):
        check_move(State.PENDING_VALIDATION, State.PRODUCTION)
    with pytest.raises(PromotionError, match="cannot be reached from retired"):
        check_move(State.RETIRED, State.PRODUCTION)


def test_canary_steps_run_in_order_before_production():
    last = len(CANARY_STEPS) - 1
    for step in range(last):
        assert check_move(State.CANARY, State.CANARY, step=step).needs is Needs.STEP_GATE
        with pytest.raises(PromotionError, match="production comes after the last step"):
            check_move(State.CANARY, State.PRODUCTION, step=step)
    assert check_move(State.CANARY, State.PRODUCTION, step=last).target is State.PRODUCTION
    with pytest.raises(PromotionError, match="the next move is production"):
        check_move(State.CANARY, State.CANARY, step=last)
    with pytest.raises(PromotionError, match="canary step 7"):
        check_move(State.CANARY, State.ROLLED_BACK, step=7)
    assert check_move(State.PRODUCTION, State.ROLLED_BACK).needs is Needs.NOTHING


def test_aliases_follow_the_design():
    assert alias_of(State.VALIDATED) == "staging"
    assert alias_of(State.RETIRED, date(2026, 12, 2)) == "archived-2026-12"
    assert alias_of(State.CANDIDATE) is None


@given(st.sampled_from(list(State)), st.sampled_from(list(State)))
def test_every_pair_is_a_move_or_a_refusal_whose_route_is_made_of_moves(source, target):
    try:
        check_move(source, target, step=0)
    except PromotionError as e:
        if (source, target) in MOVES:  # a move that exists, refused at this canary step
            assert source is State.CANARY and "production" in str(e)
            return
        route = path(source, target)
        if route:
            assert all((a, b) in MOVES for a, b in zip(route, route[1:]))
            assert " -> ".join(route) in str(e)
    else:
        assert (source, target) in MOVES
