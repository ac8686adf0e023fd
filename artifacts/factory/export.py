"""Export a fitted pipeline to ONNX and gate it on parity with scikit-learn.

`model.onnx` is the whole pipeline; `preprocessor.onnx` everything before its last step (see
`pipelines`). Both take one (n, 1) input per contract field (float64 or string) at a pinned
opset. Tree models compute in float32 inside onnxruntime, exactly as their libraries compare
inputs (`_onnx_converters`); the report says which precision was used.

The gate always answers with a verdict: a converter or runtime failure is a `ParityError`
naming the step and the cause; otherwise at least `MIN_PARITY_ROWS` rows go through both
runtimes, and the export is refused when the probability of default, or any preprocessed
value, differs by more than the tolerance (naming the figure, the worst row and its feature
values), or when a row's top reason codes differ between the runtimes beyond a tie.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np
import onnx
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, Int64TensorType, StringTensorType
from sklearn.pipeline import Pipeline

from artifacts.bundle import (
    PARITY_TOLERANCE,
    ColumnType,
    Contract,
    OnnxScorer,
    ParityReport,
    inference_session,
    top_reasons,
)
from artifacts.errors import ParityError
from artifacts.factory import _onnx_converters, pipelines, woe_onnx

TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}
MIN_PARITY_ROWS = 1_000
REASON_ROWS = 1_000  # rows whose top reason codes are compared between the runtimes
FLOAT64 = "float64 throughout"
T = TypeVar("T")


@dataclass(frozen=True)
class OnnxExport:
    model: bytes
    preprocessor: bytes
    opset: dict[str, int]
    ir_version: int
    precision: str = FLOAT64


def export_pipeline(pipeline: Pipeline, contract: Contract) -> OnnxExport:
    """`pipeline` (with a preprocessor first: `pipelines.as_pipeline`) as two ONNX graphs."""
    _onnx_converters.register()
    woe_onnx.register()
    inputs = [(f.name, DoubleTensorType([None, 1]) if f.type is ColumnType.NUMERIC
               else StringTensorType([None, 1])) for f in contract.fields]
    preprocessor, estimator = pipelines.split(pipeline)
    # skl2onnx guesses the outputs' types from the first input (float32 for a text one); the
    # probabilities are float64 whatever the inputs are.
    numeric_labels = np.issubdtype(np.asarray(estimator.classes_).dtype, np.number)
    outputs = [("label", Int64TensorType([None]) if numeric_labels
                else StringTensorType([None])),
               ("probabilities", DoubleTensorType([None, len(estimator.classes_)]))]
    model = _step("converting the pipeline to ONNX", lambda: convert_sklearn(
        pipeline, initial_types=inputs, final_types=outputs, target_opset=TARGET_OPSET,
        options={id(pipeline): {"zipmap": False}},
        doc_string="Seawall credit model: probability of default"))
    pre = _step("converting the preprocessor to ONNX", lambda: convert_sklearn(
        preprocessor, initial_types=inputs, target_opset=TARGET_OPSET,
        doc_string="Seawall preprocessing"))
    precision = (_onnx_converters.FLOAT32_TREES if _onnx_converters.is_tree_model(estimator)
                 else FLOAT64)
    return OnnxExport(model=model.SerializeToString(), preprocessor=pre.SerializeToString(),
                      opset={d.domain or "": d.version for d in model.opset_import},
                      ir_version=model.ir_version, precision=precision)


def check_parity(pipeline: Pipeline, export: OnnxExport, contract: Contract, frame: pd.DataFrame,
                 *, tolerance: float = PARITY_TOLERANCE,
                 reasons: tuple[dict, int] | None = None) -> ParityReport:
    """Compare scikit-learn with onnxruntime on `frame`; raise ParityError if they disagree.
    `reasons`: (baseline, top_n) of the bundle's reason codes, to compare them as well."""
    if len(frame) < MIN_PARITY_ROWS:
        raise ParityError(f"the parity gate needs at least {MIN_PARITY_ROWS:,} rows "
                          f"(got {len(frame):,})")
    _step("checking the ONNX model", lambda: onnx.checker.check_model(
        onnx.load_from_string(export.model)))
    feeds = contract.onnx_feeds(frame)
    features = frame[contract.names]
    expected = _step("scoring the parity rows with scikit-learn",
                     lambda: pipeline.predict_proba(features)[:, contract.output.column])
    scorer = _step("loading the export in onnxruntime",
                   lambda: OnnxScorer.from_bytes(export.model, contract))
    got = _step("scoring the parity rows with onnxruntime", lambda: scorer.probabilities(feeds))
    diff = np.abs(expected - got)
    diff[np.isnan(expected) != np.isnan(got)] = np.inf
    worst = int(np.nanargmax(diff))
    preprocessor = pipelines.split(pipeline)[0]
    pre_expected = np.asarray(preprocessor.transform(features), dtype=np.float64)
    (pre_got,) = _step("running the exported preprocessor",
                       lambda: inference_session(export.preprocessor).run(None, feeds))
    pre_diff = float(np.max(np.abs(pre_expected - pre_got))) if pre_got.size else 0.0
    report = ParityReport(rows=len(frame), tolerance=tolerance, max_abs_diff=float(diff[worst]),
                          worst_row=worst, preprocessor_max_abs_diff=pre_diff,
                          precision=export.precision)
    if not report.passed:
        row = {k: _plain(v) for k, v in features.iloc[worst].items()}
        raise ParityError(
            f"parity gate failed on {report.rows:,} rows ({export.precision}): max "
            f"|scikit-learn - onnxruntime| = {report.max_abs_diff:.3g} at row {worst} "
            f"(scikit-learn {expected[worst]:.10g}, onnxruntime {got[worst]:.10g}; features "
            f"{row}); preprocessor max difference {pre_diff:.3g}; tolerance {tolerance:g}. "
            "The export was refused and no bundle was written.")
    if reasons is not None:
        report = _reasons_agree(report, pipeline, scorer, contract, frame, *reasons)
    return report


def _reasons_agree(report: ParityReport, pipeline: Pipeline, scorer: OnnxScorer,
                   contract: Contract, frame: pd.DataFrame, baseline: dict,
                   top_n: int) -> ParityReport:
    """Each row's top reason codes, from scikit-learn and from onnxruntime, must agree except
    where two fields' contributions tie within the tolerance (either order is then right)."""
    rows = frame.iloc[:REASON_ROWS]
    names = contract.names
    onnx_side = scorer.contributions(contract.onnx_feeds(rows), baseline)
    blocks = [rows[names]] + [rows[names].assign(**{n: baseline[n]}) for n in names]
    scores = pipeline.predict_proba(pd.concat(blocks, ignore_index=True))
    scores = scores[:, contract.output.column]
    scores = scores.reshape(len(names) + 1, len(rows))
    sklearn_side = (scores[0] - scores[1:]).T
    picked_onnx = top_reasons(onnx_side, names, top_n)
    picked_sklearn = top_reasons(sklearn_side, names, top_n)
    gap = np.abs(onnx_side - sklearn_side).max(axis=1)
    # Where the runtimes agree on every contribution within the tolerance, a different pick is
    # a tie (or a contribution at the reporting threshold) broken another way, not a defect.
    differ = [i for i, (a, b) in enumerate(zip(picked_onnx, picked_sklearn))
              if a != b and gap[i] > report.tolerance]
    if differ:
        i = differ[0]
        raise ParityError(f"reason codes differ between scikit-learn and onnxruntime on "
                          f"{len(differ)} of {len(rows):,} rows; first, row {i}: "
                          f"{picked_sklearn[i]} against {picked_onnx[i]} (largest contribution "
                          f"difference {gap[i]:.3g}, tolerance {report.tolerance:g}). The "
                          "export was refused.")
    return replace(report, reason_rows=len(rows))


def _step(what: str, action: Callable[[], T]) -> T:
    """Run one step of the export or the gate; any failure is a ParityError naming it."""
    try:
        return action()
    except ParityError:
        raise
    except Exception as e:  # skl2onnx, onnx and onnxruntime raise their own error families
        cause = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ParityError(f"the export failed while {what}: {type(e).__name__}: {cause}. "
                          "No bundle was written.") from None


def _plain(value):
    return value.item() if hasattr(value, "item") else value
