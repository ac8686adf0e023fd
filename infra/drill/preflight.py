"""Refusals before a drill starts anything: the DR target must be onshore, serving, and the
catalogue's DR pair of the primary; the machine must have the servers a drill runs. (The DR
region's trust in the bundle's signer is checked by the caller, which may verify bundles; the
standby's catch-up once it exists, by `Cluster.wait_caught_up`.)"""

from __future__ import annotations

from infra.drill.errors import DrillRefused
from infra.drill.topology import missing_tools
from regions import Catalogue, Tier


def check_pair(catalogue: Catalogue, primary: str, dr: str) -> None:
    """`DrillRefused`, one line naming the rule, unless `dr` may take over from `primary`."""
    for name in (primary, dr):
        if name not in catalogue.regions:
            raise DrillRefused(f"region '{name}' is not in the catalogue ({catalogue.directory})"
                               f"; rule dr.catalogue: known regions are "
                               f"{', '.join(sorted(catalogue.regions))}")
    source, target = catalogue.get(primary), catalogue.get(dr)
    for region, role in ((source, "primary"), (target, "DR target")):
        if not region.onshore:
            raise DrillRefused(f"the {role} '{region.name}' is offshore ({region.jurisdiction}); "
                               "rule residency.onshore-serving: serving and personal data stay "
                               "onshore, so no drill may fail over to or from it")
        if not region.allows_tier(Tier.SERVING):
            raise DrillRefused(f"the {role} '{region.name}' has no serving tier; rule "
                               "dr.serving-tier: only serving regions fail over")
    if source.dr_pair != dr:
        raise DrillRefused(f"'{dr}' is not the DR pair of '{primary}' (the catalogue pairs it "
                           f"with '{source.dr_pair}'); rule dr.catalogue-pair: a region fails "
                           "over only to its catalogued pair")


def check_machine() -> None:
    missing = missing_tools()
    if missing:
        raise DrillRefused(f"a drill runs real servers, and this machine lacks: "
                           f"{', '.join(missing)}; rule dr.real-servers")
