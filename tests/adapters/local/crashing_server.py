"""Stands in for a Vamp server that will crash: ``python crashing_server.py HOME SPEC_JSON``.

It runs a ``LocalDriver`` on HOME, deploys the spec (as ``records.spec_data`` writes it), prints the
ready instances as one JSON line, and then waits for the test to kill it with SIGKILL, so that the driver
never gets to stop its processes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from vamp.adapters.local import driver, records


async def serve(home: Path, spec_json: str) -> None:
    spec = records.spec_from_data(json.loads(spec_json))
    local = driver.LocalDriver(home)
    await local.deploy(spec)
    while True:
        (state,) = await local.services(spec.key.namespace)
        if state.ready == spec.scale.instances:
            break
        await asyncio.sleep(0.01)
    print(json.dumps([instance.model_dump(mode="json") for instance in state.instances]), flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(serve(Path(sys.argv[1]), sys.argv[2]))
