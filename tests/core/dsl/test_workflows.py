"""Workflows (vamp.md §1.15): schedules, statuses and the settings of a service."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.core.dsl.outcomes import messages, one
from vamp.core import model
from vamp.core.units import Cpu, Memory

BASE = "name: metrics\nbreed: metrics\n"


def workflow(text: str) -> model.Workflow:
    found = one(BASE + text, "workflows")
    assert isinstance(found, model.Workflow)
    return found


def test_a_workflow_takes_the_settings_of_a_service_and_ignores_its_runtime_output() -> None:
    found = workflow(
        """\
schedule: daemon
status: running
scale: {cpu: 0.1, memory: 128MB}
environment_variables: {VAMP_WORKFLOW_EXECUTION_PERIOD: 60}
arguments: [{privileged: false}]
network: BRIDGE
health_checks: []
dialects: {kubernetes: {}}
instances: [{name: metrics-1, host: 10.0.0.3, ports: {}, deployed: true}]
health: {running: 1}
"""
    )
    assert found == model.Workflow(
        name="metrics",
        breed=model.Ref(name="metrics"),
        status=model.WorkflowStatus.RUNNING,
        scale=model.Scale(cpu=Cpu(10), memory=Memory(12800)),
        environment_variables={"VAMP_WORKFLOW_EXECUTION_PERIOD": "60"},
        arguments=(model.Argument(key="privileged", value="false"),),
        network="BRIDGE",
        health_checks=(),
        dialects={"kubernetes": {}},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", model.DaemonSchedule()),
        ("schedule: daemon", model.DaemonSchedule()),
        (
            "schedule: {event: [deployments, 'gateways:sava']}",
            model.EventSchedule(tags=("deployments", "gateways:sava")),
        ),
        ("schedule: {event: {tags: [deployments]}}", model.EventSchedule(tags=("deployments",))),
        ("schedule: {event: deployments}", model.EventSchedule(tags=("deployments",))),
        ("schedule: {time: {period: PT1M}}", model.TimeSchedule(period="PT1M")),
        (
            "schedule: {time: {period: P1DT12H, start: now, repeat: 10}}",
            model.TimeSchedule(period="P1DT12H", repeat=10),
        ),
        (
            "schedule: {time: {period: PT1M, start: 2024-05-01T10:00:00Z}}",
            model.TimeSchedule(period="PT1M", start=datetime(2024, 5, 1, 10, 0, tzinfo=UTC)),
        ),
    ],
)
def test_schedules_are_daemon_event_or_time(text: str, expected: model.Schedule) -> None:
    assert workflow(text + "\n").schedule == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "schedule: hourly",
            [
                (
                    "schedule",
                    "Undefined workflow schedule - only daemon, event and time schedules are supported: "
                    "daemon, "
                    "{event: [tags]} or {time: {period: PT1M}}.",
                )
            ],
        ),
        (
            "schedule: {event: [a], time: {period: PT1M}}",
            [
                (
                    "schedule",
                    "Undefined workflow schedule - only daemon, event and time schedules are supported: "
                    "daemon, "
                    "{event: [tags]} or {time: {period: PT1M}}.",
                )
            ],
        ),
        (
            "schedule: {time: {period: 1 minute}}",
            [
                (
                    "schedule.time.period",
                    "Illegal workflow schedule period: 1 minute. Use an ISO-8601 duration such as PT1M.",
                )
            ],
        ),
        (
            "schedule: {time: {period: PT1M, start: tomorrow}}",
            [
                (
                    "schedule.time.start",
                    "Expected an ISO-8601 time such as '2024-01-31T12:00:00Z', not 'tomorrow'.",
                )
            ],
        ),
        ("schedule: {event: []}", [("schedule.event", "An event schedule needs at least one tag.")]),
        (
            "status: paused",
            [
                (
                    "status",
                    "Illegal workflow status: paused. Valid statuses are: starting, running, stopping, "
                    "suspended, "
                    "suspending, restarting.",
                )
            ],
        ),
        (
            "breed: ~",
            [("breed", "Missing value for required key 'breed' in workflow.")],
        ),
    ],
)
def test_what_is_not_a_workflow_is_an_issue(text: str, expected: list[tuple[str, str]]) -> None:
    fields = text if text.startswith("breed") else "breed: metrics\n" + text
    assert messages(f"name: metrics\n{fields}\n", "workflows") == expected
