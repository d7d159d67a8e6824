"""Routing changes under keep-alive load, measured the same way on every data plane.

``flip_under_load`` runs a load of ``RATE`` requests/s over ``CONNECTIONS`` keep-alive connections while
the caller's ``publish`` flips the routing between targets ``a`` and ``b`` (100 % ↔ 0 %), so every
response shows which configuration routed it. ``Flips`` holds what the load saw (failures, connections
opened), the changes not seen in time, and per change the time from the start of a publish to its return
and to the first response from the newly chosen backend; ``report`` prints them.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from tests.e2e.backends import Load, load
from tests.e2e.polling import eventually

RATE = 400
CONNECTIONS = 4

Publish = Callable[[int, str], Awaitable[object]]
"""Make the data plane route to a target: ``(change number, "a" or "b")``; change 0 is the start."""


@dataclass
class Flips:
    seen: Load
    changes: int
    seconds: float = 0.0
    to_first_response: list[float] = field(default_factory=list)
    to_accepted: list[float] = field(default_factory=list)
    missed: int = 0

    def report(self, kind: str) -> str:
        first, accepted = _percentiles(self.to_first_response), _percentiles(self.to_accepted)
        return (
            f"{kind}: {self.changes} changes in {self.seconds:.1f} s "
            f"at {self.seen.total / self.seconds:.0f} req/s; "
            f"{self.seen.total} responses, {len(self.seen.failures)} failed, "
            f"{self.seen.connections - CONNECTIONS} reconnects, {self.missed} changes not seen in time; "
            f"publish to first response from the new backend p50 {first[0]:.1f} ms p99 {first[1]:.1f} ms; "
            f"publish to new versions reported p50 {accepted[0]:.1f} ms p99 {accepted[1]:.1f} ms"
        )


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    if len(seconds) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def flip_under_load(
    port: int,
    publish: Publish,
    changes: int,
    wait: float,
    new_backend: Mapping[str, str] | None = None,
) -> Flips:
    """Publish target ``a``, start the load on ``port``, then flip ``changes`` times between ``b`` and
    ``a``, waiting up to ``wait`` seconds for each to answer (by ``new_backend[target]`` if set)."""
    await publish(0, "a")
    seen = Load()
    stopping = False
    running = asyncio.create_task(
        load(port, rate=RATE, connections=CONNECTIONS, until=lambda: stopping, seen=seen)
    )
    await eventually(lambda: answered(seen, 0.0, "a"), what="the load gets answers")
    flips = Flips(seen, changes)
    began = time.monotonic()
    for change in range(1, changes + 1):
        target = "b" if change % 2 else "a"
        started = time.monotonic()
        await publish(change, target)
        flips.to_accepted.append(time.monotonic() - started)
        answering = (new_backend or {}).get(target, target)
        try:
            await eventually(lambda: answered(seen, started, answering), timeout=wait)  # noqa: B023
        except AssertionError:
            flips.missed += 1
            continue
        first = next(t for t, backend in seen.timeline if t > started and backend == answering)
        flips.to_first_response.append(first - started)
    flips.seconds = time.monotonic() - began
    stopping = True
    await running
    return flips


async def answered(seen: Load, since: float, backend: str) -> bool:
    return any(t > since and name == backend for t, name in reversed(seen.timeline[-50:]))
