"""The gateway agent's loop: serve the newest valid routing plan on the data plane.

``Agent`` keeps the data plane on the newest plan its source offers, one tick at a time:

* observe: the source offers a plan's JSON text or plain data, or says why it has none (``offer``);
* decide: the text or data is a plan (``RoutingPlan.from_data``, read by ``plan_reading.PlanReader``,
  which decodes only what changed since the last plan) and not the one served already; a text that is
  not JSON is reported as the source would report having no plan;
* act: the data plane renders, delivers and verifies it (``reconcile``); a plan it refuses never
  replaces the last good one, and a data plane that cannot be reached is tried again, with a capped
  exponential backoff, until it takes the plan or a newer one arrives;
* isolate: when the data plane refuses a plan because of some of its gateways (a port another process
  holds, a condition regex Envoy rejects), the plan is served with each of them as it was served
  before (left out if it was not served), and they are reported as refused, so one bad gateway never
  holds the others. The data plane names them when it can
  (``errors.GatewaysRefused``); else they are searched for by halving the gateways the plan changes
  (a bounded number of tries; the gateways not under test stay as they are served meanwhile). A refused
  gateway is tried again when a new plan changes it, or comes ``retry_refused`` seconds after it was last
  tried, in a delivery after the one that serves the rest of the plan; it is served again as soon as
  the data plane takes it;
* record: the active version and since when, the refused gateways, the last error and when, in
  ``Agent.status`` and the log.

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
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent
from vamp.services import plan_reading

log = logging.getLogger("vamp.agent")

KEPT = "the plan this agent kept from its last run"


@dataclass(frozen=True, slots=True)
class Refused:
    """A gateway of the active plan that the data plane refused: it is served as it was before the plan
    changed it, or left out if it was not served."""

    gateway: str
    reason: str
    since: datetime


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
    refused: tuple[Refused, ...] = ()
    """The gateways of the active plan the data plane refused, by name: the rest of the plan is served."""
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


@dataclass(frozen=True, slots=True)
class _Refusal:
    reason: str
    since: datetime
    parts: tuple[object, ...]
    """What the plan held of the gateway when it was refused: a change to it is tried at once."""
    tried: float
    """When it was last tried (monotonic seconds)."""


class Agent:
    """Keeps one data plane on the newest valid plan from one source.

    Args:
        retry_delays: the first and the longest wait before trying an unreachable data plane again.
        retry_refused: seconds after which a refused gateway is tried again with the next plan, even
            when that plan does not change it (the port it wants may have been freed).
        max_tries: the most deliveries one plan may take while refused gateways are isolated; past it
            the plan is refused whole and the last good one stays.
    """

    def __init__(
        self,
        source: gateway_agent.PlanSource,
        data_plane: gateway_agent.DataPlane,
        clock: gateway_agent.Clock,
        *,
        retry_delays: tuple[float, float] = (0.1, 5.0),
        retry_refused: float = 30.0,
        max_tries: int = 16,
    ) -> None:
        self._source = source
        self._data_plane = data_plane
        self._clock = clock
        self._retry_delays = retry_delays
        self._retry_refused = retry_refused
        self._max_tries = max_tries
        self._served: routing_plan.RoutingPlan | None = None
        """The plan the data plane serves: the active one without its refused gateways."""
        self._refused: dict[str, _Refusal] = {}
        self._tries = 0
        self._wanted: _Wanted | None = None
        self._changed = asyncio.Event()
        self._last_unavailable = ""
        self._reader = plan_reading.PlanReader()
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
        try:
            if isinstance(received, gateway_agent.OfferedJson):
                try:
                    plan = self._reader.read_text(received.text)
                except ValueError as exc:  # not JSON: as if the source had failed to read it
                    self.offer(gateway_agent.Unavailable(f"{received.not_json}: {exc}."))
                    return
            else:
                plan = self._reader.read(received.data)
        except errors.RoutingError as exc:
            self._last_unavailable = ""
            self._reject(
                f"Refused the routing plan from {received.origin}; the last good configuration stays. {exc}"
            )
            return
        self._last_unavailable = ""
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
            await self._isolating(wanted.plan)
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

    async def _isolating(self, plan: routing_plan.RoutingPlan) -> None:
        """Serve ``plan`` without the gateways the data plane refuses, finding them as it refuses them.

        Refused gateways the plan leaves as they were stay held at first, so the rest of the plan is
        served at once; those due for another try are tried after that, in deliveries of their own.

        Raises:
            errors.PublishError: the data plane refuses the plan for a reason no gateway of it explains,
                or still refuses it after ``max_tries`` deliveries.
            errors.DataPlaneError: the data plane cannot be reached.
        """
        now = self._clock.monotonic()
        # Cut by gateway only when some are refused: a delivery without them costs nothing per gateway.
        present = isolation.gateways(plan) if self._refused else frozenset[str]()
        held = {
            name: refusal
            for name, refusal in self._refused.items()
            if name in present and refusal.parts == isolation.parts(plan, name)
        }
        refused = await self._serve(plan, held)
        self._refuse(plan, refused)
        due = {name for name, refusal in refused.items() if now - refusal.tried >= self._retry_refused}
        if not due:
            return
        try:
            refused = await self._serve(plan, {name: r for name, r in refused.items() if name not in due})
        except errors.PublishError as exc:
            log.warning("Trying the refused gateways %s again failed: %s", ", ".join(sorted(due)), exc)
            tried = {
                name: dataclasses.replace(r, tried=now) if name in due else r for name, r in refused.items()
            }
            refused = await self._serve(plan, tried)
        self._refuse(plan, refused)

    async def _serve(self, plan: routing_plan.RoutingPlan, held: dict[str, _Refusal]) -> dict[str, _Refusal]:
        """Serve ``plan`` with the gateways ``held`` as they are served, and with every other gateway the
        data plane refuses held too; return all the gateways held."""
        self._tries = 0
        refused = dict(held)
        while True:
            candidate = isolation.mixed(plan, self._served, refused)
            try:
                await self._apply(candidate)
            except errors.PublishError as exc:
                named = exc.gateways if isinstance(exc, errors.GatewaysRefused) else {}
                present = isolation.gateways(plan)
                found = {name: why for name, why in named.items() if name in present and name not in refused}
                if named and not found:
                    raise
                found = found or await self._search(candidate, exc)
                if not found and self._tries >= self._max_tries:
                    raise errors.PublishError(
                        f"The data plane still refused the plan after {self._tries} deliveries, each without "
                        f"the gateways it refused before, so it is refused whole. The last refusal: {exc}"
                    ) from exc
                if not found:
                    raise
            else:
                return refused
            for name, reason in found.items():
                earlier = self._refused.get(name)
                since = earlier.since if earlier is not None else self._clock.now()
                refused[name] = _Refusal(reason, since, isolation.parts(plan, name), self._clock.monotonic())

    async def _search(
        self, candidate: routing_plan.RoutingPlan, error: errors.PublishError
    ) -> dict[str, str]:
        """The gateway of ``candidate`` the data plane refuses, found by halving the gateways it changes
        from what is served; nothing if the change of no single gateway explains ``error``.

        It holds throughout that the data plane takes the plan with the suspects as they are served, and
        refuses it with all of them as ``candidate`` has them. A data plane that cannot be reached during
        the search (Envoy died of a trial) ends it: nothing is found, and the plan is refused whole.
        """
        suspects = sorted(isolation.changed(candidate, self._served))
        reason = _reason(error)
        if not suspects or self._tries >= self._max_tries:
            return {}
        try:
            await self._apply(isolation.mixed(candidate, self._served, suspects))
        except (errors.PublishError, errors.DataPlaneError):
            return {}  # refused even without the changes: no gateway explains it
        while len(suspects) > 1:
            if self._tries >= self._max_tries:
                return {}
            tested, held = suspects[: len(suspects) // 2], suspects[len(suspects) // 2 :]
            try:
                await self._apply(isolation.mixed(candidate, self._served, held))
            except errors.GatewaysRefused as exc:
                found = {name: why for name, why in exc.gateways.items() if name in tested}
                if found:
                    return found
                suspects, reason = tested, _reason(exc)
            except errors.PublishError as exc:
                suspects, reason = tested, str(exc)
            except errors.DataPlaneError:
                return {}
            else:
                suspects = held
        return {suspects[0]: reason} if suspects else {}

    async def _apply(self, plan: routing_plan.RoutingPlan) -> None:
        if self._tries >= self._max_tries:
            raise errors.PublishError(
                f"The data plane still refused the plan after {self._tries} deliveries, each without the "
                "gateways it refused before, so it is refused whole."
            )
        self._tries += 1
        await self._data_plane.apply(plan)
        self._served = plan

    def _refuse(self, plan: routing_plan.RoutingPlan, refused: dict[str, _Refusal]) -> None:
        """Record ``refused`` as the gateways left out of ``plan``, and log what changed."""
        for name, refusal in sorted(refused.items()):
            if name not in self._refused or self._refused[name].reason != refusal.reason:
                self._record_error(
                    f"Gateway {name!r} of routing plan {plan.version} is refused, and served as it was "
                    f"before if it was: {refusal.reason}"
                )
        served_again = sorted(self._refused.keys() - refused.keys())
        present = isolation.gateways(plan) if served_again else frozenset[str]()
        for name in served_again:
            if name in present:
                log.info("Gateway %r is served again with routing plan %s.", name, plan.version)
        self._refused = refused
        self.status = dataclasses.replace(
            self.status,
            refused=tuple(Refused(name, r.reason, r.since) for name, r in sorted(refused.items())),
        )

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


def _reason(error: errors.PublishError) -> str:
    """Why the data plane refused: its own words if it gave them apart, else the whole message."""
    return error.reason if isinstance(error, errors.GatewaysRefused) and error.reason else str(error)
