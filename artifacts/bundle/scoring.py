"""Scoring with onnxruntime: probabilities and baseline-substitution reason codes.

One `OnnxScorer` per ONNX model serves the parity gate, the golden set, verification replays
and (later) the onshore service, so every region scores with the same code.

Reason codes use *baseline substitution*: a feature's contribution for a row is
`p(row) - p(row with that feature set to its training baseline)` (median for numeric, most
frequent category for categorical). Features that raise the probability of default most, and
by more than `MIN_CONTRIBUTION`, are the row's reasons. It needs only the model, so it works for
every model family and replays identically on any onnxruntime.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnxruntime as ort

from artifacts.bundle.contract import Contract

METHOD = "baseline-substitution"
MIN_CONTRIBUTION = 1e-6
CONTRIBUTION_ROWS = 4096  # rows per ONNX call for contributions: (fields + 1) x this many scored


def inference_session(model: bytes, *, threads: int = 1) -> ort.InferenceSession:
    """A CPU session with fixed threading, so results and timings are reproducible."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model, sess_options=options, providers=["CPUExecutionProvider"])


@dataclass(frozen=True)
class OnnxScorer:
    session: ort.InferenceSession
    contract: Contract

    @classmethod
    def from_bytes(cls, model: bytes, contract: Contract) -> OnnxScorer:
        return cls(inference_session(model), contract)

    def probabilities(self, feeds: dict[str, np.ndarray]) -> np.ndarray:
        out = self.contract.output
        (proba,) = self.session.run([out.onnx_output], feeds)
        return np.asarray(proba, dtype=np.float64)[:, out.column]

    def contributions(self, feeds: dict[str, np.ndarray], baseline: dict) -> np.ndarray:
        """(rows, fields) baseline-substitution contributions: one ONNX call per block of at
        most `CONTRIBUTION_ROWS` rows, each scored once as it is and once per field with that
        field at its baseline (so memory stays bounded for a file's chunk of any size)."""
        rows = len(next(iter(feeds.values())))
        if rows <= CONTRIBUTION_ROWS:
            return self._contributions(feeds, baseline)
        return np.concatenate([self._contributions({n: v[i:i + CONTRIBUTION_ROWS]
                                                    for n, v in feeds.items()}, baseline)
                               for i in range(0, rows, CONTRIBUTION_ROWS)])

    def _contributions(self, feeds: dict[str, np.ndarray], baseline: dict) -> np.ndarray:
        names = self.contract.names
        rows = len(next(iter(feeds.values())))
        blocks = len(names) + 1
        tiled = {n: np.tile(v, (blocks, 1)) for n, v in feeds.items()}
        for j, name in enumerate(names, start=1):
            tiled[name][j * rows:(j + 1) * rows] = baseline[name]
        scores = self.probabilities(tiled).reshape(blocks, rows)
        return (scores[0] - scores[1:]).T


def top_reasons(contributions: np.ndarray, names: list[str], top_n: int) -> list[list[str]]:
    """Per row, up to `top_n` field names whose contribution raises risk most (ties: field
    order)."""
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top_n]
    picked = np.take_along_axis(contributions, order, axis=1) > MIN_CONTRIBUTION
    return [[names[j] for j, keep in zip(row, mask) if keep] for row, mask in zip(order, picked)]
