"""The agent's loop, tick by tick, against in-memory fakes of its ports.

Each test offers what a source would read (``offer``), lets the agent act once (``reconcile``) and checks
what a user would see: which plan the data plane got, and what ``/status`` reports (``Agent.status``).
The fakes can refuse a plan or be unreachable, to force every fault the agent must survive.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest

from tests.e2e.polling import eventually
from tests.services.agent_fakes import (
    START,
    V1,
    V2,
    V3,
    FakeClock,
    FakeDataPlane,
    QueueSource,
    offered,
    plan_of,
)
from vamp import errors
from vamp.ports import gateway_agent
from vamp.services import agent as agent_service


def make_agent(
    data_plane: FakeDataPlane | None = None,
) -> tuple[agent_service.Agent, FakeDataPlane, FakeClock]:
    data_plane = data_plane or FakeDataPlane()
    clock = FakeClock()
    return agent_service.Agent(QueueSource(), data_plane, clock, retry_delays=(0.01, 0.02)), data_plane, clock


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


pytestmark = pytest.mark.anyio


async def test_a_new_plan_is_applied_and_recorded_as_active():
    agent, data_plane, clock = make_agent()
    clock.seconds = 30

    agent.offer(offered(V1))
    assert await agent.reconcile()

    assert data_plane.applied == [V1.version]
    assert agent.status == agent_service.Status(
        version=V1.version, since=START + timedelta(seconds=30), origin="plans/p.json", applied=1
    )


async def test_a_plan_with_the_active_version_is_skipped():
    agent, data_plane, _ = make_agent()
    agent.offer(offered(V1))
    await agent.reconcile()

    agent.offer(offered(V1, origin="plans/again.json"))
    assert await agent.reconcile()

    assert data_plane.applied == [V1.version]
    assert agent.status.origin == "plans/p.json"
    assert agent.status.applied == 1


async def test_the_problems_of_the_active_plan_are_reported():
    agent, _, _ = make_agent()

    agent.offer(offered(plan_of(5000, "gateway 'x': port 80 is taken; the gateway is left out of the plan")))
    await agent.reconcile()

    assert agent.status.problems == ("gateway 'x': port 80 is taken; the gateway is left out of the plan",)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (["not", "a", "plan"], "A routing plan must be a mapping, not list."),
        (
            {**V2.to_data(), "version": "0123456789abcdef"},
            f"Invalid routing plan: version '0123456789abcdef' does not match its content "
            f"(expected '{V2.version}').",
        ),
        (
            {key: value for key, value in V2.to_data().items() if key != "listeners"},
            "Invalid routing plan: $: missing keys ['listeners'].",
        ),
    ],
    ids=["not-a-mapping", "wrong-version", "missing-listeners"],
)
async def test_invalid_plan_data_never_reaches_the_data_plane_and_is_reported(data: object, reason: str):
    agent, data_plane, clock = make_agent()
    agent.offer(offered(V1))
    await agent.reconcile()
    clock.seconds = 5

    agent.offer(gateway_agent.Offered(data, "plans/bad.json"))
    assert await agent.reconcile()

    assert data_plane.applied == [V1.version]
    assert agent.status.version == V1.version
    assert agent.status.last_error == (
        f"Refused the routing plan from plans/bad.json; the last good configuration stays. {reason}"
    )
    assert agent.status.last_error_at == START + timedelta(seconds=5)
    assert agent.status.rejected == 1


async def test_a_plan_the_data_plane_refuses_leaves_the_last_good_one_active_and_is_not_retried():
    agent, data_plane, _ = make_agent()
    agent.offer(offered(V1))
    await agent.reconcile()
    data_plane.refuse = "Envoy did not accept the new configuration: rds/g is at version 'a', not 'b'."

    agent.offer(offered(V2))
    assert await agent.reconcile()
    data_plane.refuse = ""
    assert await agent.reconcile()

    assert data_plane.applied == [V1.version]
    assert agent.status.version == V1.version
    assert agent.status.last_error == (
        f"Refused routing plan {V2.version} from plans/p.json; the last good configuration stays. "
        "Envoy did not accept the new configuration: rds/g is at version 'a', not 'b'."
    )
    assert agent.status.rejected == 1


async def test_an_unreachable_data_plane_keeps_the_plan_pending_until_it_takes_it():
    agent, data_plane, _ = make_agent()
    data_plane.down = "Envoy's admin endpoint http://127.0.0.1:9901/config_dump did not answer"

    agent.offer(offered(V1))
    assert not await agent.reconcile()
    assert agent.status.pending == V1.version
    assert agent.status.version is None
    assert agent.status.last_error == (
        f"The routing plan {V1.version} waits for the data plane: Envoy's admin endpoint "
        "http://127.0.0.1:9901/config_dump did not answer"
    )

    data_plane.down = ""
    assert await agent.reconcile()
    assert data_plane.applied == [V1.version]
    assert agent.status.version == V1.version
    assert agent.status.pending is None


async def test_a_plan_offered_while_another_is_applied_is_applied_next():
    agent, data_plane, _ = make_agent()
    data_plane.gate = asyncio.Event()
    agent.offer(offered(V1))
    applying = asyncio.create_task(agent.reconcile())
    await asyncio.sleep(0)  # let the apply start and wait at the gate

    agent.offer(offered(V2))
    data_plane.gate.set()
    await applying
    await agent.reconcile()

    assert data_plane.applied == [V1.version, V2.version]
    assert agent.status.version == V2.version


async def test_a_source_that_cannot_read_is_reported_once_per_reason(caplog: pytest.LogCaptureFixture):
    agent, _, _ = make_agent()
    agent.offer(offered(V1))
    await agent.reconcile()
    caplog.set_level(logging.WARNING, logger="vamp.agent")

    for reason in ("server down", "server down", "server answered 500", "server down"):
        agent.offer(gateway_agent.Unavailable(reason))

    assert [record.getMessage() for record in caplog.records] == [
        "server down",
        "server answered 500",
        "server down",
    ]
    assert agent.status.last_error == "server down"
    assert agent.status.version == V1.version
    assert agent.status.rejected == 0


async def test_resume_serves_the_plan_kept_from_the_last_run():
    agent, data_plane, _ = make_agent(FakeDataPlane(kept=V1))

    await agent.resume()

    assert data_plane.applied == [V1.version]
    assert agent.status.version == V1.version
    assert agent.status.origin == agent_service.KEPT


async def test_resume_without_a_readable_kept_plan_starts_with_nothing():
    data_plane = FakeDataPlane()
    data_plane.kept_error = errors.RoutingError(["The kept plan /w/plan.json is not JSON: Expecting value."])
    agent, _, _ = make_agent(data_plane)

    await agent.resume()

    assert data_plane.applied == []
    assert agent.status.version is None
    assert agent.status.last_error == (
        "The plan kept from the last run cannot be read, so it is not served: "
        "The kept plan /w/plan.json is not JSON: Expecting value."
    )


async def test_run_serves_the_kept_plan_then_what_the_source_offers_and_retries_an_unreachable_data_plane():
    data_plane = FakeDataPlane(kept=V1)
    source = QueueSource()
    agent = agent_service.Agent(source, data_plane, FakeClock(), retry_delays=(0.01, 0.02))
    await agent.resume()
    running = asyncio.create_task(agent.run())
    try:
        await eventually(lambda: _true(source.since is not None), what="the source is watched")
        assert source.since == V1.version

        data_plane.down = "Envoy is restarting"
        await source.queue.put(offered(V2))
        await eventually(lambda: _true(agent.status.pending == V2.version), what="V2 is pending")
        data_plane.down = ""
        await eventually(lambda: _true(agent.status.version == V2.version), what="V2 is active")

        await source.queue.put(offered(V3))
        await eventually(lambda: _true(agent.status.version == V3.version), what="V3 is active")
    finally:
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
    assert data_plane.applied == [V1.version, V2.version, V3.version]


async def test_run_ends_when_cancelled_as_a_newer_plan_ends_a_retry_wait():
    data_plane = FakeDataPlane()
    data_plane.down = "Envoy is restarting"
    agent = agent_service.Agent(QueueSource(), data_plane, FakeClock(), retry_delays=(60.0, 60.0))
    agent.offer(offered(V1))
    running = asyncio.create_task(agent.run())
    await eventually(lambda: _true(agent.status.pending == V1.version), what="V1 waits for a retry")

    agent.offer(offered(V2))
    running.cancel()
    await asyncio.wait([running], timeout=1.0)

    assert running.cancelled()


async def _true(value: bool) -> bool:
    return value
