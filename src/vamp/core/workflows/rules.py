"""Vamp's rules on storing workflows and setting their status (vamp.md §1.15, §7.1), as pure decisions.

A workflow is created or updated only while it does not exist or is ``suspended`` (its runs stopped), so a
running workflow never changes under its runs; a deployment and a workflow never share a name; a status
is one of ``model.WorkflowStatus``. The services ask these functions and raise the project's errors
with the messages they give, which are Vamp's own words, followed by what would be valid.
"""

from __future__ import annotations

from vamp.core import model

UPDATABLE = frozenset({model.WorkflowStatus.SUSPENDED})
"""The statuses in which a stored workflow may be stored again (changed)."""

STATUSES = tuple(status.value for status in model.WorkflowStatus)
"""Every status a workflow may be given, in the order they are listed to users."""


def update_refusal(name: str, current: model.WorkflowStatus | None) -> str | None:
    """Why workflow ``name``, stored now with status ``current`` (``None``: not stored), may not be stored
    again; ``None`` when it may."""
    if current is None or current in UPDATABLE:
        return None
    return (
        f"Workflow update is possible only if workflow is not running, current status: {current.value}. "
        f"Suspend it first (PUT /api/v1/workflows/{name}/status with 'suspended', or "
        f"`vamp workflow suspend {name}`), then store it again."
    )


def name_clash(name: str) -> str:
    """Why a deployment and a workflow may not both be named ``name``."""
    return (
        f"There cannot exist deployment and workflow with the same name: {name}. "
        "Give the deployment or the workflow another name."
    )


def status_of(word: str) -> model.WorkflowStatus | None:
    """The status ``word`` names (surrounding spaces ignored, case kept: Vamp's statuses are lower case);
    ``None`` when it names none."""
    text = word.strip()
    return model.WorkflowStatus(text) if text in STATUSES else None


def illegal_status(word: str) -> str:
    """Why ``word`` is not a workflow status, and which are."""
    return f"Illegal workflow status: {word}. Valid statuses are: {', '.join(STATUSES)}."
