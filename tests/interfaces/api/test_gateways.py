"""Gateways through the API: free-standing ones, and deployment gateways as views of their deployment —
the internal-gateway rules, canary weights moved on ``sava/sava/webport``, ports, and plan targets."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.interfaces.api.harness import JSON, ROUTE_TO_ALL, SAVA_1_0, SAVA_1_1, YAML, Harness
from vamp.core import dsl, model
from vamp.core.routing import compile, deployment_gateways

pytestmark = pytest.mark.anyio

FOO = "name: foo\nport: 9060/http\nroutes:\n  '[10.0.0.9:8080]': {weight: 100%}\n"
INTERNAL = "sava/sava/webport"
CANARY = {
    "name": INTERNAL,
    "routes": {
        "sava/sava/sava:1.0.0/webport": {"weight": "70%"},
        "sava/sava/sava:1.1.0/webport": {"weight": "30%"},
    },
}


async def _canary(api: Harness) -> None:
    """sava 1.0 deployed, and 1.1 merged in at 0 %."""
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_1, headers=YAML)


def _weights(gateway: dict[str, Any]) -> dict[str, str]:
    return {path: route.get("weight") for path, route in gateway["routes"].items()}


async def test_a_free_standing_gateway_is_stored_and_answers_202(api: Harness) -> None:
    created = await api.client.post("/api/v1/gateways", content=FOO, headers=YAML)
    updated = await api.client.put("/api/v1/gateways/foo", content=FOO.replace("9060", "9061"), headers=YAML)
    found = await api.client.get("/api/v1/gateways/foo")
    deleted = await api.client.delete("/api/v1/gateways/foo")

    assert (created.status_code, updated.status_code, deleted.status_code) == (202, 202, 202)
    assert found.json()["port"] == "9061/http"
    assert found.json()["internal"] is False
    assert (await api.client.get("/api/v1/gateways/foo")).json() == {"message": "gateways 'foo' not found."}
    assert ("gateways", "default") in api.notifier.heard


async def test_a_put_must_name_the_gateway_of_the_url(api: Harness) -> None:
    refused = await api.client.put("/api/v1/gateways/bar", content=FOO, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["message"] == "Inconsistent name: given 'bar' but found 'foo'."


async def test_deployment_gateways_are_listed_with_the_free_standing_ones(api: Harness) -> None:
    await api.client.post("/api/v1/gateways", content=FOO, headers=YAML)
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    listed = (await api.client.get("/api/v1/gateways")).json()

    assert [(g["name"], g["internal"]) for g in listed] == [
        ("foo", False),
        ("sava/9050", False),
        (INTERNAL, True),
    ]
    assert _weights(listed[2]) == {"sava/sava/sava:1.0.0/webport": "100%"}
    assert listed[1]["routes"]["sava/sava/webport"]["weight"] == "100%"


@pytest.mark.parametrize("path", ["sava%2Fsava%2Fwebport", "sava/sava/webport"])
async def test_gateway_names_in_urls_are_encoded_or_raw(api: Harness, path: str) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    found = await api.client.get(f"/api/v1/gateways/{path}")

    assert found.status_code == 200
    assert found.json()["name"] == INTERNAL
    assert len(found.json()["lookup_name"]) == 40


async def test_moving_canary_weights_updates_the_deployment_and_the_gateway(api: Harness) -> None:
    await _canary(api)
    api.notifier.heard.clear()

    moved = await api.client.put(f"/api/v1/gateways/{INTERNAL}", content=json.dumps(CANARY), headers=JSON)

    assert moved.status_code == 202
    assert _weights(moved.json()) == {
        "sava/sava/sava:1.0.0/webport": "70%",
        "sava/sava/sava:1.1.0/webport": "30%",
    }
    gateway = (await api.client.get("/api/v1/gateways/sava%2Fsava%2Fwebport")).json()
    deployment = (await api.client.get("/api/v1/deployments/sava")).json()
    assert _weights(gateway) == _weights(moved.json())
    assert _weights(deployment["clusters"]["sava"]["gateways"]["webport"]) == {
        "sava:1.0.0": "70%",
        "sava:1.1.0": "30%",
    }
    assert api.notifier.heard == [("gateways", "default"), ("deployment", "default", "sava")]


async def test_a_gateway_from_get_can_be_sent_back_with_new_weights(api: Harness) -> None:
    await _canary(api)
    gateway = (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json()
    for path, route in gateway["routes"].items():
        route["weight"] = "50%"
        if "1.1.0" in path:
            route["condition"] = {"condition": "user-agent == Firefox"}
            route["condition_strength"] = "100%"  # shown as 0 % (no condition yet): kept, it would stay 0 %

    moved = await api.client.put(f"/api/v1/gateways/{INTERNAL}", content=json.dumps(gateway), headers=JSON)

    assert moved.status_code == 202
    routes = (await api.client.get("/api/v1/deployments/sava")).json()["clusters"]["sava"]["gateways"][
        "webport"
    ]["routes"]
    assert routes["sava:1.1.0"]["weight"] == "50%"
    assert routes["sava:1.1.0"]["condition"] == {"condition": "user-agent == Firefox"}
    assert routes["sava:1.1.0"]["condition_strength"] == "100%"


async def test_routes_may_be_given_by_service_name(api: Harness) -> None:
    await _canary(api)
    body = "name: sava/sava/webport\nroutes:\n  sava:1.0.0: {weight: 0%}\n  sava:1.1.0: {weight: 100%}\n"

    moved = await api.client.put(f"/api/v1/gateways/{INTERNAL}", content=body, headers=YAML)

    assert _weights(moved.json()) == {
        "sava/sava/sava:1.0.0/webport": "0%",
        "sava/sava/sava:1.1.0/webport": "100%",
    }


async def test_weights_that_do_not_total_100_change_nothing(api: Harness) -> None:
    await _canary(api)
    body = {**CANARY, "routes": {path: {"weight": "60%"} for path in CANARY["routes"]}}

    refused = await api.client.put(f"/api/v1/gateways/{INTERNAL}", content=json.dumps(body), headers=JSON)

    assert refused.status_code == 400
    assert refused.json()["issues"] == [
        {
            "document": 0,
            "path": "routes",
            "line": 1,
            "column": 41,
            "message": "Total route weight must be either 0% or 100%: sava/sava/webport. "
            "The weights total 120% (routes without a weight share what the others leave).",
        }
    ]
    gateway = (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json()
    assert set(_weights(gateway).values()) == {"100%", "0%"}


@pytest.mark.parametrize(
    ("routes", "given"),
    [
        ({"sava/sava/sava:1.0.0/webport": {"weight": "100%"}}, "sava:1.0.0"),
        (
            {
                "sava/sava/sava:1.0.0/webport": {"weight": "50%"},
                "sava/sava/sava:1.1.0/webport": {"weight": "25%"},
                "sava/sava/sava:2.0.0/webport": {"weight": "25%"},
            },
            "sava:1.0.0, sava:1.1.0, sava:2.0.0",
        ),
    ],
)
async def test_the_routes_of_an_internal_gateway_cannot_be_added_or_removed(
    api: Harness, routes: dict[str, Any], given: str
) -> None:
    await _canary(api)

    refused = await api.client.put(
        f"/api/v1/gateways/{INTERNAL}", content=json.dumps({"name": INTERNAL, "routes": routes}), headers=JSON
    )

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway is an internal deployment gateway - routes can be added or removed only when "
        "cluster services are created or removed. Gateway 'sava/sava/webport' routes to services "
        f"sava:1.0.0, sava:1.1.0; give routes for exactly those (you gave {given})."
    }


@pytest.mark.parametrize("name", ["sava/sava/webport", "sava/other/webport", "sava/sava/adminport"])
async def test_an_internal_gateway_cannot_be_created(api: Harness, name: str) -> None:
    if name != "sava/sava/webport":
        await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    body = json.dumps({"name": name, "routes": {"[10.0.0.1:80]": {"weight": "100%"}}})

    refused = await api.client.post("/api/v1/gateways", content=body, headers=JSON)

    assert refused.status_code == 400
    _, cluster, port = name.split("/")
    assert refused.json() == {
        "message": "Gateway is an internal deployment gateway - it can be created only when deployment "
        f"cluster is created. There is no cluster port '{cluster}/{port}' in deployment 'sava'; "
        "deploy a blueprint with it."
    }


async def test_an_internal_gateway_cannot_be_removed_while_its_cluster_is_there(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    refused = await api.client.delete(f"/api/v1/gateways/{INTERNAL}")

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway is an internal deployment gateway - it can be removed only when deployment "
        "cluster is removed. Slice the services of cluster 'sava/sava' out instead."
    }
    assert (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).status_code == 200


async def test_removing_a_gateway_that_is_not_there_is_fine(api: Harness) -> None:
    for name in ("nothing", "sava/9050", INTERNAL):
        assert (await api.client.delete(f"/api/v1/gateways/{name}")).status_code == 202


async def test_a_deployments_external_gateway_is_changed_in_the_deployment(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    body = "name: sava/9050\nvirtual_hosts: [sava.example]\nroutes:\n  sava/sava/webport: {weight: 100%}\n"

    changed = await api.client.put("/api/v1/gateways/sava/9050", content=body, headers=YAML)

    assert changed.status_code == 202
    assert changed.json()["virtual_hosts"] == ["sava.example"]
    external = (await api.client.get("/api/v1/deployments/sava")).json()["gateways"]["9050/http"]
    assert external["virtual_hosts"] == ["sava.example"]
    assert external["routes"] == {"sava/webport": ROUTE_TO_ALL}
    removed = await api.client.delete("/api/v1/gateways/sava%2F9050")
    assert removed.status_code == 202
    assert (await api.client.get("/api/v1/deployments/sava")).json()["gateways"] == {}


async def test_a_port_held_by_another_gateway_is_refused(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    refused = await api.client.post("/api/v1/gateways", content=FOO.replace("9060", "9050"), headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '9050' is/was in use by deployment: 'sava/9050'. "
        "Remove 'sava/9050' gateway first or use different port."
    }
    assert (await api.client.get("/api/v1/gateways/foo")).status_code == 404


async def test_a_deployment_cannot_take_a_port_a_gateway_holds(api: Harness) -> None:
    await api.client.post("/api/v1/gateways", content=FOO.replace("9060", "9050"), headers=YAML)

    refused = await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["message"] == (
        "Gateway port '9050' is/was in use by deployment: 'foo'. "
        "Remove 'foo' gateway first or use different port."
    )
    assert (await api.client.get("/api/v1/deployments/sava")).status_code == 404


async def test_a_gateway_shows_what_the_current_plan_serves(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    deployment = await api.store.get("default", "deployments", "sava")
    assert deployment is not None
    stored = dsl.read_data(dict(deployment.data), kind="deployments")[0]
    assert isinstance(stored, model.Deployment)
    instance = model.ObservedInstance(
        name="sava-1",
        ip="10.0.0.1",
        ports=(model.ObservedPort(number=31001, name="webport"),),
        deployment="sava",
        cluster="sava",
        service="sava:1.0.0",
    )
    plan = compile.compile_plan(deployment_gateways.gateways_of(stored), [instance], namespace="default")
    api.plans("default").publish(plan, [])

    gateway = (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json()

    assert gateway["deployed"] is True
    assert gateway["routes"]["sava/sava/sava:1.0.0/webport"]["targets"] == [
        {"name": "sava-1", "host": "10.0.0.1", "port": 31001}
    ]
    external = (await api.client.get("/api/v1/gateways/sava/9050")).json()
    assert external["service"] == {"host": "127.0.0.1", "port": "9050"}


async def test_validate_only_changes_no_gateway(api: Harness) -> None:
    await _canary(api)

    checked = await api.client.put(
        f"/api/v1/gateways/{INTERNAL}?validate_only=true", content=json.dumps(CANARY), headers=JSON
    )
    stored = await api.client.post("/api/v1/gateways?validate_only=true", content=FOO, headers=YAML)

    assert (checked.status_code, stored.status_code) == (202, 202)
    assert _weights(checked.json())["sava/sava/sava:1.1.0/webport"] == "30%"
    gateway = (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json()
    assert _weights(gateway)["sava/sava/sava:1.1.0/webport"] == "0%"
    assert (await api.client.get("/api/v1/gateways/foo")).status_code == 404


async def test_stored_routes_are_resolved_into_a_deployment_gateway(api: Harness) -> None:
    await _canary(api)
    await api.client.post(
        "/api/v1/conditions", content="name: ff\ncondition: user-agent == Firefox\n", headers=YAML
    )
    body = {
        "name": INTERNAL,
        "routes": {
            "sava:1.0.0": {"weight": "100%"},
            "sava:1.1.0": {"weight": "0%", "condition": {"reference": "ff"}, "condition_strength": "100%"},
        },
    }

    moved = await api.client.put(f"/api/v1/gateways/{INTERNAL}", content=json.dumps(body), headers=JSON)

    assert moved.status_code == 202
    route = moved.json()["routes"]["sava/sava/sava:1.1.0/webport"]
    assert route["condition"] == {"name": "ff", "condition": "user-agent == Firefox"}


async def test_validate_only_names_a_broken_condition_at_its_route_and_changes_nothing(api: Harness) -> None:
    """The web UI's condition editor shows this issue under the route's condition field."""
    await _canary(api)
    gateway = (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json()
    body = json.loads(json.dumps(gateway))
    body["routes"]["sava/sava/sava:1.1.0/webport"]["condition"] = "user-agent =="

    checked = await api.client.put(
        f"/api/v1/gateways/{INTERNAL}?validate_only=true", content=json.dumps(body), headers=JSON
    )

    assert checked.status_code == 400
    [issue] = checked.json()["issues"]
    assert issue["path"] == "routes['sava/sava/sava:1.1.0/webport'].condition"
    assert issue["message"].startswith("Invalid condition 'user-agent ==': expected a value after")
    assert issue["message"].endswith("\nuser-agent ==\n             ^")
    assert (await api.client.get(f"/api/v1/gateways/{INTERNAL}")).json() == gateway
