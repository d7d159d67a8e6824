"""Sticky gateways on both data planes: ``sticky: route`` keeps a client on its route while the weights
change and new clients follow the weights; ``sticky: instance`` also keeps it on one instance. The cookies
are named as the Envoy renderer names them (``render_names``), which the HAProxy renderer is to follow."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.core.routing.build import instance
from tests.e2e.backends import Connection, Response, free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import cookie_of, expect_shares, gateway, route
from vamp.adapters.envoy import render_names

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


ROUTE_COOKIE = render_names.route_cookie("shop")


def sticky_shop(port: int, weights: dict[str, int], sticky: str = "route"):
    return gateway(
        "shop", port, {route(name): {"weight": f"{share}%"} for name, share in weights.items()}, sticky=sticky
    )


async def new_clients(port: int, count: int) -> tuple[Counter[str], dict[str, str]]:
    """First visits of ``count`` new clients: where each went, and a route cookie per backend seen."""
    seen: Counter[str] = Counter()
    cookies: dict[str, str] = {}
    connection = Connection(port)
    for _ in range(count):
        response = await connection.request("/")
        seen[response.backend] += 1
        value = cookie_of(response, ROUTE_COOKIE)
        assert value is not None, response.headers
        cookies.setdefault(response.backend, f"{ROUTE_COOKIE}={value}")
    await connection.close()
    return seen, cookies


async def test_a_client_stays_on_its_route_while_the_weights_change_and_new_clients_follow_them(
    data_plane: Plane,
):
    port = free_port()
    await data_plane.serve(sticky_shop(port, {"a": 80, "b": 20}))
    first, cookies = await new_clients(port, 1000)
    expect_shares(first, {"a": 80, "b": 20})

    stayed: list[tuple[str, Response]] = []
    later: list[Counter[str]] = []
    for weights in ({"a": 0, "b": 100}, {"a": 100, "b": 0}, {"a": 30, "b": 70}, {"a": 50, "b": 50}):
        await data_plane.serve(sticky_shop(port, weights))
        connection = Connection(port)
        for backend, cookie in cookies.items():
            for _ in range(25):
                stayed.append((backend, await connection.request("/", {"cookie": f"other=1; {cookie}"})))
        await connection.close()
        later.append((await new_clients(port, 1000))[0])

    assert len(stayed) == 200
    assert {
        (backend, response.backend, "set-cookie" in response.headers) for backend, response in stayed
    } == {
        ("a", "a", False),
        ("b", "b", False),
    }
    expect_shares(later[0], {"b": 100})
    expect_shares(later[2], {"a": 30, "b": 70})


async def test_a_client_whose_route_is_gone_follows_the_weights_and_gets_a_new_cookie(data_plane: Plane):
    port = free_port()
    await data_plane.serve(sticky_shop(port, {"a": 0, "b": 100}))
    _, cookies = await new_clients(port, 1)
    await data_plane.serve(sticky_shop(port, {"a": 100, "c": 0}))
    connection = Connection(port)

    response = await connection.request("/", {"cookie": cookies["b"]})
    await connection.close()

    assert response.backend == "a"
    assert cookie_of(response, ROUTE_COOKIE) == render_names.route_id(f"shop//{route('a')}")


async def test_sticky_instance_keeps_a_client_on_one_instance_of_its_route(data_plane: Plane):
    port = free_port()
    pool = [
        instance(name, "127.0.0.1", {"http": data_plane.backends.ports[name]}, service="shop/web/pool")
        for name in ("a", "b", "c")
    ]
    await data_plane.serve(sticky_shop(port, {"pool": 100}, sticky="instance"), instances=pool)

    instances: Counter[str] = Counter()
    stayed = True
    for _ in range(30):
        connection = Connection(port)
        first = await connection.request("/")
        jar = "; ".join(
            f"{name}={cookie_of(first, name)}"
            for name in (ROUTE_COOKIE, render_names.instance_cookie("shop"))
        )
        instances[first.backend] += 1
        again = [(await connection.request("/", {"cookie": jar})).backend for _ in range(5)]
        stayed &= again == [first.backend] * 5
        await connection.close()

    assert set(instances) == {"a", "b", "c"}
    assert stayed
