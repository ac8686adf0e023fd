"""Scorecard points and canary routing: pure functions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from service import Scorecard, canary_rows

CARD = Scorecard(base_score=600, base_odds=50, points_to_double_odds=20)


def test_base_odds_score_the_base_score_and_doubling_the_odds_adds_pdo():
    p_base = 1 / (1 + 50)  # good:bad odds 50:1
    p_double = 1 / (1 + 100)
    points = CARD.points(np.array([p_base, p_double]))
    assert points[0] == pytest.approx(600, abs=0.01)
    assert points[1] - points[0] == pytest.approx(20, abs=0.01)


def test_riskier_applicants_score_lower_and_extremes_stay_finite():
    points = CARD.points(np.array([0.0, 0.01, 0.5, 0.99, 1.0]))
    assert np.all(np.isfinite(points)) and np.all(np.diff(points) < 0)
    assert points[2] == pytest.approx(600 - 20 * math.log2(50), abs=0.01)


def test_canary_routing_is_stable_per_id_and_near_the_fraction():
    ids = [f"APP-{i}" for i in range(20_000)]
    first = canary_rows(ids, 0.1)
    assert np.array_equal(first, canary_rows(list(reversed(ids)), 0.1)[::-1])
    assert 0.09 < first.mean() < 0.11
    assert not canary_rows(ids, 0.0).any() and canary_rows(ids, 1.0).all()
    # rows without an id always go to the champion; a wider fraction only adds ids
    assert not canary_rows([None] * 10, 1.0).any()
    assert np.all(canary_rows(ids, 0.2)[first])
