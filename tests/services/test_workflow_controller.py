"""The workflow controller over an in-memory store and a fake runtime (the port's double): the lifecycle a
user drives through the status and the events it publishes, a restarted server that leaves running
workflows alone, a user's status write racing the controller's, one broken workflow among good ones,
orphans, a changed breed, and event-scheduled workflows run once per matching event.

Passes are called directly (``pass_all``), so nothing waits on the controller's period; the clock the
controller backs off failures by is a settable one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from vamp import errors
from vamp.adapters.store import memory
from vamp.core import access, dsl, model
from vamp.core.workflows import runs
from vamp.ports import store
from vamp.services import events
from vamp.services.access import tokens as token_service
from vamp.services.workflows import controller
from vamp.services.workflows import tokens as workflow_tokens
from vamp.services.workflows.controller import FAILED

pytestmark = pytest.mark.anyio

NS = "acme-prod"
URL = "http://127.0.0.1:8080"
DEADLINE = 10.0
BREED = "name: canary\ndeployable: {type: application/javascript, definition: \"console.log('hi')\"}\n"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Scheduled:
    spec: runs.WorkflowSpec
    token: str


class FakeRuntime:
    """Keeps what it is asked to schedule; ``refuse[name]`` makes ``schedule`` fail (a fault of the
    moment), ``forbid[name]`` too, and then reports the workflow failing with that digest (as the local
    runtime reports a command it may not run); ``failing[name]`` is a failure it reports of a scheduled
    workflow; ``before_schedule`` runs inside ``schedule`` (a user's write racing the controller)."""

    name = "fake"

    def __init__(self) -> None:
        self.scheduled: dict[runs.WorkflowKey, Scheduled] = {}
        self.calls: list[str] = []
        self.executed: list[tuple[runs.WorkflowKey, str]] = []
        self.looked: list[str] = []
        self.refuse: dict[str, str] = {}
        self.forbid: dict[str, str] = {}
        self.forbidden: dict[runs.WorkflowKey, runs.WorkflowState] = {}
        self.failing: dict[str, str] = {}
        self.before_schedule: Callable[[], Awaitable[None]] | None = None
        self._executed = asyncio.Condition()

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        self.looked.append(namespace)
        states = {
            key: runs.WorkflowState(key, found.spec.digest, failure=self.failing.get(key.name))
            for key, found in self.scheduled.items()
        }
        states.update(self.forbidden)
        return [state for key, state in states.items() if key.namespace == namespace]

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        self.calls.append(f"schedule {spec.key.name}")
        if spec.key.name in self.refuse:
            raise errors.DriverError(self.refuse[spec.key.name])
        if spec.key.name in self.forbid:
            reason = self.forbid[spec.key.name]
            self.forbidden[spec.key] = runs.WorkflowState(spec.key, spec.digest, failure=reason)
            raise errors.DriverError(reason)
        self.forbidden.pop(spec.key, None)
        if self.before_schedule is not None:
            race, self.before_schedule = self.before_schedule, None
            await race()
        self.scheduled[spec.key] = Scheduled(spec, token)

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        self.calls.append(f"unschedule {key.name}")
        self.scheduled.pop(key, None)
        self.forbidden.pop(key, None)

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        if key not in self.scheduled:
            raise errors.DriverError(f"Workflow {key} is not scheduled.")
        async with self._executed:
            self.executed.append((key, data))
            self._executed.notify_all()

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        return []

    async def forget(self, key: runs.WorkflowKey) -> None:
        self.calls.append(f"forget {key.name}")

    async def close(self) -> None:
        pass

    async def wait_executed(self, count: int) -> None:
        async with asyncio.timeout(DEADLINE), self._executed:
            await self._executed.wait_for(lambda: len(self.executed) >= count)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    store: memory.MemoryStore
    publisher: events.Events
    tokens: token_service.Tokens
    runtime: FakeRuntime
    clock: Clock

    def controller(self) -> controller.WorkflowController:
        return controller.WorkflowController(
            self.store,
            self.runtime,
            self.publisher,
            self.tokens,
            api_url=URL,
            namespaces=[NS],
            clock=self.clock,
        )

    async def store_text(self, kind: str, text: str) -> None:
        (artifact,) = dsl.read(text, kind=kind)
        assert artifact.name is not None
        await self.store.put(NS, kind, artifact.name, dsl.to_data(artifact), revision=None)

    async def workflow(self, name: str = "canary", extra: str = "") -> None:
        await self.store_text("workflows", f"name: {name}\nbreed: canary\n{extra}")

    async def status(self, name: str = "canary") -> str | None:
        found = await self.store.get(NS, "workflows", name)
        if found is None:
            return None
        return str(found.data.get("status", "starting"))

    async def set_status(self, status: str, name: str = "canary") -> None:
        """A user's write, compare-and-set as the API does it."""
        found = await self.store.get(NS, "workflows", name)
        assert found is not None
        await self.store.put(NS, "workflows", name, {**found.data, "status": status}, revision=found.revision)

    async def lifecycle(self, name: str = "canary") -> list[str]:
        """The workflow's ``workflow`` events past ``workflows:<name>``, oldest first."""
        query = store.EventQuery(tags=(f"workflows:{name}",), type=controller.EVENT_TYPE)
        found = (await self.store.events(NS, query)).items
        return [_last_tag(event, name) for event in reversed(found)]

    async def failures(self, name: str) -> list[Any]:
        query = store.EventQuery(tags=(f"workflows:{name}", controller.FAILED), type=controller.EVENT_TYPE)
        return [event.value for event in reversed((await self.store.events(NS, query)).items)]

    async def token_of(self, name: str = "canary") -> access.Token:
        return await self.tokens.authenticate(self.runtime.scheduled[runs.WorkflowKey(NS, name)].token)


def _last_tag(event: model.Event, name: str) -> str:
    return next(tag for tag in reversed(event.tags) if not tag.startswith("workflows"))


@pytest.fixture
async def world() -> AsyncIterator[World]:
    kept = memory.MemoryStore(clock=lambda: datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    found = World(
        kept,
        events.Events(kept),
        token_service.Tokens(kept, kept, lambda: datetime.now(UTC)),
        FakeRuntime(),
        Clock(),
    )
    await found.store_text("breeds", BREED)
    yield found
    await kept.close()


async def test_a_workflow_is_scheduled_suspended_restarted_and_stopped_with_its_events_in_order(
    world: World,
) -> None:
    key = runs.WorkflowKey(NS, "canary")
    workflows = world.controller()
    await world.workflow()

    await workflows.pass_all()
    assert await world.status() == "running"
    assert world.runtime.scheduled[key].spec.environment["VAMP_URL"] == URL
    token = await world.token_of()
    assert (token.name, token.role, str(token.scope)) == ("workflow-canary", access.Role.OPERATOR, NS)
    secret = world.runtime.scheduled[key].token

    await world.set_status("suspended")
    await workflows.pass_all()
    assert key not in world.runtime.scheduled
    assert await world.status() == "suspended"
    with pytest.raises(errors.UnauthorizedError):
        await world.tokens.authenticate(secret)

    await world.set_status("running")
    await workflows.pass_all()
    await world.set_status("restarting")
    await workflows.pass_all()
    assert await world.status() == "running"
    assert key in world.runtime.scheduled

    await world.set_status("stopping")
    await workflows.pass_all()
    assert await world.status() is None, "a stopped workflow is deleted"
    assert world.runtime.calls[-2:] == ["unschedule canary", "forget canary"]
    assert not [token for token in await world.store.tokens() if token.name == "workflow-canary"]
    assert await world.lifecycle() == [
        "scheduled",
        "unscheduled",
        "scheduled",
        "unscheduled",
        "scheduled",
        "unscheduled",
    ]

    calls = list(world.runtime.calls)
    await workflows.pass_all()
    assert world.runtime.calls == calls, "nothing left to do"


async def test_a_new_controller_over_running_workflows_changes_nothing_and_mints_no_token(
    world: World,
) -> None:
    await world.workflow()
    await world.workflow("daemon2")
    await world.controller().pass_all()
    calls, tokens, lifecycle = list(world.runtime.calls), await world.store.tokens(), await world.lifecycle()

    await world.controller().pass_all()  # the server started again

    assert world.runtime.calls == calls
    assert await world.store.tokens() == tokens
    assert (await world.token_of()).name == "workflow-canary", "the runs' token is still valid"
    assert await world.lifecycle() == lifecycle == ["scheduled"]


async def test_a_user_status_written_while_the_controller_schedules_wins(world: World) -> None:
    await world.workflow()
    world.runtime.before_schedule = lambda: world.set_status("suspended")

    await world.controller().pass_all()

    assert await world.status() == "suspended", "the user's write is never overwritten"
    assert world.runtime.scheduled == {}
    assert world.runtime.calls == ["schedule canary", "unschedule canary"]
    assert await world.lifecycle() == ["scheduled", "unscheduled"]


async def test_one_broken_workflow_stops_no_other_and_is_tried_again_once_a_period(world: World) -> None:
    await world.store_text("workflows", "name: orphaned-breed\nbreed: nowhere\n")
    await world.workflow("refused")
    await world.workflow("good")
    world.runtime.refuse["refused"] = "The cluster cannot be reached."
    workflows = world.controller()

    await workflows.pass_all()
    assert await world.status("good") == "running"
    assert await world.status("refused") == "starting"
    assert await world.status("orphaned-breed") == "starting"
    (missing,) = await world.failures("orphaned-breed")
    assert "names the breed 'nowhere', which namespace 'acme-prod' does not hold" in missing
    assert await world.failures("refused") == [world.runtime.refuse["refused"]]

    await workflows.pass_all()
    assert world.runtime.calls.count("schedule refused") == 1, "not again within the period"
    world.clock.now += controller.DEFAULT_PERIOD
    await workflows.pass_all()
    assert world.runtime.calls.count("schedule refused") == 2
    assert len(await world.failures("refused")) == 1, "the same failure is published once"

    del world.runtime.refuse["refused"]
    world.clock.now += controller.DEFAULT_PERIOD
    await workflows.pass_all()
    assert await world.status("refused") == "running"


async def test_a_failure_the_runtime_reports_is_published_once(world: World) -> None:
    await world.workflow()
    workflows = world.controller()
    await workflows.pass_all()
    world.runtime.failing["canary"] = "it exited with status 1 three times; next start in 8 s"
    await workflows.pass_all()
    await workflows.pass_all()
    (failure,) = await world.failures("canary")
    assert failure == "it exited with status 1 three times; next start in 8 s"


async def test_a_workflow_the_runtime_may_not_run_stays_starting_with_its_failure_and_no_token(
    world: World,
) -> None:
    reason = "Workflow 'acme-prod/canary' runs a command: start the server with --allow-command-deployables."
    world.runtime.forbid["canary"] = reason
    await world.workflow()
    workflows = world.controller()
    for _ in range(3):
        await workflows.pass_all()
        world.clock.now += controller.DEFAULT_PERIOD
    assert await world.status() == "starting", "never announced as running"
    assert await world.lifecycle() == [FAILED]
    assert await world.failures("canary") == [reason]
    assert [token.name for token in await world.store.tokens()] == []

    await world.set_status("stopping")
    await workflows.pass_all()
    assert await world.status() is None


async def test_what_the_runtime_runs_of_a_workflow_no_longer_stored_is_unscheduled(world: World) -> None:
    await world.workflow()
    workflows = world.controller()
    await workflows.pass_all()
    await world.store.delete(NS, "workflows", "canary")  # a crash between a delete and its unschedule

    await workflows.pass_all()

    assert world.runtime.scheduled == {}
    assert world.runtime.calls[-2:] == ["unschedule canary", "forget canary"]
    assert (await world.lifecycle())[-1] == "unscheduled"


async def test_a_changed_breed_schedules_the_workflow_anew_with_a_new_token(world: World) -> None:
    key = runs.WorkflowKey(NS, "canary")
    await world.workflow()
    workflows = world.controller()
    await workflows.pass_all()
    before = world.runtime.scheduled[key]

    await world.store_text("breeds", BREED.replace("hi", "hello"))
    await workflows.pass_all()

    after = world.runtime.scheduled[key]
    assert after.spec.digest != before.spec.digest
    assert after.spec.deployable.definition == "console.log('hello')"
    with pytest.raises(errors.UnauthorizedError):
        await world.tokens.authenticate(before.token)
    assert (await world.token_of()).name == "workflow-canary"


async def test_a_store_event_about_a_workflow_wakes_the_controller(world: World) -> None:
    workflows = world.controller()
    workflows.listen(world.store)
    async with _background(workflows.run()):
        await world.workflow()
        async with asyncio.timeout(DEADLINE):
            while await world.status() != "running":
                await asyncio.sleep(0.01)


async def test_an_event_workflow_runs_once_per_matching_event_and_never_on_workflow_events(
    world: World,
) -> None:
    key = runs.WorkflowKey(NS, "courier")
    await world.workflow("courier", "schedule:\n  event: [deployments:sava, synchronization]\n")
    workflows = world.controller()
    async with _background(workflows.triggers.run()):
        await workflows.pass_all()
        assert await world.status("courier") == "running"

        await world.publisher.publish(NS, model.Event(tags=("deployments:sava",)))  # not every tag
        await world.publisher.publish(
            NS, model.Event(tags=("workflows:x", "deployments:sava", "synchronization"))
        )
        matching = await world.publisher.publish(
            NS, model.Event(tags=("deployments:sava", "synchronization:deployed"), value={"n": 1})
        )
        await world.runtime.wait_executed(1)
        last = await world.publisher.publish(NS, model.Event(tags=("deployments:sava", "synchronization")))
        await world.runtime.wait_executed(2)

    assert [found for found, _ in world.runtime.executed] == [key, key], "once per matching event"
    shown = json.loads(base64.b64decode(world.runtime.executed[0][1]))
    assert shown == dsl.event_to_data(matching)
    assert shown["tags"] == ["deployments", "deployments:sava", "synchronization", "synchronization:deployed"]
    assert json.loads(base64.b64decode(world.runtime.executed[1][1]))["id"] == last.id


async def test_an_event_posted_as_soon_as_the_status_reads_running_runs_the_workflow(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user who sees ``running`` and posts an event at once, while the pass is still going, gets a run."""
    await world.workflow("courier", "schedule:\n  event: [go]\n")
    workflows = world.controller()
    posted: list[model.Event] = []
    put = world.store.put

    async def put_then_post(*args: Any, **kwargs: Any) -> store.StoredArtifact:
        kept = await put(*args, **kwargs)
        if args[1] == "workflows" and kept.data.get("status") == "running" and not posted:
            posted.append(await world.publisher.publish(NS, model.Event(tags=("go",))))
        return kept

    monkeypatch.setattr(world.store, "put", put_then_post)
    async with _background(workflows.triggers.run()):
        await workflows.pass_all()
        assert posted, "the event was posted right after the status was written"
        await world.runtime.wait_executed(1)
    assert [key.name for key, _ in world.runtime.executed] == ["courier"]
    assert json.loads(base64.b64decode(world.runtime.executed[0][1]))["id"] == posted[0].id


async def test_a_suspended_event_workflow_runs_on_no_event_and_lifecycle_events_run_none(
    world: World,
) -> None:
    await world.workflow("courier", "schedule:\n  event: [go]\n")
    await world.workflow("listener", "schedule:\n  event: [go]\n")
    await world.workflow("echo", "schedule:\n  event: [scheduled]\n")
    workflows = world.controller()
    async with _background(workflows.triggers.run()):
        await workflows.pass_all()
        await world.set_status("suspended", "courier")
        await workflows.pass_all()
        await world.set_status("restarting", "listener")  # its own scheduled event runs no "echo"
        await workflows.pass_all()
        await world.publisher.publish(NS, model.Event(tags=("go",)))
        await world.runtime.wait_executed(1)
    assert [key.name for key, _ in world.runtime.executed] == ["listener"]
    assert await world.lifecycle("listener") == ["scheduled", "unscheduled", "scheduled"]


@contextlib.asynccontextmanager
async def _background(loop: Any) -> AsyncIterator[None]:
    task = asyncio.create_task(loop)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_the_runtime_is_asked_about_a_namespace_without_workflows_once(world: World) -> None:
    await world.store.put("acme-test", "breeds", "canary", {"name": "canary"}, revision=None)
    await world.store.put("acme", "environments", "test", {"name": "test"}, revision=None)
    workflows = world.controller()
    for _ in range(3):
        await workflows.pass_all()
    assert world.runtime.looked.count("acme-test") == 1, "once, for what a crash may have left there"
    assert "acme" not in world.runtime.looked, "an organisation's records are no environment"
    assert world.runtime.looked.count(NS) == 1

    await world.workflow()
    await workflows.pass_all()
    await workflows.pass_all()
    assert world.runtime.looked.count(NS) == 3


def test_a_workflow_whose_name_makes_no_token_name_gets_one_by_digest() -> None:
    assert workflow_tokens.token_name(runs.WorkflowKey(NS, "canary")) == "workflow-canary"
    long = workflow_tokens.token_name(runs.WorkflowKey(NS, "c" * 80))
    odd = workflow_tokens.token_name(runs.WorkflowKey(NS, "sava:1.0"))
    assert long.startswith("workflow-")
    assert len(long) == len("workflow-") + 16
    assert odd != long
    assert access.token_name_problem(long) is None
    assert access.token_name_problem(odd) is None
