"""A stack's configuration as one typed value, checked before any resource is planned.

The same checks run under `pulumi up` (values from `pulumi.Config`) and under `seawall infra
render` (values read from `Pulumi.<stack>.yaml`), so a bad stack file fails the same way in
review as it would in a deployment. Every error names the file, the key and the rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from infra.errors import StackConfigError
from regions import (
    Catalogue,
    CatalogueError,
    DataClass,
    Region,
    ResidencyError,
    Tier,
    check_data_classes,
    cross_border_ranges,
)

NAMESPACE = "seawall"  # the Pulumi config namespace: keys are `seawall:<key>`
IMAGE_BY_DIGEST = re.compile(r"^[a-z0-9]+(?:[._\-/:][a-z0-9]+)*@sha256:[0-9a-f]{64}$")
SHA256_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
BUNDLE_URI = re.compile(r"^pvc://(?P<claim>[a-z0-9]([-a-z0-9]*[a-z0-9])?)/(?P<path>[^\s]+)$")

_CANARY_KEYS = ("canaryBundleUri", "canaryBundleDigest", "canaryReplicas")
_DB_KEYS = ("decisionLogImage", "decisionLogEndpoint", "decisionLogInstances",
            "decisionLogStorage", "drPrimaryStack", "drPairEndpoint")
STORAGE_SIZE = re.compile(r"^[1-9][0-9]*(Mi|Gi|Ti)$")
STACK_REF = re.compile(r"^(?:[A-Za-z0-9_.-]+/){0,2}(?P<stack>[A-Za-z0-9_.-]+)$")
HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")
_AUTH_KEYS = ("jwtIssuer", "jwtAudience", "mtls")
_ONSHORE_KEYS = ("image", "bundleUri", "bundleDigest", "vaultAddress", "vaultCidr",
                 "artifactStoreCidr", "dataClasses", "decisionLogImage", "decisionLogEndpoint")
_OFFSHORE_KEYS = ("image", "vaultAddress", "vaultCidr", "artifactStoreCidr",
                  "dataClasses")
_KNOWN = frozenset(_ONSHORE_KEYS + _OFFSHORE_KEYS + (
    "region", "kubeconfig", "vaultAuthMount", "replicas", "maxReplicas", "monitoringFiles")
    + _CANARY_KEYS + _AUTH_KEYS + _DB_KEYS)
LIST_KEYS = frozenset({"dataClasses"})
#: Keys `parse_stack_config` reads (the kubeconfig is the provider's, read as a secret).
PLAIN_KEYS = _KNOWN - {"kubeconfig"}


@dataclass(frozen=True, kw_only=True)
class BundleRef:
    """Where a signed bundle lives (a path inside a PersistentVolumeClaim) and its digest."""

    claim: str
    path: str
    digest: str  # sha256:<hex> of the bundle's manifest.json

    @property
    def uri(self) -> str:
        return f"pvc://{self.claim}/{self.path}"


@dataclass(frozen=True, kw_only=True)
class CanaryConfig:
    bundle: BundleRef
    replicas: int


@dataclass(frozen=True, kw_only=True)
class ClientAuth:
    """How the serving tier's clients authenticate. The keys and certificates themselves are
    Vault secrets injected into the pod; only public identifiers are stack config."""

    jwt_issuer: str | None = None
    jwt_audience: str = "seawall"
    mtls: bool = False


@dataclass(frozen=True, kw_only=True)
class DecisionLogDb:
    """The decision log's PostgreSQL cluster (CloudNativePG) in a serving region. The primary
    region's cluster replicates synchronously to its DR pair's replica cluster, which follows it
    through a StackReference to the primary's stack (`primary_stack`)."""

    image: str  # the PostgreSQL operand image, by digest
    endpoint: str  # the host name the DR pair's cluster reaches this one at
    instances: int = 3
    storage: str = "20Gi"
    primary_stack: str | None = None  # set in the DR region: the primary's stack
    pair_endpoint: str | None = None  # set in the primary region: its DR pair's host name
    pair_jurisdiction: str = ""  # the DR pair's, from the catalogue

    @property
    def replica(self) -> bool:
        return self.primary_stack is not None


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    """Everything the program needs for one region's stack."""

    source: str
    region: Region
    # Address ranges across the border (offshore ones for an onshore stack, and vice versa):
    # no egress rule may reach them.
    forbidden_ranges: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
    image: str
    vault_address: str
    vault_auth_mount: str
    vault_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network
    artifact_store_cidr: ipaddress.IPv4Network | ipaddress.IPv6Network
    data_classes: frozenset[DataClass]
    bundle: BundleRef | None = None
    canary: CanaryConfig | None = None
    auth: ClientAuth | None = None  # required for a serving stack
    decision_log: DecisionLogDb | None = None  # required for a serving stack
    replicas: int = 2
    max_replicas: int = 6
    # the plan's rendered rules, routes and dashboard (`seawall monitor rules --out DIR`);
    # None: the embedded plan's, in infra/monitoring/
    monitoring_files: str | None = None

    @property
    def tier(self) -> Tier:
        return Tier.SERVING if self.region.allows_tier(Tier.SERVING) else Tier.TRAINING


def parse_stack_config(values: Mapping[str, Any], *, source: str,
                       catalogue: Catalogue) -> StackConfig:
    """Check `values` (keys without the `seawall:` prefix) and build the stack's config."""
    reader = _Reader(values, source)
    unknown = sorted(set(values) - _KNOWN)
    if unknown:
        raise StackConfigError(source, unknown[0],
                               f"unknown key (known: {', '.join(sorted(_KNOWN))})")
    try:
        region = catalogue.get(reader.text("region"))
    except CatalogueError as e:  # name the stack key as well as the catalogue file
        raise StackConfigError(source, "region", str(e)) from None
    onshore = region.allows_tier(Tier.SERVING)
    required = _ONSHORE_KEYS if onshore else _OFFSHORE_KEYS
    missing = [k for k in required if k not in values]
    if missing:
        raise StackConfigError(source, missing[0], f"required for a {region.residency.value} "
                               f"stack (missing: {', '.join(missing)})")
    if not onshore:
        for key in ("bundleUri", "bundleDigest", "monitoringFiles", *_CANARY_KEYS,
                    *_AUTH_KEYS, *_DB_KEYS):
            if key in values:
                raise StackConfigError(source, key, f"region '{region.name}' is "
                                       f"{region.residency.value} and may not serve: a serving "
                                       "bundle cannot be configured here")
    data_classes = reader.data_classes()
    try:
        check_data_classes(region, {c.value: c for c in data_classes}, source=source)
    except ResidencyError as e:
        raise StackConfigError(source, "dataClasses", str(e)) from None
    forbidden = cross_border_ranges(catalogue, region)
    config = StackConfig(
        source=source, region=region, forbidden_ranges=forbidden,
        image=reader.image("image"),
        vault_address=reader.text("vaultAddress"),
        vault_auth_mount=reader.text("vaultAuthMount", f"kubernetes-{region.name}"),
        vault_cidr=reader.cidr("vaultCidr", forbidden),
        artifact_store_cidr=reader.cidr("artifactStoreCidr", forbidden),
        data_classes=data_classes,
        replicas=reader.count("replicas", 2, low=1),
        max_replicas=reader.count("maxReplicas", 6, low=1))
    if config.max_replicas < config.replicas:
        raise StackConfigError(source, "maxReplicas", f"must be at least replicas "
                               f"({config.replicas}), got {config.max_replicas}")
    if onshore:
        canary = reader.canary()
        files = reader.text("monitoringFiles") if "monitoringFiles" in values else None
        return replace(config, bundle=reader.bundle("bundleUri", "bundleDigest"), canary=canary,
                       auth=reader.client_auth(), monitoring_files=files,
                       decision_log=reader.decision_log(region, catalogue))
    return config


class _Reader:
    """Typed reads of config values, each error naming the key and the rule."""

    def __init__(self, values: Mapping[str, Any], source: str) -> None:
        self.values, self.source = values, source

    def _fail(self, key: str, rule: str) -> StackConfigError:
        return StackConfigError(self.source, key, rule)

    def text(self, key: str, default: str | None = None) -> str:
        value = self.values.get(key, default)
        if value is None:
            raise self._fail(key, "is required")
        if not isinstance(value, str) or not value.strip():
            raise self._fail(key, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def image(self, key: str) -> str:
        image = self.text(key)
        if not IMAGE_BY_DIGEST.match(image):
            raise self._fail(key, f"images are pinned by digest (name@sha256:<64 hex>), got "
                             f"'{image}'; a tag can be moved, a digest cannot")
        return image

    def digest(self, key: str) -> str:
        digest = self.text(key)
        if not SHA256_DIGEST.match(digest):
            raise self._fail(key, f"must be sha256:<64 lowercase hex> (the SHA-256 of the "
                             f"bundle's manifest.json), got '{digest}'")
        return digest

    def bundle(self, uri_key: str, digest_key: str) -> BundleRef:
        uri = self.text(uri_key)
        match = BUNDLE_URI.match(uri)
        if not match:
            raise self._fail(uri_key, "must be pvc://<claim>/<path inside the claim>, got "
                             f"'{uri}'")
        if ".." in match["path"].split("/"):
            raise self._fail(uri_key, f"path may not contain '..', got '{uri}'")
        return BundleRef(claim=match["claim"], path=match["path"].strip("/"),
                         digest=self.digest(digest_key))

    def cidr(self, key: str, forbidden: tuple) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        text = self.text(key)
        try:
            network = ipaddress.ip_network(text)
        except ValueError as e:
            raise self._fail(key, f"must be a CIDR range: {e}") from None
        clash = [str(o) for o in forbidden if o.version == network.version and o.overlaps(network)]
        if clash:
            raise self._fail(key, f"{network} overlaps {clash[0]}, a range of a region across "
                             "the border in the catalogue; egress across the border is never "
                             "allowed")
        return network

    def client_auth(self) -> ClientAuth:
        mtls = self.values.get("mtls", False)
        if isinstance(mtls, str) and mtls.lower() in ("true", "false"):  # Pulumi config is text
            mtls = mtls.lower() == "true"
        if not isinstance(mtls, bool):
            raise self._fail("mtls", f"must be true or false, got {mtls!r}")
        issuer = self.text("jwtIssuer") if "jwtIssuer" in self.values else None
        if issuer is None and not mtls:
            raise self._fail("jwtIssuer", "a serving stack authenticates its clients: set "
                             "jwtIssuer (bearer tokens, with jwtAudience) and/or mtls: true; "
                             "the JWKS, CA and certificates come from Vault")
        if issuer is not None and not issuer.startswith("https://"):
            raise self._fail("jwtIssuer", f"must be an https:// URL, got '{issuer}'")
        if "jwtAudience" in self.values and issuer is None:
            raise self._fail("jwtAudience", "is only used with jwtIssuer")
        return ClientAuth(jwt_issuer=issuer, jwt_audience=self.text("jwtAudience", "seawall"),
                          mtls=mtls)

    def count(self, key: str, default: int, *, low: int) -> int:
        value = self.values.get(key, default)
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise self._fail(key, f"must be a whole number >= {low}, got {value!r}")
        return value

    def data_classes(self) -> frozenset[DataClass]:
        value = self.values.get("dataClasses")
        if not isinstance(value, list) or not value:
            raise self._fail("dataClasses", f"must be a non-empty list, got {value!r}")
        known = {c.value: c for c in DataClass}
        for item in value:
            if item not in known:
                raise self._fail("dataClasses", f"unknown data class {item!r} (known: "
                                 f"{', '.join(known)})")
        return frozenset(known[item] for item in value)

    def decision_log(self, region: Region, catalogue: Catalogue) -> DecisionLogDb:
        storage = self.text("decisionLogStorage", "20Gi")
        if not STORAGE_SIZE.match(storage):
            raise self._fail("decisionLogStorage", f"must be a size like 20Gi, got '{storage}'")
        endpoint, pair_endpoint = self.host("decisionLogEndpoint"), None
        primary = self.text("drPrimaryStack") if "drPrimaryStack" in self.values else None
        if primary is None:
            pair_endpoint = self.host("drPairEndpoint")
        elif "drPairEndpoint" in self.values:
            raise self._fail("drPairEndpoint", "a DR replica reads its primary's endpoint from "
                             "the primary's stack (drPrimaryStack), not from its own config")
        if primary is not None:
            match = STACK_REF.match(primary)
            if match is None:
                raise self._fail("drPrimaryStack", f"must be a stack name "
                                 f"([<org>/]<project>/<stack>), got '{primary}'")
            if match["stack"] != region.dr_pair:
                raise self._fail("drPrimaryStack", f"names stack '{match['stack']}', but "
                                 f"{region.name}'s DR pair in the catalogue is "
                                 f"'{region.dr_pair}'; a replica follows only its pair (stacks "
                                 "are named after regions)")
        return DecisionLogDb(image=self.image("decisionLogImage"), endpoint=endpoint,
                             instances=self.count("decisionLogInstances", 3, low=1),
                             storage=storage, primary_stack=primary,
                             pair_endpoint=pair_endpoint,
                             pair_jurisdiction=catalogue.get(region.dr_pair).jurisdiction)

    def host(self, key: str) -> str:
        host = self.text(key)
        if not HOST.match(host):
            raise self._fail(key, f"must be a host name, got '{host}'")
        return host

    def canary(self) -> CanaryConfig | None:
        if not any(k in self.values for k in _CANARY_KEYS):
            return None
        return CanaryConfig(bundle=self.bundle("canaryBundleUri", "canaryBundleDigest"),
                            replicas=self.count("canaryReplicas", 1, low=1))
