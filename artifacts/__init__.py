"""Everything that is evidence about a model, in four sub-packages split at the border.

- `artifacts.bundle`: the bundle as the onshore side reads it (manifest, contract, reason
  codes, golden set, ONNX scoring, parity); numpy and onnxruntime only.
- `artifacts.signing`: keys, Sigstore signing with model-signing, trust policies, verification.
- `artifacts.factory`: the offshore factory (specs, data, training, export, documents); it
  alone needs scikit-learn, skl2onnx and pandas.
- `artifacts.registry`: the MLflow registry and the verified onshore import.
- `artifacts.ledger`: the append-only hash-chained log (decisions today) with its SQLite,
  PostgreSQL and in-memory stores.

Import from the sub-package you need (`from artifacts.bundle import load_bundle`): this package
imports none of them, so the onshore service never loads the training stack. Errors are in
`artifacts.errors`; all derive from `regions.SeawallError`.
"""

from artifacts.errors import (
    ArtifactError,
    BundleError,
    DataError,
    LedgerError,
    ParityError,
    RegistryError,
    ReplayError,
    SigningError,
    SpecError,
    TrustPolicyError,
    VerificationError,
)

__all__ = [
    "ArtifactError",
    "BundleError",
    "DataError",
    "LedgerError",
    "ParityError",
    "RegistryError",
    "ReplayError",
    "SigningError",
    "SpecError",
    "TrustPolicyError",
    "VerificationError",
]
