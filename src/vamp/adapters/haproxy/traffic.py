"""HAProxy's per-backend statistics as traffic per gateway and per route (pure).

The renderer names the gateway and route each backend serves (``Rendering.backends``); ``traffic`` adds
up the backends of each route, and the routes of each gateway, from one reading of ``show stat``
(``runtime.Runtime.stat``): requests and responses per status class, counted since the worker started
(a reload starts them from zero again, as a restart of Envoy does). Every route of the rendering is
reported, with zeros if it has served nothing yet; backends the rendering does not name are ignored.
Latency is not measured here yet: it is reported empty (no buckets, no percentiles).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from vamp.adapters.haproxy.runtime import ProxyType, StatRow
from vamp.ports import gateway_agent

CODE_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
NO_LATENCY = gateway_agent.Latency(bounds=(), counts=(), sum_ms=0.0, p50=None, p95=None, p99=None)


class Origin(Protocol):
    """What an HAProxy backend serves: one route of one gateway."""

    @property
    def gateway(self) -> str: ...

    @property
    def route(self) -> str: ...


def traffic(backends: Mapping[str, Origin], rows: Iterable[StatRow]) -> tuple[gateway_agent.Traffic, ...]:
    """Each gateway's traffic, followed by each of its routes', gateways and routes in name order.

    Args:
        backends: HAProxy backend name → the gateway and route it serves.
        rows: one reading of ``show stat``; only the backends' own rows are counted.
    """
    reading = {row.proxy: row for row in rows if row.type is ProxyType.BACKEND}
    routes: dict[tuple[str, str], list[StatRow]] = {}
    for backend, origin in backends.items():
        parts = routes.setdefault((origin.gateway, origin.route), [])
        if backend in reading:
            parts.append(reading[backend])
    gateways: dict[str, list[StatRow]] = {}
    for (gateway, _), parts in routes.items():
        gateways.setdefault(gateway, []).extend(parts)
    result: list[gateway_agent.Traffic] = []
    for gateway in sorted(gateways):
        result.append(_traffic(gateway, None, gateways[gateway]))
        result.extend(
            _traffic(gateway, route, parts)
            for (owner, route), parts in sorted(routes.items())
            if owner == gateway
        )
    return tuple(result)


def _traffic(gateway: str, route: str | None, rows: Iterable[StatRow]) -> gateway_agent.Traffic:
    requests = 0
    codes = dict.fromkeys(CODE_CLASSES, 0)
    for row in rows:
        requests += row.requests
        for code_class in CODE_CLASSES:
            codes[code_class] += row.responses.get(code_class, 0)
    return gateway_agent.Traffic(
        gateway=gateway, route=route, requests=requests, codes=codes, latency=NO_LATENCY
    )
