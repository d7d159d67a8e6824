"""Benchmark of concurrent writers on the SQLite store: queued in the process, against SQLite's waiting.

Runs, in one process on this machine, ``WRITERS`` writers of one artifact for ``SECONDS`` each, twice on
fresh SQLite files side by side: once as the server runs (write transactions queue on the database's
asyncio lock, ``database.Database.writes``) and once as the baseline without that queue (every writer
goes straight to ``BEGIN IMMEDIATE`` and SQLite's busy handler). Each write is what a gateway PUT costs
the store: a compare-and-set ``put`` with its archive event. Prints, for each, the writes done, the
failures (``StoreError``, e.g. "database is locked"), p50/p99 latency, and the queued run's ratios to the
baseline.

Run: ``.venv/bin/python bench/sqlite_writers.py [WRITERS] [SECONDS]``. Benchmarks are never tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

from vamp import errors
from vamp.adapters.store import database, migrations, rules, sql

WRITERS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0


@dataclasses.dataclass
class Run:
    name: str
    latencies: list[float] = dataclasses.field(default_factory=list)
    failures: dict[str, int] = dataclasses.field(default_factory=dict)

    def quantile(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] if len(self.latencies) > 1 else float("nan")


async def run(name: str, path: Path, *, queued: bool) -> Run:
    db = await database.connect(str(path))
    if not queued:
        db = dataclasses.replace(db, writes=None)
    await migrations.migrate(db, rules.utc_now)
    store = sql.SqlStore(db, rules.utc_now)
    found = Run(name)
    deadline = time.monotonic() + SECONDS

    async def writer(index: int) -> None:
        count = 0
        while time.monotonic() < deadline:
            count += 1
            started = time.monotonic()
            try:
                await store.put("default", "gateways", "contended", {"w": index, "n": count}, revision=None)
            except errors.StoreError as exc:
                reason = str(exc).rpartition(": ")[2]
                found.failures[reason] = found.failures.get(reason, 0) + 1
                continue
            found.latencies.append(time.monotonic() - started)

    try:
        await asyncio.gather(*(writer(index) for index in range(WRITERS)))
    finally:
        await store.close()
    return found


def row(run: Run) -> str:
    failed = sum(run.failures.values())
    return (
        f"{run.name:<22} {len(run.latencies):>7} {len(run.latencies) / SECONDS:>8.0f} {failed:>8} "
        f"{run.quantile(50) * 1000:>8.1f} {run.quantile(99) * 1000:>8.1f}"
    )


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        queued = await run("queued (the server)", Path(folder) / "queued.db", queued=True)
        baseline = await run("baseline (busy wait)", Path(folder) / "baseline.db", queued=False)
    print(f"{WRITERS} writers of one artifact on SQLite for {SECONDS:g} s each\n")
    print(f"{'':<22} {'writes':>7} {'per s':>8} {'failed':>8} {'p50 ms':>8} {'p99 ms':>8}")
    print(row(queued))
    print(row(baseline))
    for run_ in (queued, baseline):
        for reason, count in run_.failures.items():
            print(f"  {run_.name}: {count} × {reason}")
    print(
        f"\nqueued / baseline: writes {len(queued.latencies) / max(len(baseline.latencies), 1):.2f}, "
        f"p50 {queued.quantile(50) / baseline.quantile(50):.2f}, "
        f"p99 {queued.quantile(99) / baseline.quantile(99):.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
