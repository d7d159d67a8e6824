"""Target clusters → Envoy clusters and their endpoints, and the clusters of the internal hops.

Each target cluster of the plan (one route of one gateway) becomes one Envoy cluster, so Envoy's cluster
stats are per-route stats. Its kind follows its endpoints:

* a route to another gateway of this plan goes to that gateway's internal listener
  (``envoy_internal_address``): no port, no network hop, each gateway still counts its own requests;
* endpoints that are all IP addresses (instances, ``[10.0.0.1:80]``) come over EDS from the cluster's own
  file, so a new instance rewrites one small file and the cluster is not warmed again;
* endpoints by host name (``[api.example.com:443]``) are resolved by Envoy: ``LOGICAL_DNS`` for one
  (Envoy's advice for a large web service), ``STRICT_DNS`` for several. EDS would refuse them.

Every cluster but an internal one balances as its route asks (``lb_policy``), is checked actively when
``RenderOptions.health_check_interval_s`` is set — ``GET /`` for instances, where any answer below 500 is
healthy (a service without a page at ``/`` is still up), a TCP connect for TCP routes and external hosts
(no HTTP requests to someone else's service) — unhealthy after 2 failures and healthy after 1 success.
Checks are paced so that thousands of idle routes do not flood the machine: a route's instances are
checked every interval once the route has had traffic, and so are, before that, instances not known
healthy (``no_traffic_interval``: without it such an instance would wait 60 s to be found up); an
instance known healthy on a route that has had no traffic yet is checked every 60 s
(``no_traffic_healthy_interval``, Envoy's own pace for idle clusters), so 10,000 idle routes cost about
170 checks a second rather than 10,000. Each interval is drawn with 10 % jitter, so the checks of
clusters warmed together spread out. A cluster whose definition did not change is not sent again, so
its checks are never restarted by a plan that changes something else.
Outlier detection ejects an instance after 5 consecutive 5xx or connect failures. Envoy's panic threshold
stays: when most instances of a route look unhealthy, it sends to all rather than to none, so a wrong
health check cannot take a working route down. A refusing target thus only fails its own route.

Pure: builds JSON-able dictionaries only.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from vamp.adapters.envoy import bootstrap, layout, render_names
from vamp.adapters.envoy.render_options import RenderOptions, duration
from vamp.core import model
from vamp.core.routing import plan

JsonObject = dict[str, Any]

_IDLE_HEALTHY_INTERVAL_S = 60.0
"""How often an instance known healthy is checked on a route that has had no traffic yet."""
_JITTER_PERCENT = 10
"""Each health check interval is drawn up to this much longer, to spread the checks."""

_LB_POLICIES = {
    plan.Balance.ROUND_ROBIN: "ROUND_ROBIN",
    plan.Balance.LEAST_REQUEST: "LEAST_REQUEST",
    plan.Balance.RANDOM: "RANDOM",
    plan.Balance.RING_HASH: "RING_HASH",
}


def is_ip(host: str) -> bool:
    """Whether ``host`` is an IPv4 or IPv6 address rather than a name to resolve."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def target_cluster(
    target: plan.TargetCluster, files: layout.Layout, options: RenderOptions, *, chained: bool
) -> tuple[JsonObject, JsonObject | None]:
    """The Envoy cluster of ``target`` and, for an EDS cluster, its load assignment.

    ``chained``: ``target`` routes to a gateway whose internal listener this rendering has.
    """
    name = render_names.envoy_name(target.name)
    if chained and target.gateway is not None:
        return internal_cluster(name, render_names.internal_listener(target.gateway), options), None
    cluster: JsonObject = {
        "name": name,
        "connect_timeout": duration(options.connect_timeout_s),
        "lb_policy": _LB_POLICIES[target.balance],
        "outlier_detection": {
            "consecutive_5xx": 5,
            "interval": "1s",
            "base_ejection_time": "10s",
            "max_ejection_percent": 50,
        },
    }
    if options.health_check_interval_s is not None:
        cluster["health_checks"] = [_health_check(target, options.health_check_interval_s)]
    endpoints = {"cluster_name": name, "endpoints": _locality(target.endpoints)}
    if all(is_ip(endpoint.host) for endpoint in target.endpoints):
        cluster |= {"type": "EDS", "eds_cluster_config": bootstrap.eds_cluster_config(files, name)}
        return cluster, endpoints
    cluster |= {
        "type": "LOGICAL_DNS" if len(target.endpoints) == 1 else "STRICT_DNS",
        "dns_lookup_family": "V4_PREFERRED",
        "load_assignment": endpoints,
    }
    return cluster, None


def internal_cluster(name: str, listener: str, options: RenderOptions) -> JsonObject:
    """A cluster whose one endpoint is the internal listener ``listener`` of this Envoy."""
    address = {"envoy_internal_address": {"server_listener_name": listener}}
    return {
        "name": name,
        "type": "STATIC",
        "connect_timeout": duration(options.connect_timeout_s),
        "load_assignment": {
            "cluster_name": name,
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": address}}]}],
        },
    }


def _locality(endpoints: tuple[plan.Endpoint, ...]) -> list[JsonObject]:
    if not endpoints:
        return []
    lb_endpoints = [{"endpoint": {"address": bootstrap.socket_address(e.port, e.host)}} for e in endpoints]
    return [{"lb_endpoints": lb_endpoints}]


def _health_check(target: plan.TargetCluster, interval_s: float) -> JsonObject:
    interval = duration(interval_s)
    check: JsonObject = {
        "timeout": interval,
        "interval": interval,
        "interval_jitter_percent": _JITTER_PERCENT,
        "no_traffic_interval": interval,
        "no_traffic_healthy_interval": duration(max(interval_s, _IDLE_HEALTHY_INTERVAL_S)),
        "unhealthy_threshold": 2,
        "healthy_threshold": 1,
    }
    if target.protocol is model.Protocol.TCP or target.external:
        return {**check, "tcp_health_check": {}}
    return {**check, "http_health_check": {"path": "/", "expected_statuses": [{"start": 200, "end": 500}]}}
