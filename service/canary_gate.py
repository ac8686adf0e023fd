"""The canary step's metric gate (issue 18 item 5): the canary cohort against the champion's, on
what this service saw since the step began.

- error rate: rows the canary failed to score (the champion answered them instead), over the
  rows sent to it;
- latency: the canary's mean scoring time per call against the champion's (a ratio, with an
  absolute slack so sub-millisecond noise cannot fail it);
- score PSI: the canary cohort's probabilities against the champion cohort's, on the champion's
  deciles (application ids are split by hash, so both cohorts are the same population and a
  shift is the model's).

A step is judged once the canary has scored `min_rows` rows, or sooner when its errors alone
already fail it. The verdict is written to the promotion ledger (`seawall promote` reads it to
advance the step) and a failing one rolls the canary back at once.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import numpy as np

PSI_FLOOR = 1e-4  # an empty bin's share, so the logarithm stays finite
KEPT_SCORES = 200_000  # per cohort: the PSI uses the latest this many scores
CHI2_99_9DF = 21.666  # scipy.stats.chi2.ppf(0.99, 9): ten bins (the service loads no scipy)


@dataclass(frozen=True)
class Limits:
    min_rows: int = 200
    max_error_rate: float = 0.01
    max_latency_ratio: float = 3.0
    latency_slack_ms: float = 2.0
    max_psi: float = 0.25


@dataclass
class Cohort:
    rows: int = 0
    errors: int = 0
    calls: int = 0
    seconds: float = 0.0
    scores: deque[np.ndarray] = field(default_factory=deque)
    kept: int = 0  # rows in `scores`

    def mean_ms(self) -> float:
        return 1000 * self.seconds / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class Verdict:
    passed: bool
    detail: str


class CanaryWatch:
    """What the scorer saw of the champion and the canary since the step began (thread-safe:
    the event loop writes, the follower's thread reads)."""

    def __init__(self, version: str, step: int) -> None:
        self.version, self.step = version, step
        self.champion, self.canary = Cohort(), Cohort()
        self.lock = threading.Lock()
        self.verdict: Verdict | None = None

    def scored(self, canary: bool, probabilities: np.ndarray, seconds: float) -> None:
        with self.lock:
            c = self.canary if canary else self.champion
            c.rows += len(probabilities)
            c.calls += 1
            c.seconds += seconds
            c.scores.append(probabilities)
            c.kept += len(probabilities)
            while c.kept > KEPT_SCORES and len(c.scores) > 1:  # a long step: the latest only
                c.kept -= len(c.scores.popleft())

    def failed(self, rows: int) -> None:
        with self.lock:
            self.canary.rows += rows
            self.canary.errors += rows

    def judge(self, limits: Limits) -> Verdict | None:
        """The verdict once there is enough to say, else None."""
        with self.lock:
            canary, champion = self.canary, self.champion
            errors_fail = canary.errors > limits.max_error_rate * limits.min_rows
            if canary.rows < limits.min_rows and not errors_fail:
                return None
            ok_scores = np.concatenate(canary.scores) if canary.scores else np.empty(0)
            base = np.concatenate(champion.scores) if champion.scores else np.empty(0)
            canary_ms, champion_ms = canary.mean_ms(), champion.mean_ms()
            rate = canary.errors / max(canary.rows, 1)
            rows = canary.rows
        psi = score_psi(base, ok_scores)
        problems = []
        if rate > limits.max_error_rate:
            problems.append(f"error rate {rate:.1%} > {limits.max_error_rate:.1%}")
        if canary_ms > limits.max_latency_ratio * champion_ms + limits.latency_slack_ms:
            problems.append(f"latency {canary_ms:.2f} ms > {limits.max_latency_ratio:g} x the "
                            f"champion's {champion_ms:.2f} ms + {limits.latency_slack_ms:g} ms")
        noise = None if psi is None else sampling_bound(len(base), len(ok_scores))
        if psi is not None and psi > max(limits.max_psi, noise):
            problems.append(f"score PSI {psi:.3f} > {limits.max_psi:g} against the champion "
                            f"(and above the {noise:.3f} two samples this size reach by chance)")
        measured = (f"{rows} canary rows, error rate {rate:.1%}, latency {canary_ms:.2f} "
                    f"vs {champion_ms:.2f} ms, score PSI "
                    f"{'n/a' if psi is None else f'{psi:.3f}'}")
        return Verdict(not problems, "; ".join(problems) + f" ({measured})" if problems
                       else measured)


def sampling_bound(n_reference: int, n_observed: int) -> float:
    """The PSI two samples of these sizes from one population exceed only 1 % of the time:
    n_eff * PSI is about chi-square with bins - 1 degrees of freedom (n_eff = nm / (n + m)).
    With few canary rows this is above the limit, and the limit alone would fail a sound model
    on noise."""
    n_eff = n_reference * n_observed / max(n_reference + n_observed, 1)
    return CHI2_99_9DF / max(n_eff, 1.0)


def score_psi(reference: np.ndarray, observed: np.ndarray, bins: int = 10) -> float | None:
    """PSI of `observed` against `reference` on the reference's quantile bins; None when either
    side is too small to bin (fewer than `bins` rows)."""
    if len(reference) < bins or len(observed) < bins:
        return None
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    expected = np.bincount(np.searchsorted(edges, reference, side="right"),
                           minlength=len(edges) + 1) / len(reference)
    actual = np.bincount(np.searchsorted(edges, observed, side="right"),
                         minlength=len(edges) + 1) / len(observed)
    expected, actual = np.maximum(expected, PSI_FLOOR), np.maximum(actual, PSI_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
