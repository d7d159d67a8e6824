"""The agent's traffic meter: request rates from two samples and the seconds between them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.services.agent_fakes import START, FakeClock
from vamp import errors
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent
from vamp.services import traffic as traffic_meter

EMPTY = gateway_agent.Latency((), (), 0.0, None, None, None)


def traffic(gateway: str, route: str | None, requests: int) -> gateway_agent.Traffic:
    return gateway_agent.Traffic(gateway, route, requests, {"2xx": requests}, EMPTY)


class CountingDataPlane:
    """Reports ``requests`` per (gateway, route) as they are set by the test."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, str | None], int] = {}
        self.down = False

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        return plan.version

    def last_good(self) -> routing_plan.RoutingPlan | None:
        return None

    def health(self) -> gateway_agent.Health:
        return gateway_agent.Health(pid=7, restarts=0, exits=(), admin_url="")

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        if self.down:
            raise errors.DataPlaneError("Envoy's admin endpoint did not answer")
        return tuple(traffic(gateway, route, count) for (gateway, route), count in self.requests.items())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


def rates(report: traffic_meter.TrafficReport) -> dict[tuple[str, str | None], float]:
    return {(item.traffic.gateway, item.traffic.route): item.per_second for item in report.items}


async def test_before_two_samples_the_counts_are_reported_without_rates():
    data_plane, clock = CountingDataPlane(), FakeClock()
    clock.seconds = 100
    meter = traffic_meter.TrafficMeter(data_plane, clock)
    data_plane.requests = {("g", None): 10, ("g", "a"): 10}
    await meter.sample()

    report = await meter.report()

    assert report.at == START + timedelta(seconds=100)
    assert report.interval is None
    assert rates(report) == {("g", None): 0.0, ("g", "a"): 0.0}
    assert [item.traffic.requests for item in report.items] == [10, 10]


@pytest.mark.parametrize(
    ("first", "second", "now", "rate"),
    [
        (10, 30, 35, 10.0),  # 20 requests in 2 s; the report shows the counts of now
        (10, 10, 10, 0.0),
        (50, 8, 8, 4.0),  # fewer than before: Envoy restarted and counted 8 since
    ],
    ids=["steady", "idle", "restarted"],
)
async def test_rates_are_the_requests_between_the_last_two_samples_per_second(
    first: int, second: int, now: int, rate: float
):
    data_plane, clock = CountingDataPlane(), FakeClock()
    meter = traffic_meter.TrafficMeter(data_plane, clock)
    data_plane.requests = {("g", "a"): first}
    await meter.sample()
    clock.seconds += 2
    data_plane.requests = {("g", "a"): second}
    await meter.sample()
    data_plane.requests = {("g", "a"): now}

    report = await meter.report()

    assert report.interval == 2
    assert rates(report) == {("g", "a"): rate}
    assert report.items[0].traffic.requests == now


async def test_a_route_that_appeared_since_the_last_sample_has_no_rate_yet():
    data_plane, clock = CountingDataPlane(), FakeClock()
    meter = traffic_meter.TrafficMeter(data_plane, clock)
    await meter.sample()
    clock.seconds += 2
    await meter.sample()
    data_plane.requests = {("g", "new"): 5}

    assert rates(await meter.report()) == {("g", "new"): 0.0}


async def test_a_report_says_when_the_data_plane_cannot_be_read():
    data_plane = CountingDataPlane()
    data_plane.down = True
    meter = traffic_meter.TrafficMeter(data_plane, FakeClock())

    with pytest.raises(errors.DataPlaneError, match=r"^Envoy's admin endpoint did not answer$"):
        await meter.report()
