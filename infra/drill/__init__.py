"""The DR drill: two onshore regions' real services, PostgreSQL streaming replication and
HAProxy on 127.0.0.1, a fault, a failover, and the measured figures as a `DrillReport`.

Public API (stable)::

    from infra.drill import Fault, Plan, Topology, check_pair, run_one

    check_pair(catalogue, "onshore-hn", "onshore-hcm")      # DrillRefused names the rule
    with Topology("onshore-hn", "onshore-hcm", serve_args) as topology:
        topology.up("onshore-hn", "onshore-hcm")
        report = run_one(topology, "onshore-hn", "onshore-hcm", plan, direction="failover",
                         checks=checks, progress=print)
        topology.rebuild("onshore-hn", "onshore-hcm")         # failback: HN from HCM

It imports `regions`, the report document and the ledger (to read the DR log); nothing of the
service but its command line.
"""

from infra.drill.errors import DrillError, DrillRefused
from infra.drill.preflight import check_machine, check_pair
from infra.drill.runner import Fault, Plan, run_one
from infra.drill.topology import Topology

__all__ = ["DrillError", "DrillRefused", "Fault", "Plan", "Topology", "check_machine",
           "check_pair", "run_one"]
