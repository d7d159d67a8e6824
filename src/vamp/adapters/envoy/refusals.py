"""Which gateways Envoy refused: Envoy resource names traced back to the gateways of a plan (pure).

Envoy refuses a response of one resource type at a time (a NACK, ``xds_stream.Rejection``) and keeps what
it had. Its ``error_detail`` names the resources at fault for listeners and clusters
(``Error adding/updating listener(s) sava_9050-577f0a469e: cannot bind …``), not always for route
configurations (``Invalid regex '(?<=x)': …``). ``blamed`` tells the gateways responsible:

* every resource whose Envoy name the message holds blames the gateways it serves;
* else, when the refused response changed the resources of one gateway only, that gateway is at fault;
* else nobody is named, and the agent searches (``vamp.services.agent``), with Envoy's words as the
  reason (``reason``).

The names are the renderer's (``render_names``): a listener and its route configuration share the name of
the plan listener, its internal twin and the rewrite hops carry suffixes, clusters are named after the
target clusters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from vamp.adapters.envoy import render_names, xds_stream
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan


def owners(plan: routing_plan.RoutingPlan) -> dict[str, frozenset[str]]:
    """The gateways each Envoy listener, route configuration and cluster of ``plan`` serves, by name."""
    found: dict[str, frozenset[str]] = {}
    for listener in plan.listeners:
        gateways = frozenset(host.gateway for host in listener.virtual_hosts)
        found[render_names.envoy_name(listener.name)] = gateways
        found[render_names.internal_listener(listener.name)] = gateways
    for cluster in plan.clusters:
        gateway = frozenset({isolation.owner(cluster)})
        found[render_names.envoy_name(cluster.name)] = gateway
        found[render_names.rewrite_hop(cluster.name)] = gateway
    return found


def blamed(rejections: Iterable[xds_stream.Rejection], owned: Mapping[str, frozenset[str]]) -> dict[str, str]:
    """The gateways ``rejections`` show to be at fault, each with Envoy's reason; empty if none is shown."""
    found: dict[str, str] = {}
    for rejection in rejections:
        reason = _reason(rejection)
        named = [name for name in owned if name in rejection.message]
        if not named:
            gateways = {gateway for name in rejection.changed for gateway in owned.get(name, ())}
            named = list(rejection.changed) if len(gateways) == 1 else []
        for name in named:
            for gateway in sorted(owned.get(name, ())):
                found.setdefault(gateway, reason)
    return found


def reason(rejections: Iterable[xds_stream.Rejection]) -> str:
    """What Envoy said, in its own words, for a gateway the agent finds at fault itself."""
    return " ".join(_reason(rejection) for rejection in rejections)


def _reason(rejection: xds_stream.Rejection) -> str:
    message = rejection.message.strip()
    return f"Envoy refused it: {message}" if message.endswith(".") else f"Envoy refused it: {message}."
