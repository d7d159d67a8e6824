"""A TCP gateway's frontend: ``mode tcp``, its one route's targets by weight, per connection.

As on Envoy, a TCP gateway has exactly one virtual host with one route and no condition, strength or
stickiness (those need HTTP; the renderer refuses them, naming the gateway). The weights are the HTTP
frontend's: one ``rand(10000)`` per connection in ``txn.vamp_weight`` (``tcp-request content``, which
needs no data from the client, so a server-speaks-first protocol works), and one ``use_backend`` per
cluster with weight, below the running total of the weights; the last takes the rest. A route without
weight anywhere sends the connection to ``vamp-unrouted-tcp``, which has no servers: HAProxy closes it,
as Envoy does.

Pure: a listener in, lines out.
"""

from __future__ import annotations

from collections.abc import Callable

from vamp import errors
from vamp.adapters.haproxy import render_names
from vamp.core.routing import plan

WEIGHT = "txn.vamp_weight"


def rules(listener: plan.Listener, check_cluster: Callable[[str, str, str], None]) -> list[str]:
    """The lines of a TCP listener's frontend after its ``bind``.

    Raises:
        errors.RoutingError: the gateway is not one route without condition, strength or stickiness.
    """
    if len(listener.virtual_hosts) != 1:
        raise errors.RoutingError(
            [
                f"TCP listener '{listener.name}' must serve exactly one gateway, "
                f"not {len(listener.virtual_hosts)}"
            ]
        )
    host = listener.virtual_hosts[0]
    if (
        host.sticky is not None
        or len(host.routes) != 1
        or host.routes[0].match is not None
        or host.routes[0].fraction < plan.FULL
    ):
        raise errors.RoutingError(
            [
                f"TCP gateway '{host.gateway}': conditions, condition strengths and sticky sessions "
                "need an HTTP port"
            ]
        )
    route = host.routes[0]
    weighted = [choice for choice in route.clusters if choice.weight > 0]
    lines = ["mode tcp"]
    if len(weighted) > 1:
        lines.append(f"tcp-request content set-var({WEIGHT}) rand({plan.FULL})")
    total = 0
    for position, choice in enumerate(weighted):
        check_cluster(host.gateway, route.name, choice.cluster)
        total += choice.weight
        backend = render_names.haproxy_name(choice.cluster)
        if position == len(weighted) - 1:
            lines.append(f"use_backend {backend}")
        else:
            lines.append(f"use_backend {backend} if {{ var({WEIGHT}) -m int lt {total} }}")
    lines.append(f"default_backend {render_names.UNROUTED_TCP}")
    return lines
