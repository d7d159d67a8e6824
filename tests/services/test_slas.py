"""The SLA monitor and the escalator over the API in-process (an in-memory store, the harness's fake
metrics forcing what the agents measured): a slow cluster escalates and its service scales up through
the scale path, a fast one scales back down, the cooldown holds (across a new monitor too), a bound stops
an escalation with the reason, and an SLA event published by a third party scales an ``escalation_only``
cluster. The clock is the test's; passes are called directly, except where the escalator's loop hears
an event published through the API."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from tests.core.deployments.builders import with_phase
from tests.interfaces.api import harness
from vamp.adapters.store import memory
from vamp.core import model
from vamp.ports import store
from vamp.services import deployment_revisions
from vamp.services.slas import escalator, monitor

pytestmark = pytest.mark.anyio

NAMESPACE = "acme-prod"
GATEWAY = "sava/sava/webport"
DEADLINE = 30.0
SLA = """\
      type: response_time_sliding_window
      threshold: {upper: 150, lower: 50}
      window: {interval: 10, cooldown: 20}
      escalations:
        - type: scale_instances
          minimum: 1
          maximum: 2
          scale_by: 1
"""


def blueprint(sla: str = SLA) -> str:
    return harness.SAVA_1_0.replace("  sava:\n    services:", f"  sava:\n    sla:\n{sla}    services:")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Loops:
    api: harness.Harness
    clock: harness.Clock
    sla_monitor: monitor.SlaMonitor
    sla_escalator: escalator.Escalator

    def new_monitor(self) -> monitor.SlaMonitor:
        services = self.api.services
        return monitor.SlaMonitor(
            self.api.store,
            services.deployments,
            services.artifacts,
            self.api.metrics,
            self.api.publisher,
            clock=self.clock,
        )

    async def deploy(self, text: str) -> None:
        answer = await self.api.client.put(
            f"/{NAMESPACE}/api/v1/deployments/sava", content=text, headers=harness.YAML
        )
        assert answer.is_success, answer.text
        await self.settle()

    async def settle(self) -> None:
        """What the reconciler would do: every service deployed (phase Done)."""

        async def step(current: model.Deployment | None) -> model.Deployment | None:
            assert current is not None
            return with_phase(current, model.PhaseName.DONE, self.clock())

        revisions = deployment_revisions.Revisions(self.api.store, self.api.notifier)
        await revisions.change(NAMESPACE, "sava", step)

    def measure(self, mean: float | None) -> None:
        self.api.metrics.report(NAMESPACE, GATEWAY, mean=mean)

    async def instances(self) -> int:
        answer = await self.api.client.get(
            f"/{NAMESPACE}/api/v1/deployments/sava/clusters/sava/services/sava:1.0.0/scale"
        )
        assert answer.status_code == 200, answer.text
        found: int = answer.json()["instances"]
        return found

    async def events(self, *tags: str) -> list[model.Event]:
        page = await self.api.store.events(NAMESPACE, store.EventQuery(tags=tags))
        return list(page.items)

    async def judge_and_escalate(self) -> list[tuple[str, ...]]:
        """One monitor pass and the escalator on what it published: the tags of every event published."""
        published = await self.sla_monitor.check_all()
        tags = [event.tags for event in published]
        for event in published:
            tags += [found.tags for found in await self.sla_escalator.handle(NAMESPACE, event)]
        return tags


@pytest.fixture
async def loops() -> AsyncIterator[Loops]:
    clock = harness.Clock()
    api = harness.build(memory.MemoryStore(clock=clock))
    await harness.prepare(api.app)
    async with api.client:
        services = api.services
        found = Loops(
            api,
            clock,
            monitor.SlaMonitor(
                api.store, services.deployments, services.artifacts, api.metrics, api.publisher, clock=clock
            ),
            escalator.Escalator(services.deployments, services.artifacts, api.publisher),
        )
        yield found


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    async with asyncio.timeout(DEADLINE):
        while not await check():
            await asyncio.sleep(0.01)
    assert await check(), what


async def test_a_slow_cluster_scales_up_and_back_down_when_it_is_fast_again(loops: Loops) -> None:
    await loops.deploy(blueprint())
    loops.measure(300.0)
    assert await loops.judge_and_escalate() == [
        ("sla", "sla:escalate", "deployment", "deployment:sava", "cluster", "cluster:sava"),
        ("escalation", "escalation:escalate", "deployment", "deployment:sava", "cluster", "cluster:sava"),
    ]
    assert await loops.instances() == 2
    (sla_event,) = await loops.events("sla:escalate")
    assert sla_event.value["response_time"] == 300.0
    assert sla_event.value["threshold"] == {"upper": 150, "lower": 50}
    (escalation,) = await loops.events("escalation:escalate")
    assert escalation.value == {"service": "sava:1.0.0", "type": "scale_instances", "from": 1, "to": 2}

    # Being deployed again with the new scale, the cluster is not judged; nor within the cooldown.
    assert await loops.judge_and_escalate() == []
    await loops.settle()
    loops.clock.advance(29)
    assert await loops.judge_and_escalate() == []

    loops.clock.advance(1)
    loops.measure(10.0)
    tags = await loops.judge_and_escalate()
    assert [found[1] for found in tags] == ["sla:deescalate", "escalation:deescalate"]
    assert await loops.instances() == 1


async def test_at_its_bound_an_escalation_does_not_apply_and_says_why(loops: Loops) -> None:
    await loops.deploy(blueprint())
    loops.measure(10.0)  # fast already, at the minimum of 1 instance
    tags = await loops.judge_and_escalate()
    assert [found[1] for found in tags] == ["sla:deescalate", "escalation:none"]
    (none,) = await loops.events("escalation:none")
    assert none.value == {
        "direction": "deescalate",
        "reason": "Instances of 'sava:1.0.0' would go from 1 to 0, beyond the minimum of 1.",
    }
    assert await loops.instances() == 1


async def test_within_the_thresholds_or_with_nothing_measured_nothing_happens(loops: Loops) -> None:
    await loops.deploy(blueprint())
    assert await loops.judge_and_escalate() == []  # nothing measured
    loops.measure(100.0)
    assert await loops.judge_and_escalate() == []
    assert loops.api.metrics.windows[-1] == 10.0  # the SLA's interval


async def test_a_restarted_monitor_keeps_the_cooldown_of_the_stored_sla_events(loops: Loops) -> None:
    await loops.deploy(blueprint())
    loops.measure(300.0)
    assert len(await loops.judge_and_escalate()) == 2
    await loops.settle()
    loops.clock.advance(15)
    restarted = loops.new_monitor()
    assert await restarted.check_all() == []
    loops.clock.advance(15)
    assert [event.tags[1] for event in await restarted.check_all()] == ["sla:escalate"]


async def test_a_third_party_sla_event_scales_an_escalation_only_cluster(loops: Loops) -> None:
    only = SLA.replace(
        "type: response_time_sliding_window\n      threshold: {upper: 150, lower: 50}\n"
        "      window: {interval: 10, cooldown: 20}\n",
        "type: escalation_only\n",
    )
    await loops.deploy(blueprint(only))
    loops.measure(300.0)
    assert await loops.sla_monitor.check_all() == []  # the monitor leaves it to others
    loops.sla_escalator.listen(loops.api.store)
    task = asyncio.create_task(loops.sla_escalator.run())
    try:
        await asyncio.sleep(0)  # the loop takes events from now on
        answer = await loops.api.client.post(
            f"/{NAMESPACE}/api/v1/events",
            json={"tags": ["sla:escalate", "deployment:sava", "cluster:sava"]},
        )
        assert answer.status_code == 201, answer.text

        async def scaled() -> bool:
            return await loops.instances() == 2 and bool(await loops.events("escalation:escalate"))

        await eventually(scaled, "the third party's SLA event scaled sava to 2 instances")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_an_sla_event_for_what_is_not_there_is_answered_with_the_reason(loops: Loops) -> None:
    await loops.deploy(harness.SAVA_1_0)
    for tags, reason in [
        (
            ("sla:escalate", "deployment:shop", "cluster:sava"),
            "There is no deployment 'shop' in namespace 'acme-prod'.",
        ),
        (("sla:escalate", "deployment:sava", "cluster:shop"), "Deployment 'sava' has no cluster 'shop'."),
        (("sla:escalate", "deployment:sava", "cluster:sava"), "Cluster 'sava/sava' has no SLA."),
    ]:
        (answer,) = await loops.sla_escalator.handle(NAMESPACE, model.Event(tags=tags))
        assert "escalation:none" in answer.tags
        assert reason in answer.value["reason"]
    assert await loops.sla_escalator.handle(NAMESPACE, model.Event(tags=("sla", "deployment:sava"))) == ()


async def test_an_unsupported_sla_type_is_logged_once_and_left_alone(
    loops: Loops, caplog: pytest.LogCaptureFixture
) -> None:
    await loops.deploy(blueprint("      type: error_rate\n      ceiling: 5%\n"))
    loops.measure(300.0)
    with caplog.at_level(logging.WARNING, logger="vamp.slas"):
        assert await loops.sla_monitor.check_all() == []
        assert await loops.sla_monitor.check_all() == []
    told = [record.getMessage() for record in caplog.records if "not supported" in record.getMessage()]
    assert told == [
        "SLA of acme-prod/sava/sava: SLA type 'error_rate' is not supported; only "
        "response_time_sliding_window is judged (and escalation_only escalates on events from outside)."
    ]


STORED_SLA = """\
name: one-more
kind: escalations
type: scale_instances
minimum: 1
maximum: 3
scale_by: 1
---
name: to-one
kind: escalations
to_one: [one-more]
---
name: quick
kind: slas
type: response_time_sliding_window
threshold: {upper: 150, lower: 50}
window: {interval: 10, cooldown: 20}
escalations: [to-one]
"""


@pytest.mark.parametrize("how", ["in the blueprint", "by PUT …/sla"])
async def test_an_sla_by_reference_uses_the_stored_sla_and_its_stored_escalations(
    loops: Loops, how: str
) -> None:
    answer = await loops.api.client.post(f"/{NAMESPACE}/api/v1", content=STORED_SLA, headers=harness.YAML)
    assert answer.is_success, answer.text
    if how == "in the blueprint":
        await loops.deploy(blueprint("      reference: quick\n"))
    else:
        await loops.deploy(harness.SAVA_1_0)
        url = f"/{NAMESPACE}/api/v1/deployments/sava/clusters/sava/sla"
        answer = await loops.api.client.put(url, content="reference: quick\n", headers=harness.YAML)
        assert answer.status_code == 202, answer.text
    shown = await loops.api.client.get(f"/{NAMESPACE}/api/v1/deployments/sava")
    assert shown.status_code == 200, shown.text
    loops.measure(300.0)
    tags = await loops.judge_and_escalate()
    assert [found[1] for found in tags] == ["sla:escalate", "escalation:escalate"]
    assert await loops.instances() == 2
