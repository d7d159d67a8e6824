"""Waking the readers of a runtime driver's ``changes()`` (``ports.runtime.RuntimeDriver``).

Both drivers (local and Kubernetes) note every change they see (``notify``) and hand ``follow`` to their
readers: a reader wakes after changes it has not seen yet, several changes that came while it was busy
waking it once, and its stream ends when the driver closes (``end``). Nothing here knows what changed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator


class Wakeups:
    """A count of changes, and the readers waiting for the next one."""

    def __init__(self) -> None:
        self.version = 0
        """How many changes there have been; a cache keyed by it is current while it stays the same."""
        self._ended = False
        self._changed = asyncio.Event()

    def notify(self) -> None:
        """Note a change and wake every reader."""
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def end(self) -> None:
        """Wake every reader for the last time: each ``follow`` ends instead of yielding."""
        self._ended = True
        self.notify()

    async def follow(self) -> AsyncIterator[None]:
        """Yields after each change this reader has not seen (one yield for many that came at once)."""
        seen = self.version
        while not self._ended:
            if seen == self.version:
                await self._changed.wait()
                continue
            seen = self.version
            yield None
