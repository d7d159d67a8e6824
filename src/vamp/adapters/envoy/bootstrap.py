"""Envoy's static bootstrap, and the config sources that tie dynamic resources to their delivery.

The bootstrap holds only what never changes while Envoy runs: the admin endpoint, the node identity and
where listeners (LDS) and clusters (CDS) come from.

The admin endpoint listens on a Unix domain socket of mode 0600 in the agent's work directory, never on a
TCP port: only the agent's user can reach it (``/quitquitquit``, ``/runtime_modify``, the config dump);
and the runtime has no admin layer, so ``/runtime_modify`` changes nothing even for that user.

Everything else arrives as dynamic resources, in one of two ways:

* from the files of a ``layout.Layout`` (``bootstrap``), chained so that each kind of change reaches
  exactly one subscription:

  - a listener's HTTP connection manager takes its routes over RDS from the route's own file (``rds``), so
    changing a weight rewrites one RouteConfiguration and no listener drains;
  - a cluster takes its endpoints over EDS from the cluster's own file (``eds_cluster_config``), so a new
    instance rewrites one ClusterLoadAssignment and no cluster warms again;
* from the agent's ADS server (``bootstrap_ads``): one gRPC stream, over a Unix domain socket in the
  agent's work directory, for every type. The resources keep the same shape (route configurations and
  load assignments still separate, named from listeners and clusters), with ``ads_source`` as their config
  source; ``xds`` puts it in place of the file sources.

Pure: builds plain JSON-able dictionaries and touches no file. ``files`` writes them; ``xds`` serves them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from vamp.adapters.envoy import layout, stats
from vamp.core import latency_buckets

JsonObject = dict[str, Any]

LOOPBACK = "127.0.0.1"
ADMIN_SOCKET_MODE = 0o600
"""Only the owner may connect to the admin socket."""
XDS_CLUSTER = "vamp_xds"
"""The static cluster through which Envoy reaches the ADS server (``bootstrap_ads``); rendered cluster
names end in a hash after a dash, so none can take this name."""
_EXTENSIONS = "type.googleapis.com/envoy.extensions"


def socket_address(port: int, host: str = LOOPBACK) -> JsonObject:
    """An Envoy ``Address`` for ``host:port``."""
    return {"socket_address": {"address": host, "port_value": port}}


def pipe_address(path: Path, mode: int = ADMIN_SOCKET_MODE) -> JsonObject:
    """An Envoy ``Address`` for the Unix domain socket ``path``, which Envoy creates with ``mode``."""
    return {"pipe": {"path": str(path), "mode": mode}}


def admin_socket(config: JsonObject) -> Path:
    """Where the admin endpoint of the bootstrap ``config`` listens."""
    return Path(config["admin"]["address"]["pipe"]["path"])


def bootstrap(
    files: layout.Layout, *, node_id: str, admin_socket: Path, node_cluster: str = "vamp"
) -> JsonObject:
    """The bootstrap of one Envoy whose dynamic resources are the files of ``files``.

    Args:
        files: where the xDS files are; ``files.root`` must be absolute.
        node_id: names this Envoy (``node.id``), e.g. the agent's name.
        admin_socket: the admin endpoint's Unix domain socket (an absolute path of at most 107 bytes),
            made with mode 0600.
        node_cluster: the service cluster this Envoy belongs to (``node.cluster``).
    """
    dynamic = {"lds_config": file_source(files.listeners), "cds_config": file_source(files.clusters)}
    return {**_static(node_id, admin_socket, node_cluster), "dynamic_resources": dynamic}


def bootstrap_ads(
    *, node_id: str, admin_socket: Path, socket_path: Path, node_cluster: str = "vamp"
) -> JsonObject:
    """The bootstrap of one Envoy that takes every dynamic resource from the ADS server at ``socket_path``.

    The server is reached over HTTP/2 on the Unix domain socket ``socket_path`` (an absolute path), through
    the static cluster ``XDS_CLUSTER``. When the stream breaks (the agent restarts), Envoy keeps serving
    what it has and connects again after 0.1 s, backing off to at most 1 s. The other arguments are
    those of ``bootstrap``.
    """
    ads = {
        "api_type": "GRPC",
        "transport_api_version": "V3",
        "grpc_services": [
            {
                "envoy_grpc": {
                    "cluster_name": XDS_CLUSTER,
                    "retry_policy": {"retry_back_off": {"base_interval": "0.1s", "max_interval": "1s"}},
                }
            }
        ],
        "set_node_on_first_message_only": True,
    }
    return {
        **_static(node_id, admin_socket, node_cluster),
        "dynamic_resources": {"ads_config": ads, "lds_config": ads_source(), "cds_config": ads_source()},
        "static_resources": {"clusters": [_xds_cluster(socket_path)]},
    }


def ads_source() -> JsonObject:
    """A ``ConfigSource`` naming the ADS stream of ``bootstrap_ads``."""
    return {"resource_api_version": "V3", "ads": {}}


def _xds_cluster(socket_path: Path) -> JsonObject:
    address = {"pipe": {"path": str(socket_path)}}
    http2 = {
        "@type": f"{_EXTENSIONS}.upstreams.http.v3.HttpProtocolOptions",
        "explicit_http_config": {"http2_protocol_options": {}},
    }
    return {
        "name": XDS_CLUSTER,
        "type": "STATIC",
        "connect_timeout": "1s",
        "typed_extension_protocol_options": {"envoy.extensions.upstreams.http.v3.HttpProtocolOptions": http2},
        "load_assignment": {
            "cluster_name": XDS_CLUSTER,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": address}}]}],
        },
    }


def _static(node_id: str, admin_socket: Path, node_cluster: str) -> JsonObject:
    """What both bootstraps share: who this Envoy is, its admin endpoint, extensions, stats and runtime."""
    return {
        "node": {"id": node_id, "cluster": node_cluster},
        "admin": {"address": pipe_address(admin_socket)},
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
        "stats_config": stats_config(),
        # Envoy refuses a route file with a regex whose RE2 program is larger than 100 by default, which
        # a cookie or query condition with a value of about 70 characters already exceeds. No admin layer:
        # nothing may change the runtime through the admin endpoint.
        "layered_runtime": {
            "layers": [{"name": "static", "static_layer": {"re2.max_program_size.error_level": 1000}}]
        },
    }


def stats_config() -> JsonObject:
    """Envoy's ``StatsConfig``: only the stats Vamp or Envoy itself reads, latency in fine buckets.

    Envoy makes about 150 stats for each cluster, listener and connection manager, and keeps, merges at
    every flush and matches every admin read against each of them: at 1,000 gateways × 10 routes that
    is millions of stats, most of which nothing ever reads. The matcher (``stats_matcher``) keeps the
    global ones (``KEPT_PREFIXES``) and, of each cluster, listener and connection manager, those whose
    names end in one of ``KEPT_SUFFIXES``; Envoy does not make the others (suffixes and prefixes, not
    regular expressions: Envoy matches each stat name once, as it makes it).

    Only ``cluster.<name>.upstream_rq_time`` (what ``stats`` reads) gets the fine buckets, about 120 of
    them, 10 % apart, so a release's judge can tell 10 ms from 12 ms; every other histogram keeps Envoy's
    default buckets. Envoy adds the +Inf bucket itself, so the last (infinite) bound is left out.
    """
    bounds = [bound for bound in latency_buckets.latency_bounds() if bound != math.inf]
    patterns = [{"prefix": prefix} for prefix in KEPT_PREFIXES]
    patterns += [{"suffix": f".{suffix}"} for suffix in KEPT_SUFFIXES]
    return {
        "stats_matcher": {"inclusion_list": {"patterns": patterns}},
        "histogram_bucket_settings": [
            {"match": {"safe_regex": {"regex": _UPSTREAM_RQ_TIME}}, "buckets": bounds}
        ],
    }


KEPT_PREFIXES = (
    "server.",
    "cluster_manager.",
    "listener_manager.",
    "control_plane.",
    "runtime.",
    f"cluster.{XDS_CLUSTER}.",
)
"""Stats Envoy keeps whole: its own (one each, not one per resource), and those of the ADS cluster."""
KEPT_SUFFIXES = (
    # Traffic per route (``stats.read``), and the versions Envoy accepted (``files.accepted``).
    *stats.READ,
    "version_text",
    # Read by Envoy itself: outlier detection stops ejecting at ``max_ejection_percent`` by this gauge,
    # the least-request balancer weighs hosts by ``max_host_weight``, a local rate limit shares its
    # tokens by ``membership_total``; without them these would read 0.
    "outlier_detection.ejections_active",
    "max_host_weight",
    "membership_total",
    "membership_healthy",
    "membership_degraded",
    "membership_excluded",
    # What a refused resource, a retry, a timeout and a chained gateway's requests show as, read by the
    # end-to-end tests that prove them (one counter each; the 504 only once a route timed out).
    "update_rejected",
    "upstream_rq_retry",
    "upstream_rq_timeout",
    "upstream_rq_504",
    "downstream_rq_completed",
)
"""The last part of the name of each stat of a cluster, listener or connection manager Envoy keeps."""


_UPSTREAM_RQ_TIME = r"^cluster\.[^.]+\.upstream_rq_time$"


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
