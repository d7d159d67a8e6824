"""The renderer: a routing plan → the Envoy v3 resources of one snapshot, for ``files.publish`` or
``xds.XdsServer.publish``.

``render(plan, files)`` is pure and deterministic: the same plan gives an identical snapshot (versioned
with ``plan.version``), and nothing here touches a file, the clock or the network. The pieces:

* ``render_listeners``: a listener per plan listener (each gateway's port, the shared virtual-host port),
  plus an internal listener for each gateway another gateway routes to;
* ``render_routes``: a route configuration per HTTP listener (its virtual hosts: conditions, strengths,
  weights, sticky routes), delivered over RDS; ``render_matchers`` turns conditions into route matches;
* ``render_clusters``: a cluster per target cluster (one route of one gateway), with its endpoints over
  EDS where they are IP addresses;
* the rewrite hop of each target with path rewrites: an internal listener, its route configuration and
  the cluster in front of it (``render_routes`` explains why);
* ``render_names``: the Envoy names of all of these.

``Rendering`` also says where each Envoy cluster and listener came from, so the agent can report Envoy's
per-cluster and per-listener stats per gateway and route. Hops are left out of those maps: their traffic
is already counted by the cluster or listener they stand in front of.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vamp import errors
from vamp.adapters.envoy import files as envoy_files
from vamp.adapters.envoy import layout, render_clusters, render_listeners, render_names, render_routes
from vamp.adapters.envoy.render_options import RenderOptions
from vamp.core import model
from vamp.core.routing import haproxy_only as plan_checks
from vamp.core.routing import plan
from vamp.core.routing.plan import Origin

__all__ = ["Origin", "RenderOptions", "Rendering", "render"]

JsonObject = dict[str, Any]
_DEFAULTS = RenderOptions()


@dataclass(frozen=True, slots=True)
class Rendering:
    """A rendered plan: the snapshot to publish, and what each Envoy cluster and listener stands for.

    ``clusters`` maps every Envoy cluster of a route to its gateway and route; ``listeners`` maps every
    Envoy listener of a gateway to the gateway's name (or, for the shared virtual-host listener, to the
    plan's name for it). Rewrite hops are in neither.
    """

    snapshot: envoy_files.Snapshot
    clusters: Mapping[str, Origin]
    listeners: Mapping[str, str]


def render(
    routing: plan.RoutingPlan, files: layout.Layout, *, options: RenderOptions = _DEFAULTS
) -> Rendering:
    """The Envoy resources that serve ``routing``, with their files in ``files``.

    Raises:
        errors.RoutingError: the plan cannot be served by Envoy as it is (two listeners on one port, a
            route naming a cluster the plan lacks, HTTP-only features on a TCP listener, raw HAProxy
            conditions); the message says what and where.
    """
    plan.check_ports(routing.listeners)
    haproxy_only = plan_checks.reasons(routing)
    if haproxy_only:
        raise errors.RoutingError([f"gateway '{name}': {why}" for name, why in sorted(haproxy_only.items())])
    chained = {target.gateway for target in routing.clusters if target.gateway} & {
        listener.name for listener in routing.listeners
    }
    targets = render_routes.Targets(
        {target.name: target for target in routing.clusters}, options, _envoy_cluster
    )
    build = _Build(files, options, targets)
    for listener in routing.listeners:
        build.listener(listener, internal_too=listener.name in chained)
    sticky_instance = {
        weighted.cluster
        for listener in routing.listeners
        for host in listener.virtual_hosts
        if host.sticky is model.Sticky.INSTANCE
        for route in host.routes
        for weighted in route.clusters
    }
    for target in routing.clusters:
        build.target(
            target, chained=target.gateway in chained, sticky_instance=target.name in sticky_instance
        )
    snapshot = envoy_files.Snapshot(
        routing.version,
        tuple(build.listeners),
        tuple(build.clusters),
        tuple(build.routes),
        tuple(build.endpoints),
    )
    return Rendering(snapshot, build.origins, build.gateways)


@dataclass(slots=True)
class _Build:
    """The resources rendered so far, in the order they are rendered."""

    files: layout.Layout
    options: RenderOptions
    targets: render_routes.Targets
    listeners: list[JsonObject] = field(default_factory=list)
    clusters: list[JsonObject] = field(default_factory=list)
    routes: list[JsonObject] = field(default_factory=list)
    endpoints: list[JsonObject] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)
    gateways: dict[str, str] = field(default_factory=dict)

    def listener(self, listener: plan.Listener, *, internal_too: bool) -> None:
        """The listener of a plan listener, its route configuration, and its internal twin if wanted."""
        name = render_names.envoy_name(listener.name)
        places: list[tuple[str, int | None]] = [(name, listener.port)]
        if internal_too:
            places.append((render_names.internal_listener(listener.name), None))
        if listener.protocol is model.Protocol.HTTP:
            hosts = [render_routes.virtual_host(host, self.targets) for host in listener.virtual_hosts]
            self.routes.append({"name": name, "virtual_hosts": hosts, "ignore_port_in_host_matching": True})
        for envoy_name, port in places:
            filters = [
                self._filter(listener, route_config=name, stat_prefix=envoy_name, edge=port is not None)
            ]
            self.listeners.append(
                render_listeners.listener(
                    envoy_name,
                    filters,
                    host=self.options.listen_host,
                    port=port,
                    tls=listener.tls if port else None,
                )
            )
            self.gateways[envoy_name] = listener.name

    def target(self, target: plan.TargetCluster, *, chained: bool, sticky_instance: bool) -> None:
        """The cluster of a target cluster, its endpoints, and its rewrite hop if it has rewrites."""
        cluster, endpoints = render_clusters.target_cluster(target, self.files, self.options, chained=chained)
        self.clusters.append(cluster)
        if endpoints is not None:
            self.endpoints.append(endpoints)
        origin = target.origin()
        gateway, route = origin.gateway, origin.route
        self.origins[cluster["name"]] = origin
        if not target.rewrites:
            return
        if target.protocol is not model.Protocol.HTTP:
            raise errors.RoutingError(
                [f"gateway '{gateway}' route '{route}': path rewrites need an HTTP port"]
            )
        hop = render_names.rewrite_hop(target.name)
        self.clusters.append(render_clusters.internal_cluster(hop, hop, self.options))
        self.routes.append(render_routes.rewrite_table(target, self.targets, sticky_instance=sticky_instance))
        manager = render_listeners.http_connection_manager(
            self.files, self.options.stats_prefix + hop, hop, edge=False, sessions=sticky_instance
        )
        self.listeners.append(render_listeners.listener(hop, [manager]))

    def _filter(
        self, listener: plan.Listener, *, route_config: str, stat_prefix: str, edge: bool
    ) -> JsonObject:
        prefix = self.options.stats_prefix + stat_prefix
        if listener.protocol is model.Protocol.HTTP:
            sessions = any(host.sticky is model.Sticky.INSTANCE for host in listener.virtual_hosts)
            return render_listeners.http_connection_manager(
                self.files, prefix, route_config, edge=edge, sessions=sessions
            )
        if len(listener.virtual_hosts) != 1:
            raise errors.RoutingError(
                [
                    f"TCP listener '{listener.name}' must serve exactly one gateway, "
                    f"not {len(listener.virtual_hosts)}"
                ]
            )
        return render_listeners.tcp_proxy(listener.virtual_hosts[0], self.targets, prefix)


def _envoy_cluster(target: plan.TargetCluster) -> str:
    """The Envoy cluster a route sends ``target``'s requests to: its rewrite hop, if it has rewrites."""
    return render_names.rewrite_hop(target.name) if target.rewrites else render_names.envoy_name(target.name)
