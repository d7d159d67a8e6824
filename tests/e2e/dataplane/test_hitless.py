"""Hitless changes under load on both data planes, at a modest scale: a keep-alive load runs while the
weights flip between two backends (100 % ↔ 0 %, so every response shows which plan routed it), while a
route's instances are replaced, and while a new gateway is added. Weight changes fail no request and open
no new connection; replaced instances and a structural change fail no request. Printed (run with -s):
plan applied → first response routed by it.
"""

from __future__ import annotations

import asyncio
import functools
import time

import pytest

from tests.core.routing.build import instance
from tests.e2e.backends import Load, free_port, load
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import free_ports, gateway, route, send
from tests.e2e.polling import eventually
from vamp.core import model

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

RATE = 200
CONNECTIONS = 4
FLIPS = 20


def flipped(port: int, target: str) -> model.Gateway:
    return gateway(
        "shop", port, {route(name): {"weight": "100%" if name == target else "0%"} for name in ("a", "b")}
    )


async def test_weight_changes_under_load_fail_no_request_and_open_no_connection(data_plane: Plane):
    port = free_port()
    await data_plane.serve(flipped(port, "a"))
    done = False
    seen = Load()
    running = asyncio.create_task(
        load(port, rate=RATE, connections=CONNECTIONS, until=lambda: done, seen=seen)
    )
    delays = []
    try:
        await eventually(lambda: _received(seen, 0.0, "a"), timeout=10.0, what="the load runs")
        for flip in range(FLIPS):
            target = "b" if flip % 2 == 0 else "a"
            started = time.monotonic()
            await data_plane.serve(flipped(port, target))
            await eventually(
                functools.partial(_received, seen, started, target),
                timeout=10.0,
                what=f"flip {flip} to {target}",
            )
            delays.append(
                next(t for t, backend in seen.timeline if t >= started and backend == target) - started
            )
    finally:
        done = True
        await running

    print(
        f"{data_plane.kind}: {FLIPS} weight changes under {RATE} req/s, {seen.total} responses; "
        f"applied → first response routed by it: max {1000 * max(delays):.1f} ms, "
        f"median {1000 * sorted(delays)[len(delays) // 2]:.1f} ms"
    )
    assert seen.failures == []
    assert seen.connections == CONNECTIONS


async def _received(seen: Load, since: float, backend: str) -> bool:
    return any(t >= since and name == backend for t, name in reversed(seen.timeline))


async def test_a_new_gateway_under_load_fails_no_request(data_plane: Plane):
    port, added = free_ports(2)
    await data_plane.serve(flipped(port, "a"))
    done = False
    seen = Load()
    running = asyncio.create_task(
        load(port, rate=RATE, connections=CONNECTIONS, until=lambda: done, seen=seen)
    )
    try:
        await eventually(lambda: _received(seen, 0.0, "a"), timeout=10.0, what="the load runs")
        await data_plane.serve(flipped(port, "a"), gateway("added", added, [route("c")]))
        assert await send(added, 10) == {"c": 10}
        after = time.monotonic()
        await eventually(lambda: _received(seen, after, "a"), timeout=10.0, what="the load runs on")
    finally:
        done = True
        await running

    assert seen.failures == []
    assert seen.responses.keys() == {"a"}


async def test_instances_replaced_under_load_fail_no_request(data_plane: Plane):
    port = free_port()
    ports = data_plane.backends.ports

    def pool(*names: str) -> list[model.ObservedInstance]:
        return [instance(name, "127.0.0.1", {"http": ports[name]}, service="shop/web/pool") for name in names]

    shop = gateway("shop", port, [route("pool")])
    await data_plane.serve(shop, instances=pool("a", "b"))
    done = False
    seen = Load()
    running = asyncio.create_task(
        load(port, rate=RATE, connections=CONNECTIONS, until=lambda: done, seen=seen)
    )
    try:
        await eventually(lambda: _received(seen, 0.0, "a"), timeout=10.0, what="the load runs")
        for names in (("b", "c"), ("c", "d"), ("d", "a")):
            started = time.monotonic()
            await data_plane.serve(shop, instances=pool(*names))
            await eventually(
                functools.partial(_received, seen, started, names[1]),
                timeout=10.0,
                what=f"instances {names} serve",
            )
    finally:
        done = True
        await running

    assert seen.failures == []
    assert seen.responses.keys() == {"a", "b", "c", "d"}
