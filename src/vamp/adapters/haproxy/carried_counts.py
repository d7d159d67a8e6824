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
  reaches a worker that is leaving) every ``FOLLOW_SECONDS`` until it has exited, and carries its last
  reading over then. So only what the old worker serves after its last reading is lost. A leaving
  worker empties its latency table, so its histograms stay those of its last reading before that
  (``Answers``, ``traffic.later``). Readings are parsed only when carried over (a reading of 10,000
  backends takes half a second to parse; in a thread, after the plan is active: readings wait for it).
  Measured on 2.6.12 with keep-alive clients sending back to back, 10 reloads: 4 connections at 4,000
  to 11,000 requests/s lost 7.6 to 11.6 requests per reload, 16 connections at 5,800 to 12,500/s 26:
  about one or two per connection and those of 2 ms; none without load. Reloads of 1,000 gateways × 10
  routes took as long with carrying as without (4.3–4.6 s either way on a shared 2-core machine);
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
"""How often the serving worker's counts are read again while a reload is under way (at most)."""
FOLLOW_SECONDS = 0.05
"""How often a leaving worker's counts are read again until it has exited (at most, as above)."""
_PAUSE_PER_BYTE = 1 / 8e6
"""The pause after a reading, per byte of its answer: HAProxy writes about 30 MB/s of counts, so a large
configuration's readings take at most a fifth of its time during a reload (10,000 backends: 2.7 MB,
a pause of 0.34 s), and a small one's are as frequent as ``WATCH_SECONDS`` allows. (The time a
reading took would count the agent's other work too.)"""

Backends = Mapping[str, Origin]


class Reload:
    """One reload under way (``CarriedCounts.reloading``); ``took_over`` says the new worker serves."""

    def __init__(self) -> None:
        self.new_worker = False

    def took_over(self) -> None:
        """The new worker serves: what the old one counted is carried over to it."""
        self.new_worker = True


class Answers:
    """The readings of one worker that count, unparsed until needed (``traffic.reading_command``): the
    latest, for the requests, and the latest before the worker emptied its latency table, if it did."""

    def __init__(self, answer: str) -> None:
        self.worker = traffic.worker_of(answer)
        self.latest = answer
        self._timed = answer
        self._most = traffic.timed(answer)

    def add(self, answer: str) -> None:
        """A later reading of the same worker."""
        self.latest = answer
        if (count := traffic.timed(answer)) >= self._most:
            self._timed, self._most = answer, count

    def counts(self, backends: Backends) -> traffic.Counts:
        """Each backend's counts (``traffic.later``).

        Raises:
            errors.DataPlaneError: a reading cannot be parsed.
        """
        latest = traffic.parse_reading(self.latest, backends).counts
        if self._timed is self.latest:
            return latest
        return traffic.later(traffic.parse_reading(self._timed, backends).counts, latest)


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
        self._settling: asyncio.Event | None = None
        """Set once the last reload's counts are carried over (they are parsed after the reload, in a
        thread, so that the plan is active without waiting for them); readings wait for it."""

    async def read(self, backends: Backends) -> tuple[gateway_agent.Traffic, ...]:
        """Each gateway's and route's traffic since the data plane started (``traffic.read``), for the
        rendering whose backends are ``backends``.

        Raises:
            errors.DataPlaneError: the runtime API cannot be reached, or its answers cannot be read.
        """
        async with self._lock:
            await self._settled()
            return await traffic.read(self._runtime, backends, self._current())

    @contextlib.asynccontextmanager
    async def reloading(self, before: Backends | None, after: Backends) -> AsyncIterator[Reload]:
        """Around a reload from a rendering with backends ``before`` (``None``: none known) to one with
        backends ``after``: reads the serving worker over and over until another answers; call
        ``took_over`` on what it yields once the new worker serves, and the old worker's last reading is
        carried over (and the worker followed until it exits)."""
        async with self._lock:
            await self._settled()
            self._stop_following()
            into = self._current()
            answers: Answers | None = None
            if before:
                with contextlib.suppress(errors.DataPlaneError):  # unread, its counts are lost
                    answers = Answers(await traffic.read_answer(self._runtime, before))
            watching = asyncio.create_task(self._watch(answers, before)) if answers and before else None
            reload = Reload()
            try:
                yield reload
            finally:
                if watching is not None:
                    watching.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watching
                if reload.new_worker and answers is not None and before:
                    self._settling = asyncio.Event()
                    self._following = asyncio.create_task(
                        self._carry(answers, into, before, after, self._restarts, self._settling)
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

    async def _settled(self) -> None:
        if self._settling is not None:
            await self._settling.wait()
            self._settling = None

    async def _carry(
        self,
        answers: Answers,
        into: traffic.Counts,
        before: Backends,
        after: Backends,
        restarts: int,
        settled: asyncio.Event,
    ) -> None:
        """Carry the old worker's last reading (``answers``), on top of the counts carried ``into`` it,
        over to the new worker, set ``settled``, then follow the old worker until it exits."""
        try:
            last: traffic.Counts = {}
            with contextlib.suppress(errors.DataPlaneError):  # unreadable, its counts are lost
                last = await asyncio.to_thread(answers.counts, before)
            if self._supervisor.restarts == restarts:
                self._carried = traffic.carried_over(into, last, before, after)
        finally:
            settled.set()
        await self._follow(answers, into, before, after, restarts)

    def _stop_following(self) -> None:
        if self._following is not None:
            self._following.cancel()
            self._following = None

    async def _watch(self, answers: Answers, backends: Backends) -> None:
        """Read the serving worker (``answers``') again and again, until another worker answers the
        runtime API: the new one has taken over."""
        answer = answers.latest
        while True:
            await asyncio.sleep(max(WATCH_SECONDS, len(answer) * _PAUSE_PER_BYTE))
            try:
                answer = await traffic.read_answer(self._runtime, backends)
                worker = traffic.worker_of(answer)
            except errors.DataPlaneError:  # the socket changes hands
                continue
            if worker != answers.worker:
                return
            answers.add(answer)

    async def _follow(
        self, answers: Answers, into: traffic.Counts, before: Backends, after: Backends, restarts: int
    ) -> None:
        """Read the leaving worker of ``answers`` through the master CLI until it has exited, then carry
        its last counts, on top of those carried ``into`` it, into the serving worker."""
        followed = False
        while True:
            await asyncio.sleep(max(FOLLOW_SECONDS, len(answers.latest) * _PAUSE_PER_BYTE))
            try:
                answer = await self._supervisor.master_command(traffic.reading_command(answers.worker))
                if traffic.worker_of(answer) != answers.worker:
                    break
            except errors.DataPlaneError:  # the worker has exited (or the master is going)
                break
            answers.add(answer)
            followed = True
        if not followed:
            return
        try:
            last = await asyncio.to_thread(answers.counts, before)
        except errors.DataPlaneError:
            return
        async with self._lock:
            if self._supervisor.restarts == restarts:
                self._carried = traffic.carried_over(into, last, before, after)
