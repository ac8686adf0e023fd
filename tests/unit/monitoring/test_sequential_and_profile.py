"""Page-Hinkley as the design notes run it, its lambda calibrated to a false-alarm interval;
PCA-CSI on a correlated shift no marginal shows; and the reference profile ships no cell
smaller than its minimum."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from artifacts.bundle.reference_profile import (
    OTHER,
    ReferenceProfile,
    bin_counts,
    build_reference_profile,
    categorical_profile,
    numeric_profile,
)
from monitoring import (
    Verdict,
    calibrate_lambda,
    page_hinkley,
    page_hinkley_test,
    pca_csi,
    psi_test,
)
from monitoring.sequential import expected_run_length, ph_statistic
from monitoring.window import NumericWindow


class NotesPageHinkley:  # design notes 38.4.3, verbatim
    def __init__(self, delta=0.005, lam=50.0):
        self.delta = delta
        self.lam = lam
        self.n = 0
        self.mean = 0.0
        self.sum_dev = 0.0
        self.min_dev = 0.0

    def update(self, x):
        self.n += 1
        self.mean += (x - self.mean) / self.n
        self.sum_dev += x - self.mean - self.delta
        self.min_dev = min(self.min_dev, self.sum_dev)
        ph = self.sum_dev - self.min_dev
        return ph, ph > self.lam


def notes_stream() -> np.ndarray:
    """The notes' generator after the four 5,000-draw PSI examples that precede 38.4.3."""
    rng = np.random.default_rng(42)
    for _ in range(4):
        rng.normal(size=5000)
    return np.concatenate([rng.normal(0.0, 1.0, 500), rng.normal(0.6, 1.0, 500)])


def test_page_hinkley_alarms_at_514_as_in_the_notes():
    stream = notes_stream()
    one_sided = page_hinkley(stream, lam=20.0, delta=0.005, two_sided=False)
    assert one_sided.alarm == 514  # change at t=500
    reference = NotesPageHinkley(delta=0.005, lam=20.0)
    path = [reference.update(x)[0] for x in stream]
    assert np.allclose(one_sided.statistic, path, atol=1e-9, rtol=0)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, st.integers(1, 300), elements=st.floats(-1e3, 1e3)))
def test_the_vectorised_statistic_is_the_notes_class(x):
    reference = NotesPageHinkley(delta=0.005)
    assert np.allclose(ph_statistic(x), [reference.update(v)[0] for v in x],
                       atol=1e-6, rtol=1e-9)


@pytest.mark.parametrize("days", [30.0, 90.0])
def test_lambda_gives_the_stated_false_alarm_interval(days):
    lam = calibrate_lambda(days)
    assert expected_run_length(lam, length=int(40 * days)) == pytest.approx(days, rel=0.08)
    assert calibrate_lambda(90.0) > calibrate_lambda(30.0)


def test_page_hinkley_on_daily_means_finds_a_shift_and_not_noise():
    # at one false alarm a year, 60 calm days rarely alarm (about 15 % of the time; this seed
    # does not) and a shift of two standard errors a day is seen within about two weeks
    rng = np.random.default_rng(11)
    volumes = np.full(60, 400)
    calm = rng.normal(0.2, 0.1 / np.sqrt(400), 60)  # daily mean score, sd 0.1 per row
    check = dict(mean=0.2, sd=0.1, n_reference=6000, false_alarm_interval=365.0)
    quiet = page_hinkley_test("score_mean", calm, volumes, **check)
    assert quiet.verdict is Verdict.STABLE and quiet.threshold == calibrate_lambda(365.0)
    moved = calm.copy()
    moved[40:] += 0.01  # a hundredth of PD from day 40
    shifted = page_hinkley_test("score_mean", moved, volumes, **check)
    assert shifted.verdict is Verdict.DRIFT and 40 <= shifted.detail["alarm_day"] <= 55


def test_pca_csi_sees_a_correlated_shift_every_marginal_hides():
    rng = np.random.default_rng(2)
    cov = [[1.0, 0.8], [0.8, 1.0]]
    ref = rng.multivariate_normal([0, 0], cov, 20_000)
    win = rng.multivariate_normal([0, 0], [[1.0, -0.8], [-0.8, 1.0]], 20_000)  # same marginals
    names = ["utilisation", "age"]
    profile = build_reference_profile(
        {n: ref[:, i] for i, n in enumerate(names)}, {}, rng.integers(0, 2, 20_000),
        rng.random(20_000))
    window = {n: win[:, i] for i, n in enumerate(names)}
    for name in names:
        marginal = profile.features[name].numeric
        csi = psi_test(name, np.array(marginal.counts),
                       bin_counts(window[name], np.array(marginal.edges)), detector="csi")
        assert csi.statistic < 0.01 and csi.verdict is Verdict.STABLE
    components = pca_csi(profile.pca, window, alert=0.10, alpha=0.05)
    assert components[0].verdict is Verdict.DRIFT and components[0].statistic > 0.5
    same = pca_csi(profile.pca, {n: ref[:, i] for i, n in enumerate(names)}, alert=0.10,
                   alpha=0.05)
    assert all(r.verdict is Verdict.STABLE for r in same)


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(1, 400),
              elements=st.one_of(st.floats(-50, 50), st.just(np.nan))),
       st.integers(1, 60))
def test_no_numeric_cell_below_the_minimum_is_shipped(values, min_cell):
    profile = numeric_profile(values, min_cell)
    assert sum(profile.counts) == len(values)
    assert all(c >= min_cell for c in profile.counts if c) or len(profile.counts) <= 2
    present = int((~np.isnan(values)).sum())
    for level in profile.levels:
        assert level * present >= min_cell and (1 - level) * present >= min_cell
    if profile.edges:  # several value bins: each holds at least min_cell rows
        assert min(profile.counts[:-1]) >= min_cell


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from("ABCDEFG"), st.text(max_size=3), st.none()),
                min_size=1, max_size=300), st.integers(1, 40))
def test_no_category_below_the_minimum_is_shipped(values, min_cell):
    profile = categorical_profile(np.array(values, dtype=object), min_cell)
    assert sum(profile.categories.values()) == len(values)
    shipped = {k: v for k, v in profile.categories.items() if k != OTHER}
    assert all(v >= min_cell for v in shipped.values()) or len(profile.categories) == 1
    assert profile.other_into in profile.categories


def test_the_profile_round_trips_as_a_document():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3_000, 3))
    y = (rng.random(3_000) < 1 / (1 + np.exp(-x[:, 0]))).astype(int)
    profile = build_reference_profile({f"x{i}": x[:, i] for i in range(3)},
                                      {"grade": rng.choice(list("ABC"), 3_000)}, y,
                                      1 / (1 + np.exp(-x[:, 0])))
    again = ReferenceProfile.from_json(profile.to_json())
    assert again == profile
    assert profile.auc.low < profile.auc.auc < profile.auc.high
    assert len(profile.calibration) == 10 and profile.pca.features == ["x0", "x1", "x2"]


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(30, 400),
              elements=st.one_of(st.integers(-5, 5).map(float), st.floats(-50, 50))),
       arrays(np.float64, st.integers(0, 300),
              elements=st.one_of(st.integers(-6, 6).map(float), st.just(np.nan))),
       st.integers(1, 5))
def test_a_window_read_in_chunks_counts_as_read_whole(reference, window, chunks):
    profile = numeric_profile(reference, min_cell=5)
    whole, parts = NumericWindow("x", profile), NumericWindow("x", profile)
    whole.add(window)
    for piece in np.array_split(window, chunks):
        parts.add(piece)
    assert (whole.counts == parts.counts).all() and (whole.at_or_below == parts.at_or_below).all()
    present = window[~np.isnan(window)]
    grid = np.asarray(profile.quantiles)
    assert (whole.at_or_below == (present[:, None] <= grid[None, :]).sum(axis=0)).all()
    assert whole.counts.sum() == len(window)
