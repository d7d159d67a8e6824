"""The deployment reconciler, pass by pass, against the in-memory store and a fake driver.

Deployments are written as the API writes them (``deployments.merge``/``slice_services`` and a
compare-and-set put); each ``tick`` is one reconcile pass. What is asserted is what a user sees: the
statuses and instances of the stored deployment, the events, and what ran on the runtime. The fake
driver forces the faults (refused deploys, instances that never get ready, a failing service), and a
``RacingStore`` a user's write in the middle of a pass or a crash before recording.
The loop tests run ``Reconciler.run`` and wait, with a deadline, for what the driver or the events show.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest

from tests.core.deployments.builders import HOST, LARGE, sava_blueprint, sava_breed, two_cluster_blueprint
from tests.services.fakes import FakeClock, FakeDriver, RacingStore, running
from vamp import errors
from vamp.adapters.store import memory
from vamp.core import deployments, dsl, model, runtime
from vamp.core.units import Percentage
from vamp.ports import store
from vamp.services import events, gateways, reconciler, workqueue

NS = "default"
SAVA, CANARY = "sava:1.0.0", "sava:1.1.0"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


def key(breed: str = SAVA, cluster: str = "sava", deployment: str = "sava") -> str:
    return str(runtime.ServiceKey(NS, deployment, cluster, breed))


class World:
    """A store, a driver, a clock and a reconciler over them, and the API's ways of writing deployments."""

    def __init__(self, kept: memory.MemoryStore | None = None) -> None:
        self.clock = FakeClock()
        self.store = kept or memory.MemoryStore(clock=self.clock)
        self.driver = FakeDriver()
        self.events = events.Events(self.store)
        self.reconciler = self.restarted()

    def restarted(self, kept: store.ArtifactStore | None = None) -> reconciler.Reconciler:
        """A new reconciler over the same store and driver, as after a restart."""
        return reconciler.Reconciler(
            kept or self.store,
            self.driver,
            self.events,
            clock=self.clock,
            backoff=workqueue.Backoff(first=0.001, longest=0.01),
        )

    async def deployment(self, name: str = "sava") -> model.Deployment | None:
        stored = await self.store.get(NS, "deployments", name)
        if stored is None:
            return None
        found = dsl.read_data(dict(stored.data), kind="deployments")[0]
        assert isinstance(found, model.Deployment)
        return found

    async def write(self, name: str, change: Callable[[model.Deployment | None], model.Deployment]) -> None:
        stored = await self.store.get(NS, "deployments", name)
        changed = change(await self.deployment(name))
        revision = 0 if stored is None else stored.revision
        await self.store.put(NS, "deployments", name, dsl.to_data(changed), revision=revision)

    async def merge(self, blueprint: model.Blueprint, name: str = "sava") -> None:
        await self.write(
            name,
            lambda current: deployments.merge(current, blueprint, name=name, now=self.clock(), host=HOST),
        )

    async def slice(self, *breeds: str, name: str = "sava") -> None:
        services = tuple(model.Service(breed=model.Ref(name=breed)) for breed in breeds)
        blueprint = model.Blueprint(name="slice", clusters={"sava": model.Cluster(services=services)})

        def sliced(current: model.Deployment | None) -> model.Deployment:
            assert current is not None
            return deployments.slice_services(current, blueprint, now=self.clock())

        await self.write(name, sliced)

    async def weigh(self, weights: Mapping[str, int], name: str = "sava") -> None:
        """Set the weights of the internal gateway ``sava/sava/webport``, as ``PUT /gateways/...`` does."""

        def weighed(current: model.Deployment | None) -> model.Deployment:
            assert current is not None
            cluster = current.clusters["sava"]
            gateway = cluster.gateways["webport"]
            routes = {path: model.Route(weight=Percentage.of(weights[path])) for path in gateway.routes}
            gateway = gateway.model_copy(update={"routes": routes})
            cluster = cluster.model_copy(update={"gateways": {"webport": gateway}})
            return current.model_copy(update={"clusters": {**current.clusters, "sava": cluster}})

        await self.write(name, weighed)

    async def tick(self, name: str = "sava", times: int = 1) -> None:
        for _ in range(times):
            await self.reconciler.reconcile(NS, name)

    async def statuses(self, name: str = "sava") -> dict[str, tuple[str, str, str | None]]:
        """Breed → (intention, phase, notification) of every service."""
        deployment = await self.deployment(name)
        assert deployment is not None
        return {
            service.breed.name: (
                service.status.intention.value,
                service.status.phase.name.value,
                service.status.phase.notification,
            )
            for cluster in deployment.clusters.values()
            for service in cluster.services
        }

    async def told(self, type: str = "synchronization") -> list[tuple[str, ...]]:
        """The tags of the events of ``type``, oldest first, without the expanded ones."""
        found = await self.store.events(NS, store.EventQuery(type=type))
        return [tuple(tag for tag in event.tags if ":" in tag) for event in reversed(found.items)]


def synced(breed: str, what: str, cluster: str = "sava", deployment: str = "sava") -> tuple[str, ...]:
    return (
        f"deployments:{deployment}",
        f"clusters:{cluster}",
        f"services:{breed}",
        f"synchronization:{what}",
    )


async def test_a_deployment_goes_from_nothing_to_done_and_then_stays_put():
    world = World()
    await world.merge(sava_blueprint())

    await world.tick()
    assert await world.statuses() == {SAVA: ("Deployment", "Updating", "deploying")}
    await world.tick()
    settled = await world.store.get(NS, "deployments", "sava")
    await world.tick()

    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}
    deployment = await world.deployment()
    assert deployment is not None
    assert deployment.clusters["sava"].services[0].instances == (
        model.Instance(name=f"sava-sava-{SAVA}-0", host="127.0.0.1", ports={"webport": 31000}),
    )
    assert world.driver.calls == [f"deploy {key()}"]
    assert await world.told() == [synced(SAVA, "deployed")]
    assert [tags[-1] for tags in await world.told("deployment-service")] == ["phase:updating", "phase:done"]
    assert settled == await world.store.get(NS, "deployments", "sava")


async def test_a_service_is_updating_until_every_instance_is_ready():
    world = World()
    world.driver.unready.add(SAVA)
    await world.merge(sava_blueprint(scale=LARGE))

    await world.tick(times=2)
    assert await world.statuses() == {SAVA: ("Deployment", "Updating", "0 of 3 instances ready, 3 running")}
    world.driver.set_ready(SAVA)
    await world.tick()

    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}


async def test_merging_a_canary_deploys_it_and_leaves_the_running_version_untouched():
    world = World()
    await world.merge(sava_blueprint())
    await world.tick(times=2)

    await world.merge(sava_blueprint("1.1.0"))
    await world.tick(times=2)

    assert world.driver.calls == [f"deploy {key()}", f"deploy {key(CANARY)}"]
    assert await world.statuses() == {
        SAVA: ("Deployment", "Done", None),
        CANARY: ("Deployment", "Done", None),
    }


async def test_a_changed_spec_rolls_out():
    world = World()
    await world.merge(sava_blueprint())
    await world.tick(times=2)

    await world.merge(sava_blueprint(scale=LARGE))
    await world.tick(times=2)

    assert world.driver.calls == [f"deploy {key()}", f"deploy {key()}"]
    assert len(world.driver.running[runtime.ServiceKey(NS, "sava", "sava", SAVA)].instances) == 3
    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}
    assert await world.told() == [
        synced(SAVA, "deployed"),
        synced(SAVA, "redeploy"),
        synced(SAVA, "deployed"),
    ]


async def test_a_sliced_service_is_undeployed_and_pruned_and_the_last_one_takes_the_deployment():
    world = World()
    await world.merge(sava_blueprint())
    await world.merge(sava_blueprint("1.1.0"))
    await world.tick(times=2)
    await world.weigh({SAVA: 0, CANARY: 100})

    await world.slice(SAVA)
    await world.tick()
    assert (await world.statuses())[SAVA] == ("Undeployment", "Updating", "undeploying")
    await world.tick()
    assert await world.statuses() == {CANARY: ("Deployment", "Done", None)}
    await world.slice(CANARY)
    await world.tick(times=2)

    assert await world.deployment() is None
    assert world.driver.running == {}
    assert world.driver.calls[-2:] == [f"undeploy {key()}", f"undeploy {key(CANARY)}"]
    assert (await world.told())[-2:] == [synced(SAVA, "undeployed"), synced(CANARY, "undeployed")]


async def test_dependencies_are_deployed_first_and_dependents_get_their_gateway_address():
    world = World()
    synchroniser = gateways.GatewaySynchroniser(world.store, world.driver, world.events)
    await world.merge(two_cluster_blueprint())
    await synchroniser.synchronise(NS)

    await world.tick()
    assert world.driver.calls == [f"deploy {key('sava-backend:1.0.0', 'backend')}"]
    await world.tick(times=2)

    assert world.driver.calls[1:] == [f"deploy {key('sava-frontend:1.0.0', 'frontend')}"]
    frontend = world.driver.running[runtime.ServiceKey(NS, "sava", "frontend", "sava-frontend:1.0.0")]
    assert frontend.spec.environment == {"BACKEND": f"http://{HOST}:40000/api"}


async def test_a_service_that_never_gets_ready_fails_after_the_timeout():
    world = World()
    world.driver.unready.add(SAVA)
    await world.merge(sava_blueprint())
    await world.tick(times=2)

    world.clock.advance(600)
    await world.tick()

    assert await world.statuses() == {
        SAVA: (
            "Deployment",
            "Failed",
            "Deployment service error for deployment 'sava' and service 'sava:1.0.0': "
            "not done within 600 s (0 of 1 instances ready, 1 running)",
        )
    }


async def test_a_service_the_driver_cannot_run_fails_with_the_driver_s_reason():
    world = World()
    world.driver.failing[SAVA] = "the command 'sava' exited at once with status 127: sava: not found"
    await world.merge(sava_blueprint())

    await world.tick(times=2)

    assert await world.statuses() == {
        SAVA: (
            "Deployment",
            "Failed",
            "Deployment service error for deployment 'sava' and service 'sava:1.0.0': "
            "the command 'sava' exited at once with status 127: sava: not found",
        )
    }


async def test_a_refused_deploy_is_recorded_and_retried():
    world = World()
    refusal = "A docker image cannot run on the local driver; use the kubernetes driver."
    world.driver.refuse[SAVA] = refusal
    await world.merge(sava_blueprint())

    with pytest.raises(errors.DriverError) as raised:
        await world.tick()
    assert str(raised.value) == refusal
    assert await world.statuses() == {SAVA: ("Deployment", "Initiated", refusal)}
    del world.driver.refuse[SAVA]
    await world.tick(times=2)

    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}


async def test_a_stored_deployment_this_version_cannot_read_is_a_store_error_naming_it():
    world = World()
    await world.store.put(NS, "deployments", "broken", {"name": "broken", "clusters": 7}, revision=0)

    with pytest.raises(errors.StoreError) as raised:
        await world.tick("broken")

    assert str(raised.value).startswith(
        "deployments/broken in namespace 'default' is stored in a form this version cannot read ("
    )
    assert str(raised.value).endswith("); store it again.")
    assert world.driver.calls == []


async def test_one_failing_deployment_does_not_stall_another():
    world = World()
    world.driver.refuse["bad:1.0.0"] = "no room for bad"
    await world.merge(sava_blueprint(), name="sava")
    breed = sava_breed(name="bad:1.0.0")
    bad = model.Blueprint(name="bad", clusters={"bad": model.Cluster(services=(model.Service(breed=breed),))})
    await world.merge(bad, name="bad")

    with world.events.subscribe(NS, tags=("services:sava:1.0.0", "synchronization:deployed")) as done:
        async with running(world.reconciler.run()):
            await done.get()
            await world.driver.called(f"deploy {key('bad:1.0.0', 'bad', 'bad')}", times=3)

    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}
    assert await world.statuses("bad") == {"bad:1.0.0": ("Deployment", "Initiated", "no room for bad")}


async def test_a_user_s_merge_during_a_pass_is_never_lost():
    racing = RacingStore()
    world = World(racing)
    await world.merge(sava_blueprint())
    racing.race_before(lambda: world.merge(sava_blueprint("1.1.0")))

    await world.tick()

    assert await world.statuses() == {
        SAVA: ("Deployment", "Done", None),
        CANARY: ("Deployment", "Updating", "deploying"),
    }
    assert world.driver.calls == [f"deploy {key()}", f"deploy {key(CANARY)}"]


async def crash() -> None:
    """The server dies before it records what it did."""
    raise errors.StoreError("the server was killed")


@pytest.mark.parametrize("ticks_before", [0, 1], ids=["before recording the deploy", "while updating"])
async def test_a_restarted_reconciler_converges_without_deploying_twice(ticks_before):
    crashing = RacingStore()
    world = World(crashing)
    await world.merge(sava_blueprint())
    await world.tick(times=ticks_before)
    crashing.race_before(crash)
    with pytest.raises(errors.StoreError):
        await world.tick()

    world.reconciler = world.restarted()
    await world.tick(times=2)

    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}
    assert world.driver.calls == [f"deploy {key()}"]


async def test_what_a_deleted_deployment_left_running_is_undeployed_by_the_resync():
    world = World()
    await world.merge(sava_blueprint())
    await world.tick(times=2)
    await world.store.delete(NS, "deployments", "sava")

    async with running(world.reconciler.run()):
        await world.driver.called(f"undeploy {key()}")

    assert world.driver.running == {}


async def test_the_loop_takes_a_deployment_to_done_on_its_own():
    world = World()
    world.driver.unready.add(SAVA)
    await world.merge(sava_blueprint())

    with world.events.subscribe(NS, tags=("synchronization:deployed",)) as done:
        async with running(world.reconciler.run()):
            world.reconciler.enqueue(NS, "sava")
            await world.driver.called(f"deploy {key()}")
            world.driver.set_ready(SAVA)
            event = await done.get()

    assert event.tags[-1] == "synchronization:deployed"
    assert await world.statuses() == {SAVA: ("Deployment", "Done", None)}
