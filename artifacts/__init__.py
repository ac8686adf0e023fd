"""The offshore artifact factory: dataset specs, training, ONNX export with a parity gate, and
the model bundle that later steps sign, verify, serve and report on.

Public API (stable)::

    from artifacts import TrainRequest, build_candidate, load_bundle, ModelFamily

    candidate = build_candidate(TrainRequest(region="offshore-sg", home=Path(".seawall")))
    bundle = load_bundle(candidate.bundle)
    assert not bundle.digest_problems()

    sign_bundle(SignRequest(bundle=candidate.bundle, method=Method.KEY))
    report = verify_bundle(candidate.bundle, catalogue=load_catalogue(), region="onshore-hn")
    imported = import_bundle(candidate.bundle, catalogue=..., region="onshore-hn", home=...)
    url = resolve_secret("secret:decision-log-url")   # from $SEAWALL_SECRETS (file or Vault)

Imports `regions` only.
"""

from artifacts.bundle import (
    BUNDLE_FORMAT,
    CONTENT_FILES,
    MANIFEST,
    SIGNATURE,
    Bundle,
    load_bundle,
)
from artifacts.contract import Contract, Field
from artifacts.errors import (
    ArtifactError,
    BundleError,
    DataError,
    ParityError,
    RegistryError,
    SecretError,
    SigningError,
    SpecError,
    TrustPolicyError,
    VerificationError,
)
from artifacts.export import PARITY_TOLERANCE, ParityReport, check_parity, export_pipeline
from artifacts.factory import Candidate, Progress, TrainRequest, build_candidate
from artifacts.golden import golden_frame
from artifacts.importing import Imported, bundle_for_alias, import_bundle, region_home
from artifacts.keys import ensure_local_key, fingerprint
from artifacts.loaders import Dataset, load_dataset, read_header
from artifacts.reason_codes import ReasonCodes
from artifacts.scoring import OnnxScorer, top_reasons
from artifacts.secrets import (
    SECRETS_ENV,
    InMemorySecretStore,
    LocalSecretStore,
    SecretStore,
    VaultSecretStore,
    open_secret_store,
    resolve_secret,
)
from artifacts.signing import Hashing, Method, SignRequest, Signed, sign_bundle
from artifacts.spec import DatasetSpec, load_spec
from artifacts.synthetic import synthesize, write_synthetic_csv
from artifacts.tracking import CANDIDATE_ALIAS, PENDING_ALIAS, MlflowRegistry, RegisteredVersion
from artifacts.training import ModelFamily
from artifacts.trust import (
    Purpose,
    SignerKind,
    TrustPolicy,
    add_signer,
    load_trust_policy,
    policy_path,
)
from artifacts.verification import verify_bundle
from artifacts.verify_report import VerificationReport

__all__ = [
    "BUNDLE_FORMAT",
    "CANDIDATE_ALIAS",
    "CONTENT_FILES",
    "MANIFEST",
    "PARITY_TOLERANCE",
    "PENDING_ALIAS",
    "SECRETS_ENV",
    "SIGNATURE",
    "ArtifactError",
    "Bundle",
    "BundleError",
    "Candidate",
    "Contract",
    "DataError",
    "Dataset",
    "DatasetSpec",
    "Field",
    "Hashing",
    "Imported",
    "InMemorySecretStore",
    "LocalSecretStore",
    "Method",
    "MlflowRegistry",
    "ModelFamily",
    "OnnxScorer",
    "ParityError",
    "ParityReport",
    "Progress",
    "Purpose",
    "ReasonCodes",
    "RegisteredVersion",
    "RegistryError",
    "SecretError",
    "SecretStore",
    "SignRequest",
    "Signed",
    "SignerKind",
    "SigningError",
    "SpecError",
    "TrainRequest",
    "TrustPolicy",
    "TrustPolicyError",
    "VaultSecretStore",
    "VerificationError",
    "VerificationReport",
    "add_signer",
    "build_candidate",
    "bundle_for_alias",
    "check_parity",
    "ensure_local_key",
    "export_pipeline",
    "fingerprint",
    "golden_frame",
    "import_bundle",
    "load_bundle",
    "load_dataset",
    "load_spec",
    "load_trust_policy",
    "open_secret_store",
    "policy_path",
    "read_header",
    "region_home",
    "resolve_secret",
    "sign_bundle",
    "synthesize",
    "top_reasons",
    "verify_bundle",
    "write_synthetic_csv",
]
