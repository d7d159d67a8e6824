"""Traffic counts that run from the data plane's start across HAProxy reloads, not from the worker's.

A reload starts a new worker whose ``show stat`` and latency table are at zero, while the old worker
serves on until its connections are done (it answers each connection's next request with
``Connection: close``), then exits with its counts. ``CarriedCounts`` keeps, per HAProxy backend, what
the workers before the serving one counted, and adds it to every reading (``traffic.carried_over``):

* right before a reload (``reloading``) it reads the serving worker through the runtime API, and reads
  it again every ``WATCH_SECONDS`` while the reload is under way, until another worker answers (one
  reading is ``show info``, ``show stat`` and ``show table`` over one connection, so it is one worker's,
  and says whose: ``traffic.reading_command``). The old worker serves everything until the new one has
  taken the listening sockets over, which takes tens of milliseconds;
* once the new worker has taken over, it follows the old one through the master CLI (``@!<pid>``, which
  reaches a worker that is leaving) every ``FOLLOW_SECONDS`` until it has exited, each reading replacing
  the last. So only what the old worker serves after its last reading is lost. A leaving worker
  empties its latency table, so its histograms stay those of its last reading before that
  (``traffic.later``). Measured on 2.6.12 with keep-alive clients sending back to back (4 and 16
  connections, 3,500–5,500 requests/s, 10 reloads): 1.1 to 1.4 requests lost per connection and reload
  (5.7 and 17.8 per reload), none without load;
* a backend keeps its counts only while it serves the same gateway and route; a removed route's go;
* HAProxy restarted (killed, then started again by the supervisor) counts from zero again, as the
  ``DataPlane`` port says; a worker whose counts cannot be read before its reload loses its own.

One lock orders the readings and the reloads, so no reading adds the carried counts to the wrong
worker's; the counts it reports never go down between two readings, except after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping

from vamp import errors
from vamp.adapters.haproxy import traffic
from vamp.adapters.haproxy.runtime import Runtime
from vamp.adapters.haproxy.supervisor import Supervisor
from vamp.core.routing.plan import Origin
from vamp.ports import gateway_agent

WATCH_SECONDS = 0.002
"""How often the serving worker's counts are read again while a reload is under way."""
FOLLOW_SECONDS = 0.05
"""How often a leaving worker's counts are read again until it has exited."""

Backends = Mapping[str, Origin]


class Reload:
    """One reload under way (``CarriedCounts.reloading``); ``took_over`` says the new worker serves."""

    def __init__(self) -> None:
        self.new_worker = False

    def took_over(self) -> None:
        """The new worker serves: what the old one counted is carried over to it."""
        self.new_worker = True


class CarriedCounts:
    """The counts carried over the reloads of one HAProxy, run by ``supervisor``, whose serving worker
    answers on ``runtime``."""

    def __init__(self, runtime: Runtime, supervisor: Supervisor) -> None:
        self._runtime = runtime
        self._supervisor = supervisor
        self._carried: traffic.Counts = {}
        self._restarts = 0
        """The supervisor's restart count the carried counts belong to."""
        self._lock = asyncio.Lock()
        self._following: asyncio.Task[None] | None = None

    async def read(self, backends: Backends) -> tuple[gateway_agent.Traffic, ...]:
        """Each gateway's and route's traffic since the data plane started (``traffic.read``), for the
        rendering whose backends are ``backends``.

        Raises:
            errors.DataPlaneError: the runtime API cannot be reached, or its answers cannot be read.
        """
        async with self._lock:
            return await traffic.read(self._runtime, backends, self._current())

    @contextlib.asynccontextmanager
    async def reloading(self, before: Backends | None, after: Backends) -> AsyncIterator[Reload]:
        """Around a reload from a rendering with backends ``before`` (``None``: none known) to one with
        backends ``after``: reads the serving worker over and over until another answers; call
        ``took_over`` on what it yields once the new worker serves, and the old worker's last reading is
        carried over (and the worker followed until it exits)."""
        async with self._lock:
            self._stop_following()
            into = self._current()
            last: traffic.Reading | None = None
            with contextlib.suppress(errors.DataPlaneError):  # unread, its counts are lost
                last = None if before is None else await traffic.read_counts(self._runtime, before)
            latest = [last] if last is not None else []
            watching = asyncio.create_task(self._watch(latest, before)) if last and before else None
            reload = Reload()
            try:
                yield reload
            finally:
                if watching is not None:
                    watching.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watching
                if reload.new_worker and before is not None and latest:
                    old = latest[-1]
                    self._carried = traffic.carried_over(into, old.counts, before, after)
                    self._following = asyncio.create_task(
                        self._follow(old, into, before, after, self._restarts)
                    )
                elif reload.new_worker:
                    self._carried = traffic.carried_over(into, {}, before or {}, after)

    async def stop(self) -> None:
        """Stop following a leaving worker."""
        async with self._lock:
            self._stop_following()

    def _current(self) -> traffic.Counts:
        """The counts carried over the reloads since HAProxy last (re)started."""
        if self._supervisor.restarts != self._restarts:
            self._stop_following()
            self._carried, self._restarts = {}, self._supervisor.restarts
        return self._carried

    def _stop_following(self) -> None:
        if self._following is not None:
            self._following.cancel()
            self._following = None

    async def _watch(self, latest: list[traffic.Reading], backends: Backends) -> None:
        """Read the serving worker (``latest[0]``'s) again and again, appending each reading to
        ``latest``, until another worker answers the runtime API: the new one has taken over."""
        worker = latest[0].worker
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            try:
                reading = await traffic.read_counts(self._runtime, backends)
            except errors.DataPlaneError:  # the socket changes hands
                continue
            if reading.worker != worker:
                return
            latest[1:] = [traffic.Reading(worker, traffic.later(latest[-1].counts, reading.counts))]

    async def _follow(
        self, old: traffic.Reading, into: traffic.Counts, before: Backends, after: Backends, restarts: int
    ) -> None:
        """Read the leaving worker of the reading ``old`` through the master CLI until it has exited; each
        reading (``traffic.later``), on top of the counts carried ``into`` it, becomes the counts carried
        into the serving worker."""
        last = old.counts
        while True:
            try:
                answer = await self._supervisor.master_command(traffic.reading_command(old.worker))
                last = traffic.later(last, traffic.parse_reading(answer, before).counts)
            except errors.DataPlaneError:  # the worker has exited (or the master is going)
                return
            async with self._lock:
                if self._supervisor.restarts != restarts:
                    return
                self._carried = traffic.carried_over(into, last, before, after)
            await asyncio.sleep(FOLLOW_SECONDS)
