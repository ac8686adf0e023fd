"""Top reasons: largest risk-raising contributions first, ties by field order, none below the floor."""

from __future__ import annotations

import numpy as np

from artifacts.bundle import top_reasons


def test_top_reasons_ranks_and_filters():
    names = ["A", "B", "C", "D"]
    contributions = np.array([[0.1, 0.3, -0.2, 0.3],
                              [0.0, -1.0, 1e-9, 0.05]])
    assert top_reasons(contributions, names, 3) == [["B", "D", "A"], ["D"]]
    assert top_reasons(contributions, names, 1) == [["B"], ["D"]]
