"""A workflow's next step, from its stored status and what the runtime runs (vamp.md §7.1).

The workflow controller observes a workflow's ``status`` as stored and how the runtime has it
(``Observed``), and ``decide`` says what to do, in this order: unschedule it (and revoke its token),
schedule it (with a token minted for it), write a status, delete the workflow, then publish the
lifecycle events (``scheduled``, ``unscheduled``) in the order the plan gives them:

==========================  ============================  ==========================================
status                      runtime                       step
==========================  ============================  ==========================================
starting, running           not scheduled                 schedule → ``running``, ``scheduled``
starting, running           scheduled, another digest     schedule anew → ``running``, ``scheduled``
starting                    scheduled, this digest        write ``running``, ``scheduled``
starting                    failing                       nothing: it stays ``starting``
running                     scheduled or failing          nothing (the runtime retries what fails)
suspending, suspended       scheduled (or failing)        unschedule → ``suspended``, ``unscheduled``
suspending                  not scheduled                 write ``suspended``, ``unscheduled``
suspended                   not scheduled                 nothing
restarting                  scheduled                     unschedule, schedule → ``running``,
                                                          ``unscheduled`` then ``scheduled``
restarting                  not scheduled                 schedule → ``running``, ``scheduled``
stopping                    scheduled                     unschedule, delete, ``unscheduled``
stopping                    not scheduled                 delete
==========================  ============================  ==========================================

"Failing" is scheduled with this digest, running nothing, with a failure the runtime reports (a command
the server may not run, a daemon that keeps exiting): a workflow that never ran is not announced as
``running`` and ``scheduled`` until it does; the controller publishes the failure. Otherwise failing
counts as scheduled. A workflow the runtime runs that is no longer stored (``ORPHAN``) is unscheduled,
with ``unscheduled``. Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from vamp.core.model import WorkflowStatus
from vamp.core.workflows import runs

SCHEDULED = "scheduled"
UNSCHEDULED = "unscheduled"


class Observed(StrEnum):
    """How the runtime has a workflow, against the digest of the spec it should run."""

    ABSENT = "absent"
    """Not scheduled at all."""
    CURRENT = "current"
    """Scheduled with the digest of the workflow as stored now."""
    FAILING = "failing"
    """Scheduled with the digest of the workflow as stored now, running nothing, reporting a failure."""
    STALE = "stale"
    """Scheduled with another digest: its breed, environment or schedule changed since."""


@dataclass(frozen=True, slots=True)
class Step:
    """What to do about one workflow, in the order of the fields. ``status`` is the status to write
    (``None``: leave it); ``events`` are the lifecycle events to publish, in order."""

    unschedule: bool = False
    schedule: bool = False
    status: WorkflowStatus | None = None
    delete: bool = False
    events: tuple[str, ...] = ()

    @property
    def idle(self) -> bool:
        return self == NOTHING


NOTHING = Step()
ORPHAN = Step(unschedule=True, events=(UNSCHEDULED,))
"""The step for a workflow the runtime runs and the store no longer holds."""


def observe(state: runs.WorkflowState | None, digest: str | None) -> Observed:
    """How the runtime has a workflow it reports as ``state`` (``None``: not at all), against ``digest``,
    the digest of the spec it should run (``None``: its spec does not matter for its status)."""
    if state is None:
        return Observed.ABSENT
    if digest is not None and state.digest != digest:
        return Observed.STALE
    return Observed.FAILING if state.failure and not state.running else Observed.CURRENT


def decide(status: WorkflowStatus, runtime: Observed) -> Step:
    """The next step for a workflow stored with ``status`` that the runtime has as ``runtime``."""
    scheduled = runtime is not Observed.ABSENT
    match status:
        case WorkflowStatus.STARTING | WorkflowStatus.RUNNING:
            if runtime is Observed.FAILING:
                return NOTHING
            if runtime is Observed.CURRENT:
                if status is WorkflowStatus.RUNNING:
                    return NOTHING
                return Step(status=WorkflowStatus.RUNNING, events=(SCHEDULED,))
            return Step(schedule=True, status=_unless(status, WorkflowStatus.RUNNING), events=(SCHEDULED,))
        case WorkflowStatus.SUSPENDING | WorkflowStatus.SUSPENDED:
            if not scheduled and status is WorkflowStatus.SUSPENDED:
                return NOTHING
            wanted = _unless(status, WorkflowStatus.SUSPENDED)
            return Step(unschedule=scheduled, status=wanted, events=(UNSCHEDULED,))
        case WorkflowStatus.RESTARTING:
            events = (UNSCHEDULED, SCHEDULED) if scheduled else (SCHEDULED,)
            return Step(unschedule=scheduled, schedule=True, status=WorkflowStatus.RUNNING, events=events)
        case WorkflowStatus.STOPPING:
            return Step(unschedule=scheduled, delete=True, events=(UNSCHEDULED,) if scheduled else ())


def needs_spec(status: WorkflowStatus) -> bool:
    """Whether deciding about a workflow of ``status`` needs its spec (to schedule it, or to compare its
    digest): only a workflow that should run does."""
    return status in (WorkflowStatus.STARTING, WorkflowStatus.RUNNING, WorkflowStatus.RESTARTING)


def _unless(status: WorkflowStatus, wanted: WorkflowStatus) -> WorkflowStatus | None:
    return None if status is wanted else wanted
