"""Reading workflows (vamp.md §1.15): a breed run on a schedule, with the settings of a service.

Schedules: ``daemon``, ``{event: [tags]}``, ``{event: {tags: [...]}}`` and
``{time: {period: PT1M, start: now | ISO-8601 time, repeat: n}}``. Vamp's output-only ``instances`` and
``health`` are accepted and ignored.
"""

from __future__ import annotations

import re
from datetime import datetime

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
    return fields.build(
        model.Workflow,
        name=artifact.name(fields),
        breed=fields.read_required("breed", breeds.breed_or_reference),
        schedule=fields.read("schedule", _schedule, model.DaemonSchedule()),
        status=fields.read("status", _status, model.WorkflowStatus.STARTING),
        scale=fields.read("scale", traits.scale),
        **traits.service_settings(fields),
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
    tags = cursor.list_of(Cursor.string, "event tags: a list of strings")
    if not isinstance(value, list) or not value:
        cursor.error("An event schedule needs at least one tag.")
    return tags


def _time(cursor: Cursor) -> dict[str, object]:
    fields = cursor.fields("time schedule")
    if fields is None:
        return {}
    values: dict[str, object] = {
        "period": fields.read_required("period", _period),
        "start": fields.read("start", _start),
        "repeat": fields.read("repeat", lambda found: found.integer(minimum=1)),
    }
    fields.finish()
    return values


def _period(cursor: Cursor) -> str | None:
    text = cursor.string()
    if text is not None and not _PERIOD.match(text):
        cursor.error(f"Illegal workflow schedule period: {text}. Use an ISO-8601 duration such as PT1M.")
    return text


def _start(cursor: Cursor) -> datetime | None:
    """``now`` (none: the schedule starts when stored) or an ISO-8601 time."""
    return None if cursor.value == "now" else cursor.timestamp()
