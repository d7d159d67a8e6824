"""Routing plans cut by gateway: what a gateway agent needs to serve a plan without the gateways its data
plane refuses, and to find them when the data plane does not say which.

A gateway's parts in a plan are its virtual hosts (on the listeners that carry them: its own port, or the
shared virtual-host port it shares with other gateways) and its target clusters (``<gateway>//<route>``).

* ``gateways``: the gateways a plan serves;
* ``parts``: what a plan holds of one gateway, to compare;
* ``changed``: the gateways of a plan whose parts differ from another plan's (the suspects when a data
  plane that serves the other plan refuses this one);
* ``without``: the plan without some gateways' parts;
* ``mixed``: a plan with some gateways' parts taken from another plan, so a search can try the new parts of
  a few gateways while the others stay as they are served.

Pure: plans in, plans out; the results are versioned like any plan (``RoutingPlan.of``).
"""

from __future__ import annotations

from collections.abc import Collection

from vamp.core.routing import plan as routing_plan


def gateways(plan: routing_plan.RoutingPlan) -> frozenset[str]:
    """The gateways ``plan`` serves: those with a virtual host on one of its listeners."""
    return frozenset(host.gateway for listener in plan.listeners for host in listener.virtual_hosts)


def owner(cluster: routing_plan.TargetCluster) -> str:
    """The gateway a target cluster belongs to (its name is ``<gateway>//<route path>``)."""
    return cluster.name.partition("//")[0]


def changed(plan: routing_plan.RoutingPlan, other: routing_plan.RoutingPlan | None) -> frozenset[str]:
    """The gateways of ``plan`` whose parts are not exactly as in ``other`` (all of them if ``other`` is
    ``None``)."""
    if other is None:
        return gateways(plan)
    return frozenset(name for name in gateways(plan) if parts(plan, name) != parts(other, name))


def without(plan: routing_plan.RoutingPlan, dropped: Collection[str]) -> routing_plan.RoutingPlan:
    """``plan`` without the parts of the gateways ``dropped``; a listener left with no virtual host goes."""
    if not dropped:
        return plan
    drop = frozenset(dropped)
    # A listener that keeps all its virtual hosts stays the very same object: a data plane that renders
    # plan after plan by identity (the Envoy renderer's ``render_reuse``) renders only what was cut.
    listeners = tuple(
        listener
        if len(hosts) == len(listener.virtual_hosts)
        else routing_plan.Listener(listener.name, listener.port, listener.protocol, hosts, listener.tls)
        for listener in plan.listeners
        if (hosts := tuple(host for host in listener.virtual_hosts if host.gateway not in drop))
    )
    clusters = tuple(cluster for cluster in plan.clusters if owner(cluster) not in drop)
    return routing_plan.RoutingPlan.of(listeners, clusters, plan.problems)


def mixed(
    plan: routing_plan.RoutingPlan, other: routing_plan.RoutingPlan | None, taken: Collection[str]
) -> routing_plan.RoutingPlan:
    """``plan`` with the gateways ``taken`` as they are in ``other``: left out where ``other`` lacks them."""
    base = without(plan, taken)
    if other is None or not taken:
        return base
    take = frozenset(taken)
    listeners = {listener.name: listener for listener in base.listeners}
    for listener in other.listeners:
        hosts = tuple(host for host in listener.virtual_hosts if host.gateway in take)
        if not hosts:
            continue
        found = listeners.get(listener.name)
        if found is None:
            listeners[listener.name] = routing_plan.Listener(
                listener.name, listener.port, listener.protocol, hosts, listener.tls
            )
        else:
            merged = tuple(sorted((*found.virtual_hosts, *hosts), key=lambda host: host.name))
            listeners[listener.name] = routing_plan.Listener(
                found.name, found.port, found.protocol, merged, found.tls
            )
    clusters = {cluster.name: cluster for cluster in base.clusters}
    clusters.update({cluster.name: cluster for cluster in other.clusters if owner(cluster) in take})
    return routing_plan.RoutingPlan.of(
        tuple(sorted(listeners.values(), key=lambda listener: listener.port)),
        tuple(clusters[name] for name in sorted(clusters)),
        plan.problems,
    )


def parts(plan: routing_plan.RoutingPlan, gateway: str) -> tuple[object, ...]:
    """What ``plan`` holds of ``gateway``, to compare: its virtual hosts and their listeners, its clusters."""
    hosts = tuple(
        (listener.name, listener.port, listener.protocol, listener.tls, host)
        for listener in plan.listeners
        for host in listener.virtual_hosts
        if host.gateway == gateway
    )
    clusters = tuple(cluster for cluster in plan.clusters if owner(cluster) == gateway)
    return hosts, clusters
