"""Numerical parity: how closely two runtimes agree on the same rows, and the tolerance.

The factory's export gate fills a `ParityReport` (scikit-learn against onnxruntime); onshore
verification replays the golden set against the same `PARITY_TOLERANCE`.
"""

from __future__ import annotations

from dataclasses import dataclass

PARITY_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ParityReport:
    rows: int
    tolerance: float
    max_abs_diff: float
    worst_row: int  # position in the frame given to the gate
    preprocessor_max_abs_diff: float
    precision: str = "float64 throughout"  # tree models: float32 inputs to the trees
    reason_rows: int = 0  # rows whose top reason codes were compared (0: not compared)

    @property
    def passed(self) -> bool:
        return max(self.max_abs_diff, self.preprocessor_max_abs_diff) <= self.tolerance

    def to_dict(self) -> dict:
        return {"rows": self.rows, "tolerance": self.tolerance, "max_abs_diff": self.max_abs_diff,
                "worst_row": self.worst_row, "passed": self.passed,
                "preprocessor_max_abs_diff": self.preprocessor_max_abs_diff,
                "precision": self.precision, "reason_rows": self.reason_rows}
