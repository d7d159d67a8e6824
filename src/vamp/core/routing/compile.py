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

The gateways of deployments come through ``deployment_gateways.gateways_of``; ports are assigned
beforehand (``ports.py``) and gateways without one are served only by host name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from vamp import errors
from vamp.core import model, selector
from vamp.core.routing import hosts, plan, ports
from vamp.core.routing.gateway_routes import CompiledGateway, GatewayCompiler, Stored
from vamp.core.routing.selection import refresh_selector_routes
from vamp.core.routing.targets import Targets

__all__ = ["SHARED_LISTENER", "compile_plan", "refresh_selector_routes"]

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
    named, problems = _named(gateways)
    instances = tuple(instances)
    compiler = GatewayCompiler(
        Targets(named, instances),
        selector.Index.of(instances),
        Stored(routes, conditions, rewrites),
        namespace=namespace,
        global_selector=global_selector,
    )
    compiled: list[CompiledGateway] = []
    for name, gateway in _on_free_ports(named, shared_port, problems):
        try:
            item = compiler.compile(name, gateway)
        except errors.RoutingError as exc:
            problems.extend(_left_out(problem) for problem in exc.problems)
        else:
            compiled.append(item)
            problems.extend(item.problems)
    listeners = _listeners(compiled, shared_port, automatic_hosts, problems)
    clusters = sorted((cluster for item in compiled for cluster in item.clusters), key=lambda c: c.name)
    return plan.RoutingPlan.of(listeners, tuple(clusters), tuple(problems))


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
            problems.append(_left_out(f"gateway '{name}': {clashing[name]}"))
        elif shared_port is not None and gateway.port.number == shared_port:
            problems.append(
                _left_out(
                    f"gateway '{name}': port {shared_port} is the shared virtual-host port, use another port"
                )
            )
        else:
            free.append((name, gateway))
    return free


def _listeners(
    compiled: Iterable[CompiledGateway], shared_port: int | None, automatic_hosts: bool, problems: list[str]
) -> tuple[plan.Listener, ...]:
    listeners: list[plan.Listener] = []
    shared: list[plan.VirtualHost] = []
    owners: dict[str, str] = {}
    for item in compiled:
        gateway = item.gateway
        if gateway.port.number:
            any_host = plan.VirtualHost(item.name, item.name, ("*",), item.routes, gateway.sticky)
            tls = plan.Tls(gateway.tls.certificate, gateway.tls.private_key) if gateway.tls else None
            listeners.append(
                plan.Listener(item.name, gateway.port.number, gateway.port.protocol, (any_host,), tls)
            )
        if shared_port is None or gateway.port.protocol is not model.Protocol.HTTP:
            continue
        domains = []
        for host in hosts.virtual_hosts(gateway, automatic=automatic_hosts):
            owner = owners.setdefault(host, item.name)
            if owner == item.name:
                domains.append(host)
            else:
                problems.append(
                    f"gateway '{item.name}': virtual host '{host}' is already served by '{owner}'"
                )
        if domains:
            shared.append(plan.VirtualHost(item.name, item.name, tuple(domains), item.routes, gateway.sticky))
    if shared_port is not None and shared:
        listeners.append(plan.Listener(SHARED_LISTENER, shared_port, model.Protocol.HTTP, tuple(shared)))
    return tuple(sorted(listeners, key=lambda listener: listener.port))


def _left_out(problem: str) -> str:
    return f"{problem.rstrip('.')}; the gateway is left out of the plan"
