"""Stands in for a Vamp server that will crash: ``python crashing_server.py HOME SPEC_JSON``.

It runs a ``LocalWorkflows`` on HOME, schedules the spec (as ``records.spec_data`` writes it), starts one
run of it when it is event-scheduled, prints the running execution's ID as one JSON line once a run goes,
and then waits for the test to kill it with SIGKILL, so that the runtime never gets to stop its runs.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from vamp.adapters.workflows import records, runtime
from vamp.core.workflows import runs


async def serve(home: Path, spec_json: str) -> None:
    spec = records.spec_from_data(json.loads(spec_json))
    local = runtime.LocalWorkflows(home, node_modules=None, allow_commands=True)
    await local.schedule(spec, "token-of-the-crashed-server")
    if spec.schedule is runs.ScheduleKind.EVENT:
        await local.execute(spec.key, "")
    while True:
        going = [
            item for item in await local.executions(spec.key) if item.status is runs.ExecutionStatus.RUNNING
        ]
        if going:
            break
        await asyncio.sleep(0.01)
    print(json.dumps({"execution": going[0].id}), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), sys.argv[2]))
