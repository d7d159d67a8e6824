"""Kill and restart on both data planes: a proxy killed with SIGKILL is started again and serves the last
good plan, the data plane says so in its health, and it takes new plans afterwards."""

from __future__ import annotations

import pytest

from tests.e2e.backends import free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import expect_shares, gateway, requests, route, send
from tests.e2e.polling import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def serving_again(data_plane: Plane, killed: int, port: int) -> None:
    """Wait until a proxy other than ``killed`` answers on ``port``."""

    async def back() -> bool:
        if data_plane.adapter.health().pid in (None, killed):
            return False
        try:
            return {response.status for response in await requests(port, 4)} == {200}
        except OSError:  # started, not listening yet
            return False

    await eventually(back, timeout=30.0, what=f"{data_plane.kind} is back after SIGKILL of pid {killed}")


async def test_a_killed_proxy_comes_back_serving_the_last_good_plan(data_plane: Plane):
    port = free_port()
    served = await data_plane.serve(
        gateway("shop", port, {route("a"): {"weight": "70%"}, route("b"): {"weight": "30%"}})
    )
    restarts = data_plane.adapter.health().restarts

    killed = data_plane.kill()

    await serving_again(data_plane, killed, port)

    async def counted() -> bool:
        return data_plane.adapter.health().restarts > restarts

    await eventually(counted, timeout=10.0, what="the restart is counted")
    health = data_plane.adapter.health()
    # A restart that found the port still held by a dying process is tried again: counted, not failed.
    assert health.restarts > restarts, health
    assert [exit for exit in health.exits if f"pid {killed}" in exit and "SIGKILL" in exit], health
    last = data_plane.adapter.last_good()
    assert last is not None
    assert last.version == served.version
    expect_shares(await send(port, 1000), {"a": 70, "b": 30})


async def test_a_restarted_proxy_takes_new_plans(data_plane: Plane):
    port = free_port()
    await data_plane.serve(gateway("shop", port, {route("a"): {"weight": "100%"}}))
    killed = data_plane.kill()

    await serving_again(data_plane, killed, port)
    await data_plane.serve(gateway("shop", port, {route("b"): {"weight": "100%"}}))

    assert await send(port, 20) == {"b": 20}
