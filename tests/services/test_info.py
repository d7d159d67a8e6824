"""What ``/api/v1/info`` tells (``services.info``): the gateway driver is the data plane configured."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.services.fakes import FakeDriver
from vamp.adapters.store import memory
from vamp.services import info, routing_plans

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize("proxy", ["envoy", "haproxy"])
async def test_the_gateway_driver_is_the_data_plane_the_agents_are_configured_with(proxy: str) -> None:
    about = info.About("0.1.0", "7c6f2c5e", NOW, "memory", gateway_driver=proxy)
    service = info.InfoService(about, memory.MemoryStore(), FakeDriver(), routing_plans.PlanBoard())

    report = await service.report("default", ["gateway_driver"])

    assert report.healthy
    assert report.data["gateway_driver"] == {"type": proxy, "plan": None, "problems": [], "refused": {}}
