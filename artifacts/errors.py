"""Errors raised by the artifact areas (bundle, signing, factory, registry).

Each derives from Seawall's one root (`regions.SeawallError`) and is either a mistake (a bad
spec, data file, key, bundle directory or trust policy: the message names the file, field, row
and rule) or a verdict (a bundle that failed verification, an export that failed the parity
gate). Nothing is written when one is raised: the factory does all fallible work before it
touches the registry or the disk.
"""

from __future__ import annotations

from regions.errors import Located, Mistake, SeawallError, Verdict


class ArtifactError(SeawallError):
    """Base of every artifact error."""


class SpecError(Located, ArtifactError, Mistake):
    """The dataset spec is malformed."""

    next_step = "fix the spec file named and run again"


class DataError(ArtifactError, Mistake):
    """The data does not match its spec or cannot train a model."""

    next_step = "fix the data file (or its spec) and run again"


class ModelSourceError(ArtifactError, Mistake):
    """A brought model cannot be loaded: the file, its trusted types, or the MLflow URI."""

    next_step = "save the model with skops, or check the file or MLflow URI named"


class ParityError(ArtifactError, Verdict):
    """scikit-learn and onnxruntime disagree beyond the tolerance: the export is refused."""


class BundleError(ArtifactError, Mistake):
    """A bundle directory is missing, incomplete or cannot be written."""


class RegistryError(ArtifactError, Mistake):
    """The model registry (MLflow) refused or failed an operation."""

    next_step = "check MLFLOW_TRACKING_URI and that the registry is reachable"


class SigningError(ArtifactError, Mistake):
    """A bundle could not be signed (bad key, certificate, HSM or Sigstore settings)."""


class TrustPolicyError(Located, ArtifactError, Mistake):
    """A region's trust policy file is malformed; names the file, the field and the rule."""

    next_step = "fix the policy file named, or use `seawall trust add`"


class ReplayError(ArtifactError, Verdict):
    """A validly signed bundle that is not newer than what the region already imported: a
    replay or a rollback, refused at import (a deliberate rollback goes through promotion)."""


class VerificationError(ArtifactError, Verdict):
    """A bundle failed verification; `report` holds every check and its result."""

    def __init__(self, message: str, report=None) -> None:
        super().__init__(message)
        self.report = report


class LedgerError(ArtifactError, Mistake):
    """A ledger (the decision log) cannot be opened, written or read."""
