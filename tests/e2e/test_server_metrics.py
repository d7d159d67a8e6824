"""A real ``vamp server``'s ``/metrics`` read with Prometheus' own parser: the API's requests, the
reconciling loops, the store, the leadership and the releases the release controller runs, with the admin
token as Prometheus would send it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e import vamp_process

pytestmark = pytest.mark.e2e


def test_the_server_exposes_its_requests_loops_store_and_leadership(tmp_path: Path):
    with (
        vamp_process.started(tmp_path / "home", "server", ready=None) as vamp,
        httpx.Client(base_url=vamp.url, headers=vamp.headers, timeout=10.0, trust_env=False) as client,
    ):
        assert client.get("/api/v1/info").status_code == 200
        release = "name: r\ngateway: shop\nfrom: a\nto: b\n"
        stored = client.post(
            "/api/v1/releases", content=release, headers={"content-type": "application/x-yaml"}
        )
        assert stored.status_code == 201, stored.text

        def scraped() -> dict[str, list[tuple[str, dict[str, str], float]]] | None:
            response = client.get("/metrics")
            assert response.status_code == 200, response.text
            families = {
                family.name: [(sample.name, sample.labels, sample.value) for sample in family.samples]
                for family in text_string_to_metric_families(response.text)
            }
            passes = {labels["loop"] for _, labels, value in families["vamp_reconcile_passes"] if value > 0}
            looped = passes == {"gateways"} or passes == {"gateways", "reconciler"}
            return families if looped and families.get("vamp_release_phase") else None

        families = vamp_process.eventually(
            scraped, what="the gateway loop and the release controller have made a pass"
        )
        anonymous = httpx.get(f"{vamp.url}/metrics", timeout=10.0, trust_env=False)

    assert anonymous.status_code == 401
    info = [
        value
        for _, labels, value in families["vamp_api_requests"]
        if labels == {"method": "GET", "route": "/api/v1/info", "status": "200"}
    ]
    assert info == [1]
    assert families["vamp_leader"] == [("vamp_leader", {}, 1)]
    phases = {labels["phase"] for _, labels, value in families["vamp_release_phase"] if value == 1}
    assert phases == {"Pending"}, "a release whose gateway does not exist yet waits"
    assert families["vamp_release_step"] == [
        ("vamp_release_step", {"namespace": "default", "release": "r"}, 0)
    ]
    depth = {labels["loop"] for _, labels, _ in families["vamp_workqueue_depth"]}
    assert depth == {"reconciler", "gateways"}
    reads = [
        value
        for name, labels, value in families["vamp_store_transaction_duration_seconds"]
        if name.endswith("_count") and labels == {"kind": "read"}
    ]
    assert len(reads) == 1
    assert reads[0] > 0
    loop_sums = [
        value for name, _, value in families["vamp_reconcile_pass_duration_seconds"] if name.endswith("_sum")
    ]
    assert all(0 <= value < 60 for value in loop_sums)  # seconds
