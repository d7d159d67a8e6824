"""The loops nudge each other: a port assigned by the gateway synchroniser wakes the reconciler (environment
variables may name gateway ports), and a deployment the reconciler changed (a service deployed, pruned)
wakes the gateway synchroniser. Each pass is run by hand; what is asserted is what the notifier heard.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.core.deployments.builders import HOST, sava_blueprint
from tests.services.fakes import FakeClock, FakeDriver
from vamp.adapters.store import memory
from vamp.core import deployments, dsl
from vamp.services import events, gateways, reconciler

NS = "default"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Heard:
    nudges: list[tuple[str, ...]] = field(default_factory=list)

    def deployment_changed(self, namespace: str, name: str) -> None:
        self.nudges.append(("deployment", namespace, name))

    def gateways_changed(self, namespace: str) -> None:
        self.nudges.append(("gateways", namespace))


async def deployed(store: memory.MemoryStore, clock: FakeClock) -> None:
    merged = deployments.merge(None, sava_blueprint(), name="sava", now=clock(), host=HOST)
    await store.put(NS, "deployments", "sava", dsl.to_data(merged), revision=0)


async def test_a_port_assigned_to_a_deployment_gateway_wakes_the_reconciler_once():
    clock, heard = FakeClock(), Heard()
    store = memory.MemoryStore(clock=clock)
    await deployed(store, clock)
    synchroniser = gateways.GatewaySynchroniser(store, FakeDriver(), events.Events(store), notifier=heard)

    await synchroniser.synchronise(NS)
    await synchroniser.synchronise(NS)

    assert heard.nudges == [("deployment", NS, "sava")]


async def test_a_pass_that_changes_a_deployment_wakes_the_gateways_and_one_that_does_not_stays_quiet():
    clock, heard = FakeClock(), Heard()
    store = memory.MemoryStore(clock=clock)
    await deployed(store, clock)
    loop = reconciler.Reconciler(store, FakeDriver(), events.Events(store), clock=clock, notifier=heard)

    await loop.reconcile(NS, "sava")
    changed = list(heard.nudges)
    await loop.reconcile(NS, "nothing-here")

    assert changed[0] == ("gateways", NS)
    assert heard.nudges == changed
