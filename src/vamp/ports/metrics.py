"""The metrics port: what the gateway agents measured, per gateway and per route, over a recent window.

The API's ``/api/v1/metrics/...`` and ``/api/v1/health/...`` endpoints (vamp.md §2.2) read through this
port; the collector adapter (fed by the agents' reports) implements it. Gateways are named as the API
names them (``sava``, ``sava/9050``, ``sava/sava/webport``) and routes by their full path in that gateway
(``sava/sava/sava:1.0.0/webport``). A release reads what a route ``served`` between two wall-clock
instants (one step's window) instead of over the last seconds. The same reports say which gateways each
agent's data plane refused (``RefusalReader``): the API shows them as not deployed. Ports hold no logic
and import only the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class TrafficSummary:
    """What one gateway (``route`` ``None``) or one of its routes served during a window.

    ``rate`` is requests per second over the window; ``codes`` counts responses per status class
    (``2xx`` …); latencies (``mean`` is Vamp's ``responseTime``) are in milliseconds, ``None`` while
    nothing was measured; ``health`` is the share of responses that were not 5xx, from 0 to 1.
    """

    gateway: str
    route: str | None
    requests: int
    rate: float
    codes: Mapping[str, int]
    mean: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    health: float


@dataclass(frozen=True, slots=True)
class Served:
    """What one gateway (or one of its routes) served between two instants, as counts a judge can test.

    ``errors`` are the responses with status 5xx; ``codes`` counts responses per status class (``2xx`` …,
    every class present); ``counts[i]`` requests took at most ``bounds[i]`` ms (cumulative, the last bound
    infinite, as ``gateway_agent.Latency``; both empty while no histogram was reported); ``seconds`` is
    the time the measurements span, which may start a little before the window asked for (the newest
    sample at or before its start is the base).
    """

    requests: int
    errors: int
    codes: Mapping[str, int]
    bounds: tuple[float, ...]
    counts: tuple[int, ...]
    seconds: float


class MetricsReader(Protocol):
    async def summary(
        self, namespace: str, gateway: str, route: str | None, *, window: float
    ) -> TrafficSummary | None:
        """What ``gateway`` (or its ``route``) served in the last ``window`` seconds.

        Returns ``None`` when nothing was reported for it in that window.
        """
        ...

    async def served(
        self,
        namespace: str,
        gateway: str,
        route: str | None,
        *,
        since: datetime,
        until: datetime | None = None,
    ) -> Served | None:
        """What ``gateway`` (or its ``route``, by full path) served from ``since`` to ``until`` (now when
        ``None``), both timezone-aware.

        The window starts at the newest measurement taken at or before ``since`` and ends at the newest
        taken at or before ``until``; what was served after the last measurement is not in it yet (see
        ``refresh``). A window reaching back further than the reader keeps measurements (the collector:
        its horizon, 15 minutes by default) starts at the oldest one kept: ``seconds`` says what was
        covered. Returns ``None`` when nothing was reported for it from ``since`` on.
        """
        ...

    async def refresh(self) -> None:
        """Take a measurement now, so that ``served`` counts what was served up to this moment."""
        ...


@dataclass(frozen=True, slots=True)
class Refusal:
    """A gateway a gateway agent's data plane refused: the agent serves its plan without it."""

    agent: str
    """The agent's base URL."""
    namespace: str
    gateway: str
    reason: str
    since: str | None
    """When the agent first refused it, as it reported (ISO 8601)."""


class RefusalReader(Protocol):
    def refused(self, namespace: str) -> tuple[Refusal, ...]:
        """The gateways of ``namespace`` that agents refused in their latest reports, by agent and name."""
        ...
