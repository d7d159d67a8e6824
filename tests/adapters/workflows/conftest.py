"""Fixtures for the local workflow runtime's tests: real processes, each stopped by its own PID.

``runtime`` is a ``LocalWorkflows`` on a temporary home, closed when the test ends; whatever run its records
still name after that is killed by PID (and process group), so a failing test leaves nothing running.
``spec`` builds the workflow specs the controller would give. ``until`` polls a condition with a deadline:
tests never sleep to synchronise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from vamp.adapters.local import processes
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core import model
from vamp.core.workflows import runs

T = TypeVar("T")

KEY = runs.WorkflowKey("default", "canary")
TOKEN = "token-of-the-workflow"


def spec(
    definition: str,
    *,
    schedule: runs.ScheduleKind = runs.ScheduleKind.DAEMON,
    key: runs.WorkflowKey = KEY,
    deployable_type: str = "command",
    environment: dict[str, str] | None = None,
    period: float = 0.0,
    timeout: float = 0.0,
    timing: runs.Timing | None = None,
) -> runs.WorkflowSpec:
    """A spec as the controller builds it: the workflow's variables plus the ``VAMP_*`` it adds."""
    return runs.WorkflowSpec(
        key=key,
        schedule=schedule,
        deployable=model.Deployable(type=deployable_type, definition=definition),
        environment={
            "VAMP_URL": "http://127.0.0.1:8080",
            "VAMP_NAMESPACE": key.namespace,
            "VAMP_WORKFLOW_EXECUTION_PERIOD": f"{period:g}",
            "VAMP_WORKFLOW_EXECUTION_TIMEOUT": f"{timeout:g}",
            **(environment or {}),
        },
        scale=model.Scale(cpu=0.1, memory="64MB", instances=1),
        period=period,
        timeout=timeout,
        timing=timing,
    )


def make_runtime(home: Path, **options: object) -> workflows_runtime.LocalWorkflows:
    settings: dict[str, object] = {
        "node_modules": None,
        "allow_commands": True,
        "stop_timeout": 2.0,
        "max_restart_delay": 2.0,
    }
    settings.update(options)
    return workflows_runtime.LocalWorkflows(home, **settings)  # type: ignore[arg-type]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workflows"


@pytest.fixture
async def runtime(home: Path) -> AsyncIterator[workflows_runtime.LocalWorkflows]:
    local = make_runtime(home)
    try:
        yield local
    finally:
        with contextlib.suppress(Exception):
            await local.close()
        kill_recorded(home)


def recorded_processes(home: Path) -> list[processes.Identity]:
    """The process of every run the records under ``home`` say is running."""
    found = []
    for path in home.glob("*/*/executions/*.json"):
        data = json.loads(path.read_text())
        if data.get("status") == "running" and data.get("process"):
            found.append(processes.Identity(data["process"]["pid"], data["process"]["start_time"]))
    return found


def kill_recorded(home: Path) -> None:
    """SIGKILL, by PID, the process group of every recorded run that still runs."""
    for identity in recorded_processes(home):
        if identity.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(identity.pid, signal.SIGKILL)


async def until(probe: Callable[[], Awaitable[T | None]], *, what: str, timeout: float = 20.0) -> T:
    """The first truthy value of ``probe()``, polled every 20 ms; fails the test after ``timeout`` s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := await probe()):
        if loop.time() >= deadline:
            raise AssertionError(f"still not true after {timeout:g} s: {what}; last: {value!r}")
        await asyncio.sleep(0.02)
    return value


def finished(
    local: workflows_runtime.LocalWorkflows, count: int, key: runs.WorkflowKey = KEY
) -> Callable[[], Awaitable[list[runs.Execution] | None]]:
    """A probe: the executions of ``key``, oldest first, once at least ``count`` of them have ended."""

    async def probe() -> list[runs.Execution] | None:
        ended = [
            item for item in await local.executions(key) if item.status is not runs.ExecutionStatus.RUNNING
        ]
        return list(reversed(ended)) if len(ended) >= count else None

    return probe


def running(
    local: workflows_runtime.LocalWorkflows, key: runs.WorkflowKey = KEY
) -> Callable[[], Awaitable[runs.Execution | None]]:
    """A probe: the newest execution of ``key`` still running."""

    async def probe() -> runs.Execution | None:
        return next(
            (item for item in await local.executions(key) if item.status is runs.ExecutionStatus.RUNNING),
            None,
        )

    return probe


def texts(execution: runs.Execution, stream: str = "stdout") -> list[str]:
    return [line.text for line in execution.output if line.stream == stream]
