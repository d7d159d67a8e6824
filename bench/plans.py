"""The routing plans the data-plane benches serve (``bench/dataplane.py``, ``bench/haproxy_latency.py``).

* ``split_plan``: one gateway splitting its port over two backends by weight (the 90/10 plan);
* ``large_plan``: many gateways of many routes each, on consecutive ports (``consecutive_free_ports``),
  with a ``shift`` that moves 1 % between the first two routes of every gateway (a weight change on
  every gateway).

Every plan is compiled by ``vamp.core.routing.compile.compile_plan``, as the server compiles one.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping

from bench.proxies import HOST
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan


def split_plan(port: int, weights: Mapping[int, str], name: str = "split") -> routing_plan.RoutingPlan:
    """One gateway on ``port`` whose routes are the backends on 127.0.0.1 by port, with their weights."""
    return compile_plan([gateway(name, port, weights)], [], shared_port=None)


def gateway(name: str, port: int, weights: Mapping[int, str]) -> model.Gateway:
    routes = {f"[{HOST}:{backend}]": {"weight": weight} for backend, weight in weights.items()}
    return model.Gateway.model_validate({"name": name, "port": {"number": port}, "routes": routes})


def large_plan(
    first_port: int, backends: list[int], gateways: int, routes: int, shift: int = 0
) -> routing_plan.RoutingPlan:
    """``gateways`` gateways of ``routes`` routes each; ``shift`` moves 1 % between the first two routes."""
    return compile_plan(large_gateways(first_port, backends, gateways, routes, shift), [], shared_port=None)


def large_gateways(
    first_port: int, backends: list[int], gateways: int, routes: int, shift: int = 0
) -> list[model.Gateway]:
    """The gateways of ``large_plan``: ``g<i>`` on port ``first_port + i``."""
    weights = [100 // routes] * routes
    weights[0] += 100 - sum(weights) - shift
    weights[1] += shift
    return [
        gateway(
            f"g{index}",
            first_port + index,
            dict(zip(backends[:routes], (f"{w}%" for w in weights), strict=True)),
        )
        for index in range(gateways)
    ]


def consecutive_free_ports(count: int, start: int = 30_000) -> int:
    """The first of ``count`` consecutive ports on 127.0.0.1 that nothing listens on."""
    for base in range(start, 65_000 - count, count):
        if all(_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"There are no {count} consecutive free ports.")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True
