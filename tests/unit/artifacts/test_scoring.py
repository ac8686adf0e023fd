"""Top reasons: largest risk-raising contributions first, ties by field order, none below the
floor; contributions in blocks equal one call."""

from __future__ import annotations

import numpy as np

from artifacts.bundle import top_reasons


def test_top_reasons_ranks_and_filters():
    names = ["A", "B", "C", "D"]
    contributions = np.array([[0.1, 0.3, -0.2, 0.3],
                              [0.0, -1.0, 1e-9, 0.05]])
    assert top_reasons(contributions, names, 3) == [["B", "D", "A"], ["D"]]
    assert top_reasons(contributions, names, 1) == [["B"], ["D"]]


def test_contributions_in_blocks_equal_one_call(pristine_bundle, monkeypatch):
    import json

    from artifacts.bundle import (
        Contract,
        GoldenSet,
        OnnxScorer,
        ReasonCodes,
        golden_feeds,
        scoring,
    )

    read = lambda name: json.loads((pristine_bundle / name).read_text())  # noqa: E731
    contract = Contract.from_dict(read("contract.json"))
    golden = read("golden_set.json")
    rows = GoldenSet.from_json({**golden, "rows": golden["rows"] * 7})
    feeds = golden_feeds(rows, contract)
    baseline = ReasonCodes.from_dict(read("reason_codes.json")).baseline
    scorer = OnnxScorer.from_bytes((pristine_bundle / "model.onnx").read_bytes(), contract)
    whole = scorer.contributions(feeds, baseline)
    monkeypatch.setattr(scoring, "CONTRIBUTION_ROWS", 13)  # blocks, the last one short
    in_blocks = scorer.contributions(feeds, baseline)
    assert in_blocks.shape == (len(golden["rows"]) * 7, len(contract.names))
    np.testing.assert_allclose(in_blocks, whole, atol=1e-12)
