"""Export a fitted pipeline to ONNX and gate it on numerical parity with scikit-learn.

`model.onnx` is the whole pipeline; `preprocessor.onnx` the ColumnTransformer alone. Both take
one (n, 1) input per contract field (float64 or string) at a pinned opset. The parity gate runs
at least `MIN_PARITY_ROWS` rows through both runtimes and refuses the export when the largest
absolute difference in the probability of default (or in any preprocessed value) exceeds the
tolerance, naming the difference and the worst row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
import pandas as pd
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import DoubleTensorType, StringTensorType
from sklearn.pipeline import Pipeline

from artifacts.bundle import (
    PARITY_TOLERANCE,
    ColumnType,
    Contract,
    OnnxScorer,
    ParityReport,
    inference_session,
)
from artifacts.errors import ParityError
from artifacts.factory import _onnx_converters

TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}
MIN_PARITY_ROWS = 1_000


@dataclass(frozen=True)
class OnnxExport:
    model: bytes
    preprocessor: bytes
    opset: dict[str, int]
    ir_version: int


def export_pipeline(pipeline: Pipeline, contract: Contract) -> OnnxExport:
    _onnx_converters.register()
    inputs = [(f.name, DoubleTensorType([None, 1]) if f.type is ColumnType.NUMERIC
               else StringTensorType([None, 1])) for f in contract.fields]
    model = convert_sklearn(pipeline, initial_types=inputs, target_opset=TARGET_OPSET,
                            options={id(pipeline): {"zipmap": False}},
                            doc_string="Seawall credit model: probability of default")
    preprocessor = convert_sklearn(pipeline.named_steps["preprocess"], initial_types=inputs,
                                   target_opset=TARGET_OPSET,
                                   doc_string="Seawall preprocessing (ColumnTransformer)")
    return OnnxExport(model=model.SerializeToString(), preprocessor=preprocessor.SerializeToString(),
                      opset={d.domain or "": d.version for d in model.opset_import},
                      ir_version=model.ir_version)


def check_parity(pipeline: Pipeline, export: OnnxExport, contract: Contract, frame: pd.DataFrame,
                 *, tolerance: float = PARITY_TOLERANCE) -> ParityReport:
    """Compare scikit-learn with onnxruntime on `frame`; raise ParityError if they disagree."""
    if len(frame) < MIN_PARITY_ROWS:
        raise ParityError(f"the parity gate needs at least {MIN_PARITY_ROWS:,} rows "
                          f"(got {len(frame):,})")
    onnx.checker.check_model(onnx.load_from_string(export.model))
    feeds = contract.onnx_feeds(frame)
    expected = pipeline.predict_proba(frame[contract.names])[:, contract.output.column]
    got = OnnxScorer.from_bytes(export.model, contract).probabilities(feeds)
    diff = np.abs(expected - got)
    diff[np.isnan(expected) != np.isnan(got)] = np.inf
    worst = int(np.nanargmax(diff))
    pre_expected = np.asarray(pipeline.named_steps["preprocess"].transform(frame[contract.names]),
                              dtype=np.float64)
    (pre_got,) = inference_session(export.preprocessor).run(None, feeds)
    pre_diff = float(np.max(np.abs(pre_expected - pre_got))) if pre_got.size else 0.0
    report = ParityReport(rows=len(frame), tolerance=tolerance, max_abs_diff=float(diff[worst]),
                          worst_row=worst, preprocessor_max_abs_diff=pre_diff)
    if not report.passed:
        raise ParityError(
            f"parity gate failed on {report.rows:,} rows: max |scikit-learn - onnxruntime| = "
            f"{report.max_abs_diff:.3g} at row {worst} (scikit-learn {expected[worst]:.10g}, "
            f"onnxruntime {got[worst]:.10g}); preprocessor max difference {pre_diff:.3g}; "
            f"tolerance {tolerance:g}. The export was refused and no bundle was written.")
    return report
