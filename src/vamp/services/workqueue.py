"""A work queue of object keys: what the reconciling loops run on (kopf's and controller-runtime's shape).

A key names one object to reconcile: a deployment (``(namespace, name)``), or a namespace's gateways.
The queue guarantees:

* de-duplication: a key added many times before it runs, runs once;
* one worker per key: a key added while it runs is run again right after, never at the same time;
* several workers, so one slow object never holds up the others;
* per-key exponential backoff on failure (``Backoff``): a failed key runs again after 0.05 s, 0.1 s,
  0.2 s … up to a cap; wake-ups meanwhile (a resync, a runtime change) do not cut the wait short, an
  ``add(key, reset_backoff=True)`` (a user changed the object) does; a success forgets the failures.

The queue also counts what it did, for the server's ``/metrics``: ``passes`` (handled, and how many
failed), their ``durations``, and its ``depth`` (keys waiting to run, backing off included).

The handler is the loop's business; an exception out of it is what "failed" means. ``wake_up`` is how
the loops fill their queues: at start, on every change the runtime reports, and periodically (the
resync that makes them level-triggered). Nothing here survives a restart, and nothing needs to: the
loops resync everything at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from vamp import errors
from vamp.core.durations import Durations

log = logging.getLogger("vamp.workqueue")

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Backoff:
    """How long a failed key waits before it runs again: doubling from ``first`` up to ``longest`` seconds."""

    first: float = 0.05
    longest: float = 30.0

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures in a row (1 or more)."""
        return min(self.first * 2.0 ** (failures - 1), self.longest)


class WorkQueue(Generic[K]):
    """Keys waiting to be handled, handed to workers one at a time per key."""

    def __init__(self, name: str, *, backoff: Backoff | None = None) -> None:
        self._name = name
        self._backoff = backoff or Backoff()
        self._ready: asyncio.Queue[K] = asyncio.Queue()
        self._queued: set[K] = set()
        """Keys to run: waiting in ``_ready``, or to run again once their current run ends."""
        self._running: set[K] = set()
        self._fresh: set[K] = set()
        """Running keys added with ``reset_backoff``: should the run fail, they run again at once."""
        self._failures: dict[K, int] = {}
        self._retries: dict[K, asyncio.TimerHandle] = {}
        self.passes = 0
        """Keys handled, successfully or not."""
        self.failed = 0
        """Keys whose handler raised."""
        self.durations = Durations()
        """How long the handler took, per key handled."""

    @property
    def name(self) -> str:
        return self._name

    @property
    def depth(self) -> int:
        """Keys waiting to run: queued, or backing off after a failure."""
        return len(self._queued | self._retries.keys())

    def add(self, key: K, *, reset_backoff: bool = False) -> None:
        """Have ``key`` handled soon; see the module docstring for how backoff is honoured."""
        if reset_backoff:
            self._failures.pop(key, None)
            retry = self._retries.pop(key, None)
            if retry is not None:
                retry.cancel()
            if key in self._running:
                self._fresh.add(key)
        elif key in self._retries:
            return
        self._queue(key)

    async def run(self, handle: Callable[[K], Awaitable[None]], *, workers: int) -> None:
        """Handle keys with ``workers`` workers until cancelled."""
        try:
            async with asyncio.TaskGroup() as group:
                for number in range(workers):
                    group.create_task(self._work(handle), name=f"{self._name} worker {number}")
        finally:
            for retry in self._retries.values():
                retry.cancel()
            self._retries.clear()

    def _queue(self, key: K) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        if key not in self._running:
            self._ready.put_nowait(key)

    async def _work(self, handle: Callable[[K], Awaitable[None]]) -> None:
        while True:
            key = await self._ready.get()
            self._queued.discard(key)
            self._running.add(key)
            started = time.perf_counter()
            try:
                await handle(key)
            except Exception as exc:  # one object's failure must never stop the loop
                self.failed += 1
                self._failed(key, exc)
            else:
                self._failures.pop(key, None)
            finally:
                self.passes += 1
                self.durations.observe(time.perf_counter() - started)
                self._running.discard(key)
                self._fresh.discard(key)
                if key in self._queued:
                    self._ready.put_nowait(key)

    def _failed(self, key: K, exc: Exception) -> None:
        if key in self._fresh:
            return  # changed while it ran: the next run is a fresh start, right away
        self._queued.discard(key)
        failures = self._failures[key] = self._failures.get(key, 0) + 1
        delay = self._backoff.delay(failures)
        _log_failure(f"{self._name}: {key} failed, retrying in {delay:.2f} s", exc)
        self._retries[key] = asyncio.get_running_loop().call_later(delay, self._retry, key)

    def _retry(self, key: K) -> None:
        self._retries.pop(key, None)
        self._queue(key)


async def wake_up(
    wake: Callable[[], Awaitable[None]],
    changes: Callable[[], AsyncIterator[None]],
    *,
    period: float,
    name: str,
    on_change: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Call ``wake`` at once, then whenever ``changes`` yields and at least every ``period`` seconds.

    With ``on_change``, a change calls it instead of ``wake`` (a loop may know that a change concerns
    only some of its keys); ``wake`` is still called every ``period`` seconds however many changes come.
    Changes that come while a call runs are coalesced into one more call. An error out of a call is
    logged and the next call comes as usual; a ``changes`` stream that fails is opened again after
    ``period`` (the periodic calls go on meanwhile). Runs until cancelled.
    """
    changed = asyncio.Event()

    async def watch() -> None:
        while True:
            try:
                async for _ in changes():
                    changed.set()
            except Exception as exc:  # the loop must outlive a broken stream
                _log_failure(f"{name}: watching for changes failed, watching again in {period:g} s", exc)
            await asyncio.sleep(period)

    async with asyncio.TaskGroup() as group:
        group.create_task(watch(), name=f"{name}: changes")
        loop = asyncio.get_running_loop()
        woken = loop.time()
        whole = True
        while True:
            changed.clear()
            if whole:
                woken = loop.time()
            try:
                await (wake if whole or on_change is None else on_change)()
            except Exception as exc:  # the loop must outlive one failed resync
                _log_failure(f"{name}: resync failed", exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, woken + period - loop.time())):
                    await changed.wait()
            whole = on_change is None or loop.time() - woken >= period


def _log_failure(what: str, exc: Exception) -> None:
    """A failure the loop goes on after: a user's problem in one line, a bug with its traceback."""
    if isinstance(exc, errors.VampError):
        log.warning("%s: %s", what, exc)
    else:
        log.error("%s: unexpected error", what, exc_info=exc)
