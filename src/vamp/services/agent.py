"""The gateway agent's loop: serve the newest valid routing plan on the data plane.

``Agent`` keeps the data plane on the newest plan its source offers, one tick at a time:

* observe: the source offers a plan's plain data, or says why it has none (``offer``);
* decide: the data is a plan (``RoutingPlan.from_data``) and not the one served already;
* act: the data plane renders, delivers and verifies it (``reconcile``); a plan it refuses never
  replaces the last good one, and a data plane that cannot be reached is tried again, with a capped
  exponential backoff, until it takes the plan or a newer one arrives;
* record: the active version and since when, the last error and when, in ``Agent.status`` and the log.

At start (``resume``) the agent serves the plan the data plane kept from its last run, so traffic flows
before any source answers. Metering what the data plane serves is ``traffic``'s.

Everything outside goes through ``vamp.ports.gateway_agent``; this module never touches a file, a
socket or a process itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
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
