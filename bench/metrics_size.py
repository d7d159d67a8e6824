"""What the fine latency buckets cost: the agent's ``/metrics.json`` per route, and the collector's memory
per route per sample, with Envoy's default buckets (the baseline) and with ``vamp.core.latency_buckets``'.

One route's histogram holds 100,000 requests of log-normal latency (median 20 ms, sigma 0.8), counted
into each set of bounds; its report entry is made by the agent's own ``traffic_data`` and read back by the
collector's ``reports.read``. Memory is what ``tracemalloc`` sees a ``series.Series`` hold after as many
polls as the collector keeps by default (a 900 s horizon at one poll every 2 s), each a new report of
a little more traffic, read from JSON as the collector reads it.

Run: ``.venv/bin/python bench/metrics_size.py``.
"""

from __future__ import annotations

import json
import math
import random
import tracemalloc
from datetime import UTC, datetime

from vamp.adapters.agents import reports, series
from vamp.core import latency_buckets
from vamp.interfaces.agent import endpoint
from vamp.ports import gateway_agent
from vamp.services import traffic as traffic_meter

ENVOY_DEFAULT = (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000)
ENVOY_DEFAULT_BOUNDS = (*map(float, ENVOY_DEFAULT), 600000.0, 1800000.0, 3600000.0, math.inf)
SAMPLES = math.ceil(900 / 2.0) + 2
"""Samples a series keeps: the collector's default horizon over its default interval, plus two."""
GATEWAY, ROUTE = "sava/sava/webport", "sava/sava/sava:1.0.0/webport"


def latencies(count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(math.log(20.0), 0.8) for _ in range(count)]


def report(bounds: tuple[float, ...], values: list[float]) -> object:
    """An agent's report of one gateway with one route that served ``values`` (ms), as JSON data."""
    ordered = sorted(values)
    counts, index = [], 0
    for bound in bounds:
        while index < len(ordered) and ordered[index] <= bound:
            index += 1
        counts.append(index)
    latency = gateway_agent.Latency(bounds, tuple(counts), sum(values), None, None, None)
    codes = {"1xx": 0, "2xx": len(values), "3xx": 0, "4xx": 0, "5xx": 0}
    items = tuple(
        traffic_meter.Measured(gateway_agent.Traffic(GATEWAY, route, len(values), codes, latency), 50.0)
        for route in (None, ROUTE)
    )
    data = endpoint.traffic_data(traffic_meter.TrafficReport(datetime(2026, 12, 1, tzinfo=UTC), 2.0, items))
    return json.loads(json.dumps(data))


def route_bytes(bounds: tuple[float, ...]) -> int:
    """The bytes of one route's entry in ``/metrics.json``."""
    data = report(bounds, latencies(100_000, 1))
    assert isinstance(data, dict)
    return len(json.dumps(data["gateways"][0]["routes"][0], separators=(",", ":")))


def series_bytes_per_sample(bounds: tuple[float, ...]) -> float:
    """What one route's series holds per sample, after ``SAMPLES`` polls."""
    values = latencies(100_000, 2)
    texts = [json.dumps(report(bounds, values[: 50_000 + 100 * poll])) for poll in range(SAMPLES)]
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = series.Series(SAMPLES)
    for poll, text in enumerate(texts):
        kept.add(float(poll) * 2.0, reports.read(json.loads(text), "bench")[GATEWAY, ROUTE])
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / SAMPLES


def main() -> None:
    fine = latency_buckets.latency_bounds()
    rows = [("Envoy's default buckets", ENVOY_DEFAULT_BOUNDS), ("latency_buckets (10 % apart)", fine)]
    measured = [
        (name, len(bounds), route_bytes(bounds), series_bytes_per_sample(bounds)) for name, bounds in rows
    ]
    base_report, base_memory = measured[0][2], measured[0][3]
    print(f"one route, {SAMPLES} samples kept per series (900 s horizon, 2 s polls)")
    header = ("bounds", "report B/route", "ratio", "memory B/route/sample", "ratio")
    print(f"{'buckets':<30} {header[0]:>6} {header[1]:>15} {header[2]:>6} {header[3]:>22} {header[4]:>6}")
    for name, count, report_bytes, memory in measured:
        print(
            f"{name:<30} {count:>6} {report_bytes:>15,} {report_bytes / base_report:>6.1f}"
            f" {memory:>22,.0f} {memory / base_memory:>6.1f}"
        )
    per_series = measured[-1][3] * SAMPLES
    print(f"a full series with the fine buckets: {per_series / 1024:,.0f} KiB per route (and per gateway)")


if __name__ == "__main__":
    main()
