"""Model-card facts (`model_card.json`): what the model is for, what it was trained on, how it
performs, what it must not be used for, and the hash of its preprocessor. The factory writes
them; verification checks the preprocessor hash against them; the bilingual, rendered card is
the reporting area's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from artifacts.documents import Document

CARD_FORMAT = "seawall.model_card/v1"


@dataclass(frozen=True, kw_only=True)
class ModelCardFacts(Document):
    FORMAT: ClassVar[str] = CARD_FORMAT
    model: dict  # name, family, estimator, contract_version
    purpose: str
    intended_use: str
    owner: str
    risk_tier: str
    limitations: list[str]
    data: dict  # name, description, source, file, snapshot_sha256, rows, split, data classes
    metrics: dict  # per split: AUC, KS, Gini, Brier, calibration table
    parity: dict  # the export gate's ParityReport
    preprocessor_sha256: str
    model_sha256: str
    trained_in: dict  # region, jurisdiction, residency
    created_at: str
