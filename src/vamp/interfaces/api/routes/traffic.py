"""``/api/v1/metrics/...`` and ``/api/v1/health/...``: what the gateway agents measured (vamp.md §2.2).

* ``/metrics/gateways/{gateway}[/routes/{route}][/{metric}]``: everything measured, or one metric
  (``rate``, ``responseTime``, ``requests``, ``codes``, ``p50``, ``p95``, ``p99``, ``health``);
* ``/metrics/deployments/{d}/clusters/{c}[/services/{s}]/ports/{p}/{metric}``: the same for the
  internal gateway ``d/c/p`` (and its route to ``s``);
* ``/health/gateways/{gateway}[/routes/{route}]`` and ``/health/deployments/{d}[/clusters/{c}
  [/services/{s}]]``: the share of responses that were not 5xx, from 0 to 1.

Gateway and route names may hold slashes (encoded or not). ``?window=`` is the window in seconds
(default 120). Nothing measured in the window is a 404, or, for ``/metrics/gateways/...`` and
``/health/...`` asked with ``?unmeasured=null``, a 200 with ``null``: the web UI's charts and deployment
pages ask so, since a browser logs every 404 as an error, and a route is not measured for its first
moments. A gateway or deployment that is not there is a 404 either way. Every route reads through
``Measured``: the measurements of the request's namespace over its window.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vamp import errors
from vamp.interfaces.api import negotiation
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.ports import metrics
from vamp.services import measurements

T = TypeVar("T")

router = APIRouter(tags=["metrics"], dependencies=[Depends(negotiation.check_accept)])

Window = Annotated[float, Query(gt=0, description="The window, in seconds.")]
Unmeasured = Annotated[
    Literal["404", "null"],
    Query(description="What nothing measured in the window answers: 404, or null (with 200)."),
]


@dataclass(frozen=True, slots=True)
class _Measuring:
    """The measurements of one namespace over one window."""

    measurements: measurements.Measurements
    namespace: str
    window: float

    async def summary(self, gateway: str, route: str | None) -> metrics.TrafficSummary:
        return await self.measurements.summary(self.namespace, gateway, route, window=self.window)

    async def metric(self, gateway: str, route: str | None, metric: str) -> Any:
        return await self.measurements.metric(self.namespace, gateway, route, metric, window=self.window)

    async def health(self, deployment: str, cluster: str | None = None, service: str | None = None) -> float:
        return await self.measurements.deployment_health(
            self.namespace, deployment, cluster, service, window=self.window
        )


async def _measuring(
    namespace: Namespace, services: Wired, window: Window = measurements.DEFAULT_WINDOW
) -> _Measuring:
    return _Measuring(services.measurements, namespace, window)


Measured = Annotated[_Measuring, Depends(_measuring)]
"""A route parameter: the measurements of the request's namespace over the window it asks for."""


def _split(path: str) -> tuple[str, str | None, str | None]:
    """``gateway[/routes/route][/metric]`` → gateway, route, metric."""
    head, slash, last = path.rpartition("/")
    metric = last if slash and last in measurements.METRICS else None
    rest = head if metric is not None else path
    gateway, separator, route = rest.partition("/routes/")
    return gateway, (route if separator else None), metric


@router.get("/metrics/gateways/{path:path}", summary="Metrics of a gateway or route")
async def gateway_metrics(
    request: Request, path: str, measured: Measured, unmeasured: Unmeasured = "404"
) -> Response:
    gateway, route, metric = _split(path)
    if metric is None:
        summary = await _or_none(measured.summary(gateway, route), unmeasured)
        return negotiation.render(
            request, None if summary is None else {**asdict(summary), "codes": dict(summary.codes)}
        )
    return negotiation.render(request, await _or_none(measured.metric(gateway, route, metric), unmeasured))


async def _or_none(measuring: Awaitable[T], unmeasured: str) -> T | None:
    """What ``measuring`` gives, or ``None`` for nothing measured when the request asked for null then
    (``?unmeasured=null``: the web UI, whose browser logs every 404 as an error). Anything else that is
    not there is still a 404."""
    try:
        return await measuring
    except errors.NothingMeasuredError:
        if unmeasured == "null":
            return None
        raise


@router.get(
    "/metrics/deployments/{deployment}/clusters/{cluster}/ports/{port}/{metric}",
    summary="Metrics of a cluster port",
)
async def cluster_metrics(
    request: Request, deployment: str, cluster: str, port: str, metric: str, measured: Measured
) -> Response:
    value = await measured.metric(f"{deployment}/{cluster}/{port}", None, _metric(metric))
    return negotiation.render(request, value)


@router.get(
    "/metrics/deployments/{deployment}/clusters/{cluster}/services/{service}/ports/{port}/{metric}",
    summary="Metrics of a service on a cluster port",
)
async def service_metrics(
    request: Request, deployment: str, cluster: str, service: str, port: str, metric: str, measured: Measured
) -> Response:
    value = await measured.metric(f"{deployment}/{cluster}/{port}", service, _metric(metric))
    return negotiation.render(request, value)


def _metric(name: str) -> str:
    if name not in measurements.METRICS:
        raise errors.NotFoundError(
            f"There is no metric '{name}'; the metrics are: {', '.join(measurements.METRICS)}."
        )
    return name


@router.get("/health/gateways/{path:path}", summary="Health of a gateway or route")
async def gateway_health(
    request: Request, path: str, measured: Measured, unmeasured: Unmeasured = "404"
) -> Response:
    gateway, separator, route = path.partition("/routes/")
    summary = await _or_none(measured.summary(gateway, route if separator else None), unmeasured)
    return negotiation.render(request, None if summary is None else summary.health)


@router.get("/health/deployments/{deployment}", summary="Health of a deployment")
async def deployment_health(
    request: Request, deployment: str, measured: Measured, unmeasured: Unmeasured = "404"
) -> Response:
    return negotiation.render(request, await _or_none(measured.health(deployment), unmeasured))


@router.get("/health/deployments/{deployment}/clusters/{cluster}", summary="Health of a cluster")
async def cluster_health(
    request: Request, deployment: str, cluster: str, measured: Measured, unmeasured: Unmeasured = "404"
) -> Response:
    return negotiation.render(request, await _or_none(measured.health(deployment, cluster), unmeasured))


@router.get(
    "/health/deployments/{deployment}/clusters/{cluster}/services/{service}", summary="Health of a service"
)
async def service_health(
    request: Request,
    deployment: str,
    cluster: str,
    service: str,
    measured: Measured,
    unmeasured: Unmeasured = "404",
) -> Response:
    found = await _or_none(measured.health(deployment, cluster, service), unmeasured)
    return negotiation.render(request, found)


@router.get(
    "/health/deployments/{deployment}/clusters/{cluster}/services/{service}/instances/{instance}",
    summary="Health of an instance (never measured)",
)
async def instance_health(deployment: str, cluster: str, service: str, instance: str) -> Response:
    raise errors.NotFoundError(
        measurements.NO_INSTANCE_HEALTH.format(deployment=deployment, cluster=cluster, service=service)
    )
