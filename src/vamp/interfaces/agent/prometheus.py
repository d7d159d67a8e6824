"""The agent's traffic and state in Prometheus' text exposition format (version 0.0.4).

Traffic is exposed per gateway and route only, as counters and a histogram with cumulative buckets, a
sum and a count, never as percentiles: Prometheus can then add up the routes of a gateway, and the same
route on several agents, correctly (``sum by (gateway, le) (rate(..._bucket[1m]))`` then
``histogram_quantile``). Counts restart from zero when Envoy restarts, which Prometheus' ``rate``
treats as a counter reset.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator

from vamp.ports import gateway_agent
from vamp.services import agent as agent_service

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = "vamp_gateway_requests_total"
DURATION = "vamp_gateway_request_duration_milliseconds"


def exposition(
    traffic: Iterable[gateway_agent.Traffic],
    status: agent_service.Status,
    health: gateway_agent.Health,
) -> str:
    """The whole ``/metrics`` page."""
    routes = [item for item in traffic if item.route is not None]
    return "".join(line + "\n" for line in (*_requests(routes), *_durations(routes), *_agent(status, health)))


def _requests(routes: list[gateway_agent.Traffic]) -> Iterator[str]:
    yield f"# HELP {REQUESTS} Responses per gateway, route and status class since Envoy started."
    yield f"# TYPE {REQUESTS} counter"
    for item in routes:
        for code_class, count in item.codes.items():
            yield f"{REQUESTS}{_labels(item, code_class=code_class)} {count}"


def _durations(routes: list[gateway_agent.Traffic]) -> Iterator[str]:
    yield f"# HELP {DURATION} Time until the upstream's response, per gateway and route."
    yield f"# TYPE {DURATION} histogram"
    for item in routes:
        latency = item.latency
        if not latency.bounds:
            continue
        for bound, count in zip(latency.bounds, latency.counts, strict=True):
            yield f"{DURATION}_bucket{_labels(item, le=le(bound))} {count}"
        yield f"{DURATION}_sum{_labels(item)} {_number(latency.sum_ms)}"
        yield f"{DURATION}_count{_labels(item)} {latency.counts[-1]}"


def _agent(status: agent_service.Status, health: gateway_agent.Health) -> Iterator[str]:
    yield "# HELP vamp_agent_plan_info The routing plan the agent serves (1 for its version)."
    yield "# TYPE vamp_agent_plan_info gauge"
    if status.version is not None:
        yield f'vamp_agent_plan_info{{version="{_escape(status.version)}"}} 1'
    for name, help_text, value in (
        ("vamp_agent_plans_applied_total", "Routing plans made active.", status.applied),
        ("vamp_agent_plans_rejected_total", "Routing plans refused as invalid.", status.rejected),
        ("vamp_agent_envoy_restarts_total", "Times Envoy died and was started again.", health.restarts),
    ):
        yield f"# HELP {name} {help_text}"
        yield f"# TYPE {name} counter"
        yield f"{name} {value}"
    yield "# HELP vamp_agent_envoy_up Whether Envoy is running."
    yield "# TYPE vamp_agent_envoy_up gauge"
    yield f"vamp_agent_envoy_up {int(health.pid is not None)}"


def le(bound: float) -> str:
    """A bucket bound as the ``le`` label writes it: ``0.5``, ``1``, ``3600000``, ``+Inf``."""
    if math.isinf(bound):
        return "+Inf"
    return _number(bound)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _labels(item: gateway_agent.Traffic, **extra: str) -> str:
    pairs = {"gateway": item.gateway, "route": item.route or "", **extra}
    return "{" + ",".join(f'{key}="{_escape(value)}"' for key, value in pairs.items()) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
