"""Building the model-card facts (`artifacts.bundle.ModelCardFacts`) from a training run."""

from __future__ import annotations

from collections import Counter

from artifacts.bundle import CARD_FORMAT, ModelCardFacts, ParityReport
from artifacts.factory.loaders import Dataset
from artifacts.factory.pipelines import estimator_name
from artifacts.factory.training import TrainedModel
from regions import Region


def build_model_card(*, model_name: str, dataset: Dataset, trained: TrainedModel, region: Region,
                     preprocessor_sha256: str, model_sha256: str, contract_version: str,
                     parity: ParityReport, created_at: str) -> ModelCardFacts:
    spec, card = dataset.spec, dataset.spec.card
    classes = Counter(c.data_class.value for c in spec.columns)
    return ModelCardFacts.from_json({
        "format": CARD_FORMAT,
        "model": {"name": model_name, "family": trained.family,
                  "estimator": estimator_name(trained.pipeline),
                  "contract_version": contract_version},
        "purpose": card.purpose,
        "intended_use": card.intended_use,
        "owner": card.owner,
        "risk_tier": card.risk_tier,
        "limitations": list(card.limitations),
        "data": {"name": spec.name, "description": spec.description, "source": spec.source,
                 "file": dataset.source.name, "snapshot_sha256": dataset.sha256,
                 "rows": dataset.rows, "default_rate": float(dataset.target.mean()),
                 "features": [c.name for c in spec.features],
                 "excluded": [c.name for c in spec.columns if c.role.value in ("excluded", "id")],
                 "data_classes": dict(sorted(classes.items())),
                 "split": {"train": len(trained.split.train), "valid": len(trained.split.valid),
                           "test": len(trained.split.test), "stratified": True,
                           "seed": trained.seed}},
        "metrics": {"valid": trained.valid.to_dict(), "test": trained.test.to_dict()},
        "parity": parity.to_dict(),
        "preprocessor_sha256": preprocessor_sha256,
        "model_sha256": model_sha256,
        "trained_in": {"region": region.name, "jurisdiction": region.jurisdiction,
                       "residency": region.residency.value},
        "created_at": created_at,
    }, source="model_card.json")
