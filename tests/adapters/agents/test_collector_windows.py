"""What a route served between two wall-clock instants (a release step's window), read from the collector.

The agents are fakes serving the agent's own report format (``test_collector``'s); the collector polls
tick by tick on a monotonic clock the test moves, and its wall clock moves with it: monotonic second
``now`` is ``EPOCH`` plus ``now`` seconds, so ``at(1002)`` is the instant of the poll at 1002.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from tests.adapters.agents.test_collector import BOUNDS, GATEWAY, ROUTE, A, Agents, B, polled, report
from vamp.adapters.agents import collector
from vamp.core import latency_buckets
from vamp.interfaces.agent import endpoint
from vamp.ports import gateway_agent, metrics
from vamp.services import traffic as traffic_meter

pytestmark = pytest.mark.anyio

EPOCH = datetime(2026, 12, 1, tzinfo=UTC)
CODES_NONE = {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def at(monotonic: float) -> datetime:
    """The wall-clock instant of monotonic second ``monotonic``."""
    return EPOCH + timedelta(seconds=monotonic)


class Clocked(Agents):
    async def collector(self, *urls: str) -> collector.AgentMetrics:
        metered = collector.AgentMetrics(
            urls,
            namespace="default",
            clock=lambda: self.now,
            wall_clock=lambda: at(self.now),
            transport=httpx.MockTransport(self.handle),
        )
        return await self._stack.enter_async_context(metered)


@pytest.fixture
async def agents() -> AsyncIterator[Clocked]:
    async with contextlib.AsyncExitStack() as stack:
        yield Clocked(stack)


async def four_polls(agents: Clocked, *urls: str) -> collector.AgentMetrics:
    """Polls at 1000, 1002, 1004 and 1006: 0, 100, 140 (4 errors, 10 slow) and 200 requests in all."""
    metered = await agents.collector(*urls or (A,))
    steps = (report(0), report(100), report(140, errors=4, slow=10), report(200, errors=4, slow=10))
    each: list[dict[str, object]] = [dict.fromkeys(urls or (A,), step) for step in steps]
    await polled(agents, metered, *each)
    return metered


async def test_a_window_between_two_polls_is_exactly_what_was_served_between_them(agents: Clocked):
    metered = await four_polls(agents)

    served = await metered.served("default", GATEWAY, ROUTE, since=at(1002), until=at(1004))

    assert served == metrics.Served(
        requests=40,
        errors=4,
        codes={**CODES_NONE, "2xx": 36, "5xx": 4},
        bounds=BOUNDS,
        counts=(0, 30, 30, 40, 40),
        seconds=2.0,
    )


async def test_a_window_starts_at_the_newest_poll_at_or_before_it_and_ends_likewise(agents: Clocked):
    metered = await four_polls(agents)

    inside = await metered.served("default", GATEWAY, ROUTE, since=at(1003), until=at(1005.5))
    to_now = await metered.served("default", GATEWAY, None, since=at(1002))

    assert inside is not None
    assert (inside.requests, inside.seconds) == (40, 2.0)
    assert to_now is not None
    assert (to_now.requests, to_now.errors, to_now.seconds) == (100, 4, 4.0)


async def test_instants_in_another_timezone_are_the_same_instants(agents: Clocked):
    metered = await four_polls(agents)
    tokyo = timezone(timedelta(hours=9))

    served = await metered.served(
        "default", GATEWAY, ROUTE, since=at(1002).astimezone(tokyo), until=at(1004).astimezone(tokyo)
    )

    assert served is not None
    assert served.requests == 40


async def test_a_window_with_no_poll_inside_served_nothing_but_keeps_the_buckets(agents: Clocked):
    metered = await four_polls(agents)

    served = await metered.served("default", GATEWAY, ROUTE, since=at(1002.5), until=at(1003.5))

    assert served == metrics.Served(0, 0, CODES_NONE, BOUNDS, (0, 0, 0, 0, 0), 0.0)


async def test_nothing_reported_since_the_start_or_of_another_namespace_is_none(agents: Clocked):
    metered = await four_polls(agents)

    assert await metered.served("default", GATEWAY, ROUTE, since=at(1007)) is None
    assert await metered.served("default", GATEWAY, ROUTE, since=at(990), until=at(999)) is None
    assert await metered.served("acme-prod", GATEWAY, ROUTE, since=at(1000)) is None
    assert await metered.served("default", GATEWAY, "sava/sava/other/webport", since=at(1000)) is None


async def test_several_agents_add_up_over_the_same_window(agents: Clocked):
    metered = await four_polls(agents, A, B)

    served = await metered.served("default", GATEWAY, ROUTE, since=at(1002), until=at(1004))

    assert served is not None
    assert (served.requests, served.errors, served.counts, served.seconds) == (
        80,
        8,
        (0, 60, 60, 80, 80),
        2.0,
    )


async def test_refresh_polls_at_once_so_the_window_reaches_now(agents: Clocked):
    metered = await four_polls(agents)
    agents.reports[A] = report(260, errors=4, slow=10)

    before = await metered.served("default", GATEWAY, ROUTE, since=at(1004))
    await metered.refresh()
    after = await metered.served("default", GATEWAY, ROUTE, since=at(1004))

    assert before is not None
    assert after is not None
    assert (before.requests, after.requests) == (60, 120)
    assert after.seconds == 4.0


async def test_a_naive_instant_or_a_window_ending_before_it_starts_is_refused(agents: Clocked):
    metered = await four_polls(agents)

    with pytest.raises(ValueError, match="since must be a timezone-aware datetime"):
        await metered.served("default", GATEWAY, ROUTE, since=datetime(2026, 12, 1))
    with pytest.raises(ValueError, match="cannot end"):
        await metered.served("default", GATEWAY, ROUTE, since=at(1004), until=at(1002))


def fine_report(values: list[float]) -> dict[str, object]:
    """An agent's report of ``ROUTE`` having served ``values`` (ms), counted into the fine buckets."""
    bounds = latency_buckets.latency_bounds()
    counts = tuple(sum(1 for value in values if value <= bound) for bound in bounds)
    latency = gateway_agent.Latency(bounds, counts, sum(values), None, None, None)
    codes = {"1xx": 0, "2xx": len(values), "3xx": 0, "4xx": 0, "5xx": 0}
    items = tuple(
        traffic_meter.Measured(gateway_agent.Traffic(GATEWAY, route, len(values), codes, latency), 0.0)
        for route in (None, ROUTE)
    )
    data = endpoint.traffic_data(traffic_meter.TrafficReport(EPOCH, None, items))
    travelled: dict[str, object] = json.loads(json.dumps(data))
    return travelled


async def test_percentiles_over_the_fine_buckets_are_within_a_bucket_of_the_true_ones(agents: Clocked):
    rng = random.Random(11)
    values = sorted(rng.lognormvariate(math.log(20.0), 0.8) for _ in range(5000))
    metered = await agents.collector(A)

    await polled(agents, metered, {A: fine_report([])}, {A: fine_report(values)})
    summary = await metered.summary("default", GATEWAY, ROUTE, window=60)
    served = await metered.served("default", GATEWAY, ROUTE, since=at(1000))

    assert summary is not None
    assert served is not None
    truth = {q: values[math.ceil(q * len(values)) - 1] for q in (0.50, 0.95, 0.99)}
    for q, measured in ((0.50, summary.p50), (0.95, summary.p95), (0.99, summary.p99)):
        assert measured == pytest.approx(truth[q], rel=0.1)
    assert (served.requests, served.bounds, served.counts[-1]) == (
        5000,
        latency_buckets.latency_bounds(),
        5000,
    )
