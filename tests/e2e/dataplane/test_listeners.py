"""Gateway listeners on both data planes: virtual hosts on the shared listener, TLS termination and TCP
gateways."""

from __future__ import annotations

import asyncio
import ssl
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.e2e.backends import HOST, Connection, free_port
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import expect_shares, free_ports, gateway, requests, route, self_signed, send

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.mark.parametrize(
    ("host", "status", "backend"),
    [
        ("shop.example", 200, "a"),
        ("SHOP.example:8080", 200, "a"),
        ("shop.vamp", 200, "a"),
        ("www.shop.example", 200, "a"),
        ("blog.example", 200, "b"),
        ("blog.vamp", 200, "b"),
        ("other.example", 404, ""),
    ],
)
async def test_the_shared_listener_serves_each_gateway_by_host_name(
    data_plane: Plane, host: str, status: int, backend: str
):
    shared, shop_port, blog_port = free_ports(3)
    await data_plane.serve(
        gateway("shop", shop_port, [route("a")], virtual_hosts=["shop.example", "*.shop.example"]),
        gateway("blog", blog_port, [route("b")], virtual_hosts=["blog.example"]),
        shared_port=shared,
    )
    connection = Connection(shared)

    response = await connection.request("/", {"host": host})
    await connection.close()

    assert (response.status, response.backend) == (status, backend)


async def test_a_gateway_on_its_own_port_answers_whatever_the_host(data_plane: Plane):
    own, shared = free_ports(2)
    await data_plane.serve(
        gateway("shop", own, [route("a")], virtual_hosts=["shop.example"]), shared_port=shared
    )

    assert await send(own, 4, headers={"host": "other.example"}) == {"a": 4}


async def test_a_gateway_with_tls_terminates_it_with_its_certificate(data_plane: Plane, tmp_path: Path):
    certificate, key = self_signed(tmp_path)
    port = free_port()
    tls = {"certificate": str(certificate), "private_key": str(key)}
    await data_plane.serve(gateway("shop", port, [route("a")], tls=tls))

    trusted = ssl.create_default_context(cafile=str(certificate))
    async with httpx.AsyncClient(verify=trusted) as client:
        response = await client.get(f"https://{HOST}:{port}/v1", headers={"host": "shop.example"})
    with pytest.raises(httpx.HTTPError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://{HOST}:{port}/")

    assert (response.status_code, response.headers["x-backend"]) == (200, "a")
    assert response.json()["path"] == "/v1"


async def new_connections(port: int, count: int, workers: int = 4) -> Counter[str]:
    """Where ``count`` requests went, each on a new connection (a TCP proxy chooses per connection)."""

    async def worker(share: int) -> Counter[str]:
        seen: Counter[str] = Counter()
        for _ in range(share):
            connection = Connection(port)
            seen[(await connection.request("/")).backend] += 1
            await connection.close()
        return seen

    counts = await asyncio.gather(*(worker(count // workers) for _ in range(workers)))
    return sum(counts, Counter())


async def test_a_tcp_gateway_proxies_connections_by_the_route_weights(data_plane: Plane):
    port = free_port()
    await data_plane.serve(
        gateway("db", f"{port}/tcp", {route("a"): {"weight": "70%"}, route("b"): {"weight": "30%"}})
    )

    counts = await new_connections(port, 2000)

    expect_shares(counts, {"a": 70, "b": 30})


async def test_a_tcp_gateway_without_weight_closes_every_connection(data_plane: Plane):
    port = free_port()
    await data_plane.serve(gateway("db", f"{port}/tcp", {route("a"): {"weight": "0%"}}))
    reader, writer = await asyncio.open_connection(HOST, port)

    received = await reader.read()  # sending nothing, so the close is a clean end of stream
    writer.close()

    assert received == b""


async def test_the_http_gateway_still_answers_next_to_a_tcp_one(data_plane: Plane):
    http_port, tcp_port = free_ports(2)
    await data_plane.serve(
        gateway("web", http_port, [route("a")]), gateway("db", f"{tcp_port}/tcp", [route("b")])
    )

    web, db = await requests(http_port, 10), await new_connections(tcp_port, 8)

    assert {response.backend for response in web} == {"a"}
    assert db == {"b": 8}


async def test_a_tcp_gateway_with_tls_terminates_it_and_passes_the_bytes_on_in_the_clear(
    data_plane: Plane, tmp_path: Path
):
    certificate, key = self_signed(tmp_path)
    port = free_port()
    tls = {"certificate": str(certificate), "private_key": str(key)}
    await data_plane.serve(gateway("db", f"{port}/tcp", [route("b")], tls=tls))

    trusted = ssl.create_default_context(cafile=str(certificate))
    async with httpx.AsyncClient(verify=trusted) as client:
        response = await client.get(f"https://{HOST}:{port}/over/tls", headers={"host": "db.example"})

    assert (response.status_code, response.headers["x-backend"]) == (200, "b")
    assert response.json()["path"] == "/over/tls"
