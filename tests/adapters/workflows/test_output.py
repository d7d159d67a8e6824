"""What a run wrote: its last lines, each tagged with its stream, and output files that do not grow without
end under a daemon that writes for a long time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.workflows.conftest import KEY, TOKEN, finished, running, spec, texts, until
from vamp.adapters.workflows import execution, records
from vamp.adapters.workflows import runtime as workflows_runtime
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio


async def test_an_execution_keeps_the_last_lines_of_both_streams(runtime: workflows_runtime.LocalWorkflows):
    chatty = 'for i in $(seq 1 250); do echo "out $i"; done; echo "err" >&2; printf "no newline"'
    await runtime.schedule(spec(chatty, schedule=runs.ScheduleKind.EVENT), TOKEN)
    await runtime.execute(KEY, "")

    [run] = await until(finished(runtime, 1), what="the run ended")

    assert len(run.output) == runs.KEPT_OUTPUT_LINES
    assert texts(run)[-1] == "no newline"
    assert texts(run)[-2] == "out 250"
    assert texts(run, "stderr") == ["err"]


async def test_a_running_execution_shows_its_output_so_far(runtime: workflows_runtime.LocalWorkflows):
    await runtime.schedule(spec("echo first; sleep 300"), TOKEN)

    async def wrote() -> runs.Execution | None:
        run = await running(runtime)()
        return run if run is not None and texts(run) == ["first"] else None

    run = await until(wrote, what="the first line of the running daemon")
    assert run.finished is None


async def test_an_output_file_past_its_limit_is_emptied_once_read(
    runtime: workflows_runtime.LocalWorkflows, home: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(execution, "ROTATE_BYTES", 200)
    writer = 'for i in $(seq 1 40); do echo "line $i of the daemon"; sleep 0.02; done; echo done; sleep 300'
    await runtime.schedule(spec(writer), TOKEN)

    async def done() -> runs.Execution | None:
        run = await running(runtime)()
        return run if run is not None and "done" in texts(run) else None

    run = await until(done, what="the daemon wrote its last line")
    [stdout] = home.glob(f"default/canary/executions/{run.id}.stdout")
    assert stdout.stat().st_size < 200
    assert texts(run)[0] == "line 1 of the daemon"


def test_a_flood_of_output_is_read_only_as_far_as_the_lines_kept_need(tmp_path: Path):
    folder = records.WorkflowFolder(tmp_path, KEY)
    output = execution.Output(folder, "flood")
    path = folder.output("flood", "stdout")
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"line {index}".ljust(4999, ".") for index in range(2000)]  # 10 MB in lines of 5,000 bytes
    path.write_text("".join(line + "\n" for line in lines))

    output.read()

    kept = [line.text for line in output.lines]
    read = execution.READ_BYTES // 5000
    assert kept[0] == f"[{2000 * 5000 - execution.READ_BYTES} bytes of output passed over]"
    assert kept[1:] == [line[:4000] for line in lines[-read:]]
    with path.open("a") as more:
        more.write("after\n")
    output.read()
    assert [line.text for line in output.lines][-1] == "after"
