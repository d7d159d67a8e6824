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
* ``render_names``: the Envoy names of all of these;
* ``render_reuse``: plan after plan, only the nodes that changed are rendered again (``render_parts``
  holds what it keeps), and ``render_checks`` checks the ports and raw conditions of those only.

``Rendering`` also says where each Envoy cluster and listener came from, so the agent can report Envoy's
per-cluster and per-listener stats per gateway and route. Hops are left out of those maps: their traffic
is already counted by the cluster or listener they stand in front of.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from vamp import errors
from vamp.adapters.envoy import files as envoy_files
from vamp.adapters.envoy import (
    layout,
    render_checks,
    render_clusters,
    render_listeners,
    render_names,
    render_routes,
)
from vamp.adapters.envoy.render_options import RenderOptions
from vamp.adapters.envoy.render_parts import Made, Parts, joined
from vamp.adapters.envoy.render_reuse import Reuse
from vamp.core import model
from vamp.core.routing import plan
from vamp.core.routing.plan import Origin

__all__ = ["Origin", "RenderOptions", "Rendering", "Reuse", "render"]

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
    routing: plan.RoutingPlan,
    files: layout.Layout,
    *,
    options: RenderOptions = _DEFAULTS,
    reuse: Reuse | None = None,
) -> Rendering:
    """The Envoy resources that serve ``routing``, with their files in ``files``.

    With ``reuse``, only what changed since the last rendering through it is rendered; the resources of
    the rest are taken from it, as the very same objects (``render_reuse``).

    Raises:
        errors.RoutingError: the plan cannot be served by Envoy as it is (two listeners on one port, a
            route naming a cluster the plan lacks, HTTP-only features on a TCP listener, raw HAProxy
            conditions); the message says what and where.
    """
    checks = reuse.checks if reuse is not None else render_checks.Checks()
    checks.ports(routing)
    haproxy_only = checks.haproxy_only(routing)
    if haproxy_only:
        raise errors.RoutingError([f"gateway '{name}': {why}" for name, why in sorted(haproxy_only.items())])

    def maker(targets: Mapping[str, plan.TargetCluster]) -> _Build:
        return _Build(files, options, render_routes.Targets(targets, options, _envoy_cluster))

    done = (reuse or Reuse()).render((files, options), routing, maker, _sticky_instance, _named_targets)
    return Rendering(done.snapshot, done.clusters, done.listeners)


def _listening(listener: plan.Listener) -> tuple[object, ...]:
    """What the Envoy listeners of an HTTP plan listener are made from (its routes are not)."""
    sessions = any(host.sticky is model.Sticky.INSTANCE for host in listener.virtual_hosts)
    return (listener.name, listener.port, listener.protocol, listener.tls, sessions)


def _named_targets(listener: plan.Listener) -> tuple[str, ...]:
    """The names of the target clusters the routes of ``listener`` send to, in order."""
    return tuple(
        weighted.cluster
        for host in listener.virtual_hosts
        for route in host.routes
        for weighted in route.clusters
    )


def _sticky_instance(listener: plan.Listener) -> frozenset[str]:
    """The target clusters the routes of ``listener`` send to sticky to an instance."""
    return frozenset(
        weighted.cluster
        for host in listener.virtual_hosts
        if host.sticky is model.Sticky.INSTANCE
        for route in host.routes
        for weighted in route.clusters
    )


@dataclass(frozen=True, slots=True)
class _Build:
    """Renders plan nodes (``render_reuse.Maker``), taking a piece of a node's last resources again when
    it was made from equal parts: the listener of a gateway whose weights changed, for one."""

    files: layout.Layout
    options: RenderOptions
    targets: render_routes.Targets

    def listener(
        self,
        listener: plan.Listener,
        named: tuple[plan.TargetCluster | None, ...],
        *,
        internal_too: bool,
        last: Made | None,
    ) -> Made:
        """The route configuration of a plan listener apart (so that a change of weights or conditions
        renders it alone), and its listeners."""
        pieces: list[tuple[tuple[object, ...], Callable[[], Parts]]] = []
        if listener.protocol is model.Protocol.HTTP:
            pieces.append((("routes", listener, *named), partial(self.route_configuration, listener)))
            key: tuple[object, ...] = ("listeners", *_listening(listener), internal_too)
        else:
            key = ("listeners", listener, *named, internal_too)
        pieces.append((key, partial(self.envoy_listeners, listener, internal_too=internal_too)))
        return _made(pieces, last)

    def target(
        self, target: plan.TargetCluster, *, chained: bool, sticky_instance: bool, last: Made | None
    ) -> Made:
        """The cluster of a target cluster, its endpoints, and its rewrite hop if it has rewrites."""
        made = partial(self.target_parts, target, chained=chained, sticky_instance=sticky_instance)
        return _made([(("targets", target, chained, sticky_instance), made)], last)

    def route_configuration(self, listener: plan.Listener) -> Parts:
        """The route configuration of an HTTP plan listener."""
        hosts = [render_routes.virtual_host(host, self.targets) for host in listener.virtual_hosts]
        name = render_names.envoy_name(listener.name)
        return Parts(routes=({"name": name, "virtual_hosts": hosts, "ignore_port_in_host_matching": True},))

    def envoy_listeners(self, listener: plan.Listener, *, internal_too: bool) -> Parts:
        """The listener of a plan listener, and its internal twin if wanted (the route configuration of an
        HTTP one is ``route_configuration``'s)."""
        name = render_names.envoy_name(listener.name)
        places: list[tuple[str, int | None]] = [(name, listener.port)]
        if internal_too:
            places.append((render_names.internal_listener(listener.name), None))
        listeners = []
        for envoy_name, port in places:
            filters = [
                self._filter(listener, route_config=name, stat_prefix=envoy_name, edge=port is not None)
            ]
            listeners.append(
                render_listeners.listener(
                    envoy_name,
                    filters,
                    host=self.options.listen_host,
                    port=port,
                    tls=listener.tls if port else None,
                )
            )
        gateways = tuple((envoy_name, listener.name) for envoy_name, _ in places)
        return Parts(listeners=tuple(listeners), gateways=gateways)

    def target_parts(self, target: plan.TargetCluster, *, chained: bool, sticky_instance: bool) -> Parts:
        """The cluster of a target cluster, its endpoints, and its rewrite hop if it has rewrites."""
        cluster, endpoints = render_clusters.target_cluster(target, self.files, self.options, chained=chained)
        origin = target.origin()
        gateway, route = origin.gateway, origin.route
        made = Parts(
            clusters=(cluster,),
            endpoints=() if endpoints is None else (endpoints,),
            origins=((cluster["name"], origin),),
        )
        if not target.rewrites:
            return made
        if target.protocol is not model.Protocol.HTTP:
            raise errors.RoutingError(
                [f"gateway '{gateway}' route '{route}': path rewrites need an HTTP port"]
            )
        hop = render_names.rewrite_hop(target.name)
        manager = render_listeners.http_connection_manager(
            self.files, self.options.stats_prefix + hop, hop, edge=False, sessions=sticky_instance
        )
        return Parts(
            listeners=(render_listeners.listener(hop, [manager]),),
            clusters=(cluster, render_clusters.internal_cluster(hop, hop, self.options)),
            routes=(render_routes.rewrite_table(target, self.targets, sticky_instance=sticky_instance),),
            endpoints=made.endpoints,
            origins=made.origins,
        )

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


def _made(pieces: list[tuple[tuple[object, ...], Callable[[], Parts]]], last: Made | None) -> Made:
    """The pieces of a node: each as ``last`` had it if it was made from equal parts, else made now."""
    keys = tuple(key for key, _ in pieces)
    if last is not None and last.keys == keys:
        return last  # tuples compare their items by identity first: the same nodes compare at once
    made = tuple(
        last.pieces[index]
        if last is not None and index < len(last.keys) and last.keys[index] == key
        else make()
        for index, (key, make) in enumerate(pieces)
    )
    return Made(keys, made, joined(made))


def _envoy_cluster(target: plan.TargetCluster) -> str:
    """The Envoy cluster a route sends ``target``'s requests to: its rewrite hop, if it has rewrites."""
    return render_names.rewrite_hop(target.name) if target.rewrites else render_names.envoy_name(target.name)
