"""`seawall import`: bring a signed bundle into an onshore region's registry.

The bundle is copied into the region's store, the copy is verified with the region's trust
policy (purpose `import`) and compared with the original, and only then registered in the
region's MLflow registry with the alias `pending-validation` and the verification report
attached; the region's promotion ledger and model inventory record it in the same step. The
signed subject (model, signed version, manifest digest) is recorded as the version's tags, and a bundle that is not newer than the region's latest import of that model
is refused as a replay (`ReplayError`). Anything that fails removes the copy and every registry
entry: a refused bundle leaves nothing behind.
"""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from artifacts.bundle import MANIFEST, load_bundle, sha256_file
from artifacts.errors import BundleError, RegistryError, ReplayError, VerificationError
from artifacts.registry.governance import governance, record_import
from artifacts.registry.mlflow_registry import MlflowRegistry, sqlite_uri
from artifacts.registry.protocol import PENDING_ALIAS, Registry
from artifacts.signing import Purpose, VerificationReport, open_verified
from regions import Catalogue, Tier, region_home, require_tier

IMPORT_EXPERIMENT = "seawall-imports"
MANIFEST_TAG = "seawall.manifest_sha256"
ORIGIN_VERSION_TAG = "seawall.origin_version"  # the version the bundle was signed as


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
        signed = verified.manifest  # the subject as signed: name, version, and its digest
        model = signed.model.name
        _refuse_replay(registry.versions(model), source.path, region, model,
                       str(signed.model.version), digest)
        tags = {MANIFEST_TAG: digest, "seawall.signer": report.signer.claimed,
                "seawall.trusted_as": report.signer.trusted_as,
                "seawall.origin_region": signed.origin_region,
                ORIGIN_VERSION_TAG: str(signed.model.version),
                "seawall.verified_at": report.verified_at}
        docs = {"verification/report.json": report.to_json(),
                "verification/report.txt": report.to_text()}
        card = verified.document("model_card.json")
        with registry.imported_version(experiment=IMPORT_EXPERIMENT, model_name=model,
                                       bundle_dir=staging, documents=docs, tags=tags) as version, \
                governance(home, region) as gov:
            os.rename(staging, target)
            try:  # the ledger and the inventory record it, or the import is undone
                record_import(gov, registry, model=model, version=version.version,
                              tracking_uri=version.tracking_uri, card=card,
                              signer=report.signer.claimed)
            except BaseException:
                os.rename(target, staging)
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Imported(region, target, version.tracking_uri, model, version.version, PENDING_ALIAS,
                    report)


def _refuse_replay(imported: list[tuple[str, dict[str, str]]], source: Path, region: str,
                   model: str, version: str, digest: str) -> None:
    """`ReplayError` unless the signed version is newer than every version the region has
    imported of this model, and its manifest digest was never imported before (TUF's
    rollback-attack rule: an attacker who replays an older, validly signed bundle must not make
    it the region's newest). A deliberate rollback moves an alias through promotion instead."""
    for registered, tags in imported:
        if tags.get(MANIFEST_TAG) == digest:
            raise ReplayError(f"{source}: already imported into {region} as {model} version "
                              f"{registered} (signed version {tags.get(ORIGIN_VERSION_TAG)}, "
                              f"imported {tags.get('seawall.verified_at', 'earlier')})")
    newest = max(imported, key=lambda x: _order(x[1].get(ORIGIN_VERSION_TAG, "")), default=None)
    if newest is not None and _order(version) <= _order(newest[1].get(ORIGIN_VERSION_TAG, "")):
        registered, tags = newest
        raise ReplayError(
            f"{source}: {model} signed version {version} is not newer than signed version "
            f"{tags.get(ORIGIN_VERSION_TAG)}, which {region} imported as registry version "
            f"{registered} ({tags.get('seawall.verified_at', 'earlier')}); importing it would "
            "roll the region back. A deliberate rollback moves an alias to the older version "
            "through promotion, not import")


def _order(version: str) -> tuple[int, str]:
    """Registry versions are whole numbers; anything else sorts before them."""
    return (int(version), "") if version.isdigit() else (-1, version)


def bundle_for_alias(*, home: Path, region: str, alias: str, model: str | None = None,
                     tracking_uri: str | None = None) -> tuple[Path, str]:
    """The region's imported bundle that `alias` points at, and its registry version.

    The bundle is found by its manifest digest (tagged at import), not by a path stored in the
    registry: the caller verifies it anyway, and a moved store still resolves.
    """
    registry, store = region_registry(home, region, tracking_uri)
    if model is None:
        names = registry.model_names()
        if len(names) != 1:
            raise RegistryError(f"region {region}'s registry holds {len(names)} models "
                                f"({', '.join(names) or 'none'}); name one with --model")
        model = names[0]
    version, tags = registry.aliased(model, alias)
    return bundle_with_digest(store, tags.get(MANIFEST_TAG),
                              f"{model} version {version}, alias '{alias}'"), version


def region_registry(home: Path, region: str, tracking_uri: str | None = None
                    ) -> tuple[MlflowRegistry, Path]:
    """The region's registry (its embedded MLflow unless `tracking_uri`) and its store."""
    store = region_home(home, region)
    if tracking_uri is None and not (store / "mlflow.db").is_file():
        raise RegistryError(f"{store}: region {region} has no registry yet; import a bundle "
                            f"first (seawall import BUNDLE --region {region})")
    return (MlflowRegistry(tracking_uri or sqlite_uri(store), artifact_root=store / "mlartifacts"),
            store)


def bundle_with_digest(store: Path, digest: str | None, what: str) -> Path:
    """The bundle under `<store>/bundles` whose manifest has SHA-256 `digest`."""
    bundles = store / "bundles"
    for candidate in sorted(bundles.iterdir()) if bundles.is_dir() else []:
        if (candidate / MANIFEST).is_file() and sha256_file(candidate / MANIFEST) == digest:
            return candidate
    raise BundleError(f"{bundles}: no bundle with manifest sha256 {digest} ({what}); was it "
                      "removed after import?")


def _copy(source: Path, staging: Path) -> None:
    staging.parent.mkdir(parents=True, exist_ok=True)
    staging.mkdir()
    for item in sorted(source.iterdir()):
        if item.is_symlink() or not item.is_file():
            raise BundleError(f"{item}: a bundle holds regular files only")
        shutil.copyfile(item, staging / item.name)
