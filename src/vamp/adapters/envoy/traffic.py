"""Envoy's per-cluster statistics as traffic per gateway and per route (pure).

The renderer names the gateway and route each Envoy cluster serves (``Rendering.clusters``); ``traffic``
adds up the clusters of each route, and the routes of each gateway: request counts and status classes
are summed, latency histograms are merged bucket by bucket and only then turned into percentiles (an
average of percentiles means nothing). Every route of the rendering is reported, with zeros if it has
served nothing yet; clusters the rendering does not name (left over from an earlier plan) are ignored.

Reading the statistics is ``stats``' job; rates over time are the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from vamp import errors
from vamp.adapters.envoy import stats
from vamp.ports import gateway_agent

CODE_CLASSES = stats.STATUS_CLASSES
_IDLE = stats.ClusterStats()
"""The reading of a cluster Envoy did not report: it has served nothing."""
_NO_LATENCY = gateway_agent.Latency(bounds=(), counts=(), sum_ms=0.0, p50=None, p95=None, p99=None)


class Origin(Protocol):
    """What an Envoy cluster serves: one route of one gateway."""

    @property
    def gateway(self) -> str: ...

    @property
    def route(self) -> str: ...


def traffic(
    clusters: Mapping[str, Origin], readings: Mapping[str, stats.ClusterStats]
) -> tuple[gateway_agent.Traffic, ...]:
    """Each gateway's traffic, followed by each of its routes', gateways and routes in name order.

    Args:
        clusters: Envoy cluster name → the gateway and route it serves.
        readings: one reading of every cluster's stats (``stats.read``).

    Raises:
        errors.DataPlaneError: two histograms of one route or gateway have different buckets.
    """
    routes: dict[tuple[str, str], list[stats.ClusterStats]] = {}
    for cluster, origin in clusters.items():
        routes.setdefault((origin.gateway, origin.route), []).append(readings.get(cluster, _IDLE))
    gateways: dict[str, list[stats.ClusterStats]] = {}
    for (gateway, _), parts in routes.items():
        gateways.setdefault(gateway, []).extend(parts)
    # Routes grouped by gateway in one pass, sorted once: 1,000 gateways of 10 routes each are read in
    # milliseconds, not the seconds a scan of every route per gateway took.
    owned: dict[str, list[tuple[str, list[stats.ClusterStats]]]] = {}
    for (gateway, route), parts in sorted(routes.items()):
        owned.setdefault(gateway, []).append((route, parts))
    result: list[gateway_agent.Traffic] = []
    for gateway in sorted(gateways):
        result.append(_traffic(gateway, None, gateways[gateway]))
        result.extend(_traffic(gateway, route, parts) for route, parts in owned[gateway])
    return tuple(result)


def merge(parts: Iterable[stats.ClusterStats]) -> stats.ClusterStats:
    """The sum of several clusters' stats; histograms are added bucket by bucket.

    Raises:
        errors.DataPlaneError: two non-empty histograms have different bucket bounds.
    """
    completed = 0
    classes: dict[str, int] = {}
    latency = stats.Histogram()
    for part in parts:
        completed += part.completed
        for code_class, count in part.classes.items():
            classes[code_class] = classes.get(code_class, 0) + count
        latency = _add(latency, part.latency)
    return stats.ClusterStats(completed, classes, latency)


def _traffic(gateway: str, route: str | None, parts: list[stats.ClusterStats]) -> gateway_agent.Traffic:
    if all(part is _IDLE for part in parts):
        # Most of 10,000 routes serve nothing between two readings of the meter: their zeros are known
        # without adding up empty histograms (a tenth of a second to a third of one per reading).
        return gateway_agent.Traffic(
            gateway=gateway,
            route=route,
            requests=0,
            codes=dict.fromkeys(CODE_CLASSES, 0),
            latency=_NO_LATENCY,
        )
    total = merge(parts)
    histogram = total.latency
    return gateway_agent.Traffic(
        gateway=gateway,
        route=route,
        requests=total.completed,
        codes={code_class: total.classes.get(code_class, 0) for code_class in CODE_CLASSES},
        latency=gateway_agent.Latency(
            bounds=histogram.bounds,
            counts=histogram.counts,
            sum_ms=histogram.sum_ms,
            p50=histogram.quantile(0.50),
            p95=histogram.quantile(0.95),
            p99=histogram.quantile(0.99),
        ),
    )


def _add(one: stats.Histogram, other: stats.Histogram) -> stats.Histogram:
    if not other.bounds:
        return one
    if not one.bounds:
        return other
    if one.bounds != other.bounds:
        raise errors.DataPlaneError(
            f"Cannot add latency histograms with different buckets: {list(one.bounds)} and "
            f"{list(other.bounds)}."
        )
    counts = tuple(a + b for a, b in zip(one.counts, other.counts, strict=True))
    return stats.Histogram(one.bounds, counts, one.sum_ms + other.sum_ms)
