"""Benchmark of the workflow controller: what its passes cost the server with many workflows stored.

Stores N daemon workflows (default 1,000; referring to one stored breed) over ``NAMESPACES`` environment
namespaces in a fresh SQLite store, and runs a ``WorkflowController`` over an in-memory runtime that only
keeps what it is told (so the figures are the controller's and the store's, not a runtime's). Prints, in
one run on this machine: the first pass (every workflow scheduled: a token minted, its status written
compare-and-set and its ``scheduled`` event published), then the steady pass the controller makes every
``period`` seconds when nothing changed (every workflow read, its spec made, nothing done), per pass and
per workflow, and the share of one core the steady passes take at the default period. Beside each steady
pass, in the same run, the baseline: a bare read of every stored workflow of every namespace
(``ArtifactStore.list``), the least any pass must do; the ratio says what the controller adds to it.

Run: ``.venv/bin/python -m bench.workflow_controller [N]``. Benchmarks are never tests.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from vamp.adapters.store import sql
from vamp.core import dsl
from vamp.core.workflows import runs
from vamp.services import events
from vamp.services.access import tokens as token_service
from vamp.services.workflows import controller

NAMESPACES = 10
STEADY_PASSES = 5
BREED = "name: canary\ndeployable: {type: application/javascript, definition: \"console.log('hi')\"}\n"


class KeepingRuntime:
    """A runtime that keeps what it is told and runs nothing."""

    name = "bench"

    def __init__(self) -> None:
        self.scheduled: dict[runs.WorkflowKey, str] = {}

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        return [
            runs.WorkflowState(key, digest)
            for key, digest in self.scheduled.items()
            if key.namespace == namespace
        ]

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        self.scheduled[spec.key] = spec.digest

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        self.scheduled.pop(key, None)

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        pass

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        return []

    async def forget(self, key: runs.WorkflowKey) -> None:
        pass

    async def close(self) -> None:
        pass


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = await sql.SqlStore.open(f"sqlite:///{Path(folder) / 'vamp.db'}")
        try:
            namespaces = [f"acme-env{index}" for index in range(NAMESPACES)]
            (breed,) = dsl.read(BREED, kind="breeds")
            for namespace in namespaces:
                await store.put(namespace, "breeds", "canary", dsl.to_data(breed), revision=None)
            for index in range(count):
                (workflow,) = dsl.read(f"name: w{index}\nbreed: canary\n", kind="workflows")
                namespace = namespaces[index % NAMESPACES]
                await store.put(namespace, "workflows", f"w{index}", dsl.to_data(workflow), revision=None)
            runtime = KeepingRuntime()
            tokens = token_service.Tokens(store, store, lambda: datetime.now(UTC))
            workflows = controller.WorkflowController(
                store, runtime, events.Events(store), tokens, api_url="http://127.0.0.1:8080", namespaces=[]
            )

            started = time.perf_counter()
            await workflows.pass_all()
            first = time.perf_counter() - started
            assert len(runtime.scheduled) == count, "every workflow scheduled"

            steady, reads = [], []
            for _ in range(STEADY_PASSES):
                started = time.perf_counter()
                await workflows.pass_all()
                steady.append(time.perf_counter() - started)
                started = time.perf_counter()
                for namespace in namespaces:
                    await store.list(namespace, "workflows")
                reads.append(time.perf_counter() - started)
        finally:
            await store.close()
    best, period = min(steady), controller.DEFAULT_PERIOD
    print(f"{count} daemon workflows in {NAMESPACES} namespaces, SQLite, a runtime that only keeps them")
    print(
        f"first pass (each: a token, a status, an event): {first:.2f} s, {first / count * 1000:.2f} ms each"
    )
    each = best / count * 1000
    print(f"steady pass (nothing to do), best of {STEADY_PASSES}: {best:.3f} s, {each:.3f} ms each")
    read = min(reads)
    print(f"baseline, a bare read of every workflow: {read:.3f} s; the steady pass takes {best / read:.1f}×")
    print(f"steady passes every {period:.0f} s: {best / period:.1%} of a core")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
