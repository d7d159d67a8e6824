"""The server's ``/metrics``: Prometheus' text format, read with Prometheus' own parser; API requests by
method, route template and status with latency in seconds; any valid token may scrape, none may not."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.interfaces.api.harness import Harness

pytestmark = pytest.mark.anyio


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a page: (name, sorted labels) → value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_api_requests_by_route_template_and_status(api: Harness):
    gateway = {"name": "shop", "port": "9050/http", "routes": {"[10.0.0.9:80]": {}}}
    created = await api.client.put("/api/v1/gateways/shop", json=gateway)
    assert created.is_success
    for name in ("shop", "shop", "gone"):
        await api.client.get(f"/api/v1/gateways/{name}")
    await api.client.get("/acme-prod/api/v1/gateways/gone")

    response = await api.client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    found = samples(response.text)
    route = "/api/v1/gateways/{name}"

    def requests(method: str, status: str, route: str = route) -> float:
        labels = (("method", method), ("route", route), ("status", status))
        return found.get(("vamp_api_requests_total", labels), 0)

    assert requests("PUT", str(created.status_code)) == 1
    assert (requests("GET", "200"), requests("GET", "404")) == (2, 1)
    assert requests("GET", "404", "/{namespace}/api/v1/gateways/{name}") == 1
    count = found[("vamp_api_request_duration_seconds_count", (("method", "GET"), ("route", route)))]
    total = found[("vamp_api_request_duration_seconds_sum", (("method", "GET"), ("route", route)))]
    assert count == 3
    assert 0 < total < 3  # seconds, not milliseconds
    inf = found[
        ("vamp_api_request_duration_seconds_bucket", (("le", "+Inf"), ("method", "GET"), ("route", route)))
    ]
    assert inf == 3


async def test_any_valid_token_may_scrape_and_no_token_may_not(api: Harness):
    viewer = await api.token("viewer", "acme-prod", name="prometheus")

    as_viewer = await api.client.get("/metrics", headers={"authorization": f"Bearer {viewer}"})
    anonymous = await api.client.get("/metrics", headers={"authorization": ""})
    wrong = await api.client.get("/metrics", headers={"authorization": "Bearer not-a-token"})

    assert as_viewer.status_code == 200
    assert "vamp_api_requests_total" in as_viewer.text
    assert (anonymous.status_code, wrong.status_code) == (401, 401)
    assert isinstance(anonymous.json()["message"], str)


async def test_metrics_without_the_servers_loops_show_the_api_alone(api: Harness):
    response = await api.client.get("/metrics")

    names = {family.name for family in text_string_to_metric_families(response.text)}
    assert {"vamp_api_requests", "vamp_api_request_duration_seconds"} <= names
    assert "vamp_leader" not in names
