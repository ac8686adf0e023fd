"""The DR rules of the policy pack: the decision log's database and its DR replica stay in
Vietnam.

A CloudNativePG `Cluster` holds every decision and its features: personal data (Decree
53/2022 Art 26). It may run only in an onshore serving region, its pair (the cluster it
replicates with) must be that region's catalogued DR pair in the same jurisdiction, no
connection may point across the border, and its image is pinned by digest. The pair's region and
jurisdiction come from the primary stack's outputs (read through a StackReference) in the DR
region, so a replica of a primary outside Vietnam is refused here whatever its config says.
"""

from __future__ import annotations

import ipaddress
import re

from pulumi_policy import ReportViolation, ResourceValidationArgs

from infra.policies._resources import (
    annotations,
    catalogue,
    forbidden_ranges,
    outside_onshore_serving,
    region_of,
)

_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
PAIR_REGION = "seawall.io/dr-pair-region"  # as infra.decision_log_db writes them
PAIR_JURISDICTION = "seawall.io/dr-pair-jurisdiction"


def _is_cluster(args: ResourceValidationArgs) -> bool:
    return args.resource_type.startswith("kubernetes:postgresql.cnpg.io/") and \
        args.resource_type.endswith(":Cluster")


def decision_log_db_onshore(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The decision log's database and its DR replica only in Vietnam's onshore serving regions.

    Decree 53/2022 Art 26 and Law 91/2025/QH15: the log holds personal data, so neither the
    primary nor its DR replica may be placed, or replicate, outside Vietnam.
    """
    if not _is_cluster(args):
        return
    where = outside_onshore_serving(args.urn)
    if where is not None:
        report(f"{args.name}: a decision-log database in {where}; it holds personal data and "
               "runs only in onshore regions with the serving tier")
        return
    region = region_of(args.urn)
    notes = annotations(args.props)
    pair_name, jurisdiction = notes.get(PAIR_REGION), notes.get(PAIR_JURISDICTION)
    pair = catalogue().regions.get(pair_name or "")
    if pair is None or pair_name != region.dr_pair:
        report(f"{args.name}: its DR pair is '{pair_name}', but {region.name}'s catalogued DR "
               f"pair is '{region.dr_pair}'; a replica follows only its pair")
    elif not pair.onshore or jurisdiction != region.jurisdiction or \
            pair.jurisdiction != region.jurisdiction:
        report(f"{args.name}: its DR pair {pair_name} is in {jurisdiction or '?'} "
               f"({pair.residency.value}); the DR replica of personal data stays in "
               f"{region.jurisdiction}, onshore")
    spec = args.props.get("spec") or {}
    image = spec.get("imageName") or ""
    if not _DIGEST.search(image):
        report(f"{args.name}: imageName '{image}' is not pinned by digest")
    forbidden = forbidden_ranges(region)
    for external in spec.get("externalClusters") or []:
        host = str((external.get("connectionParameters") or {}).get("host") or "")
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            continue  # a host name: the egress NetworkPolicies decide where it may resolve to
        if any(address in net for net in forbidden):
            report(f"{args.name}: external cluster '{external.get('name')}' at {host} is "
                   f"across the border from {region.name}")
