"""The server's own metrics for Prometheus: what ``GET /metrics`` answers (``routes/monitoring.py``).

* API requests by method, route (its path template, ``/api/v1/gateways/{name}``, so a gateway's name
  never becomes a label) and status: ``vamp_api_requests_total`` and, by method and route,
  ``vamp_api_request_duration_seconds`` — counted by ``RequestMetrics``, the outermost middleware;
* the reconciling loops (``loop`` is ``reconciler`` or ``gateways``): passes and failed passes
  (``vamp_reconcile_passes_total{result}``), their duration (``vamp_reconcile_pass_duration_seconds``)
  and the keys waiting in their work queue (``vamp_workqueue_depth``);
* the store's transactions, ``read`` and ``write``: ``vamp_store_transaction_duration_seconds``;
* whether this server leads (``vamp_leader``), so of several servers only one shows 1;
* each release the release controller runs (on the leader): ``vamp_release_phase{namespace,release,phase}``
  (1 for its current phase, 0 for the others), ``vamp_release_step`` (1 for the first step, 0 before it)
  and ``vamp_release_weight{namespace,release,route}`` (percent, as the controller set them).

The loops, the store and the leadership are the wiring's (``Instruments``); a server built without them
(the API's tests) exposes the API's requests only. Every value is read when Prometheus scrapes: nothing
here runs between scrapes. Everything is in base units: seconds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vamp.core.durations import Durations
from vamp.interfaces.api import namespaces

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED = "unmatched"
"""The route label of a request no route matched (a 404 for a path the API does not have)."""
_API = "/api/v1"


class Queue(Protocol):
    """What a work queue counts (``vamp.services.workqueue.WorkQueue``)."""

    @property
    def name(self) -> str: ...
    @property
    def depth(self) -> int: ...

    passes: int
    failed: int
    durations: Durations


class Release(Protocol):
    """What ``/metrics`` shows of one release (``vamp.services.releases.controller.Gauge``)."""

    @property
    def namespace(self) -> str: ...
    @property
    def release(self) -> str: ...
    @property
    def phase(self) -> str: ...
    @property
    def step(self) -> int | None: ...
    @property
    def weights(self) -> Mapping[str, float]: ...


PHASES = ("Pending", "Progressing", "Waiting", "Paused", "Promoted", "RolledBack", "Aborted", "Failed")
"""Every phase a release may be in (``model.ReleasePhase``), each a series of ``vamp_release_phase``."""


@dataclass(frozen=True, slots=True)
class Instruments:
    """What the server's parts count, handed in by the wiring."""

    queues: Sequence[Queue] = ()
    store: Mapping[str, Durations] = field(default_factory=dict)
    """The store's transaction durations by kind (``read``, ``write``)."""
    leading: Callable[[], bool] | None = None
    releases: Callable[[], Sequence[Release]] | None = None
    """The releases the release controller runs, as it last saw them."""


class ApiRequests:
    """The API's requests: counts by (method, route, status), durations by (method, route)."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, str], int] = {}
        self.durations: dict[tuple[str, str], Durations] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, str(status))
        self.counts[key] = self.counts.get(key, 0) + 1
        durations = self.durations.get((method, route))
        if durations is None:
            durations = self.durations[(method, route)] = Durations()
        durations.observe(seconds)


class RequestMetrics:
    """ASGI middleware: counts every HTTP request into ``ApiRequests``, from its start to its last byte."""

    def __init__(self, app: ASGIApp, requests: ApiRequests) -> None:
        self.app = app
        self.requests = requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.requests.observe(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )


def route_template(scope: Scope) -> str:
    """The whole path template of the route that answered: ``/{namespace}/api/v1/gateways/{name}``.

    FastAPI keeps included routers nested, so the matched route knows only its own part of the path
    (``/gateways/{name}``); the part before it is ``/api/v1``, or ``/{namespace}/api/v1`` when the
    request named a namespace, unless the route's path is the request's whole path (``/healthz``).
    """
    template = getattr(scope.get("route"), "path_format", None)
    if not isinstance(template, str):
        return UNMATCHED
    if template == scope["path"] or template.startswith((_API + "/", namespaces.PREFIX + _API)):
        return template
    if namespaces.PARAMETER in scope.get("path_params", {}):
        return namespaces.PREFIX + _API + template
    return _API + template


class ServerMetrics(Collector):
    """Every family ``/metrics`` shows, built from the counts at each scrape."""

    def __init__(self, requests: ApiRequests, instruments: Instruments) -> None:
        self.requests = requests
        self.instruments = instruments

    def collect(self) -> Iterator[Metric]:
        yield from self._api()
        yield from self._loops()
        store = HistogramMetricFamily(
            "vamp_store_transaction_duration_seconds",
            "Time from asking the store for a transaction to its end, by kind (read, write).",
            labels=["kind"],
        )
        for kind, durations in sorted(self.instruments.store.items()):
            store.add_metric([kind], _buckets(durations), durations.sum)
        yield store
        if self.instruments.leading is not None:
            yield GaugeMetricFamily(
                "vamp_leader",
                "1 while this server leads (runs the reconciling loops), else 0.",
                value=int(self.instruments.leading()),
            )
        if self.instruments.releases is not None:
            yield from _releases(self.instruments.releases())

    def _api(self) -> Iterator[Metric]:
        counts = CounterMetricFamily(
            "vamp_api_requests",
            "API requests answered, by method, route and status.",
            labels=["method", "route", "status"],
        )
        for labels, count in sorted(self.requests.counts.items()):
            counts.add_metric(list(labels), count)
        yield counts
        durations = HistogramMetricFamily(
            "vamp_api_request_duration_seconds",
            "Time from an API request's start to its answer's last byte, by method and route.",
            labels=["method", "route"],
        )
        for (method, route), observed in sorted(self.requests.durations.items()):
            durations.add_metric([method, route], _buckets(observed), observed.sum)
        yield durations

    def _loops(self) -> Iterator[Metric]:
        queues = self.instruments.queues
        passes = CounterMetricFamily(
            "vamp_reconcile_passes",
            "Passes of the reconciling loops, by loop and result.",
            labels=["loop", "result"],
        )
        durations = HistogramMetricFamily(
            "vamp_reconcile_pass_duration_seconds", "Time of one pass over one key, by loop.", labels=["loop"]
        )
        depth = GaugeMetricFamily(
            "vamp_workqueue_depth",
            "Keys waiting in a loop's work queue, backing off ones included.",
            labels=["loop"],
        )
        for queue in queues:
            passes.add_metric([queue.name, "ok"], queue.passes - queue.failed)
            passes.add_metric([queue.name, "failed"], queue.failed)
            durations.add_metric([queue.name], _buckets(queue.durations), queue.durations.sum)
            depth.add_metric([queue.name], queue.depth)
        yield from (passes, durations, depth)


def _releases(found: Sequence[Release]) -> Iterator[Metric]:
    labels = ["namespace", "release"]
    phase = GaugeMetricFamily(
        "vamp_release_phase",
        "1 for the phase each release is in, 0 for the others.",
        labels=[*labels, "phase"],
    )
    step = GaugeMetricFamily(
        "vamp_release_step", "The step each release is at, from 1 (0: not started).", labels=labels
    )
    weight = GaugeMetricFamily(
        "vamp_release_weight",
        "The weight (percent) each release set on each of its routes.",
        labels=[*labels, "route"],
    )
    for release in found:
        names = [release.namespace, release.release]
        current = str(release.phase)
        for name in PHASES:
            phase.add_metric([*names, name], int(name == current))
        step.add_metric(names, 0 if release.step is None else release.step + 1)
        for route, percent in sorted(release.weights.items()):
            weight.add_metric([*names, route], percent)
    yield from (phase, step, weight)


def registry(requests: ApiRequests, instruments: Instruments) -> CollectorRegistry:
    """A registry of the server's metrics alone (not the process-wide default one)."""
    made = CollectorRegistry(auto_describe=False)
    made.register(ServerMetrics(requests, instruments))
    return made


def exposition(of: CollectorRegistry) -> bytes:
    """The ``/metrics`` page."""
    return generate_latest(of)


def _buckets(durations: Durations) -> list[tuple[str, Any]]:
    return [("+Inf" if math.isinf(bound) else repr(bound), count) for bound, count in durations.cumulative()]
