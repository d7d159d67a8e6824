"""Leadership for a server that runs alone (``vamp up``, the embedded mode): it always leads.

Satisfies ``ports.leadership.Leadership`` without any election; with several servers, use the
Kubernetes Lease election (``vamp.adapters.kubernetes.lease``) instead.
"""

from __future__ import annotations

import asyncio


class AlwaysLeader:
    """The only server, so the leader from start to stop."""

    def __init__(self) -> None:
        self._stopped = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return True

    async def run(self) -> None:
        """Return once ``stop`` is called; there is nobody to hand over to."""
        await self._stopped.wait()

    async def wait_until_leader(self) -> None:
        return

    def stop(self) -> None:
        self._stopped.set()
