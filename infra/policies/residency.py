"""The residency and security rules `pulumi up --policy-pack infra/policies` enforces.

Each rule is a small function over one planned resource (or the whole stack) that reports every
violation in words a platform engineer can act on. The program already refuses most of these
when it reads its config; the pack is the second, independent line: it checks what is about to
be deployed, whoever wrote the program.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from infra.policies._resources import (
    annotations,
    containers,
    forbidden_ranges,
    is_serving,
    kind_of,
    outside_onshore_serving,
    pod_spec,
    region_of,
    stack_of,
)
from infra.policies.dr import decision_log_db_onshore
from regions import PERSONAL_DATA_CLASSES, Tier

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_SECRET_NAME = re.compile(r"pass(word|wd)?|secret|token|api[-_]?key|private[-_]?key|credential",
                          re.IGNORECASE)
_SECRET_VALUE = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----|\bhvs\.[A-Za-z0-9_-]{20,}|\bAKIA[0-9A-Z]{16}\b"
    r"|://[^/\s:@]+:[^/\s@]+@")
_REFERENCE = re.compile(r"^(file://|/|secret:|vault://)")  # where a secret is, not the secret


def serving_only_onshore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Serving resources only in onshore regions that allow serving.

    Decree 53/2022 Art 26 and Law 91/2025/QH15: credit decisions on Vietnamese data subjects are
    made, and their personal data kept, in Vietnam. The region is the stack's name.
    """
    if not is_serving(args.urn, args.resource_type, args.props):
        return
    region = region_of(args.urn)
    if region is None:
        report(f"{args.name}: serving resource in stack '{stack_of(args.urn)}', which is not a "
               "region of the catalogue; serving stacks are named after onshore regions")
    elif not (region.onshore and region.allows_tier(Tier.SERVING)):
        report(f"{args.name}: serving resource in {region.name} ({region.residency.value}); "
               "serving is allowed only in onshore regions with the serving tier")


def monitoring_only_onshore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """A workload running `seawall monitor` or `seawall outcomes` only in onshore serving regions.

    The monitor reads scored rows and observed outcomes: personal data that stays in Vietnam
    (Decree 53/2022 Art 26), whatever the workload's labels say.
    """
    spec = pod_spec(kind_of(args.resource_type), args.props)
    commands = [[str(part) for part in (c.get("command") or []) + (c.get("args") or [])]
                for _, c in containers(spec or {})]
    if not any(part in ("monitor", "outcomes") and "seawall" in " ".join(cmd[:i])
               for cmd in commands for i, part in enumerate(cmd)):
        return
    where = outside_onshore_serving(args.urn)
    if where is not None:
        report(f"{args.name}: runs the drift monitor in {where}; monitoring reads scored rows "
               "and outcomes, so it runs only in onshore regions with the serving tier")


def no_personal_data_offshore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No `pii` or `pseudonymous` data class configured in an offshore stack.

    Decree 53/2022 and Law 91/2025/QH15: personal data (directly or indirectly identifying)
    stays onshore; the offshore tier trains on anonymised extracts only.
    """
    region = region_of(args.urn)
    if region is None or region.onshore:
        return
    declared = [annotations(args.props).get("seawall.io/data-classes", "")]
    if kind_of(args.resource_type) == "ConfigMap":
        declared.append((args.props.get("data") or {}).get("data-classes", ""))
    personal = {c.value for c in PERSONAL_DATA_CLASSES}
    found = sorted({c.strip() for text in declared for c in text.split(",")} & personal)
    if found:
        report(f"{args.name}: declares data classes {', '.join(found)} in offshore region "
               f"{region.name}; personal data may not be held offshore")


def images_by_digest(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Every container image is pinned by digest (`name@sha256:<64 hex>`), never by tag.

    A tag can be moved after review; a digest names exactly the bytes that were scanned and
    approved (SR 11-7 change control, Circular 13 model-change records).
    """
    spec = pod_spec(kind_of(args.resource_type), args.props)
    for group, c in containers(spec or {}):
        image = c.get("image") or ""
        if not _DIGEST.search(image):
            report(f"{args.name}: {group} '{c.get('name')}' uses image '{image}', not pinned "
                   "by digest (name@sha256:<64 hex>)")


def serving_deployment_verifies_first(args: ResourceValidationArgs,
                                      report: ReportViolation) -> None:
    """Every serving Deployment has an init container running `seawall verify --purpose serve`.

    Fail closed: a pod whose bundle is unsigned, untrusted or changed never starts serving
    (the onshore copy must be exactly what was signed offshore).
    """
    if kind_of(args.resource_type) != "Deployment" or not is_serving(
            args.urn, args.resource_type, args.props):
        return
    spec = pod_spec("Deployment", args.props) or {}
    for c in spec.get("initContainers") or []:
        argv = [*(c.get("command") or []), *(c.get("args") or [])]
        if argv[:2] == ["seawall", "verify"] and "--purpose" in argv \
                and argv[argv.index("--purpose") + 1:][:1] == ["serve"]:
            return
    report(f"serving Deployment {args.name} has no verify init container "
           "(`seawall verify <bundle> --region <region> --purpose serve`)")


def serving_authenticates_clients(args: ResourceValidationArgs,
                                  report: ReportViolation) -> None:
    """Every serving container serves TLS and authenticates its clients (tokens or mTLS).

    Personal data is scored there: a serving pod without `--tls-cert` and one of `--jwt-issuer`
    or `--tls-client-ca`, or with `--insecure-no-auth`, would let anyone who reaches it score
    and read decisions.
    """
    if kind_of(args.resource_type) != "Deployment" or not is_serving(
            args.urn, args.resource_type, args.props):
        return
    for c in (pod_spec("Deployment", args.props) or {}).get("containers") or []:
        argv = [*(c.get("command") or []), *(c.get("args") or [])]
        if argv[:2] != ["seawall", "serve"]:
            continue
        where = f"serving Deployment {args.name}, container '{c.get('name')}'"
        if "--insecure-no-auth" in argv:
            report(f"{where} runs with --insecure-no-auth")
        elif "--tls-cert" not in argv:
            report(f"{where} serves plain HTTP (no --tls-cert)")
        elif not {"--jwt-issuer", "--tls-client-ca"} & set(argv):
            report(f"{where} authenticates no client (neither --jwt-issuer nor --tls-client-ca)")


def no_egress_across_border(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No NetworkPolicy allows egress to an address range of a region across the border.

    Onshore pods never talk to offshore ranges (and the offshore tier never reaches onshore
    stores), so personal data has no network path out (Decree 53/2022 Art 26).
    """
    region = region_of(args.urn)
    if kind_of(args.resource_type) != "NetworkPolicy" or region is None:
        return
    forbidden = forbidden_ranges(region)
    for rule in (args.props.get("spec") or {}).get("egress") or []:
        for peer in rule.get("to") or []:
            cidr = (peer.get("ipBlock") or {}).get("cidr")
            if not cidr:
                continue
            try:
                net = ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                report(f"NetworkPolicy {args.name}: egress ipBlock '{cidr}' is not a CIDR range")
                continue
            clash = [str(f) for f in forbidden if f.version == net.version and f.overlaps(net)]
            if clash:
                report(f"NetworkPolicy {args.name}: egress to {cidr} reaches {clash[0]}, a "
                       f"range across the border from {region.name}")


def no_plain_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No secret in plain config: no Kubernetes Secret from Pulumi, no secret-looking literal.

    Secrets come from Vault at run time (agent-injected files); a value in a ConfigMap, an
    environment variable or an annotation would sit in plain text in Pulumi state and in etcd.
    """
    kind = kind_of(args.resource_type)
    if kind == "Secret":
        report(f"{args.name}: Kubernetes Secret managed by Pulumi; put the value in Vault and "
               "inject it (vault.hashicorp.com/agent-inject-secret-*)")
        return
    for key, value in annotations(args.props).items():
        if _SECRET_VALUE.search(str(value)):
            report(f"{args.name}: annotation '{key}' holds what looks like a secret")
    if kind == "ConfigMap":
        for key, value in (args.props.get("data") or {}).items():
            if _SECRET_NAME.search(key) or _SECRET_VALUE.search(str(value)):
                report(f"ConfigMap {args.name}: key '{key}' looks like a secret in plain text")
    for group, c in containers(pod_spec(kind, args.props) or {}):
        for env in c.get("env") or []:
            value = env.get("value")
            if value is None or _REFERENCE.match(str(value)):
                continue
            if _SECRET_NAME.search(env.get("name", "")) or _SECRET_VALUE.search(str(value)):
                report(f"{args.name}: {group} '{c.get('name')}' env '{env.get('name')}' is a "
                       "literal secret; read it from a Vault-injected file instead")


def namespaces_default_deny(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every namespace has a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules).

    Everything a pod may reach is then an explicit, reviewable allow rule.
    """
    namespaces = {}
    for r in args.resources:
        if kind_of(r.resource_type) == "Namespace":
            namespaces[(r.props.get("metadata") or {}).get("name")] = r
    denied = set()
    for r in args.resources:
        spec = r.props.get("spec") or {}
        if (kind_of(r.resource_type) == "NetworkPolicy" and not spec.get("podSelector")
                and {"Ingress", "Egress"} <= set(spec.get("policyTypes") or [])
                and not spec.get("ingress") and not spec.get("egress")):
            denied.add((r.props.get("metadata") or {}).get("namespace"))
    for name in sorted(set(namespaces) - denied, key=str):
        report(f"namespace {name} has no default-deny NetworkPolicy", namespaces[name].urn)


def _resource(name: str, rule: Callable) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(name=name, description=rule.__doc__.splitlines()[0],
                                    validate=rule, enforcement_level=EnforcementLevel.MANDATORY)


POLICIES = [
    _resource("serving-only-onshore", serving_only_onshore),
    _resource("monitoring-only-onshore", monitoring_only_onshore),
    _resource("no-personal-data-offshore", no_personal_data_offshore),
    _resource("images-by-digest", images_by_digest),
    _resource("serving-deployment-verifies-first", serving_deployment_verifies_first),
    _resource("serving-authenticates-clients", serving_authenticates_clients),
    _resource("no-egress-across-border", no_egress_across_border),
    _resource("no-plain-secrets", no_plain_secrets),
    _resource("decision-log-db-onshore", decision_log_db_onshore),
    StackValidationPolicy(name="namespaces-default-deny",
                          description=namespaces_default_deny.__doc__.splitlines()[0],
                          validate=namespaces_default_deny,
                          enforcement_level=EnforcementLevel.MANDATORY),
]
