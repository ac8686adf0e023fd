"""`seawall report verify PACK`: is this evidence pack exactly what was signed, and is every
piece of evidence it lists the file it names?

Three checks, each reported: the signature (`pack.sig`, a Sigstore bundle made with
model-signing) verifies under the given public key and covers every file of the pack as it is
now; `manifest.json` lists every file with its SHA-256 and nothing else; `pack.json` lists each
piece of evidence with the SHA-256 of the file it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import model_signing

from artifacts.bundle import sha256_file
from artifacts.signing.signature import SignatureFormatError, read_signature
from reporting.errors import ReportError
from reporting.evidence_pack import DOCUMENT, MANIFEST, SIGNATURE, manifest_of


@dataclass
class PackVerification:
    pack: Path
    checks: dict[str, list[str]] = field(default_factory=dict)  # check -> problems

    @property
    def passed(self) -> bool:
        return all(not problems for problems in self.checks.values())


def verify_pack(pack: Path, public_key: Path) -> PackVerification:
    """Every check run, every problem named; `ReportError` only for a path that is no pack."""
    if not (pack / MANIFEST).is_file() or not (pack / DOCUMENT).is_file():
        raise ReportError(f"{pack}: not an evidence pack (no {MANIFEST} or {DOCUMENT})")
    if not public_key.is_file():
        raise ReportError(f"{public_key}: no such public key (PEM)")
    result = PackVerification(pack)
    result.checks["signature"] = _signature(pack, public_key)
    changed = _changed_since_signing(pack) if result.checks["signature"] else []
    if changed:  # the library's own message lists raw digests: name the files instead
        result.checks["signature"] = [f"{SIGNATURE}: the pack changed after signing "
                                      f"({', '.join(changed)})"]
    try:
        listed = json.loads((pack / MANIFEST).read_bytes())["files"]
        doc = json.loads((pack / DOCUMENT).read_bytes())
    except (OSError, ValueError, KeyError, TypeError) as e:
        result.checks["manifest"] = [f"{MANIFEST} or {DOCUMENT} is not readable ({e})"]
        return result
    actual = manifest_of(pack)["files"]
    result.checks["manifest"] = (
        [f"{name}: listed, not in the pack" for name in sorted(set(listed) - set(actual))]
        + [f"{name}: in the pack, not listed" for name in sorted(set(actual) - set(listed))]
        + [f"{name}: SHA-256 {actual[name]['sha256']}, listed {listed[name].get('sha256')}"
           for name in sorted(set(listed) & set(actual))
           if actual[name]["sha256"] != listed[name].get("sha256")])
    result.checks["evidence"] = [
        f"{e.get('file')}: listed with SHA-256 {e.get('sha256')}, the file has "
        f"{actual.get(e.get('file'), {}).get('sha256', 'no file')}"
        for e in doc.get("evidence", [])
        if actual.get(e.get("file"), {}).get("sha256") != e.get("sha256")]
    return result


def _changed_since_signing(pack: Path) -> list[str]:
    """Files whose digest differs from the one the signed statement holds, read from the
    statement itself (the signature over it is checked by the library, not here)."""
    try:
        signed = {name: digests[0][2] for name, digests in
                  read_signature(pack / SIGNATURE).resources().items()}
    except (SignatureFormatError, KeyError, TypeError):
        return []
    actual = manifest_of(pack)["files"]
    if (pack / MANIFEST).is_file():
        actual[MANIFEST] = {"sha256": sha256_file(pack / MANIFEST)}
    return sorted({*(n for n in signed if actual.get(n, {}).get("sha256") != signed[n]),
                   *(n for n in actual if n not in signed)})


def _signature(pack: Path, public_key: Path) -> list[str]:
    if not (pack / SIGNATURE).is_file():
        return [f"no {SIGNATURE}: the pack is not signed"]
    hashing = model_signing.hashing.Config().set_ignored_paths(paths=[SIGNATURE],
                                                               ignore_git_paths=False)
    config = model_signing.verifying.Config().use_elliptic_key_verifier(public_key=public_key)
    try:
        config.set_hashing_config(hashing.use_file_serialization()).verify(pack,
                                                                          pack / SIGNATURE)
    except Exception as e:  # the library raises ValueError and several of its own types
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return [f"{SIGNATURE}: {first[:300]}"]
    return []
