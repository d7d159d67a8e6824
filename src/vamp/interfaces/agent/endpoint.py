"""The agent's HTTP endpoint (Starlette), for people, health checks, the server and Prometheus.

* ``GET /health``       200 while Envoy runs, 503 while it is down (``{"status", "envoy_pid", "version"}``);
* ``GET /status``       the active plan version and since when, where it came from, what it could not
                        serve, the gateways Envoy refused, the last error and when, and Envoy's PID,
                        restarts and why each one ended;
* ``GET /metrics.json`` per gateway, and per route inside it: requests, requests per second, responses
                        per status class, latency p50/p95/p99 and mean, and the histogram's buckets; and
                        the gateways Envoy refused (``refused``), which the server collects with them;
* ``GET /metrics``      the same traffic for Prometheus (``prometheus``).

Reading the state is the services' job; this module only shapes it. Times are ISO 8601 in UTC,
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
from vamp.interfaces.agent import prometheus
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


def create_app(parts: Parts) -> Starlette:
    """The endpoint's ASGI application."""

    async def health(request: Request) -> Response:
        pid = parts.data_plane.health().pid
        body = {
            "status": "ok" if pid else "envoy down",
            "envoy_pid": pid,
            "version": parts.agent.status.version,
        }
        return JSONResponse(body, status_code=200 if pid else 503)

    async def status(request: Request) -> Response:
        return JSONResponse(status_data(parts.agent.status, parts.data_plane.health()))

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
            (measured.traffic for measured in report.items), parts.agent.status, parts.data_plane.health()
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


def status_data(status: agent_service.Status, health: gateway_agent.Health) -> JsonObject:
    """``/status`` as plain data."""
    return {
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
        "envoy": {
            "pid": health.pid,
            "restarts": health.restarts,
            "exits": list(health.exits),
            "admin": health.admin_url,
        },
    }


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
