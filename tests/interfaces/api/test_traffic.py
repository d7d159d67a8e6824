"""``/api/v1/metrics/...`` and ``/api/v1/health/...`` from the metrics the agents reported (a fake reader)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interfaces.api.harness import SAVA_1_0, SAVA_1_1, YAML, Harness

pytestmark = pytest.mark.anyio

GATEWAY = "sava/sava/webport"
OLD = "sava/sava/sava:1.0.0/webport"
NEW = "sava/sava/sava:1.1.0/webport"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("rate", 1.5),
        ("responseTime", 12.5),
        ("requests", 100),
        ("codes", {"1xx": 0, "2xx": 98, "3xx": 0, "4xx": 0, "5xx": 2}),
        ("p50", 10.0),
        ("p95", 40.0),
        ("p99", 90.0),
        ("health", 0.98),
    ],
)
async def test_a_gateway_metric(api: Harness, path: str, value: Any) -> None:
    api.metrics.report("default", "sava/9050")

    found = await api.client.get(f"/api/v1/metrics/gateways/sava%2F9050/{path}")

    assert (found.status_code, found.json()) == (200, value)


async def test_everything_measured_for_a_gateway(api: Harness) -> None:
    api.metrics.report("default", "sava")

    found = await api.client.get("/api/v1/metrics/gateways/sava")

    assert found.json() == {
        "gateway": "sava",
        "route": None,
        "requests": 100,
        "rate": 1.5,
        "codes": {"1xx": 0, "2xx": 98, "3xx": 0, "4xx": 0, "5xx": 2},
        "mean": 12.5,
        "p50": 10.0,
        "p95": 40.0,
        "p99": 90.0,
        "health": 0.98,
    }


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/metrics/gateways/{GATEWAY}/routes/{NEW}/rate",
        "/api/v1/metrics/gateways/sava%2Fsava%2Fwebport/routes/sava%2Fsava%2Fsava:1.1.0%2Fwebport/rate",
        f"/api/v1/metrics/gateways/{GATEWAY}/routes/sava:1.1.0/rate",
        "/api/v1/metrics/deployments/sava/clusters/sava/services/sava:1.1.0/ports/webport/rate",
    ],
)
async def test_a_route_metric(api: Harness, url: str) -> None:
    api.metrics.report("default", GATEWAY, NEW, rate=7.25)

    found = await api.client.get(url)

    assert (found.status_code, found.json()) == (200, 7.25)


async def test_a_cluster_port_metric_is_its_internal_gateways(api: Harness) -> None:
    api.metrics.report("default", GATEWAY, p99=250.0)

    found = await api.client.get("/api/v1/metrics/deployments/sava/clusters/sava/ports/webport/p99")

    assert found.json() == 250.0


async def test_the_window_is_a_parameter(api: Harness) -> None:
    api.metrics.report("default", "sava")

    await api.client.get("/api/v1/metrics/gateways/sava/rate?window=30")
    await api.client.get("/api/v1/health/gateways/sava")

    assert api.metrics.windows == [30.0, 120.0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/api/v1/metrics/gateways/sava/rate",
            "Nothing was measured for gateway 'sava' in the last 120 seconds.",
        ),
        (
            "/api/v1/health/gateways/sava/routes/x?window=60",
            "Nothing was measured for route 'x' of gateway 'sava' in the last 60 seconds.",
        ),
        (
            "/api/v1/metrics/deployments/sava/clusters/sava/ports/webport/latency",
            "There is no metric 'latency'; "
            "the metrics are: rate, responseTime, requests, codes, p50, p95, p99, health.",
        ),
        (
            "/api/v1/health/deployments/sava/clusters/sava/services/sava:1.0.0/instances/sava-1",
            "Health is not measured per instance; ask for the service's: "
            "/api/v1/health/deployments/sava/clusters/sava/services/sava:1.0.0.",
        ),
        ("/api/v1/health/deployments/nothing", "deployments 'nothing' not found."),
    ],
)
async def test_nothing_measured_is_404(api: Harness, url: str, message: str) -> None:
    found = await api.client.get(url)

    assert found.status_code == 404
    assert found.json() == {"message": message}


async def test_gateway_and_route_health(api: Harness) -> None:
    api.metrics.report("default", GATEWAY, health=0.9)
    api.metrics.report("default", GATEWAY, OLD, health=1.0)

    assert (await api.client.get(f"/api/v1/health/gateways/{GATEWAY}")).json() == 0.9
    assert (await api.client.get(f"/api/v1/health/gateways/{GATEWAY}/routes/{OLD}")).json() == 1.0


async def test_health_of_services_clusters_and_deployments(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_1, headers=YAML)
    api.metrics.report("default", GATEWAY, OLD, health=0.5)
    api.metrics.report("default", GATEWAY, NEW, health=0.8)

    service = await api.client.get("/api/v1/health/deployments/sava/clusters/sava/services/sava:1.1.0")
    cluster = await api.client.get("/api/v1/health/deployments/sava/clusters/sava")
    deployment = await api.client.get("/api/v1/health/deployments/sava")
    missing = await api.client.get("/api/v1/health/deployments/sava/clusters/other")

    assert service.json() == 0.8
    assert cluster.json() == deployment.json() == pytest.approx(0.4)
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "There is no cluster 'other' in deployment 'sava'; its clusters are: sava."
    }


async def test_metrics_of_another_namespace_are_not_shown(api: Harness) -> None:
    api.metrics.report("acme-prod", "sava")

    assert (await api.client.get("/acme-prod/api/v1/metrics/gateways/sava/rate")).status_code == 200
    assert (await api.client.get("/api/v1/metrics/gateways/sava/rate")).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/metrics/gateways/{GATEWAY}/routes/{NEW}?window=10&unmeasured=null",
        "/api/v1/metrics/gateways/sava/rate?unmeasured=null",
        f"/api/v1/health/gateways/{GATEWAY}?unmeasured=null",
        "/api/v1/health/deployments/sava?unmeasured=null",
        "/api/v1/health/deployments/sava/clusters/sava/services/sava:1.1.0?unmeasured=null",
    ],
)
async def test_nothing_measured_may_be_asked_as_null(api: Harness, url: str) -> None:
    """What the web UI's charts and deployment pages ask: a route or service not measured yet is no 404
    (the browser's console logs each)."""
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_1, headers=YAML)
    found = await api.client.get(url)

    assert (found.status_code, found.json()) == (200, None)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/health/deployments/nothing?unmeasured=null", "deployments 'nothing' not found."),
        (
            "/api/v1/health/deployments/sava/clusters/other?unmeasured=null",
            "There is no cluster 'other' in deployment 'sava'; its clusters are: sava.",
        ),
    ],
)
async def test_what_is_not_there_is_404_even_when_null_is_asked_for(
    api: Harness, url: str, message: str
) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    found = await api.client.get(url)

    assert (found.status_code, found.json()) == (404, {"message": message})


async def test_something_measured_is_the_same_when_null_is_asked_for(api: Harness) -> None:
    api.metrics.report("default", "sava/9050")

    found = await api.client.get("/api/v1/metrics/gateways/sava%2F9050/rate?unmeasured=null")

    assert (found.status_code, found.json()) == (200, 1.5)


async def test_unmeasured_is_404_or_null(api: Harness) -> None:
    found = await api.client.get("/api/v1/metrics/gateways/sava/rate?unmeasured=empty")

    assert found.status_code == 400
    assert "unmeasured" in found.json()["message"]
