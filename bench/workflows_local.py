"""Benchmark of the local workflow runtime: what watching many runs costs the server.

Schedules N daemons (``sleep 300``, default 50) on a ``LocalWorkflows`` in a temporary home and prints, in
one run on this machine: the time until every one runs, the server's CPU while it only watches them (each
run reads its two output files every ``execution.POLL_SECONDS``), the time of ``executions`` of one
workflow, and the time ``close`` takes to stop them all. Every run is stopped by ``close``; any left after
a failure is killed by PID from its record. Beside the start and the stop, in the same run, the baseline:
the same N processes started by asyncio directly (``create_subprocess_exec``) and stopped by SIGTERM, the
least any runtime pays for them; the ratios say what the runtime adds (its records, output files and
process groups).

Run: ``.venv/bin/python -m bench.workflows_local [N]``. Benchmarks are never tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import sys
import tempfile
import time
from pathlib import Path

from vamp.adapters.local import processes
from vamp.adapters.workflows import runtime
from vamp.core import model
from vamp.core.workflows import runs

WATCH_SECONDS = 10.0


def daemon(index: int) -> runs.WorkflowSpec:
    return runs.WorkflowSpec(
        key=runs.WorkflowKey("default", f"daemon-{index}"),
        schedule=runs.ScheduleKind.DAEMON,
        deployable=model.Deployable(type="command", definition="sleep 300"),
        environment={},
        scale=model.Scale(cpu=0.1, memory="64MB", instances=1),
    )


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bare(count: int) -> tuple[float, float]:
    """Seconds to start ``count`` ``sleep 300`` processes with asyncio, and to stop them again."""
    started = time.monotonic()
    children = [await asyncio.create_subprocess_exec("sleep", "300") for _ in range(count)]
    start = time.monotonic() - started
    started = time.monotonic()
    for child in children:
        child.terminate()
    for child in children:
        await child.wait()
    return start, time.monotonic() - started


async def measure(home: Path, count: int) -> None:
    bare_start, bare_stop = await bare(count)
    local = runtime.LocalWorkflows(home, node_modules=None, allow_commands=True)
    started = time.monotonic()
    for index in range(count):
        await local.schedule(daemon(index), "token")
    while sum(state.running for state in await local.workflows("default")) < count:
        await asyncio.sleep(0.02)
    start = time.monotonic() - started
    print(
        f"{count} daemons scheduled and running: {start:.2f} s "
        f"(asyncio alone: {bare_start:.2f} s; {start / bare_start:.1f}×)"
    )
    before, since = cpu_seconds(), time.monotonic()
    await asyncio.sleep(WATCH_SECONDS)
    share = (cpu_seconds() - before) / (time.monotonic() - since)
    print(f"watching {count} runs for {WATCH_SECONDS:g} s: {100 * share:.1f} % of one core")
    started = time.monotonic()
    for index in range(count):
        await local.executions(daemon(index).key)
    print(f"executions of one workflow: {1000 * (time.monotonic() - started) / count:.2f} ms")
    started = time.monotonic()
    await local.close()
    stop = time.monotonic() - started
    print(
        f"close, stopping {count} runs: {stop:.2f} s "
        f"(asyncio alone: {bare_stop:.2f} s; {stop / bare_stop:.1f}×)"
    )


def kill_left(home: Path) -> None:
    for record in home.glob("*/*/executions/*.json"):
        found = json.loads(record.read_text()).get("process")
        if found and processes.Identity(found["pid"], found["start_time"]).alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(found["pid"], signal.SIGKILL)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder) / "workflows"
        try:
            asyncio.run(measure(home, count))
        finally:
            kill_left(home)


if __name__ == "__main__":
    main()
