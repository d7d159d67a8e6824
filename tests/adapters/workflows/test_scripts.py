"""``application/javascript`` workflows run with the machine's ``node``, their script written privately in
the workflow's folder and ``NODE_PATH`` pointing at the runtime's ``node_modules``; without ``node`` the
workflow reports what to install."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import (
    KEY,
    TOKEN,
    finished,
    kill_recorded,
    make_runtime,
    spec,
    texts,
    until,
)
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio

SCRIPT = """
const greeting = require('greeting');
console.log(greeting.hello(process.env.VAMP_NAMESPACE));
console.error('token ' + process.env.VAMP_API_TOKEN);
"""


@pytest.fixture
def node_modules(tmp_path: Path) -> Path:
    """A ``node_modules`` folder with one module, ``greeting``."""
    module = tmp_path / "node_modules" / "greeting"
    module.mkdir(parents=True)
    (module / "index.js").write_text("exports.hello = (name) => 'hello ' + name;\n")
    return tmp_path / "node_modules"


@pytest.fixture
async def scripts(home: Path, node_modules: Path) -> AsyncIterator[workflows_runtime.LocalWorkflows]:
    local = make_runtime(home, node_modules=node_modules)
    try:
        yield local
    finally:
        await local.close()
        kill_recorded(home)


async def test_a_script_runs_with_node_and_requires_a_module_from_node_modules(
    scripts: workflows_runtime.LocalWorkflows, home: Path
):
    workflow = spec(SCRIPT, deployable_type=runs.JAVASCRIPT, schedule=runs.ScheduleKind.EVENT)
    await scripts.schedule(workflow, TOKEN)

    await scripts.execute(KEY, "")

    [run] = await until(finished(scripts, 1), what="the script ran")
    assert run.status is runs.ExecutionStatus.SUCCEEDED, run
    assert texts(run) == ["hello default"]
    assert texts(run, "stderr") == [f"token {TOKEN}"]
    script = home / "default" / "canary" / "workflow.js"
    assert script.read_text() == SCRIPT
    assert stat.S_IMODE(script.stat().st_mode) == 0o600


async def test_without_node_the_workflow_reports_what_to_install(
    scripts: workflows_runtime.LocalWorkflows, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    monkeypatch.setattr("sys.prefix", "/usr")
    monkeypatch.setattr("sys.base_prefix", "/usr")
    await scripts.schedule(
        spec(SCRIPT, deployable_type=runs.JAVASCRIPT, schedule=runs.ScheduleKind.EVENT), TOKEN
    )

    await scripts.execute(KEY, "")

    [state] = await scripts.workflows("default")
    assert state.failure is not None
    assert "no `node` on the server's PATH" in state.failure
    assert "make node" in state.failure
    assert "apt-get install nodejs" in state.failure
    [run] = await scripts.executions(KEY)
    assert run.status is runs.ExecutionStatus.FAILED
    assert run.reason == state.failure
