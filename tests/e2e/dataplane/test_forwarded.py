"""On both data planes, the client's address reaches the backend in ``x-forwarded-for``: the real one,
through a gateway that faces the client and through a chain of gateways, and after whatever addresses the
client already sent."""

from __future__ import annotations

import json

import pytest

from tests.e2e.backends import Response
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import free_ports, gateway, requests, route

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def forwarded_for(response: Response) -> tuple[str, ...]:
    """The addresses of the ``x-forwarded-for`` the backend saw, in order."""
    seen: dict[str, dict[str, str]] = json.loads(response.body)
    return tuple(address.strip() for address in seen["headers"]["x-forwarded-for"].split(","))


async def test_a_gateway_forwards_the_real_client_address(data_plane: Plane):
    (port,) = free_ports(1)
    await data_plane.serve(gateway("shop", port, {route("a"): {"weight": "100%"}}))

    responses = await requests(port, 8)

    assert {forwarded_for(response) for response in responses} == {("127.0.0.1",)}


async def test_chained_gateways_forward_the_client_address_once(data_plane: Plane):
    front_port, back_port = free_ports(2)
    await data_plane.serve(
        gateway("front", front_port, ["back"]),
        gateway("back", back_port, {route("a"): {"weight": "100%"}}),
    )

    through_chain = await requests(front_port, 8)
    with_proxy_in_front = await requests(front_port, 8, headers={"x-forwarded-for": "203.0.113.7"})

    assert {forwarded_for(response) for response in through_chain} == {("127.0.0.1",)}
    assert {forwarded_for(response) for response in with_proxy_in_front} == {("203.0.113.7", "127.0.0.1")}
