"""Errors raised by the artifact factory.

A `ArtifactError` is a user's mistake or a gate that refused the run (bad spec, bad data,
parity failure); its message names the file, field, row and rule. Nothing is written when one
is raised: the factory does all fallible work before it touches the registry or the disk.
"""

from __future__ import annotations


class ArtifactError(Exception):
    """Base of every artifact-factory error."""

    def diagnostics(self) -> str:
        return str(self)


class SpecError(ArtifactError):
    """The dataset spec is malformed."""

    def __init__(self, file: str, field: str | None, rule: str) -> None:
        self.file, self.field, self.rule = file, field, rule
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {rule}")


class DataError(ArtifactError):
    """The data does not match its spec or cannot train a model."""


class ParityError(ArtifactError):
    """scikit-learn and onnxruntime disagree beyond the tolerance: the export is refused."""


class BundleError(ArtifactError):
    """A bundle directory is missing, incomplete or cannot be written."""


class RegistryError(ArtifactError):
    """The model registry (MLflow) refused or failed an operation."""


class SigningError(ArtifactError):
    """A bundle could not be signed (bad key, certificate, HSM or Sigstore settings)."""


class TrustPolicyError(ArtifactError):
    """A region's trust policy file is malformed; names the file, the field and the rule."""

    def __init__(self, file: str, field: str | None, rule: str) -> None:
        self.file, self.field, self.rule = file, field, rule
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {rule}")


class VerificationError(ArtifactError):
    """A bundle failed verification; `report` holds every check and its result."""

    def __init__(self, message: str, report=None) -> None:
        super().__init__(message)
        self.report = report


class SecretError(ArtifactError):
    """A secret is missing, unreadable, stored unsafely, or its store is misconfigured."""
