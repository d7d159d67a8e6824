"""Refusing a routing plan that listens where another process already does, before a data plane sees it.

A data plane told to listen on a port another process holds refuses the plan late (Envoy at the listener
step of a delivery) or fails as a whole (HAProxy's reload keeps the old worker, naming no gateway). Both
data planes probe the addresses a new plan adds, and name the gateways listening on a taken one
(``errors.GatewaysRefused``), so the agent isolates just those.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable

from vamp import errors
from vamp.core.routing import plan as routing_plan


def refuse_taken(
    plan: routing_plan.RoutingPlan, addresses: Iterable[tuple[str, int]], data_plane: str
) -> None:
    """Raise if another process listens on one of ``addresses`` (those ``plan`` adds), naming its gateways.

    Raises:
        errors.GatewaysRefused: a taken port is a listener's of ``plan``: its gateways are named.
        errors.PublishError: a taken address belongs to no listener of ``plan``.
    """
    problems: list[str] = []
    blamed: dict[str, str] = {}
    for host, port in sorted(set(addresses)):
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                where = f"{host}:{port}, where {data_plane} cannot listen: {exc.strerror}."
                fix = "Give the gateway another port, or stop what uses this one."
                problems.append(f"Routing plan {plan.version} listens on {where} {fix}")
                for listener in plan.listeners:
                    if listener.port == port:
                        blamed.update(
                            (served.gateway, f"It listens on {where} {fix}")
                            for served in listener.virtual_hosts
                        )
    if blamed:
        raise errors.GatewaysRefused(" ".join(problems), blamed)
    if problems:
        raise errors.PublishError(" ".join(problems))
