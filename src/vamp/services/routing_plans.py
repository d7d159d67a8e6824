"""The routing plans the server holds for the gateway agents: one ``PlanHolder`` per namespace, and the
``PlanBoard`` of them all.

The gateway synchroniser (``gateways.py``) publishes each namespace's newest plan to its holder; the API's
long poll waits on them. An agent serving one namespace waits on its holder; an agent serving several
(``vamp agent --namespace N …`` or ``--all-namespaces``) waits on the board, which combines the plans of
the namespaces it serves into one (``vamp.core.routing.combined``) and wakes it when any of them changes,
or when a namespace appears. The board keeps the last combination of each set of namespaces served: it
is made once for every agent waiting on that set, and when one namespace's plan changes only that
namespace's part is made again (``combined.combine_build``). Asking the board for a namespace it does
not know yet makes it known, and tells whoever discovers namespaces (the synchroniser, which then
synchronises it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from vamp.core.routing import combined
from vamp.core.routing import plan as routing_plan
from vamp.ports import exposure as exposure_port


class PlanHolder:
    """The newest routing plan of one namespace, what could not go into it, and where its gateways are
    reached from outside the data plane.

    Args:
        changed: called whenever a plan with a new version is published (the board's signal).
    """

    def __init__(self, changed: Callable[[], None] | None = None) -> None:
        self._plan: routing_plan.RoutingPlan | None = None
        self._problems: tuple[str, ...] = ()
        self._addresses: Mapping[str, exposure_port.ServiceAddress] = {}
        self._changed = asyncio.Event()
        self._on_change = changed

    def current(self) -> routing_plan.RoutingPlan | None:
        """The newest plan; ``None`` until the first one is compiled."""
        return self._plan

    @property
    def problems(self) -> tuple[str, ...]:
        """Why gateways or routes of the namespace are not (fully) served, one sentence each."""
        return self._problems

    @property
    def addresses(self) -> Mapping[str, exposure_port.ServiceAddress]:
        """Where the runtime exposes the namespace's gateways, by gateway name; empty without exposure."""
        return self._addresses

    def locate(self, addresses: Mapping[str, exposure_port.ServiceAddress]) -> None:
        """Hold where the gateways are reached now."""
        self._addresses = dict(addresses)

    def publish(self, plan: routing_plan.RoutingPlan, problems: Sequence[str]) -> None:
        """Hold ``plan``; whoever waits for a change wakes if its version is new."""
        self._problems = tuple(problems)
        if self._plan is not None and self._plan.version == plan.version:
            return
        self._plan = plan
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        if self._on_change is not None:
            self._on_change()

    async def wait_for_change(self, version: str | None, timeout: float) -> routing_plan.RoutingPlan | None:
        """The newest plan once its version is not ``version``; after ``timeout`` seconds, whatever it is.

        ``version`` ``None`` asks for any plan. Returns ``None`` only when no plan was compiled yet.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self._plan is None or self._plan.version == version:
                    await self._changed.wait()
        return self._plan


class PlanBoard:
    """The plan holder of every namespace the server knows; called with a namespace, gives its holder.

    Args:
        namespaces: the namespaces known from the start.
        discovered: told of every namespace asked for that was not known yet.
    """

    def __init__(
        self, namespaces: Iterable[str] = (), *, discovered: Callable[[str], None] | None = None
    ) -> None:
        self.holders: dict[str, PlanHolder] = {
            namespace: PlanHolder(self._signal) for namespace in namespaces
        }
        self._discovered = discovered
        self._changed = asyncio.Event()
        self._combined: dict[tuple[str, tuple[str, ...]], combined.CombinedBuild] = {}
        """The last combined build of each set of namespaces served (the newest last, at most
        ``KEPT_COMBINATIONS``): every agent waiting on the same set is given the same plan, made once."""

    def __call__(self, namespace: str) -> PlanHolder:
        """The plan holder of ``namespace``; one not known yet becomes known (and is told of)."""
        holder = self.holders.get(namespace)
        if holder is None:
            holder = self.holders[namespace] = PlanHolder(self._signal)
            self._signal()
            if self._discovered is not None:
                self._discovered(namespace)
        return holder

    def forget(self, namespace: str) -> None:
        """Serve ``namespace`` no more (it was removed); asked for again, it is known again."""
        if self.holders.pop(namespace, None) is not None:
            self._signal()

    def namespaces(self) -> tuple[str, ...]:
        """Every namespace known, in name order."""
        return tuple(sorted(self.holders))

    def combined(self, namespaces: Iterable[str], *, default: str) -> routing_plan.RoutingPlan | None:
        """One plan serving ``namespaces``: ``default`` first, then the others by name (the earlier keeps
        a port two claim); ``None`` while none of them has a plan yet."""
        ordered = sorted(set(namespaces), key=lambda namespace: (namespace != default, namespace))
        plans = [
            (namespace, plan) for namespace in ordered if (plan := self(namespace).current()) is not None
        ]
        if not plans:
            return None
        key = (default, tuple(ordered))
        before = self._combined.pop(key, None)
        if before is not None and _made_of(before, plans):
            self._combined[key] = before
            return before.plan
        if before is None and self._combined:
            before = next(reversed(self._combined.values()))  # its namespaces' plans may be the same
        build = self._combined[key] = combined.combine_build(plans, default=default, previous=before)
        while len(self._combined) > KEPT_COMBINATIONS:
            del self._combined[next(iter(self._combined))]
        return build.plan

    async def wait_for_change(
        self, served: Callable[[], Sequence[str]], version: str | None, timeout: float, *, default: str
    ) -> routing_plan.RoutingPlan | None:
        """The combined plan of the namespaces ``served()`` names once its version is not ``version``;
        after ``timeout`` seconds, whatever it is. ``served`` is asked again at every change, so a
        namespace that appears meanwhile is served too. ``None`` only while none of them has a plan.
        """
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while True:
                    changed = self._changed
                    found = self.combined(served(), default=default)
                    if found is not None and found.version != version:
                        return found
                    await changed.wait()
        return self.combined(served(), default=default)

    def _signal(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()


KEPT_COMBINATIONS = 4
"""How many sets of namespaces served the board keeps a combined build of."""


def _made_of(build: combined.CombinedBuild, plans: Sequence[tuple[str, routing_plan.RoutingPlan]]) -> bool:
    """Whether ``build`` combines exactly these plans."""
    return len(build.renamed) == len(plans) and all(
        (kept := build.renamed.get(namespace)) is not None and kept.source is plan
        for namespace, plan in plans
    )
