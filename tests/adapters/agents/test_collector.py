"""The metrics collector against fake gateway agents: reports made by the agent's own ``traffic_data``,
served through ``httpx.MockTransport``, polled tick by tick on a clock the test moves.

What is asserted is what ``/api/v1/metrics/...`` would answer: requests and rates over a window, responses
per class, latency percentiles from the histogram of the window only, health, and the sums over agents.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from vamp.adapters.agents import collector
from vamp.interfaces.agent import endpoint
from vamp.ports import gateway_agent, metrics
from vamp.services import traffic as traffic_meter

pytestmark = pytest.mark.anyio

GATEWAY = "sava/sava/webport"
ROUTE = "sava/sava/sava:1.0.0/webport"
BOUNDS = (1.0, 5.0, 10.0, 50.0, math.inf)
A, B = "http://agent-a:9090", "http://agent-b:9090"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def traffic(
    route: str | None, requests: int, errors: int = 0, slow: int = 0, *, gateway: str = GATEWAY
) -> gateway_agent.Traffic:
    """``requests`` responses, ``errors`` of them 5xx; ``slow`` took up to 50 ms, the others up to 5 ms."""
    fast = requests - slow
    counts = (0, fast, fast, requests, requests)
    latency = gateway_agent.Latency(BOUNDS, counts, 3.0 * fast + 40.0 * slow, None, None, None)
    codes = {"1xx": 0, "2xx": requests - errors, "3xx": 0, "4xx": 0, "5xx": errors}
    return gateway_agent.Traffic(gateway, route, requests, codes, latency)


def report(
    requests: int, errors: int = 0, slow: int = 0, *, gateways: tuple[str, ...] = (GATEWAY,)
) -> dict[str, object]:
    """One agent's report: each of ``gateways`` served ``requests`` on its route ``ROUTE``."""
    items = tuple(
        traffic_meter.Measured(traffic(route, requests, errors, slow, gateway=gateway), 0.0)
        for gateway in gateways
        for route in (None, ROUTE)
    )
    data = endpoint.traffic_data(traffic_meter.TrafficReport(datetime(2024, 5, 1, tzinfo=UTC), None, items))
    travelled: dict[str, object] = json.loads(json.dumps(data))
    return travelled


class Agents:
    """Fake agents: what each reports now (a report, an HTTP status, or unreachable), and a clock.

    The collectors made by ``collector`` are closed when the test ends."""

    def __init__(self, stack: contextlib.AsyncExitStack) -> None:
        self.reports: dict[str, object] = {}
        self.now = 1000.0
        self._stack = stack

    def handle(self, request: httpx.Request) -> httpx.Response:
        found = self.reports.get(f"{request.url.scheme}://{request.url.netloc.decode()}")
        if found is None:
            raise httpx.ConnectError("connection refused", request=request)
        if isinstance(found, int):
            return httpx.Response(found)
        return httpx.Response(200, json=found)

    async def collector(self, *urls: str) -> collector.AgentMetrics:
        metered = collector.AgentMetrics(
            urls, namespace="default", clock=lambda: self.now, transport=httpx.MockTransport(self.handle)
        )
        return await self._stack.enter_async_context(metered)


@pytest.fixture
async def agents() -> AsyncIterator[Agents]:
    async with contextlib.AsyncExitStack() as stack:
        yield Agents(stack)


async def polled(agents: Agents, metered: collector.AgentMetrics, *reports: dict[str, object]) -> None:
    """Poll once per step, two seconds apart, with each agent reporting what the step says."""
    for step in reports:
        agents.reports.update(step)
        await metered.poll()
        agents.now += 2.0


async def test_a_window_counts_what_was_served_in_it_and_its_rate(agents: Agents):
    metered = await agents.collector(A)

    await polled(
        agents, metered, {A: report(100)}, {A: report(140, errors=4, slow=10)}, {A: report(200, 4, 10)}
    )
    summary = await metered.summary("default", GATEWAY, None, window=120)

    assert summary is not None
    percentiles = (summary.p50, summary.p95, summary.p99)
    assert percentiles == pytest.approx((1.0 + 4.0 * 50 / 90, 10.0 + 40.0 * 5 / 10, 10.0 + 40.0 * 9 / 10))
    assert dataclasses.replace(summary, p50=None, p95=None, p99=None) == metrics.TrafficSummary(
        gateway=GATEWAY,
        route=None,
        requests=100,
        rate=25.0,
        codes={"1xx": 0, "2xx": 96, "3xx": 0, "4xx": 0, "5xx": 4},
        mean=(3.0 * 90 + 40.0 * 10) / 100,
        p50=None,
        p95=None,
        p99=None,
        health=0.96,
    )
    route = await metered.summary("default", GATEWAY, ROUTE, window=120)
    assert route is not None
    assert (route.route, route.requests) == (ROUTE, 100)


async def test_a_short_window_starts_at_the_sample_before_it(agents: Agents):
    metered = await agents.collector(A)

    await polled(agents, metered, {A: report(0)}, {A: report(100)}, {A: report(130)}, {A: report(150)})
    summary = await metered.summary("default", GATEWAY, None, window=5)

    assert summary is not None
    assert (summary.requests, summary.rate) == (50, 12.5)


async def test_a_route_that_appears_later_counted_from_zero_since_the_poll_before(agents: Agents):
    metered = await agents.collector(A)
    earlier: dict[str, object] = {"at": "2024-05-01T00:00:00+00:00", "interval": None, "gateways": []}

    await polled(agents, metered, {A: earlier}, {A: report(30)}, {A: report(50)})
    summary = await metered.summary("default", GATEWAY, ROUTE, window=60)

    assert summary is not None
    assert (summary.requests, summary.rate) == (50, 12.5)


async def test_several_agents_add_up(agents: Agents):
    metered = await agents.collector(A, B)

    await polled(agents, metered, {A: report(0), B: report(50)}, {A: report(20), B: report(110)})
    summary = await metered.summary("default", GATEWAY, ROUTE, window=60)

    assert summary is not None
    assert (summary.requests, summary.rate, summary.codes["2xx"]) == (80, 40.0, 80)


async def test_an_agent_that_restarted_counts_from_zero_again(agents: Agents):
    metered = await agents.collector(A)

    await polled(agents, metered, {A: report(100)}, {A: report(160)}, {A: report(30)}, {A: report(50)})
    summary = await metered.summary("default", GATEWAY, None, window=60)

    assert summary is not None
    assert summary.requests == 60 + 30 + 20


async def test_nothing_reported_in_the_window_or_another_namespace_is_none(agents: Agents):
    metered = await agents.collector(A)
    await polled(agents, metered, {A: report(10)}, {A: report(20)})
    agents.now += 100

    assert await metered.summary("default", GATEWAY, None, window=60) is None
    assert await metered.summary("default", "other", None, window=600) is None
    assert await metered.summary("acme-prod", GATEWAY, None, window=600) is None
    quiet = await metered.summary("default", GATEWAY, None, window=600)
    assert quiet is not None
    assert (quiet.requests, quiet.health) == (10, 1.0)
    assert quiet.p50 == pytest.approx(1.0 + 4.0 * 5 / 10)


async def test_traffic_of_a_gateway_of_another_namespace_is_that_namespaces(agents: Agents):
    metered = await agents.collector(A)
    both = (GATEWAY, f"[acme-prod]{GATEWAY}")

    await polled(agents, metered, {A: report(0, gateways=both)}, {A: report(40, gateways=both)})
    await polled(agents, metered, {A: report(40, gateways=(GATEWAY,))}, {A: report(70, gateways=(GATEWAY,))})

    default = await metered.summary("default", GATEWAY, ROUTE, window=600)
    prod = await metered.summary("acme-prod", GATEWAY, ROUTE, window=600)
    assert default is not None
    assert prod is not None
    assert (default.gateway, default.requests) == (GATEWAY, 70)
    assert (prod.gateway, prod.requests) == (GATEWAY, 40)
    assert await metered.summary("acme-test", GATEWAY, ROUTE, window=600) is None


async def test_an_agent_that_fails_is_logged_once_and_the_others_count(
    agents: Agents, caplog: pytest.LogCaptureFixture
):
    metered = await agents.collector(A, B)
    caplog.set_level(logging.INFO, logger="vamp.metrics")

    await polled(
        agents,
        metered,
        {A: report(0), B: 503},
        {A: report(10), B: 503},
        {A: report(20), B: {"gateways": "nope"}},
        {A: report(30), B: report(5)},
    )
    summary = await metered.summary("default", GATEWAY, None, window=60)

    assert summary is not None
    assert summary.requests == 30
    assert [record.getMessage() for record in caplog.records] == [
        f"The gateway agent at {B} answered 503 to GET /metrics.json.",
        f"The gateway agent at {B} sent a metrics report that cannot be read "
        "(string indices must be integers, not 'str'); is it a vamp agent of the same version?",
        f"The gateway agent at {B} reports its metrics again.",
    ]


async def test_an_unreachable_agent_is_said_so(agents: Agents, caplog: pytest.LogCaptureFixture):
    metered = await agents.collector(A)

    await metered.poll()

    assert [record.getMessage() for record in caplog.records] == [
        f"Cannot read the metrics of the gateway agent at {A}: connection refused."
    ]


def coarse(sent: dict[str, Any]) -> dict[str, Any]:
    """``sent`` as an agent that buckets latency by 5 ms and +Inf only would send it."""
    for gateway in sent["gateways"]:
        for item in (gateway, *gateway["routes"]):
            buckets = item["latency"]["buckets"]
            item["latency"]["buckets"] = [buckets[2], buckets[-1]]
    return sent


async def test_agents_that_bucket_latency_differently_add_up_their_counts_not_their_histograms(
    agents: Agents,
):
    metered = await agents.collector(A, B)

    await polled(
        agents, metered, {A: report(0), B: coarse(report(0))}, {A: report(100), B: coarse(report(10))}
    )
    summary = await metered.summary("default", GATEWAY, None, window=60)

    assert summary is not None
    assert (summary.requests, summary.codes["2xx"]) == (110, 110)
    assert (summary.p50, summary.mean) == pytest.approx((1.0 + 4.0 * 50 / 100, 3.0))


class ClosingTransport(httpx.MockTransport):
    """Answers as the agents do, and notes when the client closes it."""

    closed = False

    async def aclose(self) -> None:
        self.closed = True


@pytest.mark.parametrize("runs", [False, True], ids=["never run", "run and cancelled"])
async def test_the_http_client_is_closed_when_the_collector_block_ends(agents: Agents, runs: bool):
    transport = ClosingTransport(agents.handle)
    agents.reports[A] = report(10)

    async with collector.AgentMetrics([A], namespace="default", transport=transport) as metered:
        if runs:
            running = asyncio.create_task(metered.run())
            while not await metered.summary("default", GATEWAY, None, window=60):
                await asyncio.sleep(0)
            running.cancel()
            with pytest.raises(asyncio.CancelledError):
                await running
        assert not transport.closed

    assert transport.closed
