"""The gateway agent's loops: serve the newest valid routing plan, and meter what the data plane serves.

``Agent`` keeps the data plane on the newest plan its source offers, one tick at a time:

* observe: the source offers a plan's plain data, or says why it has none (``offer``);
* decide: the data is a plan (``RoutingPlan.from_data``) and not the one served already;
* act: the data plane renders, delivers and verifies it (``reconcile``); a plan it refuses never
  replaces the last good one, and a data plane that cannot be reached is tried again, with a capped
  exponential backoff, until it takes the plan or a newer one arrives;
* record: the active version and since when, the last error and when, in ``Agent.status`` and the log.

At start (``resume``) the agent serves the plan the data plane kept from its last run, so traffic flows
before any source answers. ``TrafficMeter`` samples the data plane's traffic counters at an interval, so
that each report carries request rates over the last interval.

Everything outside goes through ``vamp.ports.gateway_agent``; this module never touches a file, a
socket or a process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from vamp import errors
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent

log = logging.getLogger("vamp.agent")

KEPT = "the plan this agent kept from its last run"


@dataclass(frozen=True, slots=True)
class Status:
    """What the agent serves and what went wrong last."""

    version: str | None = None
    """The version of the active plan: the data plane has verifiably taken it."""
    since: datetime | None = None
    origin: str | None = None
    """Where the active plan came from."""
    problems: tuple[str, ...] = ()
    """What the active plan could not serve (gateways left out when it was compiled)."""
    pending: str | None = None
    """A valid plan waiting for the data plane to come back."""
    last_error: str | None = None
    last_error_at: datetime | None = None
    applied: int = 0
    rejected: int = 0


@dataclass(frozen=True, slots=True)
class _Wanted:
    plan: routing_plan.RoutingPlan
    origin: str


class Agent:
    """Keeps one data plane on the newest valid plan from one source.

    Args:
        retry_delays: the first and the longest wait before trying an unreachable data plane again.
    """

    def __init__(
        self,
        source: gateway_agent.PlanSource,
        data_plane: gateway_agent.DataPlane,
        clock: gateway_agent.Clock,
        *,
        retry_delays: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self._source = source
        self._data_plane = data_plane
        self._clock = clock
        self._retry_delays = retry_delays
        self._wanted: _Wanted | None = None
        self._changed = asyncio.Event()
        self._last_unavailable = ""
        self.status = Status()

    async def run(self) -> None:
        """Serve every plan the source offers, until cancelled (``resume`` first to serve the kept one)."""
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self._observe(), name="agent: plan source")
            tasks.create_task(self._act(), name="agent: data plane")

    async def resume(self) -> None:
        """Serve the plan kept from the last run again, if there is one."""
        try:
            kept = self._data_plane.last_good()
        except errors.VampError as exc:
            self._record_error(f"The plan kept from the last run cannot be read, so it is not served: {exc}")
            return
        if kept is not None:
            self._wanted = _Wanted(kept, KEPT)
            await self.reconcile()

    def offer(self, received: gateway_agent.Received) -> None:
        """Take what the source read: a valid plan becomes the one wanted; anything else is reported."""
        if isinstance(received, gateway_agent.Unavailable):
            if received.reason != self._last_unavailable:
                log.warning("%s", received.reason)
            self._last_unavailable = received.reason
            self._record_error(received.reason, logged=True)
            return
        self._last_unavailable = ""
        try:
            plan = routing_plan.RoutingPlan.from_data(received.data)
        except errors.RoutingError as exc:
            self._reject(
                f"Refused the routing plan from {received.origin}; the last good configuration stays. {exc}"
            )
            return
        self._wanted = _Wanted(plan, received.origin)
        self._changed.set()

    async def reconcile(self) -> bool:
        """Apply the wanted plan unless it is active already.

        Returns ``False`` when the data plane could not be reached and the plan must be tried again.
        """
        wanted = self._wanted
        if wanted is None or wanted.plan.version == self.status.version:
            self._settle(wanted)
            return True
        try:
            await self._data_plane.apply(wanted.plan)
        except errors.PublishError as exc:
            self._settle(wanted)
            self._reject(
                f"Refused routing plan {wanted.plan.version} from {wanted.origin}; "
                f"the last good configuration stays. {exc}"
            )
            return True
        except errors.DataPlaneError as exc:
            self.status = dataclasses.replace(self.status, pending=wanted.plan.version)
            self._record_error(f"The routing plan {wanted.plan.version} waits for the data plane: {exc}")
            return False
        self._settle(wanted)
        self._activate(wanted)
        return True

    async def _observe(self) -> None:
        async for received in self._source.watch(self.status.version or ""):
            self.offer(received)

    async def _act(self) -> None:
        first, longest = self._retry_delays
        delay = 0.0
        while True:
            await self._changed.wait()
            self._changed.clear()
            if await self.reconcile():
                delay = 0.0
                continue
            delay = min(longest, max(first, delay * 2))
            # A newer plan ends the wait early; either way, try again. (``asyncio.timeout``, not
            # ``wait_for``, which on Python 3.11 swallows a cancellation that comes as the plan does.)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._changed.wait()
            self._changed.set()

    def _settle(self, wanted: _Wanted | None) -> None:
        """Forget ``wanted``, unless a newer plan was offered while it was being applied."""
        if self._wanted is wanted:
            self._wanted = None
            self.status = dataclasses.replace(self.status, pending=None)

    def _activate(self, wanted: _Wanted) -> None:
        plan = wanted.plan
        self.status = dataclasses.replace(
            self.status,
            version=plan.version,
            since=self._clock.now(),
            origin=wanted.origin,
            problems=plan.problems,
            applied=self.status.applied + 1,
        )
        log.info(
            "Routing plan %s from %s is active: %d listeners, %d clusters.",
            plan.version,
            wanted.origin,
            len(plan.listeners),
            len(plan.clusters),
        )
        for problem in plan.problems:
            log.warning("Routing plan %s does not serve everything: %s", plan.version, problem)

    def _reject(self, reason: str) -> None:
        self.status = dataclasses.replace(self.status, rejected=self.status.rejected + 1)
        self._record_error(reason)

    def _record_error(self, reason: str, *, logged: bool = False) -> None:
        if not logged:
            log.error("%s", reason)
        self.status = dataclasses.replace(self.status, last_error=reason, last_error_at=self._clock.now())


@dataclass(frozen=True, slots=True)
class Measured:
    """A route's or a gateway's traffic, and its requests per second over the last interval."""

    traffic: gateway_agent.Traffic
    per_second: float


@dataclass(frozen=True, slots=True)
class TrafficReport:
    """The traffic of every gateway and route at ``at``; rates cover the ``interval`` seconds before."""

    at: datetime
    interval: float | None
    """``None`` until two samples have been taken: rates are 0 until then."""
    items: tuple[Measured, ...]


Key = tuple[str, str | None]


@dataclass(frozen=True, slots=True)
class _Sample:
    time: float
    requests: Mapping[Key, int]


class TrafficMeter:
    """Samples the data plane's request counters every ``interval`` seconds to give request rates."""

    def __init__(
        self, data_plane: gateway_agent.DataPlane, clock: gateway_agent.Clock, *, interval: float = 2.0
    ) -> None:
        self._data_plane = data_plane
        self._clock = clock
        self._interval = interval
        self._previous: _Sample | None = None
        self._latest: _Sample | None = None

    async def run(self) -> None:
        """Take a sample every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.sample()
            except errors.DataPlaneError as exc:
                log.debug("No traffic sample this time: %s", exc)
            await asyncio.sleep(self._interval)

    async def sample(self) -> None:
        """Read the counters now; rates are computed between the last two samples."""
        traffic = await self._data_plane.traffic()
        requests = {(item.gateway, item.route): item.requests for item in traffic}
        self._previous, self._latest = self._latest, _Sample(self._clock.monotonic(), requests)

    async def report(self) -> TrafficReport:
        """The counters as they are now, with the rates of the last sampled interval.

        Raises:
            errors.DataPlaneError: the data plane cannot be reached right now.
        """
        traffic = await self._data_plane.traffic()
        before, after = self._previous, self._latest
        if before is None or after is None:
            return TrafficReport(self._clock.now(), None, tuple(Measured(item, 0.0) for item in traffic))
        seconds = after.time - before.time
        items = tuple(
            Measured(item, _rate(before.requests, after.requests, (item.gateway, item.route), seconds))
            for item in traffic
        )
        return TrafficReport(self._clock.now(), seconds, items)


def _rate(before: Mapping[Key, int], after: Mapping[Key, int], key: Key, seconds: float) -> float:
    now = after.get(key, 0)
    then = before.get(key, 0)
    # Fewer requests than before: the data plane restarted and counts from zero again.
    counted = now - then if now >= then else now
    return counted / seconds if seconds > 0 else 0.0
