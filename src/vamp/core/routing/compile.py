"""Gateways and observed instances compiled into one routing plan (DESIGN.md §4 "Routing plan").

``compile_plan`` is a pure function of its arguments: the same gateways, instances and stored artifacts
always give the same plan, with the same version. The steps:

1. gateways by name; a gateway on a port another gateway (or the shared virtual-host port) holds is
   left out;
2. each gateway compiled on its own (``gateway_routes.py``): one bad gateway is listed in ``problems``
   and left out, and never stops the others;
3. listeners: one per gateway with a port, serving any host (terminating TLS when the gateway has
   ``tls``); plus one shared HTTP listener on ``shared_port`` with a virtual host per HTTP gateway for
   its host names (``hosts.py``). A host name two gateways claim goes to the first by name.

``compile_build`` is the same compilation handing back, with the plan, each gateway's compiled part;
given the previous build, it reuses every part compiled from what it would be compiled from now
(``gateway_parts.py``) and the texts of unchanged nodes for the version, so a change to one gateway or
one instance recompiles only what it touches. The plan is the one compiled whole, version and all.

The gateways of deployments come through ``deployment_gateways.gateways_of``; ports are assigned
beforehand (``ports.py``) and gateways without one are served only by host name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

from vamp.core import model, selector
from vamp.core.routing import gateway_parts, plan, ports
from vamp.core.routing.gateway_parts import Basis, Context, GatewayPart, Snapshot
from vamp.core.routing.gateway_routes import CompiledGateway, Stored
from vamp.core.routing.selection import refresh_selector_routes

__all__ = ["SHARED_LISTENER", "PlanBuild", "compile_build", "compile_plan", "refresh_selector_routes"]

SHARED_LISTENER = "[virtual hosts]"
"""The name of the shared virtual-host listener; brackets cannot occur in gateway names."""

_NOTHING: Mapping[str, Any] = MappingProxyType({})


def compile_plan(
    gateways: Iterable[model.Gateway],
    instances: Iterable[model.ObservedInstance],
    *,
    routes: Mapping[str, model.Route] = _NOTHING,
    conditions: Mapping[str, model.Condition] = _NOTHING,
    rewrites: Mapping[str, model.Rewrite] = _NOTHING,
    shared_port: int | None = 80,
    namespace: str | None = None,
    global_selector: str = "true",
    automatic_hosts: bool = True,
) -> plan.RoutingPlan:
    """The routing plan that serves ``gateways`` over ``instances``.

    Args:
        gateways: full-named gateways: free-standing, ``deployment/port`` and ``deployment/cluster/port``.
        instances: what the runtime reports; only ready ones receive traffic.
        routes: stored routes, for routes given as references; likewise ``conditions`` and ``rewrites``.
        shared_port: the port of the shared virtual-host listener; ``None`` for none.
        namespace: the current namespace, for ``namespace($namespace)`` in selectors.
        global_selector: ANDed with every selector (``vamp.operation.gateway.selector``).
        automatic_hosts: whether gateways get their automatic host names (``9050.sava.vamp``).
    """
    return compile_build(
        gateways,
        instances,
        routes=routes,
        conditions=conditions,
        rewrites=rewrites,
        shared_port=shared_port,
        namespace=namespace,
        global_selector=global_selector,
        automatic_hosts=automatic_hosts,
    ).plan


@dataclass(frozen=True, slots=True)
class PlanBuild:
    """A compiled plan and the parts it was assembled from, for compiling the next plan incrementally."""

    plan: plan.RoutingPlan
    basis: Basis
    parts: Mapping[str, GatewayPart]
    """Each gateway compiled (or left out), by name; gateways not on a free port have none."""
    shared_hosts: Mapping[str, _SharedHost]
    """Each gateway's virtual host on the shared listener, by name."""
    index: selector.Index | None = None
    """The selector index of the instances, if one was made: the next build over the same instances
    takes it over."""

    def without_index(self) -> PlanBuild:
        """This build without its index, to keep it for long: an index holds every instance."""
        return self if self.index is None else replace(self, index=None)


def compile_build(
    gateways: Iterable[model.Gateway],
    instances: Iterable[model.ObservedInstance],
    *,
    previous: PlanBuild | None = None,
    routes: Mapping[str, model.Route] = _NOTHING,
    conditions: Mapping[str, model.Condition] = _NOTHING,
    rewrites: Mapping[str, model.Rewrite] = _NOTHING,
    shared_port: int | None = 80,
    namespace: str | None = None,
    global_selector: str = "true",
    automatic_hosts: bool = True,
) -> PlanBuild:
    """``compile_plan``, reusing the part of every gateway of ``previous`` compiled from what it would be
    compiled from now (``gateway_parts``); the plan is equal to the one ``compile_plan`` gives."""
    named, problems = _named(gateways)
    basis = Basis(
        Context(namespace, global_selector, automatic_hosts),
        {name: gateway.port.number for name, gateway in named.items()},
        tuple(instances),
        Stored(dict(routes), dict(conditions), dict(rewrites)),  # copies: the caller may change its own
    )
    same_instances = previous is not None and previous.basis.instances == basis.instances
    snapshot = Snapshot(basis, named, previous.index if previous is not None and same_instances else None)
    same = previous is not None and same_instances and basis == previous.basis
    parts: dict[str, GatewayPart] = {}
    for name, gateway in _on_free_ports(named, shared_port, problems):
        part = None if previous is None else previous.parts.get(name)
        if part is None or not gateway_parts.reusable(part, gateway, snapshot, same):
            part = gateway_parts.compile_part(name, gateway, snapshot, part)
        parts[name] = part
        problems.extend(part.problems)
    shared_hosts = {} if previous is None else previous.shared_hosts
    listeners, texts, shared = _listeners(parts, shared_port, problems, shared_hosts)
    clusters = sorted(
        (
            (cluster, text)
            for part in parts.values()
            if part.compiled is not None
            for cluster, text in zip(part.compiled.clusters, part.cluster_texts, strict=True)
        ),
        key=lambda pair: pair[0].name,
    )
    routing_plan = plan.RoutingPlan.of_texts(
        listeners,
        tuple(cluster for cluster, _ in clusters),
        tuple(problems),
        listener_texts=texts,
        cluster_texts=[text for _, text in clusters],
    )
    return PlanBuild(routing_plan, basis, parts, shared, snapshot.made_index)


def _named(gateways: Iterable[model.Gateway]) -> tuple[dict[str, model.Gateway], list[str]]:
    named: dict[str, model.Gateway] = {}
    problems: list[str] = []
    for gateway in sorted(gateways, key=lambda gateway: gateway.name or ""):
        if gateway.name is None:
            problems.append("a gateway without a name cannot be served; give it a name")
        elif gateway.name in named:
            problems.append(f"gateway '{gateway.name}' is given more than once; the first is served")
        else:
            named[gateway.name] = gateway
    return named, problems


def _on_free_ports(
    named: Mapping[str, model.Gateway], shared_port: int | None, problems: list[str]
) -> list[tuple[str, model.Gateway]]:
    """The gateways that may have their ports, in name order; the others are reported in ``problems``."""
    clashing = {gateway.name: message for gateway, message in ports.clashing_gateways(named.values())}
    free: list[tuple[str, model.Gateway]] = []
    for name, gateway in named.items():
        if name in clashing:
            problems.append(gateway_parts.left_out(f"gateway '{name}': {clashing[name]}"))
        elif shared_port is not None and gateway.port.number == shared_port:
            problems.append(
                gateway_parts.left_out(
                    f"gateway '{name}': port {shared_port} is the shared virtual-host port, use another port"
                )
            )
        else:
            free.append((name, gateway))
    return free


@dataclass(frozen=True, slots=True)
class _SharedHost:
    """A gateway's virtual host on the shared listener, what it was made from, and its text."""

    compiled: CompiledGateway
    host: plan.VirtualHost
    text: str


def _listeners(
    parts: Mapping[str, GatewayPart],
    shared_port: int | None,
    problems: list[str],
    before: Mapping[str, _SharedHost],
) -> tuple[tuple[plan.Listener, ...], list[str], dict[str, _SharedHost]]:
    """The listeners in port order with their texts, and the gateways' virtual hosts on the shared one."""
    listeners: list[tuple[plan.Listener, str]] = []
    shared: dict[str, _SharedHost] = {}
    owners: dict[str, str] = {}
    for part in parts.values():
        item = part.compiled
        if item is None:
            continue
        if part.listener is not None:
            listeners.append((part.listener, part.listener_text))
        if shared_port is None or not part.hosts:
            continue
        domains = []
        for host in part.hosts:
            owner = owners.setdefault(host, item.name)
            if owner == item.name:
                domains.append(host)
            else:
                problems.append(
                    f"gateway '{item.name}': virtual host '{host}' is already served by '{owner}'"
                )
        if domains:
            shared[item.name] = _shared_host(item, tuple(domains), before.get(item.name))
    if shared_port is not None and shared:
        hosts_served = tuple(found.host for found in shared.values())
        listener = plan.Listener(SHARED_LISTENER, shared_port, model.Protocol.HTTP, hosts_served)
        texts = [found.text for found in shared.values()]
        listeners.append((listener, plan.listener_text(listener, texts)))
    listeners.sort(key=lambda pair: pair[0].port)
    return tuple(listener for listener, _ in listeners), [text for _, text in listeners], shared


def _shared_host(item: CompiledGateway, domains: tuple[str, ...], before: _SharedHost | None) -> _SharedHost:
    if before is not None and before.compiled is item and before.host.domains == domains:
        return before
    host = plan.VirtualHost(item.name, item.name, domains, item.routes, item.gateway.sticky)
    return _SharedHost(item, host, plan.node_text(host))
