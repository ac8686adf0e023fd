"""What a user chooses when signing: the method (where the key lives) and the hashing layout.

Kept apart from `sign.py`, which needs model-signing, so the CLI can offer the choices without
loading it.
"""

from __future__ import annotations

import enum


class Method(str, enum.Enum):
    KEY = "key"
    CERTIFICATE = "certificate"
    PKCS11 = "pkcs11"
    SIGSTORE = "sigstore"


class Hashing(str, enum.Enum):
    AUTO = "auto"
    FILES = "files"
    SHARDS = "shards"
