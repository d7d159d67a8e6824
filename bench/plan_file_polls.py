"""What the plan file source costs an idle agent: the CPU of ``PlanFiles.watch`` polling an unchanged
file, at several intervals, beside an event loop that only sleeps as often (the floor any poll pays).

A shorter interval finds a new plan file sooner (on average half the interval after it is written), at
the price printed here. Run: ``.venv/bin/python -m bench.plan_file_polls`` (``--seconds`` per interval).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from vamp.adapters.plans import files

INTERVALS = (0.05, 0.025, 0.01, 0.005)


async def cpu_percent(idle: Callable[[], Awaitable[None]], seconds: float) -> float:
    """The CPU ``idle`` takes while it runs ``seconds``, in percent of one core."""
    task = asyncio.ensure_future(idle())
    await asyncio.sleep(0)
    started_cpu, started = time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    used, took = time.process_time() - started_cpu, time.perf_counter() - started
    task.cancel()
    return used / took * 100


def sleeping(interval: float) -> Callable[[], Awaitable[None]]:
    async def idle() -> None:
        while True:
            await asyncio.sleep(interval)

    return idle


def polling(plan: Path, interval: float) -> Callable[[], Awaitable[None]]:
    async def idle() -> None:
        async for _ in files.PlanFiles(plan, interval=interval).watch(""):
            pass  # the first read only: the file never changes

    return idle


async def measure(seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory:
        plan = Path(directory) / "plan.json"
        plan.write_text("{}")
        print(f"\nIdle CPU of the plan file source ({seconds:g} s per interval), % of one core:")
        print(f"  {'interval ms':>11} {'sleep only':>11} {'file source':>12} {'ratio':>7}")
        for interval in INTERVALS:
            floor = await cpu_percent(sleeping(interval), seconds)
            source = await cpu_percent(polling(plan, interval), seconds)
            print(f"  {interval * 1e3:>11.0f} {floor:>11.2f} {source:>12.2f} {source / floor:>6.1f}×")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(measure(parser.parse_args().seconds))


if __name__ == "__main__":
    main()
