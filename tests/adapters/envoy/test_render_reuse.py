"""Rendering by changes (``render_reuse``): a plan rendered after another through one ``render.Reuse`` is
the plan rendered whole, whatever one node changed (weights, stickiness, chaining, endpoints, rewrites),
and a weight change on one gateway of many renders that gateway's route configuration and nothing else."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adapters.envoy.render_plans import PLANS
from vamp import errors
from vamp.adapters.envoy import layout, render, render_clusters, render_names, render_routes
from vamp.core import model
from vamp.core.routing import plan

XDS = layout.Layout(Path("/var/lib/vamp/xds"))
FULL = plan.FULL
Change = Callable[[plan.RoutingPlan, int], plan.RoutingPlan]


def _listener(routing: plan.RoutingPlan, index: int, change: Callable[[plan.Listener], plan.Listener]):
    listeners = list(routing.listeners)
    listeners[index % len(listeners)] = change(listeners[index % len(listeners)])
    return dataclasses.replace(routing, version=f"{routing.version}+", listeners=tuple(listeners))


def _target(
    routing: plan.RoutingPlan, index: int, change: Callable[[plan.TargetCluster], plan.TargetCluster]
):
    clusters = list(routing.clusters)
    clusters[index % len(clusters)] = change(clusters[index % len(clusters)])
    return dataclasses.replace(routing, version=f"{routing.version}+", clusters=tuple(clusters))


def _hosts(listener: plan.Listener, change: Callable[[plan.VirtualHost], plan.VirtualHost]) -> plan.Listener:
    return dataclasses.replace(listener, virtual_hosts=tuple(map(change, listener.virtual_hosts)))


def _reversed_weights(host: plan.VirtualHost) -> plan.VirtualHost:
    routes = tuple(
        dataclasses.replace(
            route,
            clusters=tuple(
                dataclasses.replace(weighted, weight=other.weight)
                for weighted, other in zip(route.clusters, reversed(route.clusters), strict=True)
            ),
        )
        for route in host.routes
    )
    return dataclasses.replace(host, routes=routes)


def _sticky_toggled(host: plan.VirtualHost) -> plan.VirtualHost:
    return dataclasses.replace(host, sticky=None if host.sticky else model.Sticky.INSTANCE)


CHANGES: dict[str, Change] = {
    "a listener copied": lambda p, i: _listener(p, i, lambda listener: dataclasses.replace(listener)),
    "weights reversed": lambda p, i: _listener(p, i, lambda listener: _hosts(listener, _reversed_weights)),
    "stickiness toggled": lambda p, i: _listener(p, i, lambda listener: _hosts(listener, _sticky_toggled)),
    "a target copied": lambda p, i: _target(p, i, lambda target: dataclasses.replace(target)),
    "endpoints halved": lambda p, i: _target(
        p, i, lambda target: dataclasses.replace(target, endpoints=target.endpoints[:1])
    ),
    "chaining toggled": lambda p, i: _target(
        p,
        i,
        lambda target: dataclasses.replace(target, gateway=None if target.gateway else p.listeners[0].name),
    ),
    "rewrites dropped": lambda p, i: _target(p, i, lambda target: dataclasses.replace(target, rewrites=())),
}


LISTENER_CHANGES = {"a listener copied", "weights reversed", "stickiness toggled"}


def _whole(routing: plan.RoutingPlan) -> render.Rendering | str:
    try:
        return render.render(routing, XDS)
    except errors.RoutingError as exc:
        return str(exc)


def _reused(routing: plan.RoutingPlan, reuse: render.Reuse) -> render.Rendering | str:
    try:
        return render.render(routing, XDS, reuse=reuse)
    except errors.RoutingError as exc:
        return str(exc)


def _cases() -> Iterator[tuple[str, str, int]]:
    """Each plan, each change, on each of the nodes it changes."""
    for name, build in PLANS.items():
        routing = build()
        for change in CHANGES:
            nodes = routing.listeners if change in LISTENER_CHANGES else routing.clusters
            for index in range(len(nodes)):
                yield name, change, index


@pytest.mark.parametrize(("name", "change", "index"), list(_cases()))
def test_a_plan_rendered_by_its_changes_equals_the_plan_rendered_whole(name: str, change: str, index: int):
    reuse = render.Reuse()
    first = PLANS[name]()
    changed = CHANGES[change](first, index)

    assert _reused(first, reuse) == _whole(first)
    assert _reused(changed, reuse) == _whole(changed)
    assert _reused(first, reuse) == _whole(first)  # and back, after an error too
    assert _reused(changed, reuse) == _whole(changed)


def _gateways(count: int, first_weight: int) -> plan.RoutingPlan:
    """``count`` gateways of two routes each; ``g0`` sends ``first_weight`` to its first."""
    targets = tuple(
        plan.TargetCluster(
            f"g{index}//{route}",
            (plan.Endpoint("10.0.0.1", 8080 + offset, "i"),),
            plan.Balance.ROUND_ROBIN,
            model.Protocol.HTTP,
        )
        for index in range(count)
        for offset, route in enumerate(("a", "b"))
    )

    def host(index: int) -> plan.VirtualHost:
        weight = first_weight if index == 0 else FULL
        weighted = (
            plan.WeightedCluster(f"g{index}//a", weight),
            plan.WeightedCluster(f"g{index}//b", FULL - weight),
        )
        return plan.VirtualHost(
            f"g{index}", f"g{index}", ("*",), (plan.PlanRoute("r", None, FULL, weighted),), None
        )

    listeners = tuple(
        plan.Listener(f"g{index}", 9000 + index, model.Protocol.HTTP, (host(index),))
        for index in range(count)
    )
    return plan.RoutingPlan.of(listeners, targets, ())


def test_a_weight_change_on_one_gateway_of_many_renders_its_route_configuration_only(monkeypatch):
    reuse = render.Reuse()
    before = _gateways(50, FULL)
    render.render(before, XDS, reuse=reuse)
    # The agent's reader gives the unchanged nodes as the very same objects.
    after = _gateways(50, FULL // 2)
    after = dataclasses.replace(
        after, listeners=(after.listeners[0], *before.listeners[1:]), clusters=before.clusters
    )
    hosts: list[str] = []
    clusters: list[str] = []
    virtual_host, target_cluster = render_routes.virtual_host, render_clusters.target_cluster

    def counted_host(host: plan.VirtualHost, *args: Any) -> Any:
        hosts.append(host.name)
        return virtual_host(host, *args)

    def counted_cluster(target: plan.TargetCluster, *args: Any, **options: Any) -> Any:
        clusters.append(target.name)
        return target_cluster(target, *args, **options)

    monkeypatch.setattr(render_routes, "virtual_host", counted_host)
    monkeypatch.setattr(render_clusters, "target_cluster", counted_cluster)

    first = render.render(before, XDS, reuse=reuse).snapshot
    second = render.render(after, XDS, reuse=reuse).snapshot

    assert hosts == ["g0"]
    assert clusters == []
    renewed = [
        (kind, new["name"])
        for kind in ("listeners", "clusters", "routes", "endpoints")
        for new, old in zip(getattr(second, kind), getattr(first, kind), strict=True)
        if new is not old
    ]
    assert renewed == [("routes", render_names.envoy_name("g0"))]
    assert second == render.render(after, XDS).snapshot
