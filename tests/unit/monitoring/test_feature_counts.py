"""CSI per feature and PCA-CSI from kept values: what the correction across features does, and
that any kept text (corrupted, the wrong shape, a word where a number belongs) is a ValueError
or TypeError the monitor turns into one line, never a crash."""

from __future__ import annotations

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from artifacts.bundle.reference_profile import build_reference_profile
from monitoring import Verdict
from monitoring.features import corrected, feature_findings
from monitoring.multiple import Correction
from monitoring.plan import load_plan
from monitoring.results import DetectorResult

NAMES = ["a", "b", "c", "grade"]


@pytest.fixture(scope="module")
def profile():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 3))
    x[:, 1] += 0.8 * x[:, 0]
    grade = rng.choice(["A", "B", "C"], 4000, p=[0.5, 0.3, 0.2])
    return build_reference_profile({n: x[:, i] for i, n in enumerate(NAMES[:3])},
                                   {"grade": grade}, rng.integers(0, 2, 4000),
                                   rng.uniform(size=4000),
                                   importance={"c": 0.3, "a": 0.2, "b": 0.1, "grade": 0.05})


def rows(n: int, rng, shift_c: float = 0.0) -> list[str]:
    x = rng.normal(size=(n, 3))
    x[:, 1] += 0.8 * x[:, 0]
    x[:, 2] += shift_c
    grade = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    return [orjson.dumps([*map(float, r), g]).decode() for r, g in zip(x, grade, strict=True)]


def test_a_moved_feature_is_the_one_flagged_and_the_top_ones_are_marked(profile):
    plan = load_plan(None)
    found = {r.subject: r for r in feature_findings(rows(3000, np.random.default_rng(1), 0.6),
                                                    NAMES, profile, plan)}
    assert found["c"].verdict == Verdict.DRIFT and found["c"].detail["top"]
    assert {found[n].verdict for n in ("a", "b", "grade")} == {Verdict.STABLE}
    assert found["grade"].detail["kind"] == "categorical"
    assert any(r.verdict == Verdict.DRIFT for k, r in found.items() if k.startswith("pc"))
    assert all(r.detail["correction"] == "benjamini-hochberg" for r in found.values())


def result(p: float, statistic: float = 0.2) -> DetectorResult:
    return DetectorResult(detector="csi", subject=f"p={p}", statistic=statistic, threshold=0.1,
                          n_reference=1000, n_window=1000, verdict=Verdict.DRIFT, p_value=p,
                          detail={"business_threshold": 0.1})


def test_the_correction_unflags_a_lone_small_p_among_many_and_keeps_the_business_bar():
    family = [result(0.04)] + [result(0.6) for _ in range(19)]
    assert corrected(family, Correction.BENJAMINI_HOCHBERG, 0.05)[0].verdict == Verdict.STABLE
    assert corrected([result(0.04)], Correction.BENJAMINI_HOCHBERG, 0.05)[0].verdict == \
        Verdict.DRIFT
    tiny = corrected([result(1e-9, statistic=0.05)], Correction.BONFERRONI, 0.05)[0]
    assert tiny.verdict == Verdict.STABLE and tiny.detail["rejected"]  # real, but below 0.10


json_value = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1),
                       st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5),
                       st.lists(st.integers(-9, 9), max_size=2))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.lists(json_value, min_size=0, max_size=6).map(
    lambda r: orjson.dumps(r).decode()),
    st.text(max_size=12)), min_size=1, max_size=8))
def test_any_kept_text_gives_findings_or_a_value_or_type_error(profile, texts):
    try:
        found = feature_findings(texts, NAMES, profile, load_plan(None))
    except (ValueError, TypeError):
        return
    assert {r.subject for r in found} >= set(NAMES)
