"""Waiting in the async k8s tests: until what a test observes is as expected, or a clear failure.

A wait is woken by a driver's ``changes`` when given one, else it looks again every 50 ms; it never waits
longer than needed. The next change is awaited from before each look, so none slips in between. On
time-out the assertion names what was awaited and the last thing seen.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
TIMEOUT = 30.0
_LOOK_AGAIN = 0.05


async def until(
    description: str,
    observe: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    changes: Callable[[], AsyncIterator[None]] | None = None,
    timeout: float = TIMEOUT,
) -> T:
    """Observe until ``done`` holds for what ``observe`` returned; return that."""
    deadline = time.monotonic() + timeout
    stream = changes() if changes is not None else None
    pending: asyncio.Future[Any] | None = None
    try:
        while True:
            if stream is not None and pending is None:
                pending = asyncio.ensure_future(anext(stream))
                await asyncio.sleep(0)  # let it start listening before this look
            seen = await observe()
            if done(seen):
                return seen
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{description}: not reached in {timeout} s; last seen: {seen!r}")
            if pending is None:
                await asyncio.sleep(min(remaining, _LOOK_AGAIN))
                continue
            finished, _ = await asyncio.wait({pending}, timeout=remaining)
            if finished:
                pending.result()
                pending = None
    finally:
        if pending is not None:
            pending.cancel()
