"""The offshore artifact factory: dataset specs, loaders, synthetic data, training, metrics,
ONNX export with the parity gate, the bundle's documents, model-card facts and lineage.
Offshore only: it needs scikit-learn, skl2onnx, pandas and MLflow.

Public API (stable)::

    from artifacts.factory import TrainRequest, build_candidate

    candidate = build_candidate(TrainRequest(region="offshore-sg", home=Path(".seawall")))
"""

from regions import _exports

_EXPORTS = {
    "Candidate": "artifacts.factory.candidate",
    "DEFAULT_ROWS": "artifacts.factory.choices",
    "DEFAULT_SEED": "artifacts.factory.choices",
    "Dataset": "artifacts.factory.loaders",
    "DatasetSpec": "artifacts.factory.spec",
    "EMBEDDED_SPEC": "artifacts.factory.spec",
    "MIN_PARITY_ROWS": "artifacts.factory.export",
    "ModelFamily": "artifacts.factory.choices",
    "PackageRequest": "artifacts.factory.byom",
    "Progress": "artifacts.factory.candidate",
    "Role": "artifacts.factory.spec",
    "TrainRequest": "artifacts.factory.candidate",
    "WoEBinner": "artifacts.factory.woe",
    "points_table": "artifacts.factory.scorecard",
    "build_candidate": "artifacts.factory.candidate",
    "build_pipeline": "artifacts.factory.training",
    "check_parity": "artifacts.factory.export",
    "contract_fields": "artifacts.factory.documents",
    "export_pipeline": "artifacts.factory.export",
    "fit": "artifacts.factory.training",
    "golden_frame": "artifacts.factory.documents",
    "load_dataset": "artifacts.factory.loaders",
    "load_spec": "artifacts.factory.spec",
    "package_candidate": "artifacts.factory.byom",
    "prepare_frame": "artifacts.factory.loaders",
    "read_header": "artifacts.factory.loaders",
    "split": "artifacts.factory.training",
    "synthesize": "artifacts.factory.synthetic",
    "write_synthetic_csv": "artifacts.factory.synthetic",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
