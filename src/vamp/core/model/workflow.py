"""Workflows (vamp.md §1.15): modelled and validated so documents round-trip; nothing runs them yet."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from vamp.core.model.base import Dialects, Metadata, Model, Ref
from vamp.core.model.breed import Argument, Breed, HealthCheck
from vamp.core.model.scale import Scale


class WorkflowStatus(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    SUSPENDED = "suspended"
    SUSPENDING = "suspending"
    RESTARTING = "restarting"


class DaemonSchedule(Model):
    type: Literal["daemon"] = "daemon"


class EventSchedule(Model):
    type: Literal["event"] = "event"
    tags: tuple[str, ...]


class TimeSchedule(Model):
    """Run every ``period`` (ISO-8601, ``PT1M``) from ``start`` (default now), ``repeat`` times or forever."""

    type: Literal["time"] = "time"
    period: str
    start: datetime | None = None
    repeat: int | None = None


Schedule = DaemonSchedule | EventSchedule | TimeSchedule


class Workflow(Model):
    kind: Literal["workflows"] = "workflows"
    name: str
    breed: Breed | Ref
    schedule: Schedule = DaemonSchedule()
    status: WorkflowStatus = WorkflowStatus.STARTING
    scale: Scale | Ref | None = None
    environment_variables: dict[str, str | None] = {}
    arguments: tuple[Argument, ...] = ()
    network: str | None = None
    health_checks: tuple[HealthCheck, ...] | None = None
    dialects: Dialects = {}
    metadata: Metadata = {}
