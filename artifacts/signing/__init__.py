"""Signing and verification: keys, Sigstore bundles made with model-signing, the regions' trust
policies, and the verification that turns a bundle into a verdict.

Public API (stable)::

    from artifacts.signing import SignRequest, Method, sign_bundle, verify_bundle, Purpose

    sign_bundle(SignRequest(bundle=path, method=Method.KEY))
    report = verify_bundle(path, catalogue=load_catalogue(), region="onshore-hn",
                           purpose=Purpose.SERVE)
    assert report.passed
"""

from regions import _exports

_EXPORTS = {
    "Hashing": "artifacts.signing.choices",
    "Method": "artifacts.signing.choices",
    "PIN_ENV": "artifacts.signing.keys",
    "Purpose": "artifacts.signing.trust",
    "SignRequest": "artifacts.signing.sign",
    "Signed": "artifacts.signing.sign",
    "SignerKind": "artifacts.signing.trust",
    "TrustPolicy": "artifacts.signing.trust",
    "VerificationReport": "artifacts.signing.report",
    "add_signer": "artifacts.signing.trust",
    "check_purposes": "artifacts.signing.trust",
    "certificate_identity": "artifacts.signing.keys",
    "ensure_local_key": "artifacts.signing.keys",
    "fingerprint": "artifacts.signing.keys",
    "load_trust_policy": "artifacts.signing.trust",
    "pkcs11_public_pem": "artifacts.signing.hsm",
    "open_signing_key": "artifacts.signing.hsm",
    "Pkcs11Key": "artifacts.signing.hsm",
    "policy_path": "artifacts.signing.trust",
    "public_pem": "artifacts.signing.keys",
    "read_policy": "artifacts.signing.trust",
    "sign_bundle": "artifacts.signing.sign",
    "sign_directory": "artifacts.signing.sign",
    "verify_bundle": "artifacts.signing.verify",
    "open_verified": "artifacts.signing.verify",
    "VerifiedBundle": "artifacts.signing.verify",
}
__getattr__, __dir__ = _exports.lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
