"""Vamp's rules on storing workflows and their statuses, in Vamp's words followed by what would be valid."""

from __future__ import annotations

import pytest

from vamp.core import model
from vamp.core.workflows import rules

Status = model.WorkflowStatus


@pytest.mark.parametrize("current", [None, Status.SUSPENDED])
def test_a_workflow_not_stored_or_suspended_may_be_stored_again(current: Status | None) -> None:
    assert rules.update_refusal("tick", current) is None


@pytest.mark.parametrize(
    "current",
    [Status.STARTING, Status.RUNNING, Status.STOPPING, Status.SUSPENDING, Status.RESTARTING],
)
def test_a_workflow_that_is_not_suspended_is_refused_naming_its_status_and_how_to_suspend_it(
    current: Status,
) -> None:
    assert rules.update_refusal("tick", current) == (
        "Workflow update is possible only if workflow is not running, "
        f"current status: {current.value}. Suspend it first (PUT /api/v1/workflows/tick/status with "
        "'suspended', or `vamp workflow suspend tick`), then store it again."
    )


def test_a_name_clash_names_the_name_and_the_way_out() -> None:
    assert rules.name_clash("sava") == (
        "There cannot exist deployment and workflow with the same name: sava. "
        "Give the deployment or the workflow another name."
    )


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("running", Status.RUNNING),
        ("  suspended\n", Status.SUSPENDED),
        ("restarting", Status.RESTARTING),
        ("Running", None),
        ("run", None),
        ("", None),
    ],
)
def test_a_status_is_read_from_its_word_spaces_ignored_case_kept(word: str, status: Status | None) -> None:
    assert rules.status_of(word) is status


def test_an_illegal_status_lists_every_status_in_order() -> None:
    assert rules.illegal_status("paused") == (
        "Illegal workflow status: paused. "
        "Valid statuses are: starting, running, stopping, suspended, suspending, restarting."
    )
