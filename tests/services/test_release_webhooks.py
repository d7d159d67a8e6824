"""Webhooks as a release's gates, against a loopback HTTP server: a 2xx answer lets the release go on and
the webhook is told the release, its step, weights and last verdict; a non-2xx answer or no answer in
time is a failed check ``webhook:<name>`` with its reason, and the release fails as its policy says."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.interfaces.api import harness
from tests.services.test_release_controller import (
    BASELINE,
    CANDIDATE,
    RELEASE,
    served,
    start,
    status,
    traffic,
    weights,
)
from vamp.adapters import webhooks
from vamp.services.releases import controller

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def api() -> AsyncIterator[harness.Harness]:
    async with harness.in_memory() as found:
        yield found


@dataclass
class Gate:
    """A loopback HTTP server that answers every POST with ``status`` and ``body``, or never (``silent``)."""

    status: int = 200
    body: str = ""
    silent: bool = False
    heard: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    handlers: list[asyncio.Task[None]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.handlers.append(task)
        try:
            await self._answer(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        self.heard.append(json.loads(await reader.readexactly(length)))
        if self.silent:
            await self.stopped.wait()  # never answers while the test runs
            return
        answer = self.body.encode()
        writer.write(
            f"HTTP/1.1 {self.status} X\r\ncontent-length: {len(answer)}\r\nconnection: close\r\n\r\n".encode()
            + answer
        )
        await writer.drain()


@contextlib.asynccontextmanager
async def serving(gate: Gate) -> AsyncIterator[Gate]:
    server = await asyncio.start_server(gate.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    gate.url = f"http://127.0.0.1:{port}/gate"
    try:
        yield gate
    finally:
        gate.stopped.set()
        server.close()
        await asyncio.gather(*gate.handlers, return_exceptions=True)
        await server.wait_closed()


def with_webhook(url: str, on: str, extra: str = "") -> str:
    return RELEASE + extra + f"webhooks:\n  - name: smoke\n    url: {url}\n    on: {on}\n    timeout: 1s\n"


async def test_a_webhook_that_answers_2xx_lets_the_step_go_on_and_is_told_the_release() -> None:
    async with serving(Gate()) as gate:
        gates = webhooks.HttpGates()
        try:
            refused = await gates.call(gate.url, {"release": "sava-1.1", "step": 0}, timeout=5.0)
        finally:
            await gates.aclose()
    assert refused is None
    assert gate.heard == [{"release": "sava-1.1", "step": 0}]


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (Gate(status=503, body="smoke tests failing"), "answered 503: smoke tests failing"),
        (Gate(status=302), "answered 302"),
        (Gate(silent=True), "did not answer within 1 s"),
    ],
)
async def test_a_webhook_that_refuses_or_does_not_answer_says_why(gate: Gate, expected: str) -> None:
    async with serving(gate):
        gates = webhooks.HttpGates()
        try:
            refused = await gates.call(gate.url, {"release": "sava-1.1"}, timeout=1.0)
        finally:
            await gates.aclose()
    assert refused is not None
    assert expected in refused
    assert gate.url in refused


async def test_a_release_with_a_pre_step_webhook_calls_it_before_setting_weights(
    api: harness.Harness,
) -> None:
    gates = webhooks.HttpGates()
    async with serving(Gate()) as gate:
        await start(api, with_webhook(gate.url, "pre-step"))
        releases = controller.ReleaseController(
            api.services.releases,
            api.services.gateways,
            api.services.deployments,
            api.metrics,
            gates=gates,
            clock=api.clock,
        )
        await releases.advance_all()
        traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
        api.clock.advance(31)
        await releases.advance_all()
    await gates.aclose()

    assert [(heard["moment"], heard["step"]) for heard in gate.heard] == [("pre-step", None), ("pre-step", 0)]
    assert gate.heard[1]["release"] == "sava-1.1"
    assert gate.heard[1]["weights"] == {BASELINE: "50%", CANDIDATE: "50%"}
    assert gate.heard[1]["verdict"]["outcome"] == "pass"
    found = await status(api)
    assert found["step"] == 1
    assert [item["check"] for item in found["decisions"][-1]["findings"]][-1] == "webhook:smoke"


async def test_a_post_step_webhook_that_refuses_rolls_the_release_back_with_its_reason(
    api: harness.Harness,
) -> None:
    gates = webhooks.HttpGates()
    async with serving(Gate(status=500, body="error budget spent")) as gate:
        await start(api, with_webhook(gate.url, "post-step"))
        releases = controller.ReleaseController(
            api.services.releases,
            api.services.gateways,
            api.services.deployments,
            api.metrics,
            gates=gates,
            clock=api.clock,
        )
        await releases.advance_all()
        traffic(api, baseline=served(2000, 2), candidate=served(2000, 2))
        api.clock.advance(31)
        await releases.advance_all()
    await gates.aclose()

    found = await status(api)
    assert found["phase"] == "RolledBack"
    assert "answered 500: error budget spent" in found["reason"]
    failed = [item for item in found["decisions"][-1]["findings"] if item["outcome"] == "fail"]
    assert [item["check"] for item in failed] == ["webhook:smoke"]
    assert await weights(api) == {BASELINE: "100%", CANDIDATE: "0%"}
