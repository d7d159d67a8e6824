"""Envoy's static bootstrap, and the config sources that tie dynamic resources to their files.

The bootstrap holds only what never changes while Envoy runs: the admin endpoint, the node identity and
where listeners (LDS) and clusters (CDS) come from. Everything else arrives as dynamic resources from the
files of a ``layout.Layout``, chained so that each kind of change reaches exactly one subscription:

* a listener's HTTP connection manager takes its routes over RDS from the route's own file (``rds``), so
  changing a weight rewrites one RouteConfiguration and no listener drains;
* a cluster takes its endpoints over EDS from the cluster's own file (``eds_cluster_config``), so a new
  instance rewrites one ClusterLoadAssignment and no cluster warms again.

Pure: builds plain JSON-able dictionaries and touches no file. ``files`` writes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vamp.adapters.envoy import layout

JsonObject = dict[str, Any]

LOOPBACK = "127.0.0.1"
_EXTENSIONS = "type.googleapis.com/envoy.extensions"


def socket_address(port: int, host: str = LOOPBACK) -> JsonObject:
    """An Envoy ``Address`` for ``host:port``."""
    return {"socket_address": {"address": host, "port_value": port}}


def bootstrap(
    files: layout.Layout, *, node_id: str, admin_port: int, node_cluster: str = "vamp"
) -> JsonObject:
    """The bootstrap of one Envoy whose dynamic resources are the files of ``files``.

    Args:
        files: where the xDS files are; ``files.root`` must be absolute.
        node_id: names this Envoy (``node.id``), e.g. the agent's name.
        admin_port: the admin endpoint's port on 127.0.0.1; 0 lets the kernel choose one (read it back
            from the file given to Envoy's ``--admin-address-path``).
        node_cluster: the service cluster this Envoy belongs to (``node.cluster``).
    """
    return {
        "node": {"id": node_id, "cluster": node_cluster},
        "admin": {"address": socket_address(admin_port)},
        "dynamic_resources": {
            "lds_config": file_source(files.listeners),
            "cds_config": file_source(files.clusters),
        },
        # Lets a gateway route to another gateway's listener inside Envoy (``internal_listener`` on the
        # listener, ``envoy_internal_address`` on the endpoint) instead of through a local port.
        "bootstrap_extensions": [
            {
                "name": "envoy.bootstrap.internal_listener",
                "typed_config": {"@type": f"{_EXTENSIONS}.bootstrap.internal_listener.v3.InternalListener"},
            }
        ],
        # Histograms are merged from the workers at each flush; the admin endpoint shows the last
        # merge. One second (instead of 5) keeps latency readings at most that old.
        "stats_flush_interval": "1s",
        # Envoy refuses a route file with a regex whose RE2 program is larger than 100 by default, which
        # a cookie or query condition with a value of about 70 characters already exceeds.
        "layered_runtime": {
            "layers": [
                {"name": "static", "static_layer": {"re2.max_program_size.error_level": 1000}},
                {"name": "admin", "admin_layer": {}},
            ]
        },
    }


def file_source(path: Path) -> JsonObject:
    """A ``ConfigSource`` reading ``path`` again whenever a file is renamed into its directory."""
    return {
        "resource_api_version": "V3",
        "path_config_source": {"path": str(path), "watched_directory": {"path": str(path.parent)}},
    }


def rds(files: layout.Layout, route_config: str) -> JsonObject:
    """The ``rds`` field of an HTTP connection manager that takes ``route_config`` from its own file."""
    return {"route_config_name": route_config, "config_source": file_source(files.route(route_config))}


def eds_cluster_config(files: layout.Layout, cluster: str) -> JsonObject:
    """The ``eds_cluster_config`` of a cluster (``type: EDS``) that takes its endpoints from its own file."""
    return {"service_name": cluster, "eds_config": file_source(files.endpoints(cluster))}
