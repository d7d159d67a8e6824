"""The agent's traffic and state in Prometheus' text exposition format, written by ``prometheus_client``.

Traffic is exposed per gateway and route only, as counters and a histogram in seconds (Prometheus' base
unit) with cumulative buckets, a sum and a count, never as percentiles: Prometheus can then add up the
routes of a gateway, and the same route on several agents, correctly (``sum by (gateway, le)
(rate(vamp_gateway_request_duration_seconds_bucket[1m]))`` then ``histogram_quantile``). Counts restart
from zero when the proxy (Envoy or HAProxy) restarts, which Prometheus' ``rate`` treats as a counter reset.

Each scrape builds its families from one reading of the proxy's statistics (``Reading``, a collector of its
own registry), so nothing here holds state between scrapes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from vamp.interfaces.agent import proxies
from vamp.ports import gateway_agent
from vamp.services import agent as agent_service

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = "vamp_gateway_requests"
"""Counted as ``vamp_gateway_requests_total``."""
DURATION = "vamp_gateway_request_duration_seconds"

_ROUTE = ("gateway", "route")


def exposition(
    traffic: Iterable[gateway_agent.Traffic],
    status: agent_service.Status,
    health: gateway_agent.Health,
    proxy: proxies.Proxy,
) -> str:
    """The whole ``/metrics`` page."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Reading([item for item in traffic if item.route is not None], status, health, proxy))
    return generate_latest(registry).decode()


class Reading(Collector):
    """The metric families of one reading of the routes' traffic and the agent's state."""

    def __init__(
        self,
        routes: list[gateway_agent.Traffic],
        status: agent_service.Status,
        health: gateway_agent.Health,
        proxy: proxies.Proxy,
    ) -> None:
        self.routes = routes
        self.status = status
        self.health = health
        self.proxy = proxy

    def collect(self) -> Iterator[Metric]:
        yield self._requests()
        yield self._durations()
        yield from self._agent()

    def _requests(self) -> Metric:
        family = CounterMetricFamily(
            REQUESTS,
            "Responses per gateway, route and status class since the proxy started.",
            labels=[*_ROUTE, "code_class"],
        )
        for item in self.routes:
            for code_class, count in item.codes.items():
                family.add_metric([item.gateway, item.route or "", code_class], count)
        return family

    def _durations(self) -> Metric:
        family = HistogramMetricFamily(
            DURATION, "Time until the upstream's response, per gateway and route.", labels=list(_ROUTE)
        )
        for item in self.routes:
            latency = item.latency
            if not latency.bounds:
                continue
            buckets = [
                (_seconds(bound), count) for bound, count in zip(latency.bounds, latency.counts, strict=True)
            ]
            family.add_metric([item.gateway, item.route or ""], buckets, latency.sum_ms / 1000)
        return family

    def _agent(self) -> Iterator[Metric]:
        plan = GaugeMetricFamily(
            "vamp_agent_plan_info",
            "The routing plan the agent serves (1 for its version).",
            labels=["version"],
        )
        if self.status.version is not None:
            plan.add_metric([self.status.version], 1)
        yield plan
        proxy = GaugeMetricFamily(
            "vamp_agent_proxy_info", "The data plane the agent runs (1 for its name).", labels=["proxy"]
        )
        proxy.add_metric([str(self.proxy)], 1)
        yield proxy
        title, up = self.proxy.product, int(self.health.pid is not None)
        counters = [
            ("vamp_agent_plans_applied", "Routing plans made active.", self.status.applied),
            ("vamp_agent_plans_rejected", "Routing plans refused as invalid.", self.status.rejected),
            ("vamp_agent_proxy_restarts", f"Times {title} died and was started again.", self.health.restarts),
        ]
        gauges = [("vamp_agent_proxy_up", f"Whether {title} is running.", up)]
        if self.proxy is proxies.Proxy.ENVOY:  # the names of the agents before HAProxy, still scraped
            counters.append(
                ("vamp_agent_envoy_restarts", "Times Envoy died and was started again.", self.health.restarts)
            )
            gauges.append(("vamp_agent_envoy_up", "Whether Envoy is running.", up))
        for name, help_text, value in counters:
            yield CounterMetricFamily(name, help_text, value=value)
        for name, help_text, value in gauges:
            yield GaugeMetricFamily(name, help_text, value=value)


def _seconds(milliseconds: float) -> str:
    """A bucket bound in milliseconds as the ``le`` of a histogram in seconds: ``0.0005``, ``+Inf``."""
    return "+Inf" if math.isinf(milliseconds) else repr(milliseconds / 1000)


def le(bound: float) -> str:
    """A bucket bound in milliseconds as ``/metrics.json`` writes an infinite one: ``+Inf``."""
    if math.isinf(bound):
        return "+Inf"
    return str(int(bound)) if float(bound).is_integer() else repr(float(bound))
