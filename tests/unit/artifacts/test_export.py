"""ONNX export and the parity gate, with real skl2onnx and onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from artifacts.bundle import Contract, OnnxScorer
from artifacts.errors import ParityError
from artifacts.factory import (
    MIN_PARITY_ROWS,
    Dataset,
    ModelFamily,
    check_parity,
    contract_fields,
    export_pipeline,
    fit,
    load_spec,
    prepare_frame,
    synthesize,
)

SPEC = load_spec()


def _dataset(rows: int, seed: int) -> Dataset:
    frame = prepare_frame(synthesize(rows, seed), SPEC, where="synthetic")
    return Dataset(frame=frame, spec=SPEC, source=SPEC.path, sha256="0" * 64)


@pytest.fixture(scope="module")
def data():
    return _dataset(2_000, 11)


@pytest.mark.parametrize("family", list(ModelFamily))
def test_both_families_pass_parity_within_1e_5(data, family):
    trained = fit(data, family)
    contract = Contract(version="1.0.0",
                        fields=contract_fields(SPEC, trained.learned_categories()))
    exported = export_pipeline(trained.pipeline, contract)
    report = check_parity(trained.pipeline, exported, contract, data.frame)
    assert report.passed and report.rows == data.rows
    assert report.max_abs_diff <= 1e-5 and report.preprocessor_max_abs_diff <= 1e-5
    assert exported.opset["ai.onnx.ml"] <= 3 and exported.opset[""] <= 18  # pinned ceiling


def test_missing_values_score_the_same_in_both_runtimes(data):
    trained = fit(data, ModelFamily.GBM)
    contract = Contract(version="1.0.0", fields=contract_fields(SPEC, {}))
    exported = export_pipeline(trained.pipeline, contract)
    holes = data.frame.copy()
    holes.loc[::3, "BILL_AMT1"] = np.nan  # nullable: imputed with the training median
    holes.loc[::5, "EDUCATION"] = ""  # missing category: one-hot of all zeros
    assert check_parity(trained.pipeline, exported, contract, holes).passed


def test_parity_gate_refuses_a_model_that_disagrees(data):
    """Pair pipeline A with the ONNX export of a differently seeded pipeline B."""
    a = fit(data, ModelFamily.GBM, seed=1)
    b = fit(_dataset(2_000, 99), ModelFamily.GBM, seed=2)
    contract = Contract(version="1.0.0", fields=contract_fields(SPEC, {}))
    with pytest.raises(ParityError) as caught:
        check_parity(a.pipeline, export_pipeline(b.pipeline, contract), contract, data.frame)
    message = str(caught.value)
    assert "parity gate failed on 2,000 rows" in message and "at row" in message
    assert "features {'LIMIT_BAL': " in message  # the worst row's values, to reproduce it
    assert "tolerance 1e-05" in message and "no bundle was written" in message


def test_parity_gate_needs_1000_rows(data):
    trained = fit(data, ModelFamily.LOGREG)
    contract = Contract(version="1.0.0", fields=contract_fields(SPEC, {}))
    exported = export_pipeline(trained.pipeline, contract)
    with pytest.raises(ParityError, match="at least 1,000 rows"):
        check_parity(trained.pipeline, exported, contract, data.frame.head(MIN_PARITY_ROWS - 1))


def test_reason_contributions_vanish_at_the_baseline(data):
    trained = fit(data, ModelFamily.LOGREG)
    contract = Contract(version="1.0.0", fields=contract_fields(SPEC, {}))
    scorer = OnnxScorer.from_bytes(export_pipeline(trained.pipeline, contract).model, contract)
    rows = data.frame.head(20).copy()
    baseline = {f.name: rows[f.name].iloc[0] for f in contract.fields}
    contributions = scorer.contributions(contract.onnx_feeds(rows), baseline)
    assert contributions.shape == (20, len(contract.fields))
    assert np.allclose(contributions[0], 0.0)  # row 0 *is* the baseline
    assert np.abs(contributions[1:]).max() > 1e-4
