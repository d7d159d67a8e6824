"""The metrics port: what the gateway agents measured, per gateway and per route, over a recent window.

The API's ``/api/v1/metrics/...`` and ``/api/v1/health/...`` endpoints (vamp.md §2.2) read through this
port; the collector adapter (fed by the agents' reports) implements it. Gateways are named as the API
names them (``sava``, ``sava/9050``, ``sava/sava/webport``) and routes by their full path in that gateway
(``sava/sava/sava:1.0.0/webport``). The same reports say which gateways each agent's data plane refused
(``RefusalReader``): the API shows them as not deployed. Ports hold no logic and import only the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


class MetricsReader(Protocol):
    async def summary(
        self, namespace: str, gateway: str, route: str | None, *, window: float
    ) -> TrafficSummary | None:
        """What ``gateway`` (or its ``route``) served in the last ``window`` seconds.

        Returns ``None`` when nothing was reported for it in that window.
        """
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
