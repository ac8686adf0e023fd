"""Signed checkpoints of the ledger: a tree size and a Merkle root, signed by the region.

The note follows C2SP `tlog-checkpoint` and `signed-note`: the body is three lines (origin,
tree size in decimal, root hash in base64), a blank line, then one signature line per signer,
`— <key name> <base64(4-byte key hint || signature)>`. Signatures are ECDSA P-256 over the body
with SHA-256, and the key hint is the first 4 bytes of the SHA-256 of the public key's DER
(SubjectPublicKeyInfo), as Sigstore's Rekor does for its ECDSA checkpoints. An auditor keeps a
copy; a later `verify_chain(store, checkpoint=...)` proves the log still extends it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from artifacts.errors import LedgerError

SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space, as signed-note writes it


@dataclass(frozen=True)
class Checkpoint:
    origin: str  # which log: "seawall.decisions/<region>"
    size: int
    root: bytes

    def body(self) -> bytes:
        return (f"{self.origin}\n{self.size}\n"
                f"{base64.b64encode(self.root).decode()}\n").encode()


def origin_of(region: str) -> str:
    return f"seawall.decisions/{region}"


def key_hint(public_key: ec.EllipticCurvePublicKey) -> bytes:
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()[:4]


def sign_checkpoint(checkpoint: Checkpoint, key: ec.EllipticCurvePrivateKey) -> str:
    """The signed note, named after the log's origin."""
    signature = key.sign(checkpoint.body(), ec.ECDSA(hashes.SHA256()))
    line = base64.b64encode(key_hint(key.public_key()) + signature).decode()
    return (checkpoint.body() + b"\n").decode() + f"{SIGNATURE_PREFIX}{checkpoint.origin} {line}\n"


def open_checkpoint(note: str, public_key: ec.EllipticCurvePublicKey, *,
                    source: str = "checkpoint") -> Checkpoint:
    """The checkpoint in `note` if a signature line by `public_key` verifies; `LedgerError`
    naming the rule otherwise."""
    head, sep, signatures = note.partition("\n\n")
    if not sep:
        raise LedgerError(f"{source}: not a signed note (no blank line before the signatures)")
    lines = head.split("\n")
    if len(lines) < 3 or not lines[1].isdigit():
        raise LedgerError(f"{source}: a checkpoint body is origin, tree size, root hash")
    try:
        root = base64.b64decode(lines[2], validate=True)
    except ValueError:
        root = b""
    if len(root) != 32:
        raise LedgerError(f"{source}: the root hash is not 32 bytes of base64")
    checkpoint = Checkpoint(lines[0], int(lines[1]), root)
    body = (head + "\n").encode()
    hint = key_hint(public_key)
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            continue
        _, _, encoded = line[len(SIGNATURE_PREFIX):].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            continue
        if raw[:4] != hint:
            continue
        try:
            public_key.verify(raw[4:], body, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise LedgerError(f"{source}: the signature by key {hint.hex()} does not verify: "
                              "the checkpoint was altered or signed by another key") from None
        return checkpoint
    raise LedgerError(f"{source}: no signature by the region's checkpoint key "
                      f"(key hint {hint.hex()})")


def write_atomically(target: Path, text: str) -> None:
    """Write a note or proof atomically (a temp file beside it, then a rename): a reader sees
    the old file or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
