"""The collector reads which gateways each agent refused, keeps each agent's latest list, and hands every
list over after each poll (the reports are the agent's own ``/metrics.json``, through a mock transport)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from vamp.adapters.agents import collector
from vamp.interfaces.agent import endpoint
from vamp.ports import metrics
from vamp.services import agent as agent_service
from vamp.services import traffic as traffic_meter

pytestmark = pytest.mark.anyio

A, B = "http://agent-a:9090", "http://agent-b:9090"
SINCE = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def report(*refused: str) -> dict[str, object]:
    """An agent's ``/metrics.json`` with no traffic and the gateways ``refused``."""
    status = agent_service.Status(
        refused=tuple(agent_service.Refused(name, f"{name} is bad", SINCE) for name in refused)
    )
    return {
        **endpoint.traffic_data(traffic_meter.TrafficReport(SINCE, None, ())),
        "refused": endpoint.refused_data(status),
    }


async def test_each_agents_refused_gateways_are_read_kept_and_handed_over():
    reports: dict[str, object] = {A: report("busy"), B: report("regex")}
    handed: list[tuple[metrics.Refusal, ...]] = []

    def handle(request: httpx.Request) -> httpx.Response:
        found = reports.get(f"{request.url.scheme}://{request.url.netloc.decode()}")
        if found is None:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=found)

    async def observe(refused: tuple[metrics.Refusal, ...]) -> None:
        handed.append(refused)

    async with collector.AgentMetrics(
        (A, B), namespace="default", transport=httpx.MockTransport(handle), on_refused=observe
    ) as metered:
        await metered.poll()
        busy = metrics.Refusal(A, "default", "busy", "busy is bad", SINCE.isoformat())
        regex = metrics.Refusal(B, "default", "regex", "regex is bad", SINCE.isoformat())
        assert metered.refused("default") == (busy, regex)
        assert metered.refused("acme-prod") == ()
        assert handed == [(busy, regex)]

        del reports[B]  # unreachable: its last list stays
        reports[A] = report()  # A serves busy again
        await metered.poll()
        assert metered.refused("default") == (regex,)
        assert handed[-1] == (regex,)


async def test_a_report_without_a_list_of_refused_gateways_refuses_nothing():
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"gateways": []})

    async with collector.AgentMetrics(
        (A,), namespace="default", transport=httpx.MockTransport(handle)
    ) as metered:
        await metered.poll()
        assert metered.refused("default") == ()
