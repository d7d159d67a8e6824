"""The gateway agents found by DNS (the pods behind a headless Service): every address is an agent, the
name is asked again before each poll, and a pod that comes or goes is counted or dropped at the next one.
"""

from __future__ import annotations

import contextlib
import logging

import httpx
import pytest

from tests.adapters.agents.test_collector import GATEWAY, Agents, agents, report
from vamp import errors
from vamp.adapters.agents import collector, discovery

pytestmark = pytest.mark.anyio

__all__ = ["agents"]  # the fixture, shared with the collector's tests

POD_A, POD_B = "http://10.0.0.1:9090", "http://10.0.0.2:9090"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_the_system_resolver_gives_every_address_of_a_name() -> None:
    found = await discovery.DnsAgents("localhost", 9090)()
    assert "http://127.0.0.1:9090" in found


async def test_every_pod_behind_the_name_is_polled_and_pods_come_and_go(agents: Agents) -> None:
    pods = ["10.0.0.1"]

    async def resolve(host: str, port: int) -> list[str]:
        assert (host, port) == ("vamp-gateway-agent-metrics", 9090)
        return list(pods)

    async with contextlib.AsyncExitStack() as stack:
        metered = await stack.enter_async_context(
            collector.AgentMetrics(
                (),
                namespace="default",
                clock=lambda: agents.now,
                transport=httpx.MockTransport(agents.handle),
                discover=discovery.DnsAgents("vamp-gateway-agent-metrics", 9090, resolve=resolve),
            )
        )
        agents.reports.update({POD_A: report(0), POD_B: report(0)})
        await metered.poll()
        assert list(metered.agents) == [POD_A]
        pods.append("10.0.0.2")  # a second agent pod became ready
        for served in (100, 200):
            agents.now += 2.0
            agents.reports.update({POD_A: report(served), POD_B: report(served)})
            await metered.poll()
        assert list(metered.agents) == [POD_A, POD_B]
        summary = await metered.summary("default", GATEWAY, None, window=60)
        assert summary is not None
        assert summary.requests == 200 + 100, "each pod's own counters, added up"


async def test_a_name_that_does_not_resolve_gives_no_agents_and_says_so_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def unresolvable(host: str, port: int) -> list[str]:
        raise OSError(-2, "Name or service not known")

    agents = discovery.DnsAgents("vamp-gateway-agent-metrics", 9090, resolve=unresolvable)
    with caplog.at_level(logging.WARNING, logger="vamp.metrics"):
        assert await agents() == ()
        assert await agents() == ()
    assert len([record for record in caplog.records if "Cannot resolve" in record.getMessage()]) == 1


async def test_ipv6_addresses_are_bracketed() -> None:
    async def six(host: str, port: int) -> list[str]:
        return ["fd00::1"]

    assert await discovery.DnsAgents("agents", 9090, resolve=six)() == ("http://[fd00::1]:9090",)


@pytest.mark.parametrize("given", ["agents", "agents:", ":9090", "agents:http", "agents:70000"])
def test_a_target_must_be_a_name_and_a_port(given: str) -> None:
    with pytest.raises(errors.VampError, match="--agents-dns takes HOST:PORT"):
        discovery.read_target(given)
