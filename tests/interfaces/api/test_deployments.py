"""Deployments through the API: deploy, the sava canary (merge, move weights, slice), ``as_blueprint``,
references, and the scale and SLA sub-resources."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.interfaces.api.harness import JSON, NOW, ROUTE_TO_ALL, SAVA_1_0, SAVA_1_1, YAML, Harness

pytestmark = pytest.mark.anyio

DEPLOYMENT = "/api/v1/deployments/sava"
SCALE = f"{DEPLOYMENT}/clusters/sava/services/sava:1.0.0/scale"
SLA_URL = f"{DEPLOYMENT}/clusters/sava/sla"
SLA = """\
type: response_time_sliding_window
threshold: {upper: 1000, lower: 100}
window: {interval: 600s, cooldown: 600s}
"""
SLICE_REFUSED = (
    "Invalid route weight in cluster 'sava/sava' - after updating the services and routes, weight 0% is "
    "invalid for port: 'webport'. Move all weight to the remaining services first, then slice."
)


def _services(deployment: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        service["breed"]["name"]: (service["status"]["intention"], service["status"]["phase"]["name"])
        for service in deployment["clusters"]["sava"]["services"]
    }


def _routes(deployment: dict[str, Any]) -> dict[str, str]:
    routes = deployment["clusters"]["sava"]["gateways"]["webport"]["routes"]
    return {name: route["weight"] for name, route in routes.items()}


async def _weights(api: Harness, old: str, new: str) -> int:
    body = {
        "name": "sava/sava/webport",
        "routes": {"sava:1.0.0": {"weight": old}, "sava:1.1.0": {"weight": new}},
    }
    moved = await api.client.put(
        "/api/v1/gateways/sava%2Fsava%2Fwebport", content=json.dumps(body), headers=JSON
    )
    return moved.status_code


async def test_the_sava_canary_from_deploy_to_slice(api: Harness) -> None:
    deployed = await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    assert deployed.status_code == 202
    assert [(item["kind"], item["name"]) for item in deployed.json()] == [
        ("breeds", "sava:1.0.0"),
        ("deployments", "sava"),
    ]

    merged = await api.client.put(DEPLOYMENT, content=SAVA_1_1, headers=YAML)
    assert merged.status_code == 202
    assert _routes(merged.json()[-1]) == {"sava:1.0.0": "100%", "sava:1.1.0": "0%"}

    refused = await api.client.request("DELETE", DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    assert refused.status_code == 400
    assert refused.json() == {"message": SLICE_REFUSED}
    assert await _weights(api, "50%", "50%") == 202
    assert (await api.client.request("DELETE", DEPLOYMENT, content=SAVA_1_0, headers=YAML)).status_code == 400

    assert await _weights(api, "0%", "100%") == 202
    sliced = await api.client.request("DELETE", DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    assert sliced.status_code == 202
    deployment = (await api.client.get(DEPLOYMENT)).json()
    assert deployment == sliced.json()[0]
    assert _services(deployment) == {
        "sava:1.0.0": ("Undeployment", "Initiated"),
        "sava:1.1.0": ("Deployment", "Initiated"),
    }
    assert _routes(deployment) == {"sava:1.1.0": "100%"}
    assert [g["name"] for g in (await api.client.get("/api/v1/gateways")).json()] == [
        "sava/9050",
        "sava/sava/webport",
    ]


async def test_post_deploys_a_blueprint_under_its_own_name(api: Harness) -> None:
    deployed = await api.client.post("/api/v1/deployments", content=SAVA_1_0, headers=YAML)

    assert deployed.status_code == 202
    found = await api.client.get("/api/v1/deployments/sava:1.0")
    assert found.status_code == 200
    assert found.json()["hosts"] == {"sava": "127.0.0.1"}
    assert _services(found.json()) == {"sava:1.0.0": ("Deployment", "Initiated")}
    assert found.json()["clusters"]["sava"]["services"][0]["status"]["since"] == NOW.isoformat()
    assert ("deployment", "default", "sava:1.0") in api.notifier.heard


async def test_post_merges_into_an_existing_deployment(api: Harness) -> None:
    await api.client.post(
        "/api/v1/deployments", content=SAVA_1_0.replace("name: sava:1.0\n", "name: sava\n", 1), headers=YAML
    )

    merged = await api.client.post(
        "/api/v1/deployments", content=SAVA_1_1.replace("name: sava:1.1\n", "name: sava\n", 1), headers=YAML
    )

    assert merged.status_code == 202
    assert _routes(merged.json()[-1]) == {"sava:1.0.0": "100%", "sava:1.1.0": "0%"}


async def test_a_stored_blueprint_is_deployed_by_name(api: Harness) -> None:
    await api.client.post("/api/v1/blueprints", content=SAVA_1_0, headers=YAML)

    deployed = await api.client.post("/api/v1/deployments", content='{"name": "sava:1.0"}', headers=JSON)

    assert deployed.status_code == 202
    assert [item["kind"] for item in deployed.json()] == ["deployments"]
    assert _services(deployed.json()[0]) == {"sava:1.0.0": ("Deployment", "Initiated")}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('{"name": "nothing"}', "Artifact cannot be found: blueprints 'nothing'."),
        (
            "name: sava\nclusters:\n  sava:\n    services:\n      - breed: sava:9.9.9\n",
            "Artifact cannot be found: breeds 'sava:9.9.9'.",
        ),
        (
            "name: sava\nclusters:\n  sava:\n    services:\n"
            "      - breed: {reference: sava:1.0.0}\n        scale: huge\n",
            "Artifact cannot be found: scales 'huge'.",
        ),
    ],
)
async def test_references_to_nothing_are_400(api: Harness, body: str, message: str) -> None:
    await api.client.post(
        "/api/v1/breeds", content="name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\n", headers=YAML
    )

    refused = await api.client.post("/api/v1/deployments", content=body, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["issues"][-1]["message"] == message
    assert (await api.client.get("/api/v1/deployments")).json() == []


async def test_a_deployment_document_can_be_merged_back(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    document = (await api.client.get(DEPLOYMENT)).text

    again = await api.client.put(DEPLOYMENT, content=document, headers=JSON)

    assert again.status_code == 202
    assert again.json()[-1] == (await api.client.get(DEPLOYMENT)).json()


async def test_as_blueprint_shows_what_would_deploy_it_again(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    blueprint = (await api.client.get(f"{DEPLOYMENT}?as_blueprint=true")).json()
    listed = (await api.client.get("/api/v1/deployments?as_blueprint=true&only_references=true")).json()

    assert blueprint["kind"] == "blueprints"
    assert blueprint["gateways"]["9050/http"]["routes"] == {"sava/webport": ROUTE_TO_ALL}
    assert blueprint["clusters"]["sava"]["services"][0]["breed"]["name"] == "sava:1.0.0"
    assert listed[0]["clusters"]["sava"]["services"][0]["breed"] == {"reference": "sava:1.0.0"}


async def test_only_references_shows_a_deployments_breeds_by_name(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    found = (await api.client.get(f"{DEPLOYMENT}?only_references=true")).json()

    assert found["clusters"]["sava"]["services"][0]["breed"] == {"reference": "sava:1.0.0"}


@pytest.mark.parametrize("method", ["DELETE", "PUT"])
async def test_an_empty_slice_changes_nothing(api: Harness, method: str) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    before = (await api.client.get(DEPLOYMENT)).json()
    url = DEPLOYMENT if method == "DELETE" else f"{DEPLOYMENT}?delete=true"

    sliced = await api.client.request(method, url, content="", headers=YAML)

    assert sliced.status_code == 202
    assert sliced.json() == [before]


async def test_put_with_delete_slices(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    sliced = await api.client.put(f"{DEPLOYMENT}?delete=true", content=SAVA_1_0, headers=YAML)

    assert sliced.status_code == 202
    assert _services(sliced.json()[0]) == {"sava:1.0.0": ("Undeployment", "Initiated")}


async def test_slicing_a_deployment_that_is_not_there_does_nothing(api: Harness) -> None:
    sliced = await api.client.request("DELETE", DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    assert (sliced.status_code, sliced.json()) == (202, [])


async def test_validate_only_deploys_nothing(api: Harness) -> None:
    checked = await api.client.put(f"{DEPLOYMENT}?validate_only=true", content=SAVA_1_0, headers=YAML)

    assert checked.status_code == 202
    assert checked.json()[-1]["name"] == "sava"
    assert (await api.client.get(DEPLOYMENT)).status_code == 404
    assert (await api.client.get("/api/v1/breeds")).json() == []
    assert api.notifier.heard == []


async def test_every_change_of_a_deployment_is_archived_tagged_by_the_verb_as_vamp_does(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    await api.client.put(DEPLOYMENT, content=SAVA_1_1, headers=YAML)

    archived = (await api.client.get("/api/v1/events?tag=deployments:sava&tag=archive")).json()

    assert [event["tags"][-1] for event in archived] == ["archive:update", "archive:update"], (
        "a PUT is an update, of a new deployment too"
    )


async def test_a_service_scale_reads_and_changes(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    before = await api.store.get("default", "deployments", "sava")
    api.clock.advance(60)

    read = await api.client.get(SCALE)
    changed = await api.client.put(SCALE, content="cpu: 0.5\nmemory: 256MB\ninstances: 3\n", headers=YAML)

    assert read.json() == {"kind": "scales", "cpu": 0.2, "memory": "64.00MB", "instances": 1, "metadata": {}}
    assert changed.status_code == 202
    assert changed.json() == {
        "kind": "scales",
        "cpu": 0.5,
        "memory": "256.00MB",
        "instances": 3,
        "metadata": {},
    }
    assert (await api.client.get(SCALE)).json() == changed.json()
    service = (await api.client.get(DEPLOYMENT)).json()["clusters"]["sava"]["services"][0]
    assert service["status"]["phase"] == {"name": "Initiated", "since": api.clock.now.isoformat()}
    after = await api.store.get("default", "deployments", "sava")
    assert before is not None
    assert after is not None
    assert after.revision == before.revision + 1
    archived = (await api.client.get("/api/v1/events?tag=deployments:sava&tag=archive:update")).json()
    assert len(archived) == 2, "the PUT that made the deployment, and the one of its scale"


async def test_a_scale_may_be_a_stored_one(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)
    await api.client.post(
        "/api/v1/scales", content="name: large\ncpu: 2\nmemory: 2GB\ninstances: 4\n", headers=YAML
    )

    changed = await api.client.put(SCALE, content="reference: large\n", headers=YAML)
    refused = await api.client.put(SCALE, content="huge", headers=YAML)

    assert changed.json() == {
        "name": "large",
        "kind": "scales",
        "cpu": 2.0,
        "memory": "2000.00MB",
        "instances": 4,
        "metadata": {},
    }
    assert refused.status_code == 400
    assert refused.json()["message"] == "reference: Artifact cannot be found: scales 'huge'."


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/api/v1/deployments/sava/clusters/nope/services/sava:1.0.0/scale",
            "There is no cluster 'nope' in deployment 'sava'; its clusters are: sava.",
        ),
        (
            "/api/v1/deployments/sava/clusters/sava/services/sava:2.0.0/scale",
            "There is no service 'sava:2.0.0' in cluster 'sava/sava'; its services are: sava:1.0.0.",
        ),
        (
            "/api/v1/deployments/other/clusters/sava/services/sava:1.0.0/scale",
            "deployments 'other' not found.",
        ),
    ],
)
async def test_the_scale_of_nothing_is_404(api: Harness, url: str, message: str) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    read = await api.client.get(url)
    changed = await api.client.put(url, content="cpu: 1\nmemory: 1GB\n", headers=YAML)

    assert (read.status_code, changed.status_code) == (404, 404)
    assert read.json() == changed.json() == {"message": message}


async def test_a_cluster_sla_is_set_read_and_removed(api: Harness) -> None:
    await api.client.put(DEPLOYMENT, content=SAVA_1_0, headers=YAML)

    missing = await api.client.get(SLA_URL)
    created = await api.client.post(SLA_URL, content=SLA, headers=YAML)
    updated = await api.client.put(SLA_URL, content=SLA.replace("1000", "2000"), headers=YAML)
    read = await api.client.get(SLA_URL)
    removed = await api.client.delete(SLA_URL)

    assert missing.status_code == 404
    assert missing.json() == {"message": "Cluster 'sava/sava' has no SLA; set one with POST or PUT."}
    assert (created.status_code, updated.status_code, removed.status_code) == (202, 202, 204)
    assert read.json() == {
        "kind": "slas",
        "type": "response_time_sliding_window",
        "threshold": {"upper": 2000, "lower": 100},
        "window": {"interval": "600s", "cooldown": "600s"},
        "metadata": {},
    }
    assert (await api.client.get(SLA_URL)).status_code == 404
