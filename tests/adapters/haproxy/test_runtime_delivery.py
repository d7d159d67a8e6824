"""Servers changed through HAProxy's runtime API, with the real HAProxy 2.6: an instance that moves away
while its server still has a request in flight (so HAProxy does not let that server be deleted yet, and it
is left in maintenance) and then moves back is served again at once, with no reload, so no client's
keep-alive connection is closed.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.adapters.haproxy.running import reloads
from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends, Connection
from tests.e2e.gateway_harness import free_ports
from tests.e2e.polling import eventually
from vamp.adapters.haproxy import runtime_delivery
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

IN_FLIGHT_S = runtime_delivery.DELETE_WITHIN_SECONDS + 4.0
"""How long the request that holds the old server takes: past the delivery's wait for the deletion, and
past the move back."""


def served_at(backends: Backends, port: int, target: str) -> routing_plan.RoutingPlan:
    """Gateway ``shop`` on ``port`` to cluster ``a``, whose one instance answers at backend ``target``."""
    moved = instance(f"a-at-{target}", HOST, {"http": backends.ports[target]}, service="shop/web/a")
    compiled = compile_plan([gateway("shop", port, ["shop/web/a/http"])], [moved], shared_port=None)
    assert compiled.problems == (), compiled.problems
    return compiled


async def test_an_instance_back_where_a_request_still_holds_it_is_served_without_a_reload(
    data_plane: HaproxyDataPlane, backends: Backends
):
    (port,) = free_ports(1)
    await data_plane.apply(served_at(backends, port, "a"))
    before = await reloads(data_plane)
    client, slow = Connection(port), Connection(port)
    answered = backends.requests["a"]
    try:
        assert (await client.request("/")).backend == "a"
        backends.delay["a"] = IN_FLIGHT_S
        in_flight = asyncio.create_task(slow.request("/slow"))

        async def reached_a() -> bool:
            return backends.requests["a"] == answered + 2

        await eventually(reached_a, what="the slow request reaches backend a")
        backends.delay["a"] = 0.0  # only the request in flight is slow

        await data_plane.apply(served_at(backends, port, "b"))
        left = [row for row in await data_plane._runtime.stat() if row.server.startswith("a-at-a")]
        assert [row.status for row in left] == ["MAINT"]  # still holding the slow request
        assert (await client.request("/")).backend == "b"

        await data_plane.apply(served_at(backends, port, "a"))
        assert await reloads(data_plane) == before
        answers = [await client.request("/") for _ in range(3)]
        assert [answer.backend for answer in answers] == ["a", "a", "a"]
        assert [answer.headers.get("connection") for answer in answers] == [None, None, None]
        assert client.opened == 1
        assert (await in_flight).backend == "a"
    finally:
        backends.delay["a"] = 0.0
        await client.close()
        await slow.close()
