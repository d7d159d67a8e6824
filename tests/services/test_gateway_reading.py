"""The gateway pass reads each stored gateway once per revision, from the store's ``changed``.

Against a SQLite store shared by two servers: a gateway changed by the other server is read fresh at the
next pass (its revision changed), and the gateways that did not change are not decoded again.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.services.fakes import FakeClock, FakeDriver
from vamp.adapters.store import sql
from vamp.core import dsl, model
from vamp.core.routing import plan as routing_plan
from vamp.core.units import Percentage
from vamp.ports import store
from vamp.services import events, gateway_reading, gateways

pytestmark = pytest.mark.anyio

NS = "default"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def shop(name: str, port: int, weight: int) -> model.Gateway:
    routes = {
        "[10.0.0.1:80]": model.Route(weight=Percentage.of(weight)),
        "[10.0.0.2:80]": model.Route(weight=Percentage.of(100 - weight)),
    }
    return model.Gateway(name=name, port=model.GatewayPort(number=port), routes=routes)


def weights(plan: routing_plan.RoutingPlan, name: str) -> list[int]:
    """The weights of gateway ``name``'s clusters in the plan, in hundredths of a percent."""
    listener = next(listener for listener in plan.listeners if listener.name == name)
    return [
        cluster.weight
        for host in listener.virtual_hosts
        for route in host.routes
        for cluster in route.clusters
    ]


async def compiled_whole(store: sql.SqlStore) -> routing_plan.RoutingPlan:
    """The plan a new server compiles from what is stored."""
    fresh = gateways.GatewaySynchroniser(store, FakeDriver(), events.Events(store), resync=60)
    await fresh.synchronise(NS)
    plan = fresh.plans(NS).current()
    assert plan is not None
    return plan


async def test_a_gateway_changed_by_another_server_is_read_fresh_and_the_others_are_not_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = f"sqlite:///{tmp_path / 'vamp.db'}"
    clock = FakeClock()
    ours, theirs = (
        await sql.SqlStore.open(address, clock=clock),
        await sql.SqlStore.open(address, clock=clock),
    )
    try:
        for number in range(3):
            gateway = shop(f"shop{number}", 9050 + number, 100)
            await ours.put(NS, "gateways", gateway.name or "", dsl.to_data(gateway), revision=0)
        synchroniser = gateways.GatewaySynchroniser(ours, FakeDriver(), events.Events(ours), resync=60)
        await synchroniser.synchronise(NS)
        first = synchroniser.plans(NS).current()
        assert first is not None

        read: list[str] = []
        reading = gateway_reading.models

        def counted(
            kind: str, changed: store.Changed, known: Mapping[str, tuple[int, model.Artifact]]
        ) -> tuple[dict[str, tuple[int, model.Artifact]], list[str]]:
            read.extend(artifact.name for artifact in changed.artifacts)
            return reading(kind, changed, known)

        monkeypatch.setattr(gateway_reading, "models", counted)
        moved = shop("shop1", 9051, 30)
        await theirs.put(NS, "gateways", "shop1", dsl.to_data(moved), revision=1)
        await synchroniser.synchronise(NS)
        second = synchroniser.plans(NS).current()

        assert second is not None
        assert second.version != first.version
        assert read == ["shop1"]
        assert second == await compiled_whole(ours)
        assert (weights(first, "shop1"), weights(second, "shop1")) == ([10000, 0], [3000, 7000])
    finally:
        await ours.close()
        await theirs.close()
