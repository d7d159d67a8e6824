"""The local workflow runtime runs daemons and event runs as processes, stops them, and refuses what it may
not run: real processes, conditions with deadlines."""

from __future__ import annotations

import base64
import itertools
import json
from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import (
    KEY,
    TOKEN,
    finished,
    make_runtime,
    recorded_processes,
    running,
    spec,
    texts,
    until,
)
from vamp import errors
from vamp.adapters.local import processes
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio

EVENT_KEY = runs.WorkflowKey("default", "on-deploy")


async def test_a_daemon_runs_with_its_environment_and_is_started_again_after_each_exit_with_back_off(
    runtime: workflows_runtime.LocalWorkflows,
):
    daemon = spec('echo "run in $VAMP_NAMESPACE with $VAMP_API_TOKEN"; echo trouble >&2; exit 3')
    await runtime.schedule(daemon, TOKEN)

    ended = await until(finished(runtime, 3), what="three runs of the daemon ended")

    first = ended[0]
    assert first.trigger == "daemon"
    assert first.status is runs.ExecutionStatus.FAILED
    assert first.exit_code == 3
    assert texts(first) == [f"run in default with {TOKEN}"]
    assert texts(first, "stderr") == ["trouble"]
    # 1 s after the first short run, then doubling, up to the limit (2 s here)
    gaps = [gap(before, after) for before, after in itertools.pairwise(ended)]
    assert gaps[0] >= 1.0
    assert gaps[1] >= 2.0
    [state] = await runtime.workflows("default")
    assert state.key == KEY
    assert state.digest == daemon.digest
    assert state.failure is None


def gap(before: runs.Execution, after: runs.Execution) -> float:
    """Seconds from the end of one run to the start of the next."""
    assert before.finished is not None
    return (after.started - before.finished).total_seconds()


async def test_scheduling_the_same_digest_again_changes_nothing(runtime: workflows_runtime.LocalWorkflows):
    daemon = spec("echo started; sleep 300")
    await runtime.schedule(daemon, TOKEN)
    first = await until(running(runtime), what="the daemon running")

    await runtime.schedule(daemon, "a-token-made-again")

    assert [item.id for item in await runtime.executions(KEY)] == [first.id]
    [state] = await runtime.workflows("default")
    assert state.running == 1


async def test_a_new_digest_stops_the_old_run_and_starts_the_new_one(
    runtime: workflows_runtime.LocalWorkflows,
):
    await runtime.schedule(spec("echo old; sleep 300"), TOKEN)
    old = await until(running(runtime), what="the first daemon running")
    changed = spec("echo new; sleep 300", environment={"MODE": "new"})

    await runtime.schedule(changed, TOKEN)

    latest = await until(running(runtime), what="the changed daemon running")
    assert latest.id != old.id
    before = next(item for item in await runtime.executions(KEY) if item.id == old.id)
    assert before.status is runs.ExecutionStatus.STOPPED
    [state] = await runtime.workflows("default")
    assert (state.digest, state.running) == (changed.digest, 1)


async def test_an_event_run_gets_the_event_in_VAMP_WORKFLOW_DATA(runtime: workflows_runtime.LocalWorkflows):
    await runtime.schedule(
        spec('echo "$VAMP_WORKFLOW_DATA"', key=EVENT_KEY, schedule=runs.ScheduleKind.EVENT), TOKEN
    )
    data = base64.b64encode(json.dumps({"id": "42", "tags": ["deployments:sava"]}).encode()).decode()

    await runtime.execute(EVENT_KEY, data)

    [run] = await until(finished(runtime, 1, EVENT_KEY), what="the event run ended")
    assert run.status is runs.ExecutionStatus.SUCCEEDED
    assert run.trigger == "event:42"
    assert texts(run) == [data]


async def test_an_event_workflow_runs_only_when_executed_and_runs_may_overlap(
    runtime: workflows_runtime.LocalWorkflows,
):
    await runtime.schedule(spec("sleep 300", key=EVENT_KEY, schedule=runs.ScheduleKind.EVENT), TOKEN)
    assert await runtime.executions(EVENT_KEY) == []

    await runtime.execute(EVENT_KEY, "")
    await runtime.execute(EVENT_KEY, "")

    async def both_running() -> bool:
        [state] = await runtime.workflows("default")
        return state.running == 2

    await until(both_running, what="two runs of the event workflow at once")
    assert [item.trigger for item in await runtime.executions(EVENT_KEY)] == ["event", "event"]


async def test_executing_a_workflow_that_is_not_scheduled_is_refused(
    runtime: workflows_runtime.LocalWorkflows,
):
    with pytest.raises(errors.DriverError, match="'default/on-deploy' is not scheduled"):
        await runtime.execute(EVENT_KEY, "")


async def test_unscheduling_stops_the_whole_process_group_and_keeps_the_executions(
    runtime: workflows_runtime.LocalWorkflows, home: Path
):
    await runtime.schedule(spec("sleep 300 & echo $!; wait"), TOKEN)

    async def child_started() -> runs.Execution | None:
        run = await running(runtime)()
        return run if run is not None and texts(run) else None

    run = await until(child_started, what="the daemon's child started")
    child = int(texts(run)[0])
    [shell] = recorded_processes(home)
    assert processes.start_time(child) is not None

    await runtime.unschedule(KEY)

    assert processes.start_time(child) is None
    assert not processes.group_alive(shell.pid)
    assert await runtime.workflows("default") == []
    [stopped] = await runtime.executions(KEY)
    assert stopped.id == run.id
    assert stopped.status is runs.ExecutionStatus.STOPPED
    await runtime.unschedule(KEY)  # what is gone is no error


async def test_a_command_that_is_not_found_is_reported_as_the_workflows_failure(
    runtime: workflows_runtime.LocalWorkflows,
):
    await runtime.schedule(spec("no-such-command-for-vamp"), TOKEN)

    async def failing() -> str | None:
        [state] = await runtime.workflows("default")
        return state.failure

    failure = await until(failing, what="the workflow reported as failing")
    assert "'default/canary' cannot run: its command was not found (exit code 127)" in failure
    assert "no-such-command-for-vamp" in failure


async def test_close_stops_every_run_and_keeps_the_executions(home: Path):
    local = make_runtime(home)
    await local.schedule(spec("sleep 300"), TOKEN)
    run = await until(running(local), what="the daemon running")
    [shell] = recorded_processes(home)

    await local.close()

    assert not processes.group_alive(shell.pid)
    assert not (home / "default" / "canary" / "workflow.json").exists()
    reopened = make_runtime(home)
    try:
        assert await reopened.workflows("default") == []
        [kept] = await reopened.executions(KEY)
        assert (kept.id, kept.status) == (run.id, runs.ExecutionStatus.STOPPED)
    finally:
        await reopened.close()


async def test_without_allow_commands_a_workflow_is_refused_naming_it_and_the_flag(home: Path):
    local = make_runtime(home, allow_commands=False)
    try:
        refused = spec("echo hello")
        with pytest.raises(errors.DriverError) as raised:
            await local.schedule(refused, TOKEN)
        message = str(raised.value)
        assert "'default/canary'" in message
        assert "--allow-command-deployables" in message
        assert "arbitrary code" in message
        [state] = await local.workflows("default")
        assert (state.digest, state.failure, state.running) == (refused.digest, message, 0)
        assert not home.exists() or not list(home.glob("*/*/executions/*.json"))
    finally:
        await local.close()


async def test_an_image_is_refused_saying_images_run_on_kubernetes(runtime: workflows_runtime.LocalWorkflows):
    with pytest.raises(errors.DriverError, match="images run on the kubernetes driver"):
        await runtime.schedule(
            spec("magneticio/vamp-workflow-agent", deployable_type="container/docker"), TOKEN
        )


async def test_forget_removes_every_execution(runtime: workflows_runtime.LocalWorkflows):
    await runtime.schedule(spec("true", key=EVENT_KEY, schedule=runs.ScheduleKind.EVENT), TOKEN)
    await runtime.execute(EVENT_KEY, "")
    await until(finished(runtime, 1, EVENT_KEY), what="the run ended")

    await runtime.forget(EVENT_KEY)

    assert await runtime.executions(EVENT_KEY) == []
    assert await runtime.workflows("default") == []


async def test_a_run_sees_its_own_environment_and_not_the_servers_other_variables(
    runtime: workflows_runtime.LocalWorkflows, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SERVER_SECRET", "not for workflows")
    await runtime.schedule(
        spec("env", key=EVENT_KEY, schedule=runs.ScheduleKind.EVENT, environment={"GATEWAY": "sava/web"}),
        TOKEN,
    )

    await runtime.execute(EVENT_KEY, "")

    [run] = await until(finished(runtime, 1, EVENT_KEY), what="the run ended")
    seen = dict(line.partition("=")[::2] for line in texts(run))
    assert seen["GATEWAY"] == "sava/web"
    assert seen["VAMP_API_TOKEN"] == TOKEN
    assert seen["VAMP_WORKFLOW_DATA"] == ""
    assert seen["VAMP_NAMESPACE"] == "default"
    assert seen["VAMP_WORKFLOW_EXECUTION_TIMEOUT"] == "0"
    assert seen["PATH"] == processes.search_path()
    assert "SERVER_SECRET" not in seen
