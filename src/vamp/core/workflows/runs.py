"""What a workflow runtime runs and reports: the contract between the workflow controller and runtimes.

A ``WorkflowSpec`` is everything a runtime needs to run one workflow — computed purely from the stored
workflow, its breed and the server's settings — with a ``digest`` of the parts that, when changed, require
the runtime to start it again. The token a run uses to call the API is not part of the spec: it is handed
to the runtime beside it (``WorkflowRuntime.schedule``), so that a token made again after a restart does
not read as a change. A ``WorkflowState`` is what a runtime observes of one scheduled workflow; an
``Execution`` is one run of its script or command, with the last lines it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from vamp.core import model, runtime

JAVASCRIPT = "application/javascript"
"""The deployable type of a breed whose definition is a script for Node.js (run with ``node``)."""

KEPT_EXECUTIONS = 16
"""How many of the last executions a runtime keeps, and, besides them, how many of the last failed ones."""

KEPT_OUTPUT_LINES = 200
"""How many of the last lines of its output (stdout and stderr together) an execution keeps."""


@dataclass(frozen=True, slots=True)
class WorkflowKey:
    """One workflow of one namespace."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


class ScheduleKind(StrEnum):
    DAEMON = "daemon"
    """Runs continuously: started again (with back-off) whenever it exits."""
    EVENT = "event"
    """Runs once for each event whose tags include all of the schedule's (``WorkflowRuntime.execute``)."""
    TIME = "time"
    """Runs from ``Timing.start`` every ``Timing.period`` seconds, ``Timing.repeat`` times or forever."""


@dataclass(frozen=True, slots=True)
class Timing:
    """When a time-scheduled workflow runs. ``period_text`` is the ISO-8601 period as the user gave it."""

    start: datetime
    period: float
    period_text: str
    repeat: int | None = None


@dataclass(frozen=True, slots=True)
class WorkflowSpec:
    """How to run one workflow.

    ``deployable`` is the breed's: a command (run by ``/bin/sh -c``), a script (``JAVASCRIPT``: the
    definition is the script) or an image (Kubernetes only). ``environment`` is final: the workflow's
    variables resolved over the breed's, plus ``VAMP_URL``, ``VAMP_NAMESPACE``,
    ``VAMP_WORKFLOW_EXECUTION_PERIOD`` and ``VAMP_WORKFLOW_EXECUTION_TIMEOUT``; the runtime adds
    ``VAMP_API_TOKEN`` (given beside the spec) and ``VAMP_WORKFLOW_DATA`` (the event, base64 JSON, for
    event runs; empty otherwise). ``period`` is the seconds between two runs of one daemon or scheduled
    run (``VAMP_WORKFLOW_EXECUTION_PERIOD``; 0: run once), ``timeout`` the seconds after which a run is
    killed (``VAMP_WORKFLOW_EXECUTION_TIMEOUT``; 0: never).
    """

    key: WorkflowKey
    schedule: ScheduleKind
    deployable: model.Deployable
    environment: dict[str, str]
    scale: model.Scale
    period: float = 0.0
    timeout: float = 0.0
    timing: Timing | None = None
    tags: tuple[str, ...] = ()
    """The tags an event must carry (all of them) to run an event-scheduled workflow."""
    arguments: tuple[model.Argument, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    dialects: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A hash of everything that requires starting the workflow again when it changes (not the key)."""
        return runtime.spec_digest(
            self,
            schedule=self.schedule.value,
            period=self.period,
            timeout=self.timeout,
            timing=None
            if self.timing is None
            else [self.timing.start.isoformat(), self.timing.period_text, self.timing.repeat],
            tags=list(self.tags),
        )


@dataclass(frozen=True, slots=True)
class WorkflowState:
    """What a runtime reports of one scheduled workflow: the digest it runs with, how many of its runs are
    going now, and why it cannot run when it cannot (in words a user can act on)."""

    key: WorkflowKey
    digest: str | None
    running: int = 0
    failure: str | None = None


class ExecutionStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    """Exited with a status other than 0, or could not be started."""
    TIMED_OUT = "timed_out"
    """Killed after running longer than the workflow's timeout."""
    STOPPED = "stopped"
    """Stopped because the workflow was suspended, restarted or stopped."""

    @property
    def failed(self) -> bool:
        return self in (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT)


@dataclass(frozen=True, slots=True)
class OutputLine:
    """One line a run wrote: ``stream`` is ``stdout`` or ``stderr``."""

    stream: str
    text: str


@dataclass(frozen=True, slots=True)
class Execution:
    """One run of a workflow. ``trigger`` says what started it: ``daemon``, ``time``, or ``event:<id>``."""

    id: str
    trigger: str
    started: datetime
    status: ExecutionStatus
    finished: datetime | None = None
    exit_code: int | None = None
    output: tuple[OutputLine, ...] = ()
    reason: str | None = None
    """Why it failed, when the exit code alone does not say (could not start, timed out after 5 s)."""
