"""Gateway targets on both data planes: path rewrites, external targets, gateway chaining, balance, and a
target that refuses connections (only its own route fails)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.core.routing.build import instance
from tests.e2e.backends import Response, free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import expect_shares, free_ports, gateway, requests, route, self_signed, send
from tests.e2e.polling import eventually

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
    data_plane: Plane, path: str, on_a: str, on_b: str
):
    port = free_port()
    rewrites = [{"path": "/api%[path] if { path_beg /v1 }"}, {"path": "/ if path == /old"}]
    await data_plane.serve(
        gateway(
            "api", port, {route("a"): {"weight": "50%", "rewrites": rewrites}, route("b"): {"weight": "50%"}}
        )
    )

    responses = await requests(port, 200, path)

    seen = {(response.backend, echoed(response)["path"]) for response in responses}
    assert seen == {("a", on_a), ("b", on_b)}


async def test_external_targets_by_name_and_by_address(data_plane: Plane):
    port = free_port()
    by_name = f"[localhost:{data_plane.backends.ports['c']}]"
    by_address = f"[127.0.0.1:{data_plane.backends.ports['d']}]"
    await data_plane.serve(gateway("out", port, {by_name: {"weight": "50%"}, by_address: {"weight": "50%"}}))

    responses = await requests(port, 1000, headers={"host": "shop.example"})

    expect_shares(Counter(response.backend for response in responses), {"c": 50, "d": 50})
    hosts = {(response.backend, echoed(response)["headers"]["host"]) for response in responses}  # type: ignore[index]
    assert hosts == {("c", "localhost"), ("d", "shop.example")}


async def test_a_gateway_chains_to_another_which_splits_by_weight_and_each_counts_its_requests(
    data_plane: Plane,
):
    front_port, back_port = free_ports(2)
    await data_plane.serve(
        gateway("front", front_port, ["back"]),
        gateway("back", back_port, {route("a"): {"weight": "80%"}, route("b"): {"weight": "20%"}}),
    )

    responses = await requests(front_port, 2000)

    expect_shares(Counter(response.backend for response in responses), {"a": 80, "b": 20})
    served = {
        (traffic.gateway, traffic.route): traffic.requests for traffic in await data_plane.adapter.traffic()
    }
    assert (served["front", None], served["back", None]) == (2000, 2000)


async def test_a_tcp_gateway_chains_to_another_tcp_gateway(data_plane: Plane):
    front_port, back_port = free_ports(2)
    await data_plane.serve(
        gateway("tcp-front", f"{front_port}/tcp", ["tcp-back"]),
        gateway("tcp-back", f"{back_port}/tcp", [route("d")]),
    )

    assert await send(front_port, 8) == {"d": 8}


async def test_a_gateway_chains_to_a_tls_gateway_without_tls_on_the_way(data_plane: Plane, tmp_path: Path):
    certificate, key = self_signed(tmp_path)
    front_port, back_port = free_ports(2)
    tls = {"certificate": str(certificate), "private_key": str(key)}
    await data_plane.serve(
        gateway("front", front_port, ["back"]), gateway("back", back_port, [route("a")], tls=tls)
    )

    responses = await requests(front_port, 20)

    assert {(response.status, response.backend) for response in responses} == {(200, "a")}


async def test_a_chained_request_names_every_route_it_took(data_plane: Plane):
    front_port, back_port = free_ports(2)
    await data_plane.serve(
        gateway("front", front_port, ["back"]),
        gateway("back", back_port, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
    )

    responses = await requests(front_port, 200)

    assert {response.headers.get("x-vamp-route") for response in responses} == {
        f"back//{route('a')}, front//back",
        f"back//{route('b')}, front//back",
    }


async def test_a_hashing_balance_keeps_each_key_on_one_instance(data_plane: Plane):
    port = free_port()
    pool = [
        instance(name, "127.0.0.1", {"http": data_plane.backends.ports[name]}, service="shop/web/pool")
        for name in ("a", "b", "c")
    ]
    await data_plane.serve(gateway("shop", port, {route("pool"): {"balance": "hdr(X-User)"}}), instances=pool)

    per_user = {user: await send(port, 6, headers={"x-user": user}) for user in map(str, range(30))}

    assert all(len(counts) == 1 for counts in per_user.values()), per_user
    assert {backend for counts in per_user.values() for backend in counts} == {"a", "b", "c"}


async def test_a_target_that_refuses_connections_fails_only_its_own_route(data_plane: Plane):
    port, refusing, also_refusing = free_ports(3)
    good = data_plane.backends.ports["a"]
    await data_plane.serve(
        gateway("shop", port, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
        instances=[
            instance("a-1", "127.0.0.1", {"http": good}, service="shop/web/a"),
            instance("a-2", "127.0.0.1", {"http": refusing}, service="shop/web/a"),
            instance("b-1", "127.0.0.1", {"http": also_refusing}, service="shop/web/b"),
        ],
    )

    async def only_route_b_fails() -> bool:
        outcomes = {(response.status, response.backend) for response in await requests(port, 8)}
        return outcomes == {(200, "a"), (503, "")}

    await eventually(only_route_b_fails, timeout=20.0, what="route a's refusing instance is passed over")
    responses = await requests(port, 1000)

    outcomes = Counter((response.status, response.backend) for response in responses)
    assert set(outcomes) == {(200, "a"), (503, "")}
    expect_shares(Counter(str(status) for status, _ in outcomes.elements()), {"200": 50, "503": 50})
    served = {(traffic.gateway, traffic.route): traffic for traffic in await data_plane.adapter.traffic()}
    assert served["shop", route("b")].codes["2xx"] == 0
