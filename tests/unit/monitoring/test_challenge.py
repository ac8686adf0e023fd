"""Champion-challenger evidence for a promotion from shadow, on a real decision log and outcome
store: a challenger that ranks defaults better is found better with an interval that excludes
zero; a copy of the champion is no different; too few outcomes says so instead of a number."""

from __future__ import annotations

import numpy as np
import pytest

from artifacts.ledger import DecisionColumns, open_store
from monitoring.challenge import challenge
from monitoring.outcomes import load_outcomes


def region(tmp_path, champion: np.ndarray, challenger: np.ndarray, y: np.ndarray,
           with_outcomes: int | None = None):
    url = str(tmp_path / "decisions.db")
    ids = [f"app-{i}" for i in range(len(y))]
    store = open_store(url)
    for role, version, p in (("champion", "1", champion), ("shadow", "2", challenger)):
        store.append(DecisionColumns("r1", "2026-12-01T00:00:00+00:00", "predict", role, "m",
                                     version, "d" * 64, ids, ["0" * 64] * len(ids),
                                     p.tolist()).rows())
    store.close()
    csv = tmp_path / "outcomes.csv"
    shown = len(y) if with_outcomes is None else with_outcomes
    csv.write_text("application_id,default,observed_on\n" + "".join(
        f"{i},{d},2026-12-01\n" for i, d in zip(ids[:shown], y[:shown])))
    load_outcomes(csv, tmp_path / "outcomes.db", set(ids))
    return challenge(decision_log=url, region_home=tmp_path, model="m", champion_version="1",
                     challenger_version="2")


def data(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.binomial(1, 0.25, n)
    signal = y + rng.normal(0, 1.0, n)
    champion = 1 / (1 + np.exp(-(signal + rng.normal(0, 1.5, n))))  # a noisier ranking
    challenger = 1 / (1 + np.exp(-signal))
    return y, champion, challenger


def test_a_better_challenger_is_found_better_with_its_interval(tmp_path):
    y, champion, challenger = data()
    found = region(tmp_path, champion, challenger, y)
    assert found.pairs == 2000 and found.verdict == "challenger-better"
    assert found.auc_challenger > found.auc_champion
    assert 0 < found.delta_low < found.auc_delta < found.delta_high
    assert found.auc_delta == pytest.approx(found.auc_challenger - found.auc_champion)
    assert set(found.calibration) == {"champion", "challenger"}


def test_the_same_scores_are_no_different(tmp_path):
    y, champion, _ = data()
    found = region(tmp_path, champion, champion.copy(), y)
    assert found.verdict == "no-difference" and found.auc_delta == 0.0


def test_too_few_outcomes_is_said_not_filled_in(tmp_path):
    y, champion, challenger = data()
    found = region(tmp_path, champion, challenger, y, with_outcomes=12)
    assert found.verdict == "insufficient" and found.pairs == 12
    assert found.auc_delta is None and found.delta_low is None
