"""After a crash, a new runtime on the same home adopts the runs still going and records those that ended.

A separate process plays the server: it schedules a workflow through its own ``LocalWorkflows``, waits for
a run to go and is killed with SIGKILL, so it never stops anything. Its run keeps going (and writing); the
runtime the test then opens on the same home must take it over — one process, the same PID — rather than
start the daemon again, record as ended a run that ended meanwhile, with its exit code, and stop instead
of adopting when it may not run commands.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import (
    KEY,
    TOKEN,
    finished,
    kill_recorded,
    make_runtime,
    recorded_processes,
    spec,
    texts,
    until,
)
from vamp.adapters.local import processes
from vamp.adapters.workflows import records
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio

SCRIPT = Path(__file__).with_name("crashing_server.py")
DAEMON = spec("echo started; while [ ! -e go-on ]; do sleep 0.05; done; echo still here; sleep 300")


async def crash(home: Path, scheduled: runs.WorkflowSpec) -> str:
    """Run a server that schedules ``scheduled`` and kill it with SIGKILL once a run goes; that run's ID."""
    data = json.dumps(records.spec_data(scheduled))
    server = await asyncio.create_subprocess_exec(
        sys.executable, str(SCRIPT), str(home), data, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert server.stdout is not None
        line = await asyncio.wait_for(server.stdout.readline(), 30)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        await server.wait()
    return str(json.loads(line)["execution"])


@pytest.fixture(autouse=True)
def stop_leftovers(home: Path) -> Iterator[None]:
    yield
    kill_recorded(home)


def output_has(
    local: workflows_runtime.LocalWorkflows, text: str
) -> Callable[[], Awaitable[runs.Execution | None]]:
    """A probe: the first execution of ``KEY`` that wrote a line ``text``."""

    async def probe() -> runs.Execution | None:
        return next((item for item in await local.executions(KEY) if text in texts(item)), None)

    return probe


async def test_a_new_runtime_adopts_the_running_daemon_of_a_crashed_one_instead_of_starting_it_again(
    home: Path,
):
    run_id = await crash(home, DAEMON)
    [left] = recorded_processes(home)
    assert left.alive()

    local = make_runtime(home)
    try:
        [state] = await local.workflows("default")
        assert (state.digest, state.running) == (DAEMON.digest, 1)
        await local.schedule(DAEMON, TOKEN)  # the controller arms it again: the same digest changes nothing
        (home / "default" / "canary" / "go-on").touch()

        adopted = await until(output_has(local, "still here"), what="the adopted run writing on")

        assert adopted.id == run_id
        assert adopted.status is runs.ExecutionStatus.RUNNING
        assert texts(adopted) == ["started", "still here"]
        assert recorded_processes(home) == [left]
        assert [item.id for item in await local.executions(KEY)] == [run_id]
    finally:
        await local.close()
    assert not processes.group_alive(left.pid)


async def test_a_run_that_ended_while_no_server_watched_is_recorded_with_its_exit_code(home: Path):
    event = spec(
        "echo done; while [ ! -e go-on ]; do sleep 0.05; done; exit 4", schedule=runs.ScheduleKind.EVENT
    )
    run_id = await crash(home, event)
    [left] = recorded_processes(home)
    (home / "default" / "canary" / "go-on").touch()

    async def gone() -> bool:
        return not processes.group_alive(left.pid)

    await until(gone, what="the run ended")
    local = make_runtime(home)
    try:
        [ended] = await until(finished(local, 1), what="the run recorded as ended")
        assert (ended.id, ended.status, ended.exit_code) == (run_id, runs.ExecutionStatus.FAILED, 4)
        assert texts(ended) == ["done"]
        [state] = await local.workflows("default")
        assert state.running == 0
    finally:
        await local.close()


async def test_a_runtime_that_may_not_run_commands_stops_what_a_crashed_one_left_instead_of_adopting_it(
    home: Path,
):
    run_id = await crash(home, DAEMON)
    [left] = recorded_processes(home)

    local = make_runtime(home, allow_commands=False)
    try:
        assert await local.workflows("default") == []
        assert not processes.group_alive(left.pid)
        [stopped] = await local.executions(KEY)
        assert (stopped.id, stopped.status) == (run_id, runs.ExecutionStatus.STOPPED)
    finally:
        await local.close()


async def test_an_adopted_daemon_that_exits_is_started_again_not_lost(home: Path):
    ending = spec("echo started; while [ ! -e go-on ]; do sleep 0.05; done; rm go-on; echo ending")
    run_id = await crash(home, ending)

    local = make_runtime(home)
    try:
        await local.schedule(ending, TOKEN)
        (home / "default" / "canary" / "go-on").touch()

        async def started_again() -> list[runs.Execution] | None:
            found = list(await local.executions(KEY))
            return found if len(found) == 2 and found[0].status is runs.ExecutionStatus.RUNNING else None

        newest, adopted = await until(started_again, what="the daemon started again after its adopted run")
        assert (adopted.id, adopted.status, adopted.exit_code) == (run_id, runs.ExecutionStatus.SUCCEEDED, 0)
        assert texts(adopted) == ["started", "ending"]
        assert newest.trigger == "daemon"
    finally:
        await local.close()
