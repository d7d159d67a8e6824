"""The gateway synchroniser on a server that leads or follows, with a runtime that exposes gateways.

Two synchronisers share one in-memory store, as two servers share one database: the leader stores ports
and selector routes, publishes events and exposes each plan's gateways; the follower stores nothing,
publishes nothing and exposes nothing, yet holds the same plan (for the agents that ask it) and the
addresses the leader's exposure gave. Asserted is what users and agents see: stored gateways, events,
the plan holders' plans and addresses, and what the runtime was asked to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from tests.services.fakes import FakeClock, FakeDriver, instance
from vamp import errors
from vamp.adapters.store import memory
from vamp.core import dsl, model
from vamp.ports import exposure, store
from vamp.services import events, gateways

NS = "default"
FOO = "label(app)(foo) && label(version)((.*))"

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Leadership:
    """Leads or not, as the test says (``ports.leadership.Leadership``)."""

    def __init__(self, leading: bool) -> None:
        self.is_leader = leading

    async def run(self) -> None: ...

    async def wait_until_leader(self) -> None: ...

    def stop(self) -> None: ...


class Exposure:
    """Gateways "exposed" at 127.2.0.<n>:3000<n> in memory; counts the calls (``ports.exposure``)."""

    def __init__(self) -> None:
        self.exposed: dict[str, dict[str, exposure.ServiceAddress]] = {}
        self.synced: list[tuple[str, ...]] = []
        self.read = 0
        self.refuse: str | None = None
        self.refused: dict[str, str] = {}
        """Gateways whose Service alone the runtime refuses (a full IP range, a quota), with its reason."""

    async def sync(
        self, namespace: str, wanted: Sequence[exposure.ExposedGateway]
    ) -> Mapping[str, exposure.ServiceAddress]:
        if self.refuse is not None:
            raise errors.DriverError(self.refuse)
        self.synced.append(tuple(gateway.name for gateway in wanted))
        self.exposed[namespace] = {
            gateway.name: exposure.ServiceAddress(f"127.2.0.{number}", 30000 + number)
            for number, gateway in enumerate(wanted, start=1)
            if gateway.name not in self.refused
        }
        refused = {name: reason for name, reason in self.refused.items() if name in {g.name for g in wanted}}
        if refused:
            raise errors.GatewaysNotExposed("some refused", refused, self.exposed[namespace])
        return self.exposed[namespace]

    async def addresses(self, namespace: str, names: Sequence[str]) -> Mapping[str, exposure.ServiceAddress]:
        self.read += 1
        exposed = self.exposed.get(namespace, {})
        return {name: exposed[name] for name in names if name in exposed}


class Server:
    """One server's synchroniser over the shared store and driver."""

    def __init__(
        self,
        kept: memory.MemoryStore,
        driver: FakeDriver,
        exposing: Exposure,
        leading: bool,
        recheck: float = 60.0,
    ) -> None:
        self.leadership = Leadership(leading)
        self.synchroniser = gateways.GatewaySynchroniser(
            kept,
            driver,
            events.Events(kept),
            exposure=exposing,
            leadership=self.leadership,
            resync=60,
            recheck=recheck,
        )

    async def sync(self) -> gateways.PlanHolder:
        await self.synchroniser.synchronise(NS)
        return self.synchroniser.plans(NS)


class World:
    def __init__(self) -> None:
        self.store = memory.MemoryStore(clock=FakeClock())
        self.driver = FakeDriver()
        self.exposure = Exposure()
        self.leader = Server(self.store, self.driver, self.exposure, leading=True)
        self.follower = Server(self.store, self.driver, self.exposure, leading=False)

    async def put_gateway(self, gateway: model.Gateway) -> None:
        await self.store.put(NS, "gateways", gateway.name or "", dsl.to_data(gateway), revision=0)

    async def stored(self, name: str) -> dict[str, object]:
        found = await self.store.get(NS, "gateways", name)
        assert found is not None
        return dict(found.data)

    async def events(self) -> int:
        return (await self.store.events(NS, store.EventQuery(type="event"))).total


@pytest.fixture
async def world() -> World:
    found = World()
    await found.put_gateway(model.Gateway(name="foo-ingress", selector=FOO))
    found.driver.others = [instance("foo-1", app="foo", version="1.0.3", port=8080)]
    return found


async def test_a_follower_holds_the_plan_but_stores_publishes_and_exposes_nothing(world: World):
    before = await world.stored("foo-ingress")

    holder = await world.follower.sync()
    world.driver.others.append(instance("foo-2", app="foo", version="2.0.1", port=8080))
    await world.follower.sync()

    assert await world.stored("foo-ingress") == before
    assert await world.events() == 0
    assert world.exposure.synced == []
    plan = holder.current()
    assert plan is not None
    assert [cluster.name for cluster in plan.clusters] == ["foo-ingress//(1.0.3)", "foo-ingress//(2.0.1)"]


async def test_the_leader_stores_and_exposes_and_the_follower_holds_the_same_plan_and_addresses(
    world: World,
):
    leading = await world.leader.sync()
    following = await world.follower.sync()

    stored = await world.stored("foo-ingress")
    assert stored["port"] == "40000/http"
    assert list(stored["routes"]) == ["(1.0.3)"]  # type: ignore[call-overload]
    assert world.exposure.synced == [("foo-ingress",)]
    address = exposure.ServiceAddress("127.2.0.1", 30001)
    assert leading.addresses == following.addresses == {"foo-ingress": address}
    assert leading.current() == following.current()


async def test_the_leader_exposes_again_only_when_its_gateways_change(world: World):
    await world.leader.sync()
    await world.leader.sync()
    await world.put_gateway(model.Gateway(name="bar-ingress", selector="label(app)(bar)"))
    await world.leader.sync()

    assert world.exposure.synced == [("foo-ingress",), ("foo-ingress", "bar-ingress")]


async def test_the_leader_exposes_unchanged_gateways_again_once_the_recheck_time_passed(world: World):
    leader = Server(world.store, world.driver, world.exposure, leading=True, recheck=0.0)

    await leader.sync()
    await leader.sync()

    assert world.exposure.synced == [("foo-ingress",), ("foo-ingress",)]


async def test_a_follower_looks_again_until_the_leader_exposed_every_gateway(world: World):
    following = await world.follower.sync()
    assert following.addresses == {}

    await world.follower.sync()
    await world.leader.sync()
    await world.follower.sync()
    await world.follower.sync()

    assert world.exposure.read == 3
    assert set(following.addresses) == {"foo-ingress"}


async def test_a_pass_whose_gateways_cannot_be_exposed_fails_after_publishing_its_plan(world: World):
    world.exposure.refuse = "Kubernetes forbids Vamp to apply Service default/foo-ingress."

    with pytest.raises(errors.DriverError, match="forbids Vamp"):
        await world.leader.sync()

    assert world.leader.synchroniser.plans(NS).current() is not None
    world.exposure.refuse = None
    assert (await world.leader.sync()).addresses == {
        "foo-ingress": exposure.ServiceAddress("127.2.0.1", 30001)
    }


async def test_one_gateway_the_runtime_will_not_expose_is_its_problem_and_the_others_go_on(world: World):
    await world.put_gateway(model.Gateway(name="bar-ingress", selector=FOO))
    quota = "Kubernetes refused to apply Service default/vamp-gw-bar-ingress: exceeded quota: services=10"
    world.exposure.refused = {"bar-ingress": quota}

    holder = await world.leader.sync()  # no DriverError: the pass goes on

    assert set(holder.addresses) == {"foo-ingress"}
    assert [problem for problem in holder.problems if "bar-ingress" in problem] == [
        f"gateway 'bar-ingress' cannot be exposed outside the data plane (it is served inside it): {quota}"
    ]
    plan = holder.current()
    assert plan is not None
    assert {listener.name for listener in plan.listeners} >= {"foo-ingress", "bar-ingress"}
    # A later change of routes is routed at once, not after a backoff.
    world.driver.others.append(instance("foo-2", app="foo", version="2.0.1", port=8080))
    assert (await world.leader.sync()).current() != plan
    assert world.leader.synchroniser.queue.failed == 0

    world.exposure.refused = {}
    await world.put_gateway(model.Gateway(name="baz-ingress", selector=FOO))  # the gateways change
    holder = await world.leader.sync()
    assert set(holder.addresses) == {"foo-ingress", "bar-ingress", "baz-ingress"}
    assert not [problem for problem in holder.problems if "cannot be exposed" in problem]


async def test_a_follower_that_starts_leading_stores_what_it_only_computed(world: World):
    follower = world.follower
    await follower.sync()
    follower.leadership.is_leader = True

    await follower.synchroniser.resync()
    await follower.sync()

    assert list((await world.stored("foo-ingress"))["routes"]) == ["(1.0.3)"]  # type: ignore[call-overload]
    assert world.exposure.synced == [("foo-ingress",)]
