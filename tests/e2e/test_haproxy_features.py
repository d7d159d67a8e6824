"""The HAProxy renderer's features end to end, with real traffic through a real HAProxy 2.6 to real
backends: sticky routes and instances (Envoy's cookies and semantics: weights are the share of new
clients, a returning client keeps its route), path rewrites as the backend sees them, TLS with a
self-signed certificate, TCP gateways (bytes through, weights per connection, none without weight),
external targets by name and by address, and a gateway chained to another inside HAProxy.

The requests and expectations are those of the Envoy tests (``test_gateway_sticky``,
``test_gateway_targets``, ``test_gateway_listeners``); the clients are written out here, as those
modules are moving into the data-plane suite.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.core.routing.build import instance
from tests.e2e.backends import HOST, Backends, Connection, Response
from tests.e2e.gateway_harness import (
    BACKENDS,
    cookie_of,
    expect_shares,
    free_ports,
    gateway,
    requests,
    route,
    self_signed,
)
from tests.e2e.haproxy_harness import HAProxyGateways
from vamp.adapters.envoy import render_names as envoy_names
from vamp.core import model

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture(scope="module")
def backends() -> Iterator[Backends]:
    with Backends(*BACKENDS) as running:
        yield running


@pytest.fixture
async def proxy(tmp_path: Path, backends: Backends) -> AsyncIterator[HAProxyGateways]:
    running = HAProxyGateways(tmp_path, backends)
    try:
        yield running
    finally:
        running.stop()


ROUTE_COOKIE = envoy_names.route_cookie("shop")


def sticky_shop(port: int, weights: dict[str, int], sticky: str = "route") -> model.Gateway:
    return gateway(
        "shop", port, {route(name): {"weight": f"{share}%"} for name, share in weights.items()}, sticky=sticky
    )


async def new_clients(port: int, count: int) -> tuple[Counter[str], dict[str, str]]:
    """First visits of ``count`` new clients (no cookie): where each went, and a route cookie per backend."""
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


def echoed(response: Response) -> dict[str, object]:
    """What the backend saw: ``name``, ``method``, ``path`` (with the query) and ``headers``."""
    seen: dict[str, object] = json.loads(response.body)
    return seen


async def test_sticky_route_new_clients_follow_the_weights_and_returning_ones_keep_their_route(
    proxy: HAProxyGateways,
) -> None:
    [port] = free_ports(1)
    await proxy.serve(sticky_shop(port, {"a": 80, "b": 20}))
    first, cookies = await new_clients(port, 1000)
    expect_shares(first, {"a": 80, "b": 20})

    stayed: list[tuple[str, Response]] = []
    later: list[Counter[str]] = []
    for weights in ({"a": 0, "b": 100}, {"a": 30, "b": 70}):
        await proxy.serve(sticky_shop(port, weights))
        connection = Connection(port)
        for backend, cookie in cookies.items():
            for _ in range(25):
                stayed.append((backend, await connection.request("/", {"cookie": f"other=1; {cookie}"})))
        await connection.close()
        later.append((await new_clients(port, 1000))[0])

    assert {
        (backend, response.backend, "set-cookie" in response.headers) for backend, response in stayed
    } == {("a", "a", False), ("b", "b", False)}
    expect_shares(later[0], {"b": 100})
    expect_shares(later[1], {"a": 30, "b": 70})


async def test_sticky_route_a_client_whose_route_is_gone_follows_the_weights_and_gets_a_new_cookie(
    proxy: HAProxyGateways,
) -> None:
    [port] = free_ports(1)
    await proxy.serve(sticky_shop(port, {"a": 0, "b": 100}))
    _, cookies = await new_clients(port, 1)
    await proxy.serve(sticky_shop(port, {"a": 100, "c": 0}))
    connection = Connection(port)

    response = await connection.request("/", {"cookie": cookies["b"]})
    await connection.close()

    assert response.backend == "a"
    assert cookie_of(response, ROUTE_COOKIE) == envoy_names.route_id(f"shop//{route('a')}")


async def test_sticky_instance_keeps_a_client_on_one_instance_of_its_route(proxy: HAProxyGateways) -> None:
    [port] = free_ports(1)
    pool = [
        instance(name, HOST, {"http": proxy.backends.ports[name]}, service="shop/web/pool")
        for name in ("a", "b", "c")
    ]
    await proxy.serve(sticky_shop(port, {"pool": 100}, sticky="instance"), instances=pool)

    instances: Counter[str] = Counter()
    stayed = True
    for _ in range(30):
        connection = Connection(port)
        first = await connection.request("/")
        jar = "; ".join(
            f"{name}={cookie_of(first, name)}" for name in (ROUTE_COOKIE, envoy_names.instance_cookie("shop"))
        )
        instances[first.backend] += 1
        again = [(await connection.request("/", {"cookie": jar})).backend for _ in range(5)]
        stayed &= again == [first.backend] * 5
        await connection.close()

    assert set(instances) == {"a", "b", "c"}
    assert stayed


@pytest.mark.parametrize(
    ("path", "on_a", "on_b"),
    [
        ("/v1/users?page=2", "/api/v1/users?page=2", "/v1/users?page=2"),
        ("/v2/users", "/v2/users", "/v2/users"),
        ("/old?x=1", "/?x=1", "/old?x=1"),
    ],
)
async def test_a_route_rewrites_the_paths_of_its_own_requests_only(
    proxy: HAProxyGateways, path: str, on_a: str, on_b: str
) -> None:
    [port] = free_ports(1)
    rewrites = [{"path": "/api%[path] if { path_beg /v1 }"}, {"path": "/ if path == /old"}]
    await proxy.serve(
        gateway(
            "api", port, {route("a"): {"weight": "50%", "rewrites": rewrites}, route("b"): {"weight": "50%"}}
        )
    )

    responses = await requests(port, 200, path)

    assert {(response.backend, echoed(response)["path"]) for response in responses} == {
        ("a", on_a),
        ("b", on_b),
    }


async def test_a_gateway_with_tls_terminates_it_with_its_certificate(
    proxy: HAProxyGateways, tmp_path: Path
) -> None:
    certificate, key = self_signed(tmp_path)
    [port] = free_ports(1)
    tls = {"certificate": str(certificate), "private_key": str(key)}
    rendering = await proxy.serve(gateway("shop", port, [route("a")], tls=tls))

    trusted = ssl.create_default_context(cafile=str(certificate))
    async with httpx.AsyncClient(verify=trusted) as client:
        response = await client.get(f"https://{HOST}:{port}/v1", headers={"host": "shop.example"})
    with pytest.raises(httpx.HTTPError):
        async with httpx.AsyncClient() as client:
            await client.get(f"http://{HOST}:{port}/")

    assert (response.status_code, response.headers["x-backend"]) == (200, "a")
    assert response.json()["path"] == "/v1"
    [pem] = rendering.files
    assert (tmp_path / pem).stat().st_mode & 0o777 == 0o600


async def test_a_tcp_gateway_passes_the_bytes_through_and_splits_connections_by_weight(
    proxy: HAProxyGateways,
) -> None:
    port, idle = free_ports(2)
    await proxy.serve(
        gateway("db", f"{port}/tcp", {route("a"): {"weight": "70%"}, route("b"): {"weight": "30%"}}),
        gateway("idle", f"{idle}/tcp", {route("a"): {"weight": "0%"}}),
    )
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(b"GET /raw/bytes?x=1 HTTP/1.1\r\nhost: db\r\nx-sent: as-is\r\ncontent-length: 0\r\n\r\n")
    head = await reader.readuntil(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))[15:]
    )
    body = json.loads(await reader.readexactly(length))
    writer.close()

    assert (body["path"], body["headers"]["x-sent"], body["headers"]["host"]) == (
        "/raw/bytes?x=1",
        "as-is",
        "db",
    )
    expect_shares(await new_connections(port, 2000), {"a": 70, "b": 30})
    idle_reader, idle_writer = await asyncio.open_connection(HOST, idle)
    assert await asyncio.wait_for(idle_reader.read(), 10) == b""
    idle_writer.close()


async def test_external_targets_by_name_and_by_address(proxy: HAProxyGateways) -> None:
    [port] = free_ports(1)
    by_name = f"[localhost:{proxy.backends.ports['c']}]"
    by_address = f"[127.0.0.1:{proxy.backends.ports['d']}]"
    await proxy.serve(gateway("out", port, {by_name: {"weight": "50%"}, by_address: {"weight": "50%"}}))

    responses = await requests(port, 1000, headers={"host": "shop.example"})

    expect_shares(Counter(response.backend for response in responses), {"c": 50, "d": 50})
    hosts = {(response.backend, echoed(response)["headers"]["host"]) for response in responses}  # type: ignore[index]
    assert hosts == {("c", "localhost"), ("d", "shop.example")}


async def test_a_gateway_chains_to_another_inside_haproxy_http_and_tcp(proxy: HAProxyGateways) -> None:
    front, back, tcp_front, tcp_back = free_ports(4)
    await proxy.serve(
        gateway("front", front, ["back"]),
        gateway("back", back, {route("a"): {"weight": "50%"}, route("b"): {"weight": "50%"}}),
        gateway("tcp-front", f"{tcp_front}/tcp", ["tcp-back"]),
        gateway("tcp-back", f"{tcp_back}/tcp", [route("d")]),
    )

    responses = await requests(front, 2000)

    expect_shares(Counter(response.backend for response in responses), {"a": 50, "b": 50})
    assert await new_connections(tcp_front, 8) == {"d": 8}


async def test_a_gateway_chains_to_a_tls_gateway_inside_haproxy_without_tls_on_the_way(
    proxy: HAProxyGateways, tmp_path: Path
) -> None:
    certificate, key = self_signed(tmp_path)
    front, back = free_ports(2)
    tls = {"certificate": str(certificate), "private_key": str(key)}
    await proxy.serve(gateway("front", front, ["back"]), gateway("back", back, [route("a")], tls=tls))

    responses = await requests(front, 20)

    assert {(response.status, response.backend) for response in responses} == {(200, "a")}


async def test_a_gateway_whose_routes_all_weigh_nothing_answers_503_naming_it_and_an_unknown_host_404(
    proxy: HAProxyGateways,
) -> None:
    port, shared = free_ports(2)
    await proxy.serve(
        gateway("shop", port, {route("a"): {"weight": "0%"}, route("b"): {"weight": "0%"}}),
        gateway("blog", None, [route("c")], virtual_hosts=["blog.example"]),
        shared_port=shared,
    )

    empty = await requests(port, 3)
    unknown_host = await requests(shared, 3, headers={"host": "other.example"})
    known_host = await requests(shared, 3, headers={"host": "blog.example"})

    assert {(response.status, response.body) for response in empty} == {
        (503, b"gateway 'shop': no route has weight\n")
    }
    assert {(response.status, response.body) for response in unknown_host} == {(404, b"")}
    assert {response.backend for response in known_host} == {"c"}


def forwarded_for(response: Response) -> tuple[str, ...]:
    """The addresses of the ``x-forwarded-for`` the backend saw, in order."""
    seen: dict[str, dict[str, str]] = json.loads(response.body)
    return tuple(address.strip() for address in seen["headers"]["x-forwarded-for"].split(","))


async def test_the_client_address_is_forwarded_once_directly_and_through_a_chain(
    proxy: HAProxyGateways,
) -> None:
    front, back = free_ports(2)
    await proxy.serve(gateway("front", front, ["back"]), gateway("back", back, [route("a")]))

    direct = await requests(back, 8)
    through_chain = await requests(front, 8)
    with_proxy_in_front = await requests(front, 8, headers={"x-forwarded-for": "203.0.113.7"})

    assert {forwarded_for(response) for response in direct + through_chain} == {("127.0.0.1",)}
    assert {forwarded_for(response) for response in with_proxy_in_front} == {("203.0.113.7", "127.0.0.1")}


async def test_a_tcp_gateway_with_tls_terminates_it_and_passes_the_bytes_on_in_the_clear(
    proxy: HAProxyGateways, tmp_path: Path
) -> None:
    certificate, key = self_signed(tmp_path)
    [port] = free_ports(1)
    tls = {"certificate": str(certificate), "private_key": str(key)}
    await proxy.serve(gateway("db", f"{port}/tcp", [route("b")], tls=tls))

    trusted = ssl.create_default_context(cafile=str(certificate))
    async with httpx.AsyncClient(verify=trusted) as client:
        response = await client.get(f"https://{HOST}:{port}/over/tls", headers={"host": "db.example"})

    assert (response.status_code, response.headers["x-backend"]) == (200, "b")
    assert response.json()["path"] == "/over/tls"
