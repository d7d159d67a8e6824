"""The gateway synchroniser, pass by pass, against the in-memory store and a fake driver; and the plan holder.

Gateways and deployments are stored as the API stores them; each ``synchronise`` is one pass. Asserted is
what a user or an agent sees: the stored gateways and deployments (ports, selector routes at 0 %), the
plan the holder gives out, its problems and the events. Long polls and the loop are awaited with
deadlines, never slept on.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.core.deployments.builders import HOST, sava_blueprint
from tests.services.fakes import DEADLINE, FakeClock, FakeDriver, RacingStore, instance, running
from vamp.adapters.store import memory
from vamp.core import deployments, dsl, model
from vamp.core.routing import combined
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan
from vamp.core.units import Percentage
from vamp.ports import store
from vamp.services import events, gateways, reconciler

NS = "default"
FOO = "label(app)(foo) && label(version)((.*))"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


class World:
    def __init__(self, kept: memory.MemoryStore | None = None) -> None:
        self.clock = FakeClock()
        self.store = kept or memory.MemoryStore(clock=self.clock)
        self.driver = FakeDriver()
        self.events = events.Events(self.store)
        self.gateways = gateways.GatewaySynchroniser(self.store, self.driver, self.events, resync=60)

    async def put_gateway(self, gateway: model.Gateway) -> None:
        stored = await self.store.get(NS, "gateways", gateway.name or "")
        revision = 0 if stored is None else stored.revision
        await self.store.put(NS, "gateways", gateway.name or "", dsl.to_data(gateway), revision=revision)

    async def gateway(self, name: str) -> model.Gateway:
        stored = await self.store.get(NS, "gateways", name)
        assert stored is not None
        found = dsl.read_data(dict(stored.data), kind="gateways")[0]
        assert isinstance(found, model.Gateway)
        return found

    async def deploy(self, blueprint: model.Blueprint, name: str = "sava", namespace: str = NS) -> None:
        merged = deployments.merge(None, blueprint, name=name, now=self.clock(), host=HOST)
        await self.store.put(namespace, "deployments", name, dsl.to_data(merged), revision=0)

    async def deployment(self, name: str = "sava") -> model.Deployment:
        stored = await self.store.get(NS, "deployments", name)
        assert stored is not None
        found = dsl.read_data(dict(stored.data), kind="deployments")[0]
        assert isinstance(found, model.Deployment)
        return found

    async def sync(self) -> routing_plan.RoutingPlan:
        await self.gateways.synchronise(NS)
        plan = self.gateways.plans(NS).current()
        assert plan is not None
        return plan

    async def told(self) -> list[tuple[str, ...]]:
        found = await self.store.events(NS, store.EventQuery(type="event"))
        return [
            tuple(tag for tag in event.tags if ":" in tag or tag.endswith("deployed"))
            for event in reversed(found.items)
        ]


def listening(plan: routing_plan.RoutingPlan) -> dict[str, int]:
    return {listener.name: listener.port for listener in plan.listeners}


def weights(gateway: model.Gateway) -> dict[str, str]:
    return {
        path: str(route.weight) for path, route in gateway.routes.items() if isinstance(route, model.Route)
    }


def endpoints(plan: routing_plan.RoutingPlan) -> dict[str, list[str]]:
    return {
        cluster.name: [f"{endpoint.host}:{endpoint.port}" for endpoint in cluster.endpoints]
        for cluster in plan.clusters
    }


async def test_gateways_get_ports_that_are_stored_and_stay():
    world = World()
    await world.deploy(sava_blueprint())
    await world.put_gateway(model.Gateway(name="shop", routes={"sava/9050": model.Route()}))

    plan = await world.sync()
    revisions = [
        await world.store.get(NS, kind, name)
        for kind, name in (("gateways", "shop"), ("deployments", "sava"))
    ]
    await world.sync()

    assert (await world.deployment()).ports == {"sava.webport": 40000}
    assert (await world.gateway("shop")).port.number == 40001
    assert listening(plan) == {
        "sava/9050": 9050,
        "sava/sava/webport": 40000,
        "shop": 40001,
        "[virtual hosts]": 80,
    }
    assert revisions == [
        await world.store.get(NS, kind, name)
        for kind, name in (("gateways", "shop"), ("deployments", "sava"))
    ]


async def test_new_versions_get_a_route_at_zero_percent_that_vanishes_with_them():
    """The seed scenario: a selector gateway and deployments of foo, through the reconciler's labels."""
    world = World()
    deploying = reconciler.Reconciler(world.store, world.driver, world.events, clock=world.clock)
    await world.put_gateway(
        model.Gateway(name="foo-ingress", port=model.GatewayPort(number=9070), selector=FOO)
    )
    await world.sync()

    for version in ("1.0.3", "2.0.1"):
        breed = model.Breed(
            name=f"foo:{version}",
            deployable=model.Deployable(type="command", definition="python -m vamp.demo"),
            ports=(model.Port(name="web", number=8080),),
        )
        await world.deploy(
            model.Blueprint(
                name="foo", clusters={"foo": model.Cluster(services=(model.Service(breed=breed),))}
            ),
            name=f"foo-{version}",
        )
        await deploying.reconcile(NS, f"foo-{version}")
        await world.sync()
        if version == "1.0.3":
            assert weights(await world.gateway("foo-ingress")) == {"(1.0.3)": "100%"}
    assert weights(await world.gateway("foo-ingress")) == {"(1.0.3)": "100%", "(2.0.1)": "0%"}

    settled = await world.store.get(NS, "gateways", "foo-ingress")
    await world.sync()
    assert await world.store.get(NS, "gateways", "foo-ingress") == settled

    await world.store.delete(NS, "deployments", "foo-2.0.1")
    await deploying.reconcile(NS, "foo-2.0.1")
    plan = await world.sync()

    assert weights(await world.gateway("foo-ingress")) == {"(1.0.3)": "100%"}
    assert [route for route in endpoints(plan) if route.startswith("foo-ingress")] == ["foo-ingress//(1.0.3)"]
    assert [tags for tags in await world.told() if "routes:(2.0.1)" in tags] == [
        ("gateways:foo-ingress", "routes:(2.0.1)", "route:added"),
        ("gateways:foo-ingress", "routes:(2.0.1)", "route:removed"),
    ]


async def test_gateways_entering_and_leaving_the_plan_are_told():
    world = World()
    await world.sync()
    await world.put_gateway(
        model.Gateway(
            name="shop", port=model.GatewayPort(number=9050), routes={"[10.0.0.1:80]": model.Route()}
        )
    )

    await world.sync()
    await world.store.delete(NS, "gateways", "shop")
    await world.sync()

    assert await world.told() == [("gateways:shop", "deployed"), ("gateways:shop", "undeployed")]


async def test_a_weight_change_makes_a_new_plan_and_is_told():
    world = World()
    routes = {
        "[10.0.0.1:80]": model.Route(weight=Percentage.of(100)),
        "[10.0.0.2:80]": model.Route(weight=Percentage.of(0)),
    }
    await world.put_gateway(model.Gateway(name="shop", port=model.GatewayPort(number=9050), routes=routes))
    before = await world.sync()

    moved = {path: route.model_copy(update={"weight": Percentage.of(50)}) for path, route in routes.items()}
    await world.put_gateway(model.Gateway(name="shop", port=model.GatewayPort(number=9050), routes=moved))
    after = await world.sync()

    assert after.version != before.version
    assert await world.told() == [
        ("gateways:shop", "routes:[10.0.0.1:80]", "route:weightupdated"),
        ("gateways:shop", "routes:[10.0.0.2:80]", "route:weightupdated"),
    ]


async def test_targets_are_the_ready_instances_of_this_namespace_only():
    world = World()
    await world.deploy(sava_blueprint())
    await world.deploy(sava_blueprint(), namespace="acme-prod")
    deploying = reconciler.Reconciler(world.store, world.driver, world.events, clock=world.clock)
    await deploying.reconcile(NS, "sava")
    await deploying.reconcile("acme-prod", "sava")

    plan = await world.sync()

    route = "sava/sava/webport//sava/sava/sava:1.0.0/webport"
    assert endpoints(plan)[route] == ["127.0.0.1:31000"]


async def test_an_unreadable_gateway_is_reported_and_the_others_are_served():
    world = World()
    await world.put_gateway(
        model.Gateway(
            name="shop", port=model.GatewayPort(number=9050), routes={"[10.0.0.1:80]": model.Route()}
        )
    )
    await world.store.put(NS, "gateways", "broken", {"name": "broken", "port": "x"}, revision=0)

    plan = await world.sync()

    assert listening(plan) == {"shop": 9050, "[virtual hosts]": 80}
    problems = world.gateways.plans(NS).problems
    assert problems[0].startswith("gateway 'broken' cannot be read, so it is left out: port: ")


async def test_a_user_s_change_during_a_pass_is_kept_with_the_assigned_port():
    racing = RacingStore()
    world = World(racing)
    shop = model.Gateway(name="shop", routes={"[10.0.0.1:80]": model.Route()})
    await world.put_gateway(shop)
    racing.race_before(
        lambda: world.put_gateway(shop.model_copy(update={"virtual_hosts": ("shop.example",)}))
    )

    await world.sync()

    stored = await world.gateway("shop")
    assert (stored.port.number, stored.virtual_hosts) == (40000, ("shop.example",))


def a_plan(port: int) -> routing_plan.RoutingPlan:
    host = routing_plan.VirtualHost("g", "g", ("*",), (), None)
    return routing_plan.RoutingPlan.of(
        (routing_plan.Listener("g", port, model.Protocol.HTTP, (host,)),), (), ()
    )


async def test_a_long_poll_wakes_on_a_new_plan_and_times_out_otherwise():
    holder = gateways.PlanHolder()
    first, second = a_plan(9050), a_plan(9060)

    assert await holder.wait_for_change(None, timeout=0.01) is None
    holder.publish(first, ())
    assert await holder.wait_for_change(None, timeout=DEADLINE) == first
    assert await holder.wait_for_change(first.version, timeout=0.01) == first

    holder.publish(first, ("again, same version",))
    assert await holder.wait_for_change(first.version, timeout=0.01) == first
    assert holder.problems == ("again, same version",)
    waiting = asyncio.create_task(holder.wait_for_change(first.version, timeout=DEADLINE))
    holder.publish(second, ())

    assert await waiting == second
    assert not holder.problems


async def test_the_loop_makes_a_new_plan_as_soon_as_instances_change():
    world = World()
    await world.put_gateway(
        model.Gateway(name="foo-ingress", port=model.GatewayPort(number=9070), selector=FOO)
    )
    holder = world.gateways.plans(NS)

    async with running(world.gateways.run()):
        first = await holder.wait_for_change(None, timeout=DEADLINE)
        assert first is not None
        await world.driver.watched.wait()
        world.driver.others.append(instance("foo-1", app="foo", version="1.0.3", port=8080))
        world.driver.changed()
        second = await holder.wait_for_change(first.version, timeout=DEADLINE)

    assert second is not None
    assert endpoints(second) == {"foo-ingress//(1.0.3)": ["10.2.0.1:8080"]}


async def test_the_loop_makes_a_new_plan_when_told_of_a_change():
    world = World()
    holder = world.gateways.plans(NS)

    async with running(world.gateways.run()):
        first = await holder.wait_for_change(None, timeout=DEADLINE)
        assert first is not None
        await world.put_gateway(
            model.Gateway(
                name="shop", port=model.GatewayPort(number=9050), routes={"[10.0.0.1:80]": model.Route()}
            )
        )
        world.gateways.enqueue(NS)
        second = await holder.wait_for_change(first.version, timeout=DEADLINE)

    assert second is not None
    assert listening(second) == {"shop": 9050, "[virtual hosts]": 80}


async def test_ports_from_the_range_are_never_given_twice_across_namespaces():
    world = World()
    await world.deploy(sava_blueprint())
    await world.deploy(sava_blueprint(external=False), namespace="acme-prod")

    await world.sync()
    await world.gateways.synchronise("acme-prod")

    stored = await world.store.get("acme-prod", "deployments", "sava")
    assert stored is not None
    prod = dsl.read_data(dict(stored.data), kind="deployments")[0]
    assert isinstance(prod, model.Deployment)
    assert (await world.deployment()).ports == {"sava.webport": 40000}
    assert prod.ports == {"sava.webport": 40001}
    served = world.gateways.board.combined(["default", "acme-prod"], default="default")
    assert served is not None
    assert listening(served) == {
        "sava/9050": 9050,
        "sava/sava/webport": 40000,
        "[acme-prod]sava/sava/webport": 40001,
        "[virtual hosts]": 80,
    }
    assert not [problem for problem in served.problems if "is held by" in problem]


async def test_a_namespace_forgotten_is_served_no_more_and_its_ports_are_free():
    world = World()
    await world.deploy(sava_blueprint(external=False), namespace="acme-prod")
    await world.gateways.synchronise("acme-prod")
    assert world.gateways.board.combined(world.gateways.board.namespaces(), default=NS) is not None

    await world.store.delete("acme-prod", "deployments", "sava")
    world.gateways.forget("acme-prod")
    await world.deploy(sava_blueprint(external=False))
    plan = await world.sync()

    assert "acme-prod" not in world.gateways.board.namespaces()
    assert listening(plan)["sava/sava/webport"] == 40000


async def test_each_pass_holds_the_plan_a_new_server_compiles_whole():
    world = World()
    world.driver.others.extend(
        instance(f"foo-{number}", app="foo", version=f"1.0.{number}", port=8080 + number, namespace=namespace)
        for number, namespace in enumerate(("default", "acme-prod", "default"))
    )
    await world.put_gateway(model.Gateway(name="foo", port=model.GatewayPort(number=9050), selector=FOO))
    shop = {
        "[10.0.0.1:80]": model.Route(weight=Percentage.of(100)),
        "foo": model.Route(weight=Percentage.of(0)),
    }
    await world.put_gateway(model.Gateway(name="shop", port=model.GatewayPort(number=9051), routes=shop))

    async def compiled_whole() -> routing_plan.RoutingPlan:
        fresh = gateways.GatewaySynchroniser(world.store, world.driver, world.events, resync=60)
        await fresh.synchronise(NS)
        plan = fresh.plans(NS).current()
        assert plan is not None
        return plan

    await world.sync()
    moved = {path: route.model_copy(update={"weight": Percentage.of(50)}) for path, route in shop.items()}
    await world.put_gateway(model.Gateway(name="shop", port=model.GatewayPort(number=9051), routes=moved))
    assert await world.sync() == await compiled_whole()

    world.driver.others[1] = world.driver.others[1].model_copy(update={"ip": "10.2.0.9"})  # of acme-prod
    after_instance = await world.sync()
    assert after_instance == await compiled_whole()
    assert "10.2.0.9" in {
        endpoint.host for cluster in after_instance.clusters for endpoint in cluster.endpoints
    }

    await world.put_gateway(model.Gateway(name="foo", port=model.GatewayPort(number=9052), selector=FOO))
    after_port = await world.sync()
    assert after_port == await compiled_whole()
    assert endpoints(after_port)["shop//foo"] == ["127.0.0.1:9052"]


async def test_the_board_combines_each_set_of_namespaces_once_and_anew_when_one_changes():
    board = gateways.PlanBoard(["default", "acme-prod"])
    shop = {"[10.0.0.1:80]": model.Route(weight=Percentage.of(100))}
    for number, namespace in enumerate(("default", "acme-prod")):
        gateway = model.Gateway(name="shop", port=model.GatewayPort(number=9050 + number), routes=shop)
        board(namespace).publish(compile_plan([gateway], [], namespace=namespace), ())
    first = board.combined(["acme-prod", "default"], default="default")

    assert board.combined(["default", "acme-prod"], default="default") is first
    moved = model.Gateway(name="shop", port=model.GatewayPort(number=9060), routes=shop)
    board("acme-prod").publish(compile_plan([moved], [], namespace="acme-prod"), ())
    second = board.combined(["default", "acme-prod"], default="default")
    plans = [(namespace, board(namespace).current()) for namespace in ("default", "acme-prod")]
    assert second == combined.combine([(name, plan) for name, plan in plans if plan], default="default")
    assert listening(second) == {"shop": 9050, "[acme-prod]shop": 9060, "[virtual hosts]": 80}
