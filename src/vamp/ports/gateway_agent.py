"""The gateway agent's ports: where routing plans come from, the data plane that serves them, and a clock.

The agent's loop (``vamp.services.agent``) is written against these protocols only:

* a ``PlanSource`` yields what it reads, a plan's plain data (``Offered``) or its JSON text
  (``OfferedJson``), or why it could read none (``Unavailable``); decoding the text and checking the
  data is the loop's job, not the source's;
* a ``DataPlane`` renders, delivers and verifies a plan, keeps the last good one, reports its own health
  and the traffic it served per gateway and route;
* a ``Clock`` tells the time, so the loop can be driven tick by tick in tests.

Adapters implement them: ``vamp.adapters.plans`` (files, the server's long-poll API) and
``vamp.adapters.envoy.dataplane``. Ports hold no logic and import only the core.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from vamp.core.routing import plan as routing_plan


@dataclass(frozen=True, slots=True)
class Offered:
    """A routing plan as its source read it: plain data, not yet checked, and where it came from."""

    data: object
    origin: str
    """Where the data was read, for messages: a file path or a URL."""


@dataclass(frozen=True, slots=True)
class OfferedJson:
    """A routing plan's JSON text as its source read it (a file's bytes, the body of the server's answer),
    not yet decoded: the agent decodes only what changed since the last plan it read."""

    text: bytes = field(repr=False)
    origin: str
    """Where the text was read, for messages: a file path or a URL."""
    not_json: str
    """What the agent reports, followed by the decoder's words, when the text is not JSON: the source's
    own phrase (``The plan file plans/p.json is not valid JSON``)."""


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why a source could not read a plan this time; the agent keeps serving what it serves."""

    reason: str


Received = Offered | OfferedJson | Unavailable


class PlanSource(Protocol):
    def watch(self, since: str) -> AsyncIterator[Received]:
        """Everything the source reads from now on, as it arrives; never ends by itself.

        ``since`` is the version the agent serves already ("" for none): a source that can ask for
        changes only (the server's long poll) starts from there.
        """
        ...


@dataclass(frozen=True, slots=True)
class Health:
    """How the data plane process is doing."""

    pid: int | None
    """The running process, ``None`` while it is down."""
    restarts: int
    exits: tuple[str, ...]
    """Why each process so far ended, oldest first (``Envoy (pid 7) killed by SIGKILL``)."""
    admin_url: str


@dataclass(frozen=True, slots=True)
class Latency:
    """A latency histogram in milliseconds and its percentiles (``None`` while it is empty).

    ``counts[i]`` requests took at most ``bounds[i]`` ms: the counts are cumulative, and the last bound
    is infinite, so ``counts[-1]`` is every request measured.
    """

    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    sum_ms: float
    p50: float | None
    p95: float | None
    p99: float | None


@dataclass(frozen=True, slots=True)
class Traffic:
    """What one route, or one gateway over all its routes (``route`` is ``None``), has served.

    Counts run from the start of the data plane process: they restart from zero when it restarts.
    """

    gateway: str
    route: str | None
    requests: int
    codes: Mapping[str, int]
    """Responses per status class: ``1xx`` … ``5xx``, each present."""
    latency: Latency


class DataPlane(Protocol):
    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        """Render ``plan``, deliver it, verify that the data plane serves it, keep it as the last good one.

        Returns the plan's version once the data plane reports it active.

        Raises:
            errors.PublishError: the plan cannot be rendered, or the data plane refused it; the last good
                configuration is still served. Trying the same plan again would fail the same way.
            errors.DataPlaneError: the data plane cannot be reached right now (it is restarting); the plan
                may be tried again.
        """
        ...

    def last_good(self) -> routing_plan.RoutingPlan | None:
        """The plan last applied, kept across restarts of the agent; ``None`` if there is none.

        Raises:
            errors.RoutingError: a plan was kept but cannot be read back.
        """
        ...

    def health(self) -> Health: ...

    async def traffic(self) -> tuple[Traffic, ...]:
        """What each gateway and each of its routes in the last applied plan has served, by name.

        Raises:
            errors.DataPlaneError: the data plane cannot be reached right now.
        """
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, for reports."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary start that never goes back, for intervals."""
        ...
