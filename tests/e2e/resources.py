"""Envoy v3 resources for tests, built the way the renderer will build them (``bootstrap.rds`` and
``bootstrap.eds_cluster_config`` tie them to their files). Only what the tests need; extra fields are
merged in by the callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vamp.adapters.envoy import bootstrap, layout
from vamp.adapters.envoy import files as envoy_files

JsonObject = dict[str, Any]

HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
ROUTER = {
    "name": "envoy.filters.http.router",
    "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
}


def listener(
    files: layout.Layout,
    name: str,
    port: int,
    route_config: str,
    *,
    http_filters: tuple[JsonObject, ...] = (),
) -> JsonObject:
    """An HTTP listener on 127.0.0.1:``port`` taking ``route_config`` over RDS from its file."""
    manager = {
        "@type": HCM,
        "stat_prefix": name,
        "rds": bootstrap.rds(files, route_config),
        "http_filters": [*http_filters, ROUTER],
    }
    return {
        "name": name,
        "address": bootstrap.socket_address(port),
        "filter_chains": [
            {"filters": [{"name": "envoy.filters.network.http_connection_manager", "typed_config": manager}]}
        ],
    }


def cluster(files: layout.Layout, name: str, **extra: Any) -> JsonObject:
    """A cluster taking its endpoints over EDS from its file."""
    return {
        "name": name,
        "type": "EDS",
        "connect_timeout": "1s",
        "eds_cluster_config": bootstrap.eds_cluster_config(files, name),
        **extra,
    }


def endpoints(name: str, *ports: int) -> JsonObject:
    """The load assignment of cluster ``name``: one endpoint per port on 127.0.0.1."""
    lb_endpoints = [{"endpoint": {"address": bootstrap.socket_address(port)}} for port in ports]
    return {"cluster_name": name, "endpoints": [{"lb_endpoints": lb_endpoints}]}


def weighted(weights: Mapping[str, int], **extra: Any) -> JsonObject:
    """A ``route`` action spreading requests over clusters by weight, in hundredths of a percent.

    Envoy divides by the sum of the weights; ``total_weight`` is deprecated in 1.40.
    """
    clusters = [{"name": name, "weight": weight} for name, weight in weights.items()]
    return {"weighted_clusters": {"clusters": clusters}, **extra}


def route_config(name: str, *routes: JsonObject, domains: tuple[str, ...] = ("*",)) -> JsonObject:
    """A RouteConfiguration with one virtual host holding ``routes`` in order."""
    return {"name": name, "virtual_hosts": [{"name": name, "domains": list(domains), "routes": list(routes)}]}


def prefix(action: JsonObject, path: str = "/", **match: Any) -> JsonObject:
    """A route matching ``path`` as a prefix (plus any other ``match`` fields) with ``action``."""
    return {"match": {"prefix": path, **match}, "route": action}


def snapshot(
    files: layout.Layout,
    port: int,
    routes: tuple[JsonObject, ...],
    pools: Mapping[str, tuple[int, ...]],
    *,
    version: str = "v1",
    clusters: Mapping[str, JsonObject] | None = None,
    http_filters: tuple[JsonObject, ...] = (),
    domains: tuple[str, ...] = ("*",),
) -> envoy_files.Snapshot:
    """One listener on ``port`` with one route configuration of ``routes``, and one EDS cluster per pool
    (``name -> ports``); ``clusters`` adds fields to the clusters it names."""
    extra = clusters or {}
    return envoy_files.Snapshot(
        version,
        listeners=(listener(files, "gateway", port, "gateway", http_filters=http_filters),),
        clusters=tuple(cluster(files, name, **extra.get(name, {})) for name in pools),
        routes=(route_config("gateway", *routes, domains=domains),),
        endpoints=tuple(endpoints(name, *ports) for name, ports in pools.items()),
    )
