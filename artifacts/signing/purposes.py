"""What a trust policy trusts a signer for, and how a signer is identified: enums only, so the
CLI can offer them as option choices without loading cryptography or YAML."""

from __future__ import annotations

import enum


class Purpose(str, enum.Enum):
    IMPORT = "import"
    SERVE = "serve"
    APPROVE = "approve"


class SignerKind(str, enum.Enum):
    KEY = "key"
    CERTIFICATE = "certificate"
    SIGSTORE = "sigstore"
