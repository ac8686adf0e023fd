"""`seawall sign`: a Sigstore bundle (v0.3, DSSE envelope, in-toto statement over every file of
the model bundle) made with the OpenSSF `model-signing` library, stored as `model.sig` beside
the files it covers.

Methods: `key` (the embedded local ECDSA P-256 key, created on first use), `certificate` (a key
plus a bank-PKI certificate chain), `pkcs11` (a key inside an HSM, by PKCS#11 URI) and
`sigstore` (keyless, with an OIDC identity token and an optional private trust configuration;
this one needs the network). The bundle is checked against its own manifest before signing, and
the signature is written to a temp file and renamed, so a failed run leaves no `model.sig`.

Hashing: files are hashed whole (SHA-256), which the `model_signing` CLI can verify too. A
bundle with a file of `SHARD_ABOVE` bytes or more is hashed in `SHARD_SIZE` shards instead, so
that verification uses every core; the model-signing 1.1 CLI cannot verify shard-hashed
signatures (it always re-hashes whole files), Seawall and the library's Python API can.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import model_signing
from cryptography import x509

from artifacts.bundle import SIGNATURE, load_bundle
from artifacts.errors import SigningError
from artifacts.signing.choices import Hashing, Method
from artifacts.signing.hsm import pkcs11_public_pem
from artifacts.signing.keys import (
    certificate_identity,
    ensure_local_key,
    fingerprint,
    load_private_key,
    pkcs11_signing_config,
    public_pem,
)

SHARD_SIZE = 64 << 20
SHARD_ABOVE = 256 << 20


@dataclass(frozen=True, kw_only=True)
class SignRequest:
    bundle: Path
    method: Method = Method.KEY
    home: Path = Path(".seawall")
    key: Path | None = None            # key: default <home>/keys/; certificate: required
    certificate: Path | None = None
    chain: tuple[Path, ...] = ()
    pkcs11_uri: str | None = None
    pkcs11_modules: tuple[str, ...] = ()
    identity_token: str | None = None
    trust_config: Path | None = None
    hashing: Hashing = Hashing.AUTO
    replace: bool = False


@dataclass(frozen=True)
class Signed:
    signature: Path
    method: Method
    signer: str        # how the trust policies name this signer (fingerprint, subject, identity)
    hashing: str
    created_key: Path | None = None


def hashing_config(mode: Hashing, bundle: Path, signature: str = SIGNATURE
                   ) -> tuple[model_signing.hashing.Config, Hashing]:
    """The hashing to sign `bundle` with: whole files, or shards when a file is large."""
    if mode is Hashing.AUTO:
        big = any(p.stat().st_size >= SHARD_ABOVE for p in bundle.iterdir() if p.is_file())
        mode = Hashing.SHARDS if big else Hashing.FILES
    config = model_signing.hashing.Config().set_ignored_paths(paths=[signature],
                                                              ignore_git_paths=False)
    if mode is Hashing.SHARDS:
        config.use_shard_serialization(hashing_algorithm="sha256", shard_size=SHARD_SIZE)
    else:
        config.use_file_serialization(hashing_algorithm="sha256")
    return config, mode


def sign_bundle(request: SignRequest) -> Signed:
    bundle = load_bundle(request.bundle)
    target = bundle.path / SIGNATURE
    if target.exists() and not request.replace:
        raise SigningError(f"{target}: the bundle is already signed; pass --replace to sign it "
                           "again (verifiers will then see the new signer)")
    problems = bundle.digest_problems()
    if problems:
        raise SigningError(f"{bundle.path}: refusing to sign a bundle that does not match its own "
                           f"manifest: {'; '.join(problems)}")
    return sign_directory(request, SIGNATURE)


def sign_directory(request: SignRequest, signature: str) -> Signed:
    """Sign every file of the directory `request.bundle` (an evidence pack, or a bundle already
    checked) into `<directory>/<signature>`, written to a temp file and renamed."""
    directory = request.bundle
    target = directory / signature
    config, signer, created = _signer_config(request)
    hashing, mode = hashing_config(request.hashing, directory, signature)
    tmp = directory.parent / f".{directory.name}.{signature}.{secrets.token_hex(4)}.tmp"
    try:
        try:
            config.set_hashing_config(hashing).sign(directory, tmp)
        except (OSError, ValueError) as e:
            raise SigningError(f"{directory}: signing with method {request.method.value} failed "
                               f"({e})") from None
        except Exception as e:  # sigstore: network and service errors of many kinds
            if request.method is not Method.SIGSTORE:
                raise
            raise SigningError(f"Sigstore keyless signing needs the network (Fulcio and Rekor of "
                               f"the trust configuration); it failed: {e!r}") from None
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return Signed(target, request.method, signer, f"sha256, {mode.value}", created)


def _signer_config(r: SignRequest) -> tuple[model_signing.signing.Config, str, Path | None]:
    config = model_signing.signing.Config()
    if r.method is Method.KEY:
        created = None
        if r.key is None:
            local = ensure_local_key(r.home)
            key, created = local.private, (local.private if local.created else None)
        else:
            key = _existing(r.key, "--key")
        public = load_private_key(key).public_key()  # clear errors for a wrong or encrypted key
        config.use_elliptic_key_signer(private_key=key)
        return config, "key " + fingerprint(public_pem(public)), created
    if r.method is Method.CERTIFICATE:
        if r.key is None or r.certificate is None or not r.chain:
            raise SigningError("method certificate needs --key (the certificate's private key), "
                               "--certificate (the signing certificate, PEM) and --chain (the "
                               "issuing CA certificates, PEM; repeat for several)")
        try:
            config.use_certificate_signer(
                private_key=_existing(r.key, "--key"),
                signing_certificate=_existing(r.certificate, "--certificate"),
                certificate_chain=[_existing(c, "--chain") for c in r.chain])
        except ValueError as e:
            raise SigningError(f"{r.certificate}: cannot sign with this certificate ({e})") from None
        subject, issuer = certificate_identity(x509.load_pem_x509_certificate(
            r.certificate.read_bytes()))
        return config, f"certificate '{subject}' issued by '{issuer}'", None
    if r.method is Method.PKCS11:
        if not r.pkcs11_uri:
            raise SigningError("method pkcs11 needs --pkcs11-uri, e.g. 'pkcs11:token=seawall;"
                               "object=signing?module-path=/usr/lib/softhsm/libsofthsm2.so' "
                               "with the PIN in $SEAWALL_PKCS11_PIN")
        return (pkcs11_signing_config(r.pkcs11_uri, r.pkcs11_modules),
                "key " + fingerprint(pkcs11_public_pem(r.pkcs11_uri, r.pkcs11_modules)), None)
    return _sigstore_config(config, r), _token_identity(r.identity_token), None


def _sigstore_config(config: model_signing.signing.Config, r: SignRequest):
    """Everything up to the first network call: token claims, then the trust configuration."""
    if not r.identity_token:
        raise SigningError("Sigstore keyless signing needs an OIDC identity token: pass "
                           "--identity-token or set SIGSTORE_ID_TOKEN")
    _token_identity(r.identity_token)
    trust = _existing(r.trust_config, "--trust-config") if r.trust_config else None
    where = "the public Sigstore TUF repository and OIDC issuer (pass --trust-config for a " \
        "private instance)"
    if trust is not None:
        from sigstore.models import ClientTrustConfig

        try:
            oidc = ClientTrustConfig.from_json(
                trust.read_text(encoding="utf-8")).signing_config.get_oidc_url()
        except Exception as e:
            raise SigningError(f"{trust}: not a Sigstore client trust configuration "
                               f"({type(e).__name__}: {e})") from None
        where = f"the OIDC issuer {oidc} of {trust}"
    try:
        return config.use_sigstore_signer(identity_token=r.identity_token, trust_config=trust,
                                          use_ambient_credentials=False)
    except Exception as e:  # the TUF repository (no --trust-config) and the OIDC issuer are online
        raise SigningError(f"Sigstore keyless signing needs the network to reach {where}: "
                           f"{e!r}") from None


def _token_identity(token: str | None) -> str:
    from sigstore.oidc import IdentityError, IdentityToken

    try:
        identity = IdentityToken(token or "")
    except IdentityError as e:
        raise SigningError(f"the OIDC identity token is not usable for Sigstore: {e}") from None
    return f"Sigstore identity {identity.identity} (issuer {identity.federated_issuer or identity.issuer})"


def _existing(path: Path, option: str) -> Path:
    if not path.is_file():
        raise SigningError(f"{path}: {option} file does not exist")
    return path
