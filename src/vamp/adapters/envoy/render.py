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

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from vamp import errors
from vamp.adapters.envoy import files as envoy_files
from vamp.adapters.envoy import layout, render_clusters, render_listeners, render_names, render_routes
from vamp.adapters.envoy.render_options import RenderOptions
from vamp.core import model
from vamp.core.routing import haproxy_only as plan_checks
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

    With ``reuse``, the resources of a plan listener or target cluster that the last rendering through it
    made from the same parts are taken from it, as the very same objects (see ``Reuse``).

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
    memo = (reuse or Reuse()).start(files, options)
    build = _Build(files, options, targets)
    for listener in routing.listeners:
        internal_too = listener.name in chained
        named = tuple(map(targets.clusters.get, _named_targets(listener)))
        if listener.protocol is model.Protocol.HTTP:
            # Apart, so that a change of weights or conditions renders the route configuration only.
            build.add(memo.take(("routes", listener, *named), partial(build.route_configuration, listener)))
            key: tuple[object, ...] = ("listeners", *_listening(listener), internal_too)
        else:
            key = ("listeners", listener, *named, internal_too)
        build.add(memo.take(key, partial(build.listener, listener, internal_too=internal_too)))
    sticky_instance = {
        weighted.cluster
        for listener in routing.listeners
        for host in listener.virtual_hosts
        if host.sticky is model.Sticky.INSTANCE
        for route in host.routes
        for weighted in route.clusters
    }
    for target in routing.clusters:
        chain, sticky = target.gateway in chained, target.name in sticky_instance
        made = partial(build.target, target, chained=chain, sticky_instance=sticky)
        build.add(memo.take(("targets", target, chain, sticky), made))
    memo.finish()
    snapshot = envoy_files.Snapshot(
        routing.version,
        tuple(build.listeners),
        tuple(build.clusters),
        tuple(build.routes),
        tuple(build.endpoints),
    )
    return Rendering(snapshot, build.origins, build.gateways)


class Reuse:
    """The resources the last rendering made, by what each was made from, for the next one to take again.

    A plan listener's listeners and route configuration are made from the listener, whether another
    gateway chains to it, and the target clusters its routes name; a target cluster's cluster, load
    assignment and rewrite hop from the target, whether a gateway chains to it and whether its route is
    sticky to an instance. When all of those are equal (plans compare by value), the next rendering takes
    the same dictionaries again: a weight change on one gateway renders one route configuration, and
    the conversion for the ADS stream (``xds_resources.Converter``) knows the unchanged ones by identity.

    Only what the last rendering used is kept, and a change of layout or options drops it all. Not safe
    to share between threads; the rendered dictionaries must not be changed by their users.
    """

    def __init__(self) -> None:
        self._place: tuple[layout.Layout, RenderOptions] | None = None
        self._last: dict[_Key, _Parts] = {}
        self._next: dict[_Key, _Parts] = {}
        self._hashes: dict[int, tuple[object, int]] = {}
        self._next_hashes: dict[int, tuple[object, int]] = {}

    def start(self, files: layout.Layout, options: RenderOptions) -> Reuse:
        """Begin a rendering in ``files`` with ``options``."""
        if self._place != (files, options):
            self._place, self._last = (files, options), {}
        self._next, self._next_hashes = {}, {}
        return self

    def take(self, parts: tuple[object, ...], make: Callable[[], _Parts]) -> _Parts:
        """What the last rendering (or this one) made from ``parts``, else what ``make`` makes now."""
        key = _Key(parts, hash(tuple(map(self._hash, parts))))
        found = self._next.get(key) or self._last.get(key) or make()
        self._next[key] = found
        return found

    def finish(self) -> None:
        """End the rendering: what it used is what the next one may take again."""
        self._last, self._next = self._next, {}
        self._hashes, self._next_hashes = self._next_hashes, {}

    def _hash(self, part: object) -> int:
        """``hash(part)``, computed once per object: plan nodes hash by value, all the way down, every
        time, and a reader that reuses unchanged nodes (``services.plan_reading``) hands out the same
        objects plan after plan."""
        known = self._next_hashes.get(id(part)) or self._hashes.get(id(part))
        if known is None or known[0] is not part:
            known = (part, hash(part))
        self._next_hashes[id(part)] = known
        return known[1]


class _Key:
    """What resources are made from, with its hash computed once (``Reuse._hash``)."""

    __slots__ = ("_hash", "parts")

    def __init__(self, parts: tuple[object, ...], hashed: int) -> None:
        self.parts = parts
        self._hash = hashed

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        # Tuples compare their items by identity first: the same nodes compare at once.
        return isinstance(other, _Key) and self._hash == other._hash and self.parts == other.parts


def _listening(listener: plan.Listener) -> tuple[object, ...]:
    """What the Envoy listeners of an HTTP plan listener are made from (its routes are not)."""
    sessions = any(host.sticky is model.Sticky.INSTANCE for host in listener.virtual_hosts)
    return (listener.name, listener.port, listener.protocol, listener.tls, sessions)


def _named_targets(listener: plan.Listener) -> list[str]:
    """The names of the target clusters the routes of ``listener`` send to, in order."""
    return [
        weighted.cluster
        for host in listener.virtual_hosts
        for route in host.routes
        for weighted in route.clusters
    ]


@dataclass(frozen=True, slots=True)
class _Parts:
    """The resources rendered from one plan listener or one target cluster."""

    listeners: tuple[JsonObject, ...] = ()
    clusters: tuple[JsonObject, ...] = ()
    routes: tuple[JsonObject, ...] = ()
    endpoints: tuple[JsonObject, ...] = ()
    origins: tuple[tuple[str, Origin], ...] = ()
    gateways: tuple[tuple[str, str], ...] = ()


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

    def add(self, parts: _Parts) -> None:
        self.listeners.extend(parts.listeners)
        self.clusters.extend(parts.clusters)
        self.routes.extend(parts.routes)
        self.endpoints.extend(parts.endpoints)
        self.origins.update(parts.origins)
        self.gateways.update(parts.gateways)

    def route_configuration(self, listener: plan.Listener) -> _Parts:
        """The route configuration of an HTTP plan listener."""
        hosts = [render_routes.virtual_host(host, self.targets) for host in listener.virtual_hosts]
        name = render_names.envoy_name(listener.name)
        return _Parts(routes=({"name": name, "virtual_hosts": hosts, "ignore_port_in_host_matching": True},))

    def listener(self, listener: plan.Listener, *, internal_too: bool) -> _Parts:
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
        return _Parts(listeners=tuple(listeners), gateways=gateways)

    def target(self, target: plan.TargetCluster, *, chained: bool, sticky_instance: bool) -> _Parts:
        """The cluster of a target cluster, its endpoints, and its rewrite hop if it has rewrites."""
        cluster, endpoints = render_clusters.target_cluster(target, self.files, self.options, chained=chained)
        origin = target.origin()
        gateway, route = origin.gateway, origin.route
        made = _Parts(
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
        return _Parts(
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


def _envoy_cluster(target: plan.TargetCluster) -> str:
    """The Envoy cluster a route sends ``target``'s requests to: its rewrite hop, if it has rewrites."""
    return render_names.rewrite_hop(target.name) if target.rewrites else render_names.envoy_name(target.name)
