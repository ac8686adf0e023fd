"""`seawall import`: bring a signed bundle into an onshore region's registry.

The bundle is copied into the region's store, the copy is verified with the region's trust
policy (purpose `import`) and compared with the original, and only then registered in the
region's MLflow registry with the alias `pending-validation` and the verification report
attached. Anything that fails removes the copy and every registry entry: a refused bundle
leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from artifacts.bundle import MANIFEST, load_bundle, sha256_file
from artifacts.errors import BundleError, RegistryError, VerificationError
from artifacts.registry.mlflow_registry import MlflowRegistry, sqlite_uri
from artifacts.registry.protocol import PENDING_ALIAS, Registry
from artifacts.signing import Purpose, VerificationReport, open_verified
from regions import Catalogue, Tier, region_home, require_tier

IMPORT_EXPERIMENT = "seawall-imports"
MANIFEST_TAG = "seawall.manifest_sha256"


@dataclass(frozen=True)
class Imported:
    region: str
    bundle: Path
    tracking_uri: str
    model_name: str
    version: str
    alias: str
    report: VerificationReport


def import_bundle(path: Path | str, *, catalogue: Catalogue, region: str, home: Path,
                  tracking_uri: str | None = None, registry: Registry | None = None) -> Imported:
    """Copy, verify, then register the bundle in the region's registry as `pending-validation`
    (the region's MLflow, or `registry`); a refused bundle leaves nothing behind."""
    require_tier(catalogue.get(region), Tier.SERVING)  # only onshore serving regions import
    source = load_bundle(path)
    store = region_home(home, region)
    target = store / "bundles" / source.path.name
    if target.exists():
        raise BundleError(f"{target}: region {region} already holds a bundle of that name")
    model = source.manifest.model.name
    staging = target.parent / f".{target.name}.import-{secrets.token_hex(4)}"
    try:
        _copy(source.path, staging)
        try:  # verified before anything else, so a damaged copy says so
            verified = open_verified(staging, catalogue=catalogue, region=region,
                                     purpose=Purpose.IMPORT, against=source.path)
        except VerificationError as e:
            e.report.bundle = str(target.resolve())
            raise VerificationError(f"{source.path}: refused by {region}: "
                                    + "; ".join(e.report.failures()), e.report) from None
        report, digest = verified.report, verified.manifest_sha256
        report.bundle = str(target.resolve())
        if registry is None:  # opened only once the bundle is proven: a refusal leaves no db
            registry = MlflowRegistry(tracking_uri or sqlite_uri(store),
                                      artifact_root=store / "mlartifacts")
        already = registry.find_versions(model, MANIFEST_TAG, digest)
        if already:
            raise BundleError(f"{source.path}: already imported into {region} as {model} "
                              f"version {already[-1]}")
        tags = {MANIFEST_TAG: digest, "seawall.signer": report.signer.claimed,
                "seawall.trusted_as": report.signer.trusted_as,
                "seawall.origin_region": source.manifest.origin_region,
                "seawall.origin_version": str(source.manifest.model.version),
                "seawall.verified_at": report.verified_at}
        docs = {"verification/report.json": report.to_json(),
                "verification/report.txt": report.to_text()}
        with registry.imported_version(experiment=IMPORT_EXPERIMENT, model_name=model,
                                       bundle_dir=staging, documents=docs, tags=tags) as version:
            os.rename(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Imported(region, target, version.tracking_uri, model, version.version, PENDING_ALIAS,
                    report)


def bundle_for_alias(*, home: Path, region: str, alias: str, model: str | None = None,
                     tracking_uri: str | None = None) -> tuple[Path, str]:
    """The region's imported bundle that `alias` points at, and its registry version.

    The bundle is found by its manifest digest (tagged at import), not by a path stored in the
    registry: the caller verifies it anyway, and a moved store still resolves.
    """
    store = region_home(home, region)
    if tracking_uri is None and not (store / "mlflow.db").is_file():
        raise RegistryError(f"{store}: region {region} has no registry yet; import a bundle "
                            f"first (seawall import BUNDLE --region {region})")
    registry = MlflowRegistry(tracking_uri or sqlite_uri(store), artifact_root=store / "mlartifacts")
    if model is None:
        names = registry.model_names()
        if len(names) != 1:
            raise RegistryError(f"region {region}'s registry holds {len(names)} models "
                                f"({', '.join(names) or 'none'}); name one with --model")
        model = names[0]
    version, tags = registry.aliased(model, alias)
    digest = tags.get(MANIFEST_TAG)
    bundles = store / "bundles"
    for candidate in sorted(bundles.iterdir()) if bundles.is_dir() else []:
        if (candidate / MANIFEST).is_file() and sha256_file(candidate / MANIFEST) == digest:
            return candidate, version
    raise BundleError(f"{bundles}: no bundle with manifest sha256 {digest} ({model} version "
                      f"{version}, alias '{alias}'); was it removed after import?")


def _copy(source: Path, staging: Path) -> None:
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir()
    for item in sorted(source.iterdir()):
        if item.is_symlink() or not item.is_file():
            raise BundleError(f"{item}: a bundle holds regular files only")
        shutil.copyfile(item, staging / item.name)
