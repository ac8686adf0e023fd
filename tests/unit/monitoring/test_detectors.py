"""Every detector against scipy and against a from-scratch reference written the slow, obvious
way (the design notes' own code where they give it), to 1e-9; and each one's threshold
behaves as its docstring says under "nothing changed" and under a known change."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats
from sklearn.metrics import roc_auc_score

from artifacts.bundle.auc import auc, bootstrap_auc, weighted_aucs
from monitoring import (
    Verdict,
    benjamini_hochberg,
    calibration_test,
    delong,
    ks_test,
    psi,
    psi_critical,
    psi_test,
    wasserstein,
)
from monitoring.drift import bin_counts, compare_samples, ks_p_value, ks_statistic

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
samples = arrays(np.float64, st.integers(1, 300), elements=finite)
# few distinct values, so ties are common
tied = arrays(np.float64, st.integers(1, 300), elements=st.integers(-5, 5).map(float))


def psi_from_scratch(ref, prod, n_bins=10, eps=1e-6):  # design notes 38.4.2, verbatim
    ref = np.asarray(ref, dtype=float)
    prod = np.asarray(prod, dtype=float)
    edges = np.quantile(ref, np.linspace(0.0, 1.0, n_bins + 1))
    edges[0], edges[-1] = -np.inf, np.inf
    pi_ref, _ = np.histogram(ref, bins=edges)
    pi_prod, _ = np.histogram(prod, bins=edges)
    pi_ref = pi_ref / max(pi_ref.sum(), 1)
    pi_prod = pi_prod / max(pi_prod.sum(), 1)
    return float(np.sum((pi_prod - pi_ref) * np.log((pi_prod + eps) / (pi_ref + eps))))


@settings(max_examples=200, deadline=None)
@given(st.one_of(samples, tied), st.one_of(samples, tied))
def test_psi_is_the_notes_psi(ref, prod):
    edges = np.quantile(ref, np.linspace(0.0, 1.0, 11))[1:-1]
    # numpy.histogram with repeated edges has empty bins between them; so do ours
    value, parts = psi(bin_counts(ref, edges)[:-1], bin_counts(prod, edges)[:-1])
    assert value == pytest.approx(psi_from_scratch(ref, prod), abs=1e-9)
    assert parts.sum() == pytest.approx(value, abs=1e-12)


def test_the_notes_psi_figures():
    rng = np.random.default_rng(42)
    a, b, c, d = (rng.normal(loc=m, size=5000) for m in (0.0, 0.0, 0.5, 1.0))
    edges = np.quantile(a, np.linspace(0, 1, 11))[1:-1]
    ref = bin_counts(a, edges)
    shifted = psi_test("score", ref, bin_counts(c, edges))
    assert shifted.statistic == pytest.approx(psi_from_scratch(a, c), abs=1e-9)
    assert 0.10 < shifted.statistic < 0.30 and shifted.verdict is Verdict.DRIFT
    assert shifted.detail["bins"][0]["bin"] == "bin 10"  # the top bin gained most
    assert psi_test("score", ref, bin_counts(b, edges)).verdict is Verdict.STABLE
    assert psi_test("score", ref, bin_counts(d, edges)).statistic > 0.9


@settings(max_examples=200, deadline=None)
@given(st.one_of(samples, tied), st.one_of(samples, tied))
def test_ks_is_scipys(a, b):
    d = ks_statistic(a, b)
    reference = stats.ks_2samp(a, b, method="asymp")
    assert d == pytest.approx(reference.statistic, abs=1e-12)
    expected = 1.0 if np.isnan(reference.pvalue) else reference.pvalue  # one row each side
    assert ks_p_value(d, len(a), len(b)) == pytest.approx(expected, abs=1e-9)


def wasserstein_from_scratch(a, b):
    """Equal sizes: W1 is the mean gap between the sorted samples, exactly."""
    return float(np.mean(np.abs(np.sort(a) - np.sort(b))))


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 200).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=finite), arrays(np.float64, n, elements=finite))))
def test_wasserstein_is_scipys_and_the_sorted_gap(pair):
    a, b = pair
    value = wasserstein(a, b)
    assert value == pytest.approx(stats.wasserstein_distance(a, b), rel=1e-9, abs=1e-9)
    assert value == pytest.approx(wasserstein_from_scratch(a, b), rel=1e-9, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.one_of(samples, tied), st.one_of(samples, tied))
def test_wasserstein_of_unequal_samples_is_scipys(a, b):
    assert wasserstein(a, b) == pytest.approx(stats.wasserstein_distance(a, b),
                                              rel=1e-9, abs=1e-9)


def test_the_psi_threshold_scales_with_the_window():
    # 2n*PSI would make this 2.5 %; n*PSI is chi-square(J-1): about 5 % false alarms
    rng = np.random.default_rng(7)
    reference = np.full(10, 100_000)  # a reference of a million rows: proportions known
    n, alarms = 2_000, 0
    for _ in range(2_000):
        window = rng.multinomial(n, reference / reference.sum())
        value, _ = psi(reference, window)
        alarms += value > psi_critical(10, n, int(reference.sum()))
    assert 0.04 < alarms / 2_000 < 0.065
    # the business threshold rules big windows; the chi-square one small windows
    assert psi_critical(10, 10_000, None) == pytest.approx(16.919 / 10_000, rel=1e-3)
    assert psi_critical(10, 50, None) > 0.25


def test_a_small_window_is_not_called_drift_on_noise():
    ref = np.full(10, 1_000)
    window = np.array([10, 2, 5, 8, 3, 5, 2, 6, 5, 4])  # PSI about 0.24 on 50 rows
    result = psi_test("score", ref, window)
    assert result.statistic > 0.20 and result.verdict is Verdict.STABLE
    big = psi_test("score", ref, window * 200)  # the same shape on 10,000 rows
    assert big.statistic == pytest.approx(result.statistic) and big.verdict is Verdict.DRIFT


def test_ks_flags_a_shift_and_not_its_absence():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=5_000)
    assert ks_test("x", ref, rng.normal(size=5_000)).verdict is Verdict.STABLE
    shifted = ks_test("x", ref, rng.normal(0.2, size=5_000))
    assert shifted.verdict is Verdict.DRIFT and shifted.p_value < 1e-6
    assert ks_test("x", ref, np.zeros(0)).verdict is Verdict.INSUFFICIENT


outcomes = st.integers(2, 200).flatmap(lambda n: st.tuples(
    arrays(np.int64, n, elements=st.integers(0, 1)),
    arrays(np.float64, n, elements=st.integers(0, 20).map(lambda v: v / 20)))).filter(
    lambda t: 0 < t[0].sum() < len(t[0]))


@settings(max_examples=200, deadline=None)
@given(outcomes, st.integers(0, 2**32 - 1))
def test_rank_and_weighted_auc_are_sklearns(pair, seed):
    y, p = pair
    assert auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    w = np.random.default_rng(seed).integers(0, 4, size=len(y)).astype(float)
    if (w * y).sum() and (w * (1 - y)).sum():
        expected = roc_auc_score(y, p, sample_weight=w)
        assert weighted_aucs(y, p, w[None, :])[0] == pytest.approx(expected, abs=1e-12)


def test_the_bootstrap_interval_holds_the_auc_and_keeps_the_class_ratio():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 4_000)
    p = rng.random(4_000) * 0.6 + 0.3 * y
    interval = bootstrap_auc(y, p, replicates=400)
    assert interval.low < interval.auc < interval.high
    # the normal-theory width (Hanley-McNeil) is close to the bootstrap's
    a, n1, n0 = interval.auc, interval.positives, interval.negatives
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    se = np.sqrt((a * (1 - a) + (n1 - 1) * (q1 - a * a) + (n0 - 1) * (q2 - a * a)) / (n1 * n0))
    assert (interval.high - interval.low) == pytest.approx(2 * 1.96 * se, rel=0.15)


def delong_from_scratch(y, s1, s2):
    """O(m n) placements, the definition: psi = 1 above, 1/2 tied."""
    y = np.asarray(y).astype(bool)
    out = []
    for s in (s1, s2):
        x, z = s[y], s[~y]
        psi_ = (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])
        out.append((psi_.mean(axis=1), psi_.mean(axis=0)))
    v10 = np.array([o[0] for o in out])
    v01 = np.array([o[1] for o in out])
    s = np.cov(v10) / v10.shape[1] + np.cov(v01) / v01.shape[1]
    a = v10.mean(axis=1)
    z = (a[1] - a[0]) / np.sqrt(s[0, 0] + s[1, 1] - 2 * s[0, 1])
    return a[0], a[1], z, 2 * stats.norm.sf(abs(z))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_delong_is_the_definition(seed):
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(40), np.zeros(60)].astype(int)
    s1 = np.round(rng.random(100) + 0.4 * y, 2)
    s2 = np.round(rng.random(100) + 0.6 * y, 1)  # coarse: many ties
    assert delong(y, s1, s2) == pytest.approx(delong_from_scratch(y, s1, s2), abs=1e-9)


def test_calibration_is_hosmer_lemeshow():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.02, 0.6, 5_000)
    y = (rng.random(5_000) < p).astype(int)
    calibrated = calibration_test("score", y, p)
    order = np.argsort(p, kind="stable")
    by_hand = sum((y[g].sum() - p[g].sum()) ** 2 / (p[g].sum() * (1 - p[g].mean()))
                  for g in np.array_split(order, 10))
    assert calibrated.statistic == pytest.approx(by_hand, rel=1e-9)
    assert calibrated.verdict is Verdict.STABLE
    assert calibration_test("score", y, p * 0.7).verdict is Verdict.DRIFT


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(0, 40), elements=st.floats(0, 1)), st.floats(0.001, 0.5))
def test_benjamini_hochberg_is_its_definition(p, q):
    m = len(p)
    ordered = np.sort(p)
    passing = [k for k in range(1, m + 1) if ordered[k - 1] <= k * q / m]
    cut = ordered[max(passing) - 1] if passing else -1.0
    assert (benjamini_hochberg(p, q) == (p <= cut)).all()


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(1, 300),
              elements=st.one_of(st.integers(-5, 5).map(float), st.floats(-1e3, 1e3),
                                 st.just(np.nan))),
       arrays(np.float64, st.integers(1, 300),
              elements=st.one_of(st.integers(-5, 5).map(float), st.just(np.nan))))
def test_comparing_two_samples_is_binning_and_scipy(ref, win):
    drift, ks = compare_samples("x", ref, win)
    present_ref, present_win = ref[~np.isnan(ref)], win[~np.isnan(win)]
    if len(present_ref):
        edges = np.unique(np.quantile(present_ref, np.linspace(0, 1, 11)[1:-1]))
        value, _ = psi(bin_counts(ref, edges), bin_counts(win, edges))
        assert drift.statistic == pytest.approx(value, abs=1e-12)
    if len(present_ref) and len(present_win):
        assert ks.statistic == pytest.approx(
            stats.ks_2samp(present_ref, present_win).statistic, abs=1e-12)
    assert drift.n_reference == len(ref) and drift.n_window == len(win)
