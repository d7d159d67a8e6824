"""The workflow runtime port: run workflows on their schedules, report what runs and what ran.

Implemented by ``vamp.adapters.workflows`` (processes on this machine) and
``vamp.adapters.kubernetes.workflows`` (Deployments, Jobs and CronJobs). The workflow controller
(``vamp.services.workflows``) decides what should run; a runtime only does it. Every method is idempotent:
scheduling a spec that runs already changes nothing, unscheduling what is gone is not an error. Failures
to act raise ``errors.DriverError`` naming the workflow and the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from vamp.core.workflows import runs


class WorkflowRuntime(Protocol):
    name: str
    """``local`` or ``kubernetes``."""

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        """Every workflow scheduled in ``namespace``, as it is now."""
        ...

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        """Make the workflow run as ``spec`` says, its runs calling the API with ``token``.

        A daemon starts and is kept running; a time schedule runs at its times; an event schedule is only
        made ready for ``execute``. A workflow scheduled with another digest is stopped and started anew.
        """
        ...

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        """Stop every run of the workflow and everything scheduled for it (its executions are kept)."""
        ...

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        """Start one run of a scheduled workflow now, with ``data`` (an event, base64 JSON) in
        ``VAMP_WORKFLOW_DATA``. Raises ``errors.DriverError`` when the workflow is not scheduled."""
        ...

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        """Its last ``runs.KEPT_EXECUTIONS`` executions and, besides them, its last as many failed ones,
        newest first; those still running included."""
        ...

    async def forget(self, key: runs.WorkflowKey) -> None:
        """Drop the executions kept of a workflow that is gone (stopped and deleted)."""
        ...

    async def close(self) -> None:
        """Release the runtime's resources; the local runtime also stops the processes it started."""
        ...
