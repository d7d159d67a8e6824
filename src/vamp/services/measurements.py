"""What the API tells about traffic: gateway and route metrics, and health up to whole deployments.

vamp.md §2.2 and §6.3: a gateway's or route's metric is read from the ``MetricsReader`` over a window
(default 120 s); health is the share of responses that were not 5xx (Vamp's workflow gave 0 or 1, we
give the share). A service's health is that of its routes (one per port of its cluster), a cluster's
the product of its services', a deployment's the product of its clusters', over whatever was measured.
Instances are not measured one by one. Nothing measured in the window is ``errors.NothingMeasuredError``
(a ``NotFoundError``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from vamp import errors
from vamp.ports import metrics
from vamp.services import deployments

DEFAULT_WINDOW = 120.0
"""Seconds, as Vamp's ``?window=`` default."""

METRICS: dict[str, Callable[[metrics.TrafficSummary], Any]] = {
    "rate": lambda summary: summary.rate,
    "responseTime": lambda summary: summary.mean,
    "requests": lambda summary: summary.requests,
    "codes": lambda summary: dict(summary.codes),
    "p50": lambda summary: summary.p50,
    "p95": lambda summary: summary.p95,
    "p99": lambda summary: summary.p99,
    "health": lambda summary: summary.health,
}
"""Every metric by the name the API knows it by, and how to take it from a summary."""

NO_INSTANCE_HEALTH = (
    "Health is not measured per instance; ask for the service's: "
    "/api/v1/health/deployments/{deployment}/clusters/{cluster}/services/{service}."
)


class Measurements:
    """Answers metric and health questions from ``reader``, finding deployment routes in ``deployments``."""

    def __init__(self, reader: metrics.MetricsReader, deployments: deployments.DeploymentService) -> None:
        self._reader = reader
        self._deployments = deployments

    async def summary(
        self, namespace: str, gateway: str, route: str | None = None, *, window: float = DEFAULT_WINDOW
    ) -> metrics.TrafficSummary:
        """Everything measured for a gateway or one of its routes (by full path, or by service name
        for an internal gateway)."""
        route = None if route is None else _route_path(gateway, route)
        found = await self._reader.summary(namespace, gateway, route, window=window)
        if found is None:
            what = f"gateway '{gateway}'" if route is None else f"route '{route}' of gateway '{gateway}'"
            raise errors.NothingMeasuredError(
                f"Nothing was measured for {what} in the last {window:g} seconds."
            )
        return found

    async def metric(
        self, namespace: str, gateway: str, route: str | None, name: str, *, window: float = DEFAULT_WINDOW
    ) -> Any:
        """One metric of a gateway or route (see ``METRICS``)."""
        return METRICS[name](await self.summary(namespace, gateway, route, window=window))

    async def deployment_health(
        self,
        namespace: str,
        deployment: str,
        cluster: str | None = None,
        service: str | None = None,
        *,
        window: float = DEFAULT_WINDOW,
    ) -> float:
        """The health of a deployment, one of its clusters, or one service of a cluster."""
        found = await self._deployments.get(namespace, deployment)
        clusters = found.clusters if cluster is None else {cluster: deployments.cluster_of(found, cluster)}
        healths: list[float] = []
        for cluster_name, item in clusters.items():
            for port in item.gateways:
                gateway = f"{deployment}/{cluster_name}/{port}"
                for breed in item.gateways[port].routes:
                    if service is not None and breed != service:
                        continue
                    route = f"{deployment}/{cluster_name}/{breed}/{port}"
                    summary = await self._reader.summary(namespace, gateway, route, window=window)
                    if summary is not None:
                        healths.append(summary.health)
        if not healths:
            what = "/".join(part for part in (deployment, cluster, service) if part is not None)
            raise errors.NothingMeasuredError(
                f"Nothing was measured for '{what}' in the last {window:g} seconds."
            )
        return math.prod(healths)


def _route_path(gateway: str, route: str) -> str:
    """A route of an internal gateway given by service name (``sava:1.0.0``) as its full path."""
    segments = gateway.split("/")
    if len(segments) == 3 and "/" not in route and not route.startswith("["):
        deployment, cluster, port = segments
        return f"{deployment}/{cluster}/{route}/{port}"
    return route
