"""The HAProxy renderer end to end: a plan → ``vamp.adapters.haproxy.render`` → the real HAProxy 2.6 →
backends. Every condition form routes as the match IR's reference semantics say (the requests and
conditions of ``test_gateway_conditions``, which prove the same on Envoy); weights and strengths send
their shares, down to 0.5 %; the shared port chooses a gateway by Host; a gateway reaches another.

Each test starts its own HAProxy in the foreground on a rendered file and stops it by its PID. Delivery
(reloads, the runtime API) is not the renderer's business and is not tested here.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.adapters.haproxy.test_haproxy_check import haproxy
from tests.core.routing.build import instance
from tests.e2e.backends import HOST, Backends
from tests.e2e.gateway_harness import BACKENDS, expect_shares, free_ports, gateway, route, send
from tests.e2e.test_gateway_conditions import (
    CONDITIONS,
    condition_gateway,
    misrouted,
    strength_gateway,
)
from vamp.adapters.haproxy.render import render
from vamp.core import model
from vamp.core.routing.compile import compile_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

START_TIMEOUT_S = 30.0
EMPTY_VALUES = ['cookie group == ""', 'cookie group != ""', 'query debug == ""', 'header x-canary == ""']
"""Conditions on empty values, which HAProxy's cookie and parameter fetches treat specially."""


@pytest.fixture(scope="module")
def backends() -> Iterator[Backends]:
    with Backends(*BACKENDS) as running:
        yield running


class HAProxy:
    """Serves gateways over ``backends`` on a real HAProxy: one process per ``serve``."""

    def __init__(self, directory: Path, backends: Backends) -> None:
        self.directory = directory
        self.backends = backends
        self.process: subprocess.Popen[bytes] | None = None
        self.log = directory / "haproxy.log"

    async def serve(self, *gateways: model.Gateway, shared_port: int | None = None) -> None:
        instances = [
            instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
            for name, port in self.backends.ports.items()
        ]
        compiled = compile_plan(gateways, instances, shared_port=shared_port)
        assert compiled.problems == (), compiled.problems
        config = self.directory / "haproxy.cfg"
        config.write_text(render(compiled).text)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen([haproxy(), "-db", "-f", str(config)], stdout=log, stderr=log)
        for listener in compiled.listeners:
            await self._accepting(listener.port)

    async def _accepting(self, port: int) -> None:
        deadline = asyncio.get_running_loop().time() + START_TIMEOUT_S
        while True:
            assert self.process is not None
            assert self.process.poll() is None, f"HAProxy exited at start:\n{self.log.read_text()}"
            with socket.socket() as probe:
                if probe.connect_ex((HOST, port)) == 0:
                    return
            if asyncio.get_running_loop().time() >= deadline:
                raise AssertionError(f"HAProxy does not accept on port {port} after {START_TIMEOUT_S:g} s")
            await asyncio.sleep(0.02)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
async def proxy(tmp_path: Path, backends: Backends) -> AsyncIterator[HAProxy]:
    running = HAProxy(tmp_path, backends)
    try:
        yield running
    finally:
        running.stop()


async def test_every_condition_form_routes_as_the_reference_semantics_say(proxy: HAProxy) -> None:
    texts = [*CONDITIONS, *EMPTY_VALUES]
    ports = dict(zip(texts, free_ports(len(texts)), strict=True))
    await proxy.serve(*(condition_gateway(index, ports[text], text) for index, text in enumerate(texts)))

    wrong = await misrouted(ports)

    assert wrong == [], "\n".join(wrong)


@pytest.mark.parametrize(
    ("strength", "matching"),
    [("100%", {"c": 100}), ("50%", {"c": 50, "a": 25, "b": 25}), ("0%", {"a": 50, "b": 50})],
)
async def test_condition_strength_sends_its_share_and_the_rest_follow_the_weights(
    proxy: HAProxy, strength: str, matching: dict[str, float]
) -> None:
    [port] = free_ports(1)
    await proxy.serve(strength_gateway(port, strength))

    expect_shares(await send(port, 2000, headers={"x-beta": "1"}), matching)
    expect_shares(await send(port, 2000), {"a": 50, "b": 50})


async def test_weights_are_faithful_to_half_a_percent(proxy: HAProxy) -> None:
    [port] = free_ports(1)
    await proxy.serve(
        gateway("shop", port, {route("a"): {"weight": "99.5%"}, route("b"): {"weight": "0.5%"}})
    )

    expect_shares(await send(port, 8000), {"a": 99.5, "b": 0.5})


async def test_the_shared_port_chooses_the_gateway_by_host_and_refuses_an_unknown_host(
    proxy: HAProxy,
) -> None:
    own, shared = free_ports(2)
    await proxy.serve(
        gateway("shop/front", own, [route("a")], virtual_hosts=["shop.example", "*.shop.example"]),
        gateway("shop/back", None, [route("b")], virtual_hosts=["back.example"]),
        shared_port=shared,
    )

    for host, backend in [
        ("shop.example", "a"),
        ("Shop.Example:8080", "a"),
        ("www.shop.example", "a"),
        ("back.example", "b"),
        ("other.example", "404"),
    ]:
        assert await send(shared, 4, headers={"host": host}) == {backend: 4}, host
    assert await send(own, 4, headers={"host": "other.example"}) == {"a": 4}


async def test_a_gateway_routes_to_another_gateway_which_splits_by_weight(proxy: HAProxy) -> None:
    outer, inner = free_ports(2)
    await proxy.serve(
        gateway("shop/outer", outer, ["shop/inner"]),
        gateway("shop/inner", inner, {route("a"): {"weight": "80%"}, route("b"): {"weight": "20%"}}),
    )

    expect_shares(await send(outer, 2000), {"a": 80, "b": 20})
