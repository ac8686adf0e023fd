"""The decision log's database in a serving region: a CloudNativePG `Cluster`, one of a
distributed topology across the region and its DR pair (the topology `seawall drill run`
exercises on real PostgreSQL).

The primary region's cluster (`replica.primary` names itself) commits synchronously to one of
its own instances and to the DR pair's designated primary (`synchronous.standbyNamesPost`, with
`dataDurability: required`), so an acknowledged decision exists in both regions, as in the
drill. The DR region's cluster is a replica cluster (`replica.primary` names the primary,
`source` streams from it, bootstrapped by `pg_basebackup`); its connection to the primary comes
from the primary stack's outputs, read through a `StackReference`. A switchover is CloudNativePG's
declarative demotion and promotion (change `replica.primary` in both stacks); a failover
promotes the replica (docs/sre.md).

Replication uses TLS client certificates: the Secrets named here (`<cluster>-replication`,
`<cluster>-ca` of the pair) are synced from Vault by the platform, never created by Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from infra.k8s_objects import Obj, metadata
from infra.labels import namespace_name, tier_labels
from infra.stack_config import StackConfig
from regions import Tier

DATABASE, OWNER = "decisions", "seawall"
REPLICATION_USER = "streaming_replica"
PAIR_REGION = "seawall.io/dr-pair-region"
PAIR_JURISDICTION = "seawall.io/dr-pair-jurisdiction"
ROLE = "seawall.io/decision-log-role"


def cluster_name(region: str) -> str:
    return f"decision-log-{region}"


@dataclass(frozen=True)
class Pair:
    """The DR pair's cluster as this stack knows it: values or Pulumi outputs."""

    region: Any  # str or pulumi.Output[str]
    jurisdiction: Any
    endpoint: Any


def decision_log_cluster(config: StackConfig, pair: Pair) -> Obj:
    """The region's `Cluster`: primary or replica as its stack config says."""
    db, region = config.decision_log, config.region
    assert db is not None  # parse_stack_config requires it for a serving region
    own = cluster_name(region.name)
    pair_name = cluster_name(region.dr_pair)
    primary = pair_name if db.replica else own
    bootstrap = ({"pg_basebackup": {"source": pair_name}} if db.replica else
                 {"initdb": {"database": DATABASE, "owner": OWNER}})
    annotations = {ROLE: "replica" if db.replica else "primary", PAIR_REGION: pair.region,
                   PAIR_JURISDICTION: pair.jurisdiction}
    return {
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": metadata(own, namespace_name(Tier.SERVING),
                             tier_labels(region, Tier.SERVING), annotations),
        "spec": {
            "instances": db.instances, "imageName": db.image,
            "storage": {"size": db.storage},
            "enableSuperuserAccess": False,
            "bootstrap": bootstrap,
            "replica": {"self": own, "primary": primary,
                        "source": pair_name},
            "externalClusters": [_external(own, db.endpoint, own),
                                 _external(pair_name, pair.endpoint, own)],
            "postgresql": {"synchronous": {
                "method": "first", "number": 2, "maxStandbyNamesFromCluster": 1,
                "standbyNamesPost": [pair_name], "dataDurability": "required"}},
        },
    }


def _external(name: str, host: Any, application_name: str) -> Obj:
    """One cluster of the topology, reached over TLS as the replication user."""
    return {"name": name,
            "connectionParameters": {"host": host, "user": REPLICATION_USER,
                                     "dbname": "postgres", "sslmode": "verify-full",
                                     "application_name": application_name},
            "sslKey": {"name": f"{name}-replication", "key": "tls.key"},
            "sslCert": {"name": f"{name}-replication", "key": "tls.crt"},
            "sslRootCert": {"name": f"{name}-ca", "key": "ca.crt"}}
