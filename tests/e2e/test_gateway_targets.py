"""Gateway targets end to end: path rewrites, external targets, gateway chaining, balance, and a target that
refuses connections (only its own route fails)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from tests.core.routing.build import instance
from tests.e2e.backends import Response, free_port
from tests.e2e.conftest import admin_client
from tests.e2e.gateway_harness import (
    Gateways,
    expect_shares,
    free_ports,
    gateway,
    requests,
    route,
    send,
)
from tests.e2e.polling import eventually
from vamp.adapters.envoy import render_names

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def echoed(response: Response) -> dict[str, object]:
    """What the backend saw: ``name``, ``method``, ``path`` (with the query) and ``headers``."""
    seen: dict[str, object] = json.loads(response.body)
    return seen


@pytest.mark.parametrize(
    ("path", "on_a", "on_b"),
    [
        ("/v1/users?page=2", "/api/v1/users?page=2", "/v1/users?page=2"),
        ("/v2/users", "/v2/users", "/v2/users"),
        ("/old?x=1", "/?x=1", "/old?x=1"),
    ],
)
async def test_a_route_rewrites_the_paths_of_its_own_requests_only(
    gateways: Gateways, path: str, on_a: str, on_b: str
):
    port = free_port()
    rewrites = [{"path": "/api%[path] if { path_beg /v1 }"}, {"path": "/ if path == /old"}]
    await gateways.serve(
        gateway(
            "api", port, {route("a"): {"weight": "50%", "rewrites": rewrites}, route("b"): {"weight": "50%"}}
        )
    )

    responses = await requests(port, 200, path)

    seen = {(response.backend, echoed(response)["path"]) for response in responses}
    assert seen == {("a", on_a), ("b", on_b)}


async def test_external_targets_by_name_and_by_address(gateways: Gateways):
    port = free_port()
    by_name = f"[localhost:{gateways.backends.ports['c']}]"
    by_address = f"[127.0.0.1:{gateways.backends.ports['d']}]"
    await gateways.serve(gateway("out", port, {by_name: {"weight": "50%"}, by_address: {"weight": "50%"}}))

    responses = await requests(port, 1000, headers={"host": "shop.example"})

    expect_shares(Counter(response.backend for response in responses), {"c": 50, "d": 50})
    hosts = {(response.backend, echoed(response)["headers"]["host"]) for response in responses}  # type: ignore[index]
    assert hosts == {("c", "localhost"), ("d", "shop.example")}


async def test_a_gateway_chains_to_another_inside_envoy_and_each_counts_its_requests(gateways: Gateways):
    front_port, back_port = free_ports(2)
    rendering = await gateways.serve(
        gateway("front", front_port, ["back"]),
        gateway("back", back_port, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
    )

    responses = await requests(front_port, 2000, headers={"x-forwarded-for": "203.0.113.7"})

    expect_shares(Counter(response.backend for response in responses), {"a": 50, "b": 50})
    # The edge appends the client (127.0.0.1, not a non-loopback address of the machine); hops add nothing.
    forwarded = {echoed(response)["headers"]["x-forwarded-for"] for response in responses}  # type: ignore[index]
    assert {tuple(address.strip() for address in value.split(",")) for value in forwarded} == {
        ("203.0.113.7", "127.0.0.1")
    }
    assert {len(address.split(",")) for address in forwarded} == {2}
    assert {response.headers["x-vamp-route"] for response in responses} == {
        f"back//{route('a')}, front//back",
        f"back//{route('b')}, front//back",
    }
    internal = render_names.internal_listener("back")
    assert rendering.listeners[internal] == "back"
    stats = await gateways.envoy.admin.stats(r"^http\..*\.downstream_rq_completed$")
    completed = {stat["name"]: stat["value"] for stat in stats["stats"]}
    assert completed[f"http.{render_names.envoy_name('front')}.downstream_rq_completed"] == 2000
    assert completed[f"http.{internal}.downstream_rq_completed"] == 2000


async def test_a_hashing_balance_keeps_each_key_on_one_instance(gateways: Gateways):
    port = free_port()
    pool = [
        instance(name, "127.0.0.1", {"http": gateways.backends.ports[name]}, service="shop/web/pool")
        for name in ("a", "b", "c")
    ]
    await gateways.serve(gateway("shop", port, {route("pool"): {"balance": "hdr(X-User)"}}), instances=pool)

    per_user = {user: await send(port, 6, headers={"x-user": user}) for user in map(str, range(30))}

    assert all(len(counts) == 1 for counts in per_user.values()), per_user
    assert {backend for counts in per_user.values() for backend in counts} == {"a", "b", "c"}


async def test_a_target_that_refuses_connections_fails_only_its_own_route(gateways: Gateways):
    port, refusing, also_refusing = free_ports(3)
    good = gateways.backends.ports["a"]
    await gateways.serve(
        gateway("shop", port, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
        instances=[
            instance("a-1", "127.0.0.1", {"http": good}, service="shop/web/a"),
            instance("a-2", "127.0.0.1", {"http": refusing}, service="shop/web/a"),
            instance("b-1", "127.0.0.1", {"http": also_refusing}, service="shop/web/b"),
        ],
    )

    async def checked_out() -> bool:
        async with admin_client(gateways.envoy.supervisor) as client:
            text = (await client.get("/clusters")).text
        cluster = render_names.envoy_name(f"shop//{route('a')}")
        return f"{cluster}::127.0.0.1:{refusing}::health_flags::/failed_active_hc" in text

    await eventually(checked_out, what="the health check takes the refusing instance of route a out")
    responses = await requests(port, 1000)

    by_route = Counter(
        (response.headers.get("x-vamp-route"), response.status, response.backend) for response in responses
    )
    assert set(by_route) == {(f"shop//{route('a')}", 200, "a"), (f"shop//{route('b')}", 503, "")}
    expect_shares(Counter(str(status) for _, status, _ in by_route.elements()), {"200": 50, "503": 50})
