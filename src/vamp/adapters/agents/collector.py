"""``AgentMetrics``: polls every gateway agent's ``/metrics.json``; a ``ports.metrics.MetricsReader`` and
``RefusalReader``.

Every ``interval`` seconds (2 by default) each agent is asked at once for its report; its counters go
into one bounded series per (agent, gateway, route) (``series``). A summary over a window adds up what
every agent served of the gateway or route in it, so several agents behind one gateway count once each.
A gateway or route that first shows up in an agent's report after an earlier poll of that agent counted
from zero since that poll (the agent counts it from when its plan brought it), so its series starts with
a zero sample then: the requests of its first seconds are not lost. An agent that cannot be reached, or
sends a report that cannot be read, is logged (once per change of its problem) and asked again at the
next poll; the others go on. Until every agent has answered once, polls come every quarter second
(``FIRST_INTERVAL``) instead: what an agent counted before its first answer has no baseline and is not
counted, so an agent that starts with its server (``vamp up``) must be heard from before traffic can
reach it. Series that received nothing for longer than the horizon are dropped.

A release asks what a route ``served`` between two wall-clock instants (its step's start, and now): the
series keep monotonic times, so both instants are turned into monotonic ones through one (wall clock,
monotonic clock) pair read at the call. What was served since the last poll is not in a window until the
next poll, at most ``interval`` seconds later; ``refresh`` polls at once (never at the same time as the
polling loop: polls take turns), so a caller that needs every request up to now refreshes first.

Each report also lists the gateways the agent's data plane refused; the latest list of each agent is
kept (an agent that does not answer keeps its last one) and, after every poll, handed to ``on_refused``
all together, so a service can tell which gateways became refused or were taken again.

An ``AgentMetrics`` is an async context manager: its HTTP client opens when the ``async with`` block
starts and closes when the block ends, whether or not ``run`` ever ran.

Agents may serve several namespaces in one plan (``vamp agent --namespace N`` or ``--all-namespaces``),
where the gateways of every namespace but the server's default are named ``[namespace]gateway``
(``vamp.core.routing.combined``); an agent serving one namespace names them plainly. So a gateway's
traffic is the namespace's its name says: ``sava/9050`` is the default namespace's,
``[acme-prod]sava/9050`` is gateway ``sava/9050`` of ``acme-prod``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Self

import httpx

from vamp import errors
from vamp.adapters.agents import reports, series
from vamp.adapters.envoy import stats
from vamp.core.routing import combined
from vamp.ports import metrics

log = logging.getLogger("vamp.metrics")

PATH = "/metrics.json"
FIRST_INTERVAL = 0.25
"""Seconds between polls while an agent has not answered yet."""


class AgentMetrics:
    """The traffic the agents at ``agents`` (base URLs, ``http://127.0.0.1:9090``) measured; polled
    inside ``async with`` only, which opens and closes its HTTP client.

    Args:
        namespace: the server's default namespace, whose gateways the agents name without a namespace.
        interval: seconds between two polls.
        horizon: the longest window, in seconds, a summary can cover.
        clock: monotonic seconds.
        wall_clock: the time of day, timezone-aware (``served`` converts its instants through it).
        transport: an ``httpx`` transport to use instead of the network (tests).
        on_refused: called after every poll with every agent's refused gateways.
        discover: asked before every poll for more agents, which may change from poll to poll (the
            pods behind a headless Service: ``discovery.DnsAgents``); added to ``agents``.
    """

    def __init__(
        self,
        agents: Sequence[str],
        *,
        namespace: str,
        interval: float = 2.0,
        horizon: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        transport: httpx.AsyncBaseTransport | None = None,
        on_refused: Callable[[tuple[metrics.Refusal, ...]], Awaitable[None]] | None = None,
        discover: Callable[[], Awaitable[tuple[str, ...]]] | None = None,
    ) -> None:
        self._given = tuple(agent.rstrip("/") for agent in agents)
        self.agents = self._given
        self._discover = discover
        self._namespace = namespace
        self._interval = interval
        self._horizon = horizon
        self._clock = clock
        self._wall_clock = wall_clock
        self._polling = asyncio.Lock()
        self._capacity = math.ceil(horizon / interval) + 2
        self._series: dict[tuple[str, reports.Key], series.Series] = {}
        self._problems: dict[str, str] = {}
        self._polled: dict[str, float] = {}
        """When each agent last answered with a report."""
        self._transport = transport
        self._refused: dict[str, tuple[metrics.Refusal, ...]] = {}
        self._on_refused = on_refused
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Self:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(5.0), transport=self._transport, trust_env=False
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def run(self) -> None:
        """Poll every ``interval`` seconds until cancelled (every ``FIRST_INTERVAL`` until each agent has
        answered once)."""
        while True:
            await self.poll()
            unheard = any(agent not in self._polled for agent in self.agents)
            await asyncio.sleep(min(self._interval, FIRST_INTERVAL) if unheard else self._interval)

    async def poll(self) -> None:
        """Ask every agent for its report now, and keep what each answered (after any poll under way)."""
        async with self._polling:
            await self._poll()

    async def refresh(self) -> None:
        """Poll now, so that ``served`` counts up to this moment."""
        await self.poll()

    async def _poll(self) -> None:
        if self._discover is not None:
            discovered = await self._discover()
            self.agents = (*self._given, *(agent for agent in discovered if agent not in self._given))
            for gone in self._refused.keys() - set(self.agents):
                del self._refused[gone]  # a pod that went away refuses nothing any more
        answers = await asyncio.gather(*(self._ask(agent) for agent in self.agents))
        now = self._clock()
        for agent, answer in zip(self.agents, answers, strict=True):
            if answer is None:
                continue
            counters, self._refused[agent] = answer
            previous = self._polled.get(agent)
            for key, counts in counters.items():
                found = self._series.get((agent, key))
                if found is None:
                    found = self._series[agent, key] = series.Series(self._capacity)
                    if previous is not None:
                        found.add(previous, stats.ClusterStats())
                found.add(now, counts)
            self._polled[agent] = now
        stale = [name for name, kept in self._series.items() if (kept.newest or now) < now - self._horizon]
        for name in stale:
            del self._series[name]
        if self._on_refused is not None:
            await self._on_refused(
                tuple(item for agent in self.agents for item in self._refused.get(agent, ()))
            )

    def refused(self, namespace: str) -> tuple[metrics.Refusal, ...]:
        return tuple(
            item
            for agent in self.agents
            for item in self._refused.get(agent, ())
            if item.namespace == namespace
        )

    async def summary(
        self, namespace: str, gateway: str, route: str | None, *, window: float
    ) -> metrics.TrafficSummary | None:
        start = self._clock() - min(window, self._horizon)
        served = [
            found
            for kept in self._kept(namespace, gateway, route)
            if (found := kept.since(start)) is not None
        ]
        return series.summary(gateway, route, served) if served else None

    async def served(
        self,
        namespace: str,
        gateway: str,
        route: str | None,
        *,
        since: datetime,
        until: datetime | None = None,
    ) -> metrics.Served | None:
        wall, now = self._wall_clock(), self._clock()
        start = now - (wall - _aware(since, "since")).total_seconds()
        end = None
        if until is not None:
            end = now - (wall - _aware(until, "until")).total_seconds()
            if end < start:
                raise ValueError(
                    f"a window cannot end ({until.isoformat()}) before it starts ({since.isoformat()})"
                )
        parts = [
            found
            for kept in self._kept(namespace, gateway, route)
            if (found := kept.between(start, end)) is not None
        ]
        return series.served(parts) if parts else None

    def _kept(self, namespace: str, gateway: str, route: str | None) -> Iterator[series.Series]:
        """The series of ``route`` of ``gateway`` (``None``: the gateway's own) of ``namespace``, by agent."""
        wanted = (namespace, gateway)
        for (_, (named, on_route)), kept in self._series.items():
            if on_route == route and combined.split(named, default=self._namespace) == wanted:
                yield kept

    async def _ask(
        self, agent: str
    ) -> tuple[dict[reports.Key, stats.ClusterStats], tuple[metrics.Refusal, ...]] | None:
        assert self._client is not None, "AgentMetrics polls inside its `async with` block only"
        try:
            response = await self._client.get(agent + PATH)
            response.raise_for_status()
            report = response.json()
            counters = reports.read(report, agent)
            refused = reports.refused(report, agent, self._namespace)
        except (httpx.HTTPError, ValueError, errors.DataPlaneError) as exc:
            self._problem(agent, _describe(agent, exc))
            return None
        self._problem(agent, None)
        return counters, refused

    def _problem(self, agent: str, problem: str | None) -> None:
        """Log an agent's problem when it changes, so a long outage is one line, not one per poll."""
        if self._problems.get(agent) == problem:
            return
        if problem is None:
            self._problems.pop(agent, None)
            log.info("The gateway agent at %s reports its metrics again.", agent)
        else:
            self._problems[agent] = problem
            log.warning("%s", problem)


def _aware(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {moment.isoformat()}")
    return moment


def _describe(agent: str, exc: Exception) -> str:
    if isinstance(exc, errors.DataPlaneError):
        return str(exc)
    if isinstance(exc, httpx.HTTPStatusError):
        return f"The gateway agent at {agent} answered {exc.response.status_code} to GET {PATH}."
    reason = str(exc) or type(exc).__name__
    return f"Cannot read the metrics of the gateway agent at {agent}: {reason}."
