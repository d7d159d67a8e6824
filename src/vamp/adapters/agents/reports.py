"""An agent's ``/metrics.json`` report, read into counters per gateway and per route (pure).

The agent (``vamp.interfaces.agent.endpoint``) reports, for each gateway of the plan it serves and each
route inside it, the counters of its data plane since that started: requests, responses per status class
and a cumulative latency histogram in milliseconds (``le`` ``+Inf`` last). Rates are computed here from
the counters, never taken from the agent, so that several agents add up correctly. The report also lists
the gateways the agent's data plane refused (``refused``: ``{gateway, reason, since}``, each named as in
the agent's plan); an agent older than that list sends none.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from vamp import errors
from vamp.adapters.envoy import stats
from vamp.core.routing import combined
from vamp.ports import metrics

Key = tuple[str, str | None]
"""A gateway's name, and a route's path in it (``None``: the whole gateway)."""


def read(report: object, origin: str) -> dict[Key, stats.ClusterStats]:
    """The counters of every gateway and route in ``report``.

    Raises:
        errors.DataPlaneError: the report is not shaped as the agent writes it; names ``origin``.
    """
    try:
        return dict(_counters(report))
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.DataPlaneError(
            f"The gateway agent at {origin} sent a metrics report that cannot be read ({exc}); "
            "is it a vamp agent of the same version?"
        ) from exc


def refused(report: object, origin: str, namespace: str) -> tuple[metrics.Refusal, ...]:
    """The gateways ``report`` says the agent at ``origin`` refused, each in its namespace: a gateway named
    ``[ns]gateway`` is namespace ``ns``'s (``vamp.core.routing.combined``), one named plainly the server's
    default ``namespace``'s.

    Raises:
        errors.DataPlaneError: the list is not shaped as the agent writes it; names ``origin``.
    """
    try:
        items = report.get("refused", []) if isinstance(report, Mapping) else []
        return tuple(
            metrics.Refusal(
                origin,
                *combined.split(str(item["gateway"]), default=namespace),
                str(item["reason"]),
                None if item.get("since") is None else str(item["since"]),
            )
            for item in items
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise errors.DataPlaneError(
            f"The gateway agent at {origin} sent a list of refused gateways that cannot be read ({exc}); "
            "is it a vamp agent of the same version?"
        ) from exc


def _counters(report: object) -> Iterator[tuple[Key, stats.ClusterStats]]:
    if not isinstance(report, Mapping):
        raise TypeError(f"a JSON object was expected, not {type(report).__name__}")
    for gateway in report["gateways"]:
        name = str(gateway["gateway"])
        yield (name, None), _stats(gateway)
        for route in gateway["routes"]:
            yield (name, str(route["route"])), _stats(route)


def _stats(item: Mapping[str, Any]) -> stats.ClusterStats:
    latency = item["latency"]
    buckets = sorted((_bound(bucket["le"]), int(bucket["count"])) for bucket in latency["buckets"])
    histogram = stats.Histogram(
        tuple(bound for bound, _ in buckets), tuple(count for _, count in buckets), float(latency["sum"])
    )
    codes = {str(code): int(count) for code, count in item["codes"].items() if int(count)}
    return stats.ClusterStats(int(item["requests"]), codes, histogram)


def _bound(value: object) -> float:
    bound = float(value) if isinstance(value, int | float) else float(str(value).replace("+Inf", "inf"))
    if math.isnan(bound):
        raise ValueError(f"a bucket bound is not a number: {value!r}")
    return bound
