"""Raw HAProxy conditions (``< … >``, ``{ … }``) on both data planes: HAProxy routes the requests they match,
alone and combined with the condition language; Envoy refuses each gateway holding one, by name and with
where it runs, and applies nothing of that plan (the agent then isolates the gateway and serves the rest)."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.e2e.backends import Connection
from tests.e2e.dataplane.planes import Plane
from tests.e2e.gateway_harness import free_ports, gateway, route
from vamp import errors
from vamp.core import model

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


def raw_gateway(index: int, port: int, text: str) -> model.Gateway:
    return gateway(
        f"raw-{index}",
        port,
        {route("a"): {"weight": "100%"}, route("b"): {"weight": "0%", "condition": {"definition": text}}},
    )


async def test_raw_conditions_route_on_haproxy_and_envoy_refuses_their_gateways_by_name(data_plane: Plane):
    ports = free_ports(len(CASES))
    gateways = [
        raw_gateway(index, port, text)
        for index, ((text, _), port) in enumerate(zip(CASES, ports, strict=True))
    ]

    if data_plane.kind == "envoy":
        with pytest.raises(errors.GatewaysRefused) as refused:
            await data_plane.serve(*gateways)
        assert set(refused.value.gateways) == {gateway.name for gateway in gateways}
        assert all("--proxy haproxy" in reason for reason in refused.value.gateways.values())
        return

    await data_plane.serve(*gateways)
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
