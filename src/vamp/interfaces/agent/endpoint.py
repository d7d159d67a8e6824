"""The agent's HTTP endpoint (Starlette), for people, health checks, the server and Prometheus.

* ``GET /health``       200 while the proxy runs, 503 while it is down (``{"status", "proxy", "pid",
                        "version"}``, and ``envoy_pid`` on Envoy);
* ``GET /status``       the active plan version and since when, where it came from, what it could not
                        serve, the gateways the proxy refused, the last error and when, which proxy
                        (``proxy``: ``envoy`` or ``haproxy``) and, in ``data_plane``, its PID, restarts
                        and why each one ended (the same block as ``envoy`` too on Envoy, as before);
* ``GET /metrics.json`` per gateway, and per route inside it: requests, requests per second, responses
                        per status class, latency p50/p95/p99 and mean, and the histogram's buckets; and
                        the gateways the proxy refused (``refused``), which the server collects with them;
* ``GET /metrics``      the same traffic for Prometheus (``prometheus``).

The shapes are the same on either proxy, so the server, the CLI and the UI read both alike. Reading the
state is the services' job; this module only shapes it. Times are ISO 8601 in UTC,
latencies in milliseconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from vamp import errors
from vamp.interfaces.agent import prometheus, proxies
from vamp.ports import gateway_agent
from vamp.services import agent as agent_service
from vamp.services import traffic

JsonObject = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Parts:
    """What the endpoint reports on."""

    agent: agent_service.Agent
    meter: traffic.TrafficMeter
    data_plane: gateway_agent.DataPlane
    proxy: proxies.Proxy = proxies.Proxy.ENVOY


def create_app(parts: Parts) -> Starlette:
    """The endpoint's ASGI application."""

    async def health(request: Request) -> Response:
        return health_response(parts.agent.status, parts.data_plane.health(), parts.proxy)

    async def status(request: Request) -> Response:
        return JSONResponse(status_data(parts.agent.status, parts.data_plane.health(), parts.proxy))

    async def metrics_json(request: Request) -> Response:
        try:
            report = await parts.meter.report()
        except errors.DataPlaneError as exc:
            return JSONResponse({"message": str(exc)}, status_code=503)
        return JSONResponse({**traffic_data(report), "refused": refused_data(parts.agent.status)})

    async def metrics(request: Request) -> Response:
        try:
            report = await parts.meter.report()
        except errors.DataPlaneError as exc:
            return Response(f"# {exc}\n", status_code=503, media_type="text/plain")
        text = prometheus.exposition(
            (measured.traffic for measured in report.items),
            parts.agent.status,
            parts.data_plane.health(),
            parts.proxy,
        )
        return Response(text, media_type=prometheus.CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/health", health),
            Route("/status", status),
            Route("/metrics.json", metrics_json),
            Route("/metrics", metrics),
        ]
    )


def health_response(
    status: agent_service.Status, health: gateway_agent.Health, proxy: proxies.Proxy
) -> JSONResponse:
    """``/health``: 200 while the proxy runs, 503 while it is down."""
    pid = health.pid
    body: JsonObject = {"status": "ok" if pid else f"{proxy} down", "proxy": str(proxy), "pid": pid}
    if proxy is proxies.Proxy.ENVOY:
        body["envoy_pid"] = pid
    body["version"] = status.version
    return JSONResponse(body, status_code=200 if pid else 503)


def status_data(
    status: agent_service.Status, health: gateway_agent.Health, proxy: proxies.Proxy
) -> JsonObject:
    """``/status`` as plain data."""
    process = {
        "pid": health.pid,
        "restarts": health.restarts,
        "exits": list(health.exits),
        "admin": health.admin_url,
    }
    data: JsonObject = {
        "version": status.version,
        "since": _time(status.since),
        "origin": status.origin,
        "problems": list(status.problems),
        "refused": refused_data(status),
        "pending": status.pending,
        "last_error": status.last_error,
        "last_error_at": _time(status.last_error_at),
        "plans_applied": status.applied,
        "plans_rejected": status.rejected,
        "proxy": str(proxy),
        "data_plane": process,
    }
    if proxy is proxies.Proxy.ENVOY:
        data["envoy"] = process  # the key of the agents before HAProxy, which clients still read
    return data


def refused_data(status: agent_service.Status) -> list[JsonObject]:
    """The gateways of the active plan the data plane refused, ``{gateway, reason, since}``, each named as
    in the plan (the server reads the namespace from a combined plan's name)."""
    return [
        {"gateway": item.gateway, "reason": item.reason, "since": _time(item.since)}
        for item in status.refused
    ]


def traffic_data(report: traffic.TrafficReport) -> JsonObject:
    """``/metrics.json`` as plain data: gateways in name order, each with its routes."""
    gateways: dict[str, JsonObject] = {}
    routes: dict[str, list[JsonObject]] = {}
    for measured in report.items:
        item = measured.traffic
        if item.route is None:
            owned = routes.setdefault(item.gateway, [])
            gateways[item.gateway] = {"gateway": item.gateway, **_numbers(measured), "routes": owned}
        else:
            routes.setdefault(item.gateway, []).append({"route": item.route, **_numbers(measured)})
    return {
        "at": _time(report.at),
        "interval": report.interval,
        "gateways": [gateways[name] for name in sorted(gateways)],
    }


def _numbers(measured: traffic.Measured) -> JsonObject:
    item = measured.traffic
    latency = item.latency
    count = latency.counts[-1] if latency.counts else 0
    return {
        "requests": item.requests,
        "rate": round(measured.per_second, 3),
        "codes": dict(item.codes),
        "latency": {
            "p50": latency.p50,
            "p95": latency.p95,
            "p99": latency.p99,
            "mean": latency.sum_ms / count if count else None,
            "count": count,
            "sum": latency.sum_ms,
            "buckets": [
                {"le": prometheus.le(bound) if math.isinf(bound) else bound, "count": cumulative}
                for bound, cumulative in zip(latency.bounds, latency.counts, strict=True)
            ],
        },
    }


def _time(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()
