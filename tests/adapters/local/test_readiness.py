"""Readiness against real sockets: HTTP health checks and TCP connects, as reports of ready and unready."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.adapters.local.conftest import until
from vamp.adapters.local import readiness
from vamp.core import model

pytestmark = pytest.mark.anyio


class Endpoint:
    """An HTTP server on a free port answering every request with ``status``; counts the failures it sent."""

    def __init__(self) -> None:
        self.status = 200
        self.failures_sent = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._answer, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while (await reader.readuntil(b"\r\n\r\n")).startswith(b"GET"):
                status = self.status
                self.failures_sent += status >= 400
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode())
                await writer.drain()
        writer.close()


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    server = Endpoint()
    await server.start()
    yield server
    with contextlib.suppress(AssertionError):
        await server.stop()


class Reports:
    """What ``watch`` reported, and how many failed answers the endpoint had sent at each report."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.seen: list[tuple[bool, int]] = []
        self._endpoint = endpoint

    def __call__(self, ready: bool) -> None:
        self.seen.append((ready, self._endpoint.failures_sent))

    async def latest(self) -> bool | None:
        return self.seen[-1][0] if self.seen else None


async def test_a_passing_check_makes_ready_and_failures_in_a_row_make_unready(endpoint: Endpoint):
    check = model.HealthCheck(path="/health", port="web", initial_delay=0, timeout=1, interval=0, failures=2)
    reports = Reports(endpoint)
    async with httpx.AsyncClient(trust_env=False) as client:
        watching = asyncio.create_task(
            readiness.watch((check,), {"web": endpoint.port}, host="127.0.0.1", client=client, report=reports)
        )
        try:
            await until(reports.latest, what="ready")
            endpoint.status = 503

            async def unready() -> bool:
                return reports.seen[-1][0] is False

            await until(unready, what="unready")
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching

    first_unready = next(failures for ready, failures in reports.seen if not ready)
    assert first_unready == 2
    assert (True, 1) in reports.seen


async def test_without_checks_the_first_port_accepting_connections_makes_ready(endpoint: Endpoint):
    reports = Reports(endpoint)
    ports = {"web": endpoint.port, "admin": 1}
    async with httpx.AsyncClient() as client:
        watching = asyncio.create_task(
            readiness.watch((), ports, host="127.0.0.1", client=client, report=reports)
        )
        try:
            await until(reports.latest, what="ready")
            await endpoint.stop()

            async def unready() -> bool:
                return reports.seen[-1][0] is False

            await until(unready, what="unready after three refusals", timeout=10)
        finally:
            watching.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watching


async def test_an_instance_without_checks_or_ports_is_ready_while_it_runs():
    reported: list[bool] = []

    async with httpx.AsyncClient() as client:
        await readiness.watch((), {}, host="127.0.0.1", client=client, report=reported.append)

    assert reported == [True]
