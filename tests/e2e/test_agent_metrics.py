"""The agent's metrics against the traffic a test sent through the real agent and Envoy.

Three backends behind one gateway: ``slow`` answers after 30 ms, ``fast`` at once, ``broken`` with 503.
The test counts what each answered; the agent's counts must match exactly, per route and per gateway,
and its percentiles must fall in the histogram bucket the known latency lies in. The buckets are those of
``vamp.core.latency_buckets``, fine enough to tell a backend answering in 10 ms from one in 12 ms.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.agents import running_agent, shop_plan, write_plan
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.polling import eventually
from vamp.adapters.agents import collector
from vamp.core import latency_buckets

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

REQUESTS = 150
CODES_NONE = {"1xx": 0, "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0}


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("slow", "fast", "broken") as started:
        started.delay["slow"] = 0.030
        started.status["broken"] = 503
        yield started


def route_of(gateway: dict[str, Any], backends: Backends, name: str) -> dict[str, Any]:
    """The route of ``gateway`` whose target is backend ``name``."""
    port = f":{backends.ports[name]}"
    (route,) = (route for route in gateway["routes"] if port in route["route"])
    return dict(route)


async def test_counts_are_exact_and_percentiles_fall_in_the_right_bucket(tmp_path: Path, backends: Backends):
    port, plan_file = free_port(), tmp_path / "plan.json"
    weights = {backends.ports["slow"]: "40%", backends.ports["fast"]: "40%", backends.ports["broken"]: "20%"}
    plan = shop_plan(port, weights)
    write_plan(plan_file, json.dumps(plan.to_data()))
    async with running_agent(tmp_path / "agent", "--plan", str(plan_file)) as agent:
        await agent.serving(plan.version)
        sent = {"slow": 0, "fast": 0, "broken": 0}
        connection = Connection(port)
        for _ in range(REQUESTS):
            response = await connection.request("/")
            sent[response.headers["x-backend"]] += 1
        await connection.close()

        async def measured() -> bool:
            (gateway,) = (await agent.metrics())["gateways"]
            return bool(gateway["latency"]["count"] == REQUESTS)

        await eventually(measured, timeout=5.0, what="Envoy's histograms have every request")
        (gateway,) = (await agent.metrics())["gateways"]
        prometheus = await agent.prometheus()

    print(f"sent {sent}")
    assert min(sent.values()) > 0
    assert gateway["gateway"] == "shop"
    assert gateway["requests"] == REQUESTS
    assert gateway["codes"] == {**CODES_NONE, "2xx": sent["slow"] + sent["fast"], "5xx": sent["broken"]}
    slow, fast, broken = (route_of(gateway, backends, name) for name in ("slow", "fast", "broken"))
    assert (slow["requests"], fast["requests"], broken["requests"]) == (
        sent["slow"],
        sent["fast"],
        sent["broken"],
    )
    assert slow["codes"] == {**CODES_NONE, "2xx": sent["slow"]}
    assert broken["codes"] == {**CODES_NONE, "5xx": sent["broken"]}

    # Every route is counted into the fine buckets; 30 ms lies above 27.4 ms, an immediate answer in [0, 5].
    bounds = latency_buckets.latency_bounds()
    assert tuple(float(bucket["le"]) for bucket in slow["latency"]["buckets"]) == bounds
    assert 27.4 < slow["latency"]["p50"] <= slow["latency"]["p95"] <= slow["latency"]["p99"] <= 50
    assert fast["latency"]["p99"] <= 5
    assert slow["latency"]["mean"] >= 30
    # The gateway's histogram is the bucket-wise sum of its routes'.
    assert [bucket["count"] for bucket in gateway["latency"]["buckets"]] == [
        sum(counts)
        for counts in zip(
            *([bucket["count"] for bucket in route["latency"]["buckets"]] for route in (slow, fast, broken)),
            strict=True,
        )
    ]
    # Prometheus' view, read with Prometheus' own parser: the same counts, latency in seconds.
    slow_labels = {"gateway": "shop", "route": slow["route"]}
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(prometheus)
        for sample in family.samples
    }
    slow_buckets = {
        float(labels["le"]): value
        for (name, key), value in samples.items()
        if name == "vamp_gateway_request_duration_seconds_bucket"
        and (labels := dict(key))["route"] == slow["route"]
    }

    def sample(name: str, **labels: str) -> float:
        return samples[(name, tuple(sorted({**slow_labels, **labels}.items())))]

    assert sample("vamp_gateway_requests_total", code_class="2xx") == sent["slow"]
    assert sample("vamp_gateway_request_duration_seconds_count") == sent["slow"]
    assert len(slow_buckets) == len(bounds)
    assert [count for le, count in slow_buckets.items() if math.isclose(le, 0.0274)] == [0]
    assert [count for le, count in slow_buckets.items() if math.isclose(le, 0.0534)] == [sent["slow"]]
    assert 0.030 * sent["slow"] <= sample("vamp_gateway_request_duration_seconds_sum") <= 0.050 * sent["slow"]


async def test_a_backend_20_percent_slower_is_counted_in_other_buckets(tmp_path: Path):
    """Envoy's default buckets put 10 ms and 12 ms in one bucket, (10, 25]; the fine ones part them."""
    with Backends("ten", "twelve") as started:
        started.delay["ten"], started.delay["twelve"] = 0.010, 0.012
        port, plan_file = free_port(), tmp_path / "plan.json"
        plan = shop_plan(port, {started.ports["ten"]: "50%", started.ports["twelve"]: "50%"})
        write_plan(plan_file, json.dumps(plan.to_data()))
        async with running_agent(tmp_path / "agent", "--plan", str(plan_file)) as agent:
            await agent.serving(plan.version)
            connection = Connection(port)
            for _ in range(100):
                await connection.request("/")
            await connection.close()

            async def measured() -> bool:
                (gateway,) = (await agent.metrics())["gateways"]
                return bool(gateway["latency"]["count"] == 100)

            await eventually(measured, timeout=5.0, what="Envoy's histograms have every request")
            (gateway,) = (await agent.metrics())["gateways"]
        ten, twelve = (route_of(gateway, started, name)["latency"] for name in ("ten", "twelve"))

    print(f"p50: 10 ms backend {ten['p50']:.2f} ms, 12 ms backend {twelve['p50']:.2f} ms")
    assert 9.6 < ten["p50"] < twelve["p50"]
    assert twelve["p50"] / ten["p50"] > 1.08


async def test_the_collector_reads_exactly_what_a_route_served_in_a_window(
    tmp_path: Path, backends: Backends
):
    """Two windows one after the other through the real agent and Envoy, each read back by the server's
    collector exactly: the requests sent in it, all in the fine latency buckets."""
    port, plan_file = free_port(), tmp_path / "plan.json"
    plan = shop_plan(port, {backends.ports["fast"]: "100%"})
    route = f"[127.0.0.1:{backends.ports['fast']}]"
    write_plan(plan_file, json.dumps(plan.to_data()))
    async with (
        running_agent(tmp_path / "agent", "--plan", str(plan_file)) as agent,
        collector.AgentMetrics([f"http://127.0.0.1:{agent.listen}"], namespace="default") as metered,
    ):
        await agent.serving(plan.version)
        await metered.refresh()
        connection = Connection(port)
        sent, windows = 0, []
        for count in (40, 25):
            since = datetime.now(UTC)
            for _ in range(count):
                await connection.request("/")
            sent += count

            async def measured(total: int = sent) -> bool:
                (gateway,) = (await agent.metrics())["gateways"]
                return bool(gateway["latency"]["count"] == total)

            await eventually(measured, timeout=5.0, what="Envoy's histograms have every request")
            await metered.refresh()
            windows.append((since, datetime.now(UTC)))
        await connection.close()
        first = await metered.served("default", "shop", route, since=windows[0][0], until=windows[0][1])
        second = await metered.served("default", "shop", route, since=windows[1][0])
        both = await metered.served("default", "shop", None, since=windows[0][0])

    assert first is not None
    assert second is not None
    assert both is not None
    assert (first.requests, first.errors, first.codes["2xx"], first.counts[-1]) == (40, 0, 40, 40)
    assert (second.requests, second.counts[-1], both.requests) == (25, 25, 65)
    assert first.bounds == second.bounds == latency_buckets.latency_bounds()
    assert first.seconds > 0
