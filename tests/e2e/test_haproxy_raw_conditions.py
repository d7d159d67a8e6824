"""Raw HAProxy conditions route real traffic through the real HAProxy 2.6: a plan → the renderer →
HAProxy → backends, alone and combined with the condition language (the runner of ``haproxy_harness``;
raw conditions are HAProxy's own, so they are not in the suite of both data planes, ``dataplane/``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e.backends import Backends, Connection
from tests.e2e.gateway_harness import BACKENDS, free_ports, gateway, route
from tests.e2e.haproxy_harness import HAProxyGateways

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

ALICE = {"x-user": "alice"}
BETA_COOKIE = {"cookie": "theme=dark; group=xbetax"}

CASES: list[tuple[str, list[tuple[Mapping[str, str], str]]]] = [
    (
        "< hdr(x-user) -m str alice >",
        [(ALICE, "b"), ({"x-user": "bob"}, "a"), ({"x-user": "alicia"}, "a"), ({}, "a")],
    ),
    (
        "< req.cook(group) -m sub beta >",
        [(BETA_COOKIE, "b"), ({"cookie": "group=alpha"}, "a"), ({}, "a")],
    ),
    (
        "not < req.cook(group) -m sub beta > and has header x-beta",
        [({"x-beta": "1"}, "b"), ({"x-beta": "1", **BETA_COOKIE}, "a"), (BETA_COOKIE, "a"), ({}, "a")],
    ),
    (
        "< hdr(x-user) -m str alice > or { req.cook(group) -m sub beta }",
        [(ALICE, "b"), (BETA_COOKIE, "b"), ({"x-user": "bob"}, "a")],
    ),
    (
        "< hdr(x-user),lower -m str 'alice smith' >",
        [({"x-user": "Alice Smith"}, "b"), ({"x-user": "alice"}, "a")],
    ),
]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


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


async def test_raw_conditions_send_the_requests_haproxy_matches_to_their_route(
    proxy: HAProxyGateways,
) -> None:
    ports = free_ports(len(CASES))
    await proxy.serve(
        *(
            gateway(
                f"raw-{index}",
                port,
                {
                    route("a"): {"weight": "100%"},
                    route("b"): {"weight": "0%", "condition": {"definition": text}},
                },
            )
            for index, ((text, _), port) in enumerate(zip(CASES, ports, strict=True))
        )
    )

    wrong = []
    for (text, requests), port in zip(CASES, ports, strict=True):
        connection = Connection(port)
        for headers, expected in requests:
            answered = (await connection.request("/", headers)).backend
            if answered != expected:
                wrong.append(
                    f"{text!r} with {dict(headers)}: went to {answered or 'nothing'}, not {expected}"
                )
        await connection.close()

    assert wrong == [], "\n".join(wrong)
