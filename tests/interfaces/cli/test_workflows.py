"""``vamp workflow`` against the real API: what a user sees, and what the server then holds.

The server's workflow runtime is a double (``tests/interfaces/api/workflow_runtime.py``) holding the
executions a test gives it; running workflows is the runtimes' business, and their tests'.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.workflow_runtime import KeptExecutions, execution
from tests.interfaces.cli.conftest import Served, serving
from vamp.adapters.store import memory
from vamp.core.workflows import runs

WORKFLOWS = """\
kind: workflows
name: canary
breed: canary:1.0
schedule: daemon
---
kind: workflows
name: on-deploy
breed: {name: notify:1.0, deployable: {type: command, definition: "echo deployed"}}
schedule: {event: [deployments:sava, synchronization:deployed]}
---
kind: workflows
name: traffic
breed: traffic:1.0
schedule: {time: {period: PT2S, repeat: 3}}
status: suspended
"""
NOW = harness.NOW


def lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


@pytest.fixture
def runtime() -> KeptExecutions:
    return KeptExecutions()


@pytest.fixture
def running(runtime: KeptExecutions) -> Iterator[Served]:
    """A server that runs workflows (on ``runtime``), with the three of ``WORKFLOWS`` stored."""
    api = harness.build(memory.MemoryStore(clock=lambda: NOW), workflow_runtime=runtime)
    with serving(api) as served:
        created = served.vamp("create", "-f", "-", stdin=WORKFLOWS)
        assert created.exit_code == 0, created.output
        yield served


def status_of(served: Served, name: str) -> str:
    result = served.vamp("workflow", "status", name, "-o", "json")
    assert result.exit_code == 0, result.output
    found: str = json.loads(result.stdout)
    return found


def test_list_shows_each_workflow_s_schedule_status_and_breed(running: Served) -> None:
    listed = running.vamp("workflow", "list")
    as_kind = running.vamp("list", "workflows")

    assert listed.exit_code == 0, listed.output
    assert lines(listed.stdout) == [
        "NAME SCHEDULE STATUS BREED",
        "canary daemon starting canary:1.0",
        "on-deploy event: deployments:sava, synchronization:deployed starting notify:1.0",
        "traffic time: every PT2S ×3 suspended traffic:1.0",
    ]
    assert as_kind.stdout == listed.stdout


def test_suspend_resume_and_restart_set_the_status_and_say_what_follows(running: Served) -> None:
    suspended = running.vamp("workflow", "suspend", "canary")
    after_suspend = status_of(running, "canary")
    resumed = running.vamp("workflow", "resume", "canary")
    after_resume = status_of(running, "canary")
    restarted = running.vamp("workflow", "restart", "canary")

    assert [result.exit_code for result in (suspended, resumed, restarted)] == [0, 0, 0]
    assert lines(suspended.stdout) == [
        "Workflow 'canary' is suspended: its runs stop; change it now if you mean to, then "
        "`vamp workflow resume canary`."
    ]
    assert lines(resumed.stdout) == ["Workflow 'canary' is running: it is scheduled again."]
    assert lines(restarted.stdout) == ["Workflow 'canary' is restarting: its runs stop and start again."]
    assert (after_suspend, after_resume, status_of(running, "canary")) == (
        "suspended",
        "running",
        "restarting",
    )


def test_status_shows_the_word(running: Served) -> None:
    shown = running.vamp("workflow", "status", "traffic")
    as_yaml = running.vamp("workflow", "status", "traffic", "-o", "yaml")

    assert (shown.exit_code, shown.stdout.strip()) == (0, "suspended")
    assert as_yaml.stdout.strip().splitlines()[0] == "suspended"


def test_stop_leaves_the_workflow_stopping_for_the_controller_to_delete(running: Served) -> None:
    stopped = running.vamp("workflow", "stop", "on-deploy")

    assert stopped.exit_code == 0, stopped.output
    assert lines(stopped.stdout) == ["Workflow 'on-deploy' is stopping: its runs stop, then it is deleted."]
    assert status_of(running, "on-deploy") == "stopping"


@pytest.mark.parametrize("command", ["status", "suspend", "resume", "restart", "stop", "logs"])
def test_a_workflow_that_does_not_exist_is_one_error_line_saying_how_to_find_the_names(
    running: Served, command: str
) -> None:
    result = running.vamp("workflow", command, "nothing")

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "error: There is no workflow 'nothing'; `vamp workflow list` shows the names."
    ]


def test_a_running_workflow_cannot_be_changed_and_the_server_says_why(running: Served) -> None:
    changed = WORKFLOWS.split("---\n")[0] + "environment_variables: {PERIOD: '5'}\n"

    refused = running.vamp("create", "-f", "-", stdin=changed)
    running.vamp("workflow", "suspend", "canary")
    accepted = running.vamp("create", "-f", "-", stdin=changed)

    assert refused.exit_code == 1
    assert lines(refused.stderr)[0].startswith(
        "error: Workflow update is possible only if workflow is not running, current status: starting."
    )
    assert accepted.exit_code == 0, accepted.output


def _kept(runtime: KeptExecutions) -> None:
    runtime.keep(
        runs.WorkflowKey("default", "canary"),
        execution(1, NOW, output=[("stdout", "moved 10% to sava:1.1.0")], seconds=0.8),
        execution(
            2,
            NOW + timedelta(seconds=5),
            runs.ExecutionStatus.FAILED,
            exit_code=1,
            output=[("stdout", "reading sava/sava/webport"), ("stderr", "Error: 502 Bad Gateway")],
            seconds=0.25,
        ),
        execution(
            3,
            NOW + timedelta(seconds=10),
            runs.ExecutionStatus.TIMED_OUT,
            exit_code=None,
            seconds=5,
            reason="timed out after 5 s",
        ),
    )


def test_logs_show_each_execution_newest_first_with_its_output_and_stderr_marked(
    running: Served, runtime: KeptExecutions
) -> None:
    _kept(runtime)

    result = running.vamp("workflow", "logs", "canary")

    assert result.exit_code == 0, result.output
    assert lines(result.stdout) == [
        "#3 daemon 2024-05-01 12:00:10 → timed_out (no exit code, 5.0 s): timed out after 5 s",
        "#2 daemon 2024-05-01 12:00:05 → failed (exit code 1, 0.2 s)",
        "reading sava/sava/webport",
        "stderr│ Error: 502 Bad Gateway",
        "#1 daemon 2024-05-01 12:00:00 → succeeded (exit code 0, 0.8 s)",
        "moved 10% to sava:1.1.0",
    ]


def test_logs_take_only_the_failed_ones_or_the_newest_n_and_print_data_for_scripts(
    running: Served, runtime: KeptExecutions
) -> None:
    _kept(runtime)

    failed = running.vamp("workflow", "logs", "canary", "--failed")
    newest = running.vamp("workflow", "logs", "canary", "-n", "1")
    as_json = running.vamp("workflow", "logs", "canary", "-n", "2", "-o", "json")
    none_yet = running.vamp("workflow", "logs", "traffic")

    assert [line for line in lines(failed.stdout) if line.startswith("#")] == [
        "#3 daemon 2024-05-01 12:00:10 → timed_out (no exit code, 5.0 s): timed out after 5 s",
        "#2 daemon 2024-05-01 12:00:05 → failed (exit code 1, 0.2 s)",
    ]
    assert lines(newest.stdout) == [
        "#3 daemon 2024-05-01 12:00:10 → timed_out (no exit code, 5.0 s): timed out after 5 s"
    ]
    data = json.loads(as_json.stdout)
    assert [(item["id"], item["status"]) for item in data] == [("3", "timed_out"), ("2", "failed")]
    assert data[1]["output"][1] == {"stream": "stderr", "text": "Error: 502 Bad Gateway"}
    assert lines(none_yet.stdout) == ["Workflow 'traffic' has no executions kept."]


def test_logs_on_a_server_that_runs_no_workflows_say_so(served: Served) -> None:
    served.vamp("create", "-f", "-", stdin=WORKFLOWS)

    result = served.vamp("workflow", "logs", "canary")

    assert result.exit_code == 1
    assert lines(result.stderr) == [
        "error: This server runs no workflows, so workflow 'canary' has no executions to show; a server "
        "started by `vamp up` or `vamp server` runs them."
    ]
