"""The canary step's metric gate: nothing is judged before enough canary rows (unless errors
alone fail it); a sound canary passes even on few rows, a shifted one fails; errors and latency
fail it; PSI stays finite and non-negative whatever the scores."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.canary_gate import CanaryWatch, Limits, sampling_bound, score_psi

LIMITS = Limits(min_rows=200)


def watch_with(champion: np.ndarray, canary: np.ndarray, *, canary_seconds: float = 0.001,
               errors: int = 0) -> CanaryWatch:
    watch = CanaryWatch("2", 0)
    for chunk in np.array_split(champion, max(len(champion) // 50, 1)):
        watch.scored(False, chunk, 0.001)
    for chunk in np.array_split(canary, max(len(canary) // 50, 1)):
        watch.scored(True, chunk, canary_seconds)
    if errors:
        watch.failed(errors)
    return watch


def population(n: int, seed: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 1 / (1 + np.exp(-(rng.normal(-1.5, 1.0, n) + shift)))


def test_nothing_is_judged_before_enough_canary_rows():
    assert watch_with(population(5000, 1), population(150, 2)).judge(LIMITS) is None


@pytest.mark.parametrize("canary_rows", [200, 400, 2000])
def test_a_sound_canary_passes_even_on_few_rows(canary_rows):
    for seed in range(20):  # the sampling bound keeps chance from failing it
        verdict = watch_with(population(10_000, seed), population(canary_rows, 100 + seed)
                             ).judge(LIMITS)
        assert verdict.passed, verdict.detail


def test_a_shifted_canary_fails_on_score_psi():
    verdict = watch_with(population(10_000, 1), population(400, 2, shift=1.2)).judge(LIMITS)
    assert not verdict.passed and "score PSI" in verdict.detail


def test_errors_fail_it_early_and_slowness_fails_it():
    early = watch_with(population(1000, 1), population(20, 2), errors=3).judge(LIMITS)
    assert early is not None and not early.passed and "error rate" in early.detail
    slow = watch_with(population(5000, 1), population(400, 2), canary_seconds=0.05)
    verdict = slow.judge(LIMITS)
    assert not verdict.passed and "latency" in verdict.detail


def test_the_sampling_bound_shrinks_with_the_samples():
    assert sampling_bound(10_000, 100) > sampling_bound(10_000, 1000) > 0.0
    assert sampling_bound(0, 0) > 1.0  # nothing to compare: nothing can fail on it


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=0, max_size=60),
       st.lists(st.floats(0, 1), min_size=0, max_size=60))
def test_psi_is_finite_and_non_negative_for_any_scores(a, b):
    psi = score_psi(np.array(a), np.array(b))
    if len(a) < 10 or len(b) < 10:
        assert psi is None
    else:
        assert np.isfinite(psi) and psi >= 0.0


def test_a_long_step_keeps_a_bounded_window_of_scores():
    from service.canary_gate import KEPT_SCORES

    watch = CanaryWatch("2", 3)
    for _ in range(KEPT_SCORES // 10_000 + 50):
        watch.scored(True, np.full(10_000, 0.2), 0.001)
    assert watch.canary.rows == (KEPT_SCORES // 10_000 + 50) * 10_000
    assert KEPT_SCORES - 10_000 < watch.canary.kept <= KEPT_SCORES
    assert sum(len(s) for s in watch.canary.scores) == watch.canary.kept
