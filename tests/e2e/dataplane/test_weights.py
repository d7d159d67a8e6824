"""Route weights on both data planes: requests split statistically as the weights say, down to 0.5 %,
and a gateway whose routes all weigh nothing answers 503 naming it."""

from __future__ import annotations

import pytest

from tests.e2e.backends import free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import expect_shares, gateway, requests, route, send

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


SPLITS: list[dict[str, float]] = [
    {"a": 50, "b": 50},
    {"a": 90, "b": 10},
    {"a": 100, "b": 0},
    {"a": 0, "b": 100},
    {"a": 20, "b": 30, "c": 50},
    {"a": 0, "b": 50, "c": 50},
    {"a": 20, "b": 20, "c": 20, "d": 20, "e": 20},
    {"a": 10, "b": 0, "c": 30, "d": 40, "e": 20},
    {"a": 0, "b": 0, "c": 100, "d": 0, "e": 0},
    {"a": 50.5, "b": 49.5},
    {"a": 33.5, "b": 33, "c": 33.5},
]


@pytest.mark.parametrize("split", SPLITS, ids=["/".join(map(str, split.values())) for split in SPLITS])
async def test_requests_split_by_the_route_weights(data_plane: Plane, split: dict[str, float]):
    port = free_port()
    routes = {route(name): {"weight": f"{share}%"} for name, share in split.items()}
    await data_plane.serve(gateway("shop", port, routes))

    counts = await send(port, 2000)

    expect_shares(counts, split)


async def test_a_half_percent_route_gets_its_half_percent(data_plane: Plane):
    port = free_port()
    await data_plane.serve(
        gateway("shop", port, {route("a"): {"weight": "99.5%"}, route("b"): {"weight": "0.5%"}})
    )

    counts = await send(port, 4000)

    expect_shares(counts, {"a": 99.5, "b": 0.5})


async def test_a_gateway_whose_routes_all_have_weight_zero_answers_503_naming_it(data_plane: Plane):
    port = free_port()
    await data_plane.serve(
        gateway("shop", port, {route("a"): {"weight": "0%"}, route("b"): {"weight": "0%"}})
    )

    responses = await requests(port, 3)

    assert {(response.status, response.body) for response in responses} == {
        (503, b"gateway 'shop': no route has weight\n")
    }
