"""A workflow's next step from its stored status and how the runtime has it (vamp.md §7.1), every row."""

from __future__ import annotations

import pytest

from vamp.core.model import WorkflowStatus as S
from vamp.core.workflows import lifecycle, runs
from vamp.core.workflows.lifecycle import SCHEDULED, UNSCHEDULED, Observed, Step

KEY = runs.WorkflowKey("acme-prod", "canary")

ROWS = [
    (S.STARTING, Observed.ABSENT, Step(schedule=True, status=S.RUNNING, events=(SCHEDULED,))),
    (S.STARTING, Observed.STALE, Step(schedule=True, status=S.RUNNING, events=(SCHEDULED,))),
    (S.STARTING, Observed.CURRENT, Step(status=S.RUNNING, events=(SCHEDULED,))),
    (S.STARTING, Observed.FAILING, lifecycle.NOTHING),
    (S.RUNNING, Observed.ABSENT, Step(schedule=True, events=(SCHEDULED,))),
    (S.RUNNING, Observed.STALE, Step(schedule=True, events=(SCHEDULED,))),
    (S.RUNNING, Observed.CURRENT, lifecycle.NOTHING),
    (S.RUNNING, Observed.FAILING, lifecycle.NOTHING),
    (S.SUSPENDING, Observed.CURRENT, Step(unschedule=True, status=S.SUSPENDED, events=(UNSCHEDULED,))),
    (S.SUSPENDING, Observed.STALE, Step(unschedule=True, status=S.SUSPENDED, events=(UNSCHEDULED,))),
    (S.SUSPENDING, Observed.FAILING, Step(unschedule=True, status=S.SUSPENDED, events=(UNSCHEDULED,))),
    (S.SUSPENDING, Observed.ABSENT, Step(status=S.SUSPENDED, events=(UNSCHEDULED,))),
    (S.SUSPENDED, Observed.CURRENT, Step(unschedule=True, events=(UNSCHEDULED,))),
    (S.SUSPENDED, Observed.STALE, Step(unschedule=True, events=(UNSCHEDULED,))),
    (S.SUSPENDED, Observed.FAILING, Step(unschedule=True, events=(UNSCHEDULED,))),
    (S.SUSPENDED, Observed.ABSENT, lifecycle.NOTHING),
    (
        S.RESTARTING,
        Observed.CURRENT,
        Step(unschedule=True, schedule=True, status=S.RUNNING, events=(UNSCHEDULED, SCHEDULED)),
    ),
    (
        S.RESTARTING,
        Observed.STALE,
        Step(unschedule=True, schedule=True, status=S.RUNNING, events=(UNSCHEDULED, SCHEDULED)),
    ),
    (
        S.RESTARTING,
        Observed.FAILING,
        Step(unschedule=True, schedule=True, status=S.RUNNING, events=(UNSCHEDULED, SCHEDULED)),
    ),
    (S.RESTARTING, Observed.ABSENT, Step(schedule=True, status=S.RUNNING, events=(SCHEDULED,))),
    (S.STOPPING, Observed.CURRENT, Step(unschedule=True, delete=True, events=(UNSCHEDULED,))),
    (S.STOPPING, Observed.STALE, Step(unschedule=True, delete=True, events=(UNSCHEDULED,))),
    (S.STOPPING, Observed.FAILING, Step(unschedule=True, delete=True, events=(UNSCHEDULED,))),
    (S.STOPPING, Observed.ABSENT, Step(delete=True)),
]


@pytest.mark.parametrize(
    ("status", "runtime", "step"), ROWS, ids=[f"{s.value}-{o.value}" for s, o, _ in ROWS]
)
def test_the_step_for_each_status_and_runtime_state(status: S, runtime: Observed, step: Step) -> None:
    assert lifecycle.decide(status, runtime) == step


def test_every_status_and_runtime_state_has_a_row() -> None:
    assert {(status, runtime) for status, runtime, _ in ROWS} == {(s, o) for s in S for o in Observed}


def test_an_orphan_is_unscheduled_with_its_event() -> None:
    assert Step(unschedule=True, events=(UNSCHEDULED,)) == lifecycle.ORPHAN


def test_the_runtime_state_against_the_digest_of_the_spec() -> None:
    assert lifecycle.observe(None, "abc") is Observed.ABSENT
    assert lifecycle.observe(runs.WorkflowState(KEY, "abc"), "abc") is Observed.CURRENT
    assert lifecycle.observe(runs.WorkflowState(KEY, "abc", failure="exits"), "abc") is Observed.FAILING
    assert (
        lifecycle.observe(runs.WorkflowState(KEY, "abc", 1, failure="one of two"), "abc") is Observed.CURRENT
    )
    assert lifecycle.observe(runs.WorkflowState(KEY, "old"), "abc") is Observed.STALE
    assert lifecycle.observe(runs.WorkflowState(KEY, None), "abc") is Observed.STALE
    assert lifecycle.observe(runs.WorkflowState(KEY, "old"), None) is Observed.CURRENT, "digest not asked"


def test_only_a_workflow_that_should_run_needs_its_spec() -> None:
    assert {status for status in S if lifecycle.needs_spec(status)} == {S.STARTING, S.RUNNING, S.RESTARTING}


def test_only_the_step_that_does_nothing_is_idle() -> None:
    assert lifecycle.NOTHING.idle
    assert {(status, runtime) for status, runtime, step in ROWS if step.idle} == {
        (S.STARTING, Observed.FAILING),
        (S.RUNNING, Observed.CURRENT),
        (S.RUNNING, Observed.FAILING),
        (S.SUSPENDED, Observed.ABSENT),
    }
    assert not lifecycle.ORPHAN.idle
