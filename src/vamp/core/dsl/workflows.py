"""Reading workflows (vamp.md §1.15): a breed run on a schedule, with the settings of a service.

Schedules: ``daemon``, ``{event: [tags]}``, ``{event: {tags: [...]}}`` and
``{time: {period: PT1M, start: now | ISO-8601 time, repeat: n}}``. Vamp's output-only ``instances`` and
``health`` are accepted and ignored.
"""

from __future__ import annotations

import re

from vamp.core import model
from vamp.core.dsl import artifact, breeds, traits
from vamp.core.dsl.cursor import Cursor

_PERIOD = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
UNDEFINED_SCHEDULE = "Undefined workflow schedule - only daemon, event and time schedules are supported"


def workflow(cursor: Cursor) -> model.Workflow | None:
    fields = cursor.fields("workflow")
    if fields is None:
        return None
    metadata = artifact.common(fields, "workflows")
    fields.ignore("instances", "health")
    name = artifact.name(fields)
    breed = fields.require("breed")
    schedule = fields.get("schedule")
    status = fields.get("status")
    scale = fields.get("scale")
    variables = fields.first("environment_variables", "env")
    arguments = fields.get("arguments")
    health_checks = fields.get("health_checks")
    return fields.build(
        model.Workflow,
        name=name,
        breed=None if breed is None else breeds.breed_or_reference(breed),
        schedule=model.DaemonSchedule() if schedule is None else _schedule(schedule),
        status=model.WorkflowStatus.STARTING if status is None else _status(status),
        scale=None if scale is None else traits.scale(scale),
        environment_variables={} if variables is None else traits.variables(variables),
        arguments=() if arguments is None else traits.arguments(arguments),
        network=traits.network(fields),
        health_checks=None if health_checks is None else traits.health_checks(health_checks),
        dialects=traits.dialects(fields),
        metadata=metadata,
    )


def _status(cursor: Cursor) -> model.WorkflowStatus | None:
    if isinstance(cursor.value, str) and cursor.value in set(model.WorkflowStatus):
        return model.WorkflowStatus(cursor.value)
    valid = ", ".join(status.value for status in model.WorkflowStatus)
    cursor.error(f"Illegal workflow status: {cursor.value}. Valid statuses are: {valid}.")
    return None


def _schedule(cursor: Cursor) -> model.Schedule | None:
    value = cursor.value
    if value == "daemon":
        return model.DaemonSchedule()
    fields = cursor.fields("schedule") if isinstance(value, dict) and len(value) == 1 else None
    if fields is not None:
        event, time = fields.get("event"), fields.get("time")
        if event is not None:
            return fields.build(model.EventSchedule, tags=_tags(event))
        if time is not None:
            return fields.build(model.TimeSchedule, **_time(time))
    cursor.error(f"{UNDEFINED_SCHEDULE}: daemon, {{event: [tags]}} or {{time: {{period: PT1M}}}}.")
    return None


def _tags(cursor: Cursor) -> tuple[str, ...] | None:
    value = cursor.value
    if isinstance(value, dict):
        fields = cursor.fields("event schedule")
        found = None if fields is None else fields.require("tags")
        if fields is not None:
            fields.finish()
        return None if found is None else _tags(cursor.inner("tags", found.value))
    if isinstance(value, str):
        return (value,)
    tags = [item.string() for item in cursor.elements("event tags: a list of strings")]
    if not isinstance(value, list) or not value:
        cursor.error("An event schedule needs at least one tag.")
    return tuple(tag for tag in tags if tag is not None)


def _time(cursor: Cursor) -> dict[str, object]:
    fields = cursor.fields("time schedule")
    if fields is None:
        return {}
    period = fields.require("period")
    start = fields.get("start")
    repeat = fields.get("repeat")
    period_text = None if period is None else period.string()
    if period is not None and period_text is not None and not _PERIOD.match(period_text):
        period.error(
            f"Illegal workflow schedule period: {period_text}. Use an ISO-8601 duration such as PT1M."
        )
    fields.finish()
    return {
        "period": period_text,
        "start": None if start is None or start.value == "now" else start.timestamp(),
        "repeat": None if repeat is None else repeat.integer(minimum=1),
    }
