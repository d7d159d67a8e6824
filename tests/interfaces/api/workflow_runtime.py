"""A double of the workflow runtime port for the API's and the CLI's tests: it runs nothing, and answers
the executions a test gives it (``kept``), as a runtime keeps them; it records what it was asked.

The API only reads executions through the port; running workflows for real is the runtimes' (and their
tests'), scheduling them the workflow controller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from vamp.core.workflows import runs


@dataclass
class KeptExecutions:
    name: str = "local"
    kept: dict[runs.WorkflowKey, list[runs.Execution]] = field(default_factory=dict)
    asked: list[runs.WorkflowKey] = field(default_factory=list)
    """The workflows whose executions were asked for, in order."""

    def keep(self, key: runs.WorkflowKey, *executions: runs.Execution) -> None:
        self.kept.setdefault(key, []).extend(executions)

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        return ()

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        return None

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        return None

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        return None

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        self.asked.append(key)
        return list(self.kept.get(key, ()))

    async def forget(self, key: runs.WorkflowKey) -> None:
        self.kept.pop(key, None)

    async def close(self) -> None:
        return None


def execution(
    number: int,
    started: datetime,
    status: runs.ExecutionStatus = runs.ExecutionStatus.SUCCEEDED,
    *,
    trigger: str = "daemon",
    seconds: float = 1.5,
    exit_code: int | None = 0,
    output: Sequence[tuple[str, str]] = (),
    reason: str | None = None,
) -> runs.Execution:
    """Execution ``number``, started at ``started`` and over ``seconds`` later (still running when its
    status is ``running``), with its ``output`` as (stream, text)."""
    running = status is runs.ExecutionStatus.RUNNING
    return runs.Execution(
        id=str(number),
        trigger=trigger,
        started=started,
        status=status,
        finished=None if running else started + timedelta(seconds=seconds),
        exit_code=None if running else exit_code,
        output=tuple(runs.OutputLine(stream, text) for stream, text in output),
        reason=reason,
    )
