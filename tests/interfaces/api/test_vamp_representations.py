"""The API answers as Vamp writes (vamp.md §2.4, §1): every field Vamp always writes is present, with
Vamp's type, in JSON and YAML, listed and single; and what a GET answers reads back to the same model and
is accepted when sent back with PUT.

A client written against Vamp (its CLI, its UI) reads these fields unconditionally: a deployment's
service at scale 1 without ``instances``, or a route without ``condition_strength``, crashed it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from tests.interfaces.api.harness import JSON, SAVA_1_0, YAML, Harness
from vamp.core import dsl, model
from vamp.interfaces.api import representation

pytestmark = pytest.mark.anyio

NONE = type(None)
Spec = Mapping[str, type | tuple[type, ...]]

FREE = "name: foo\nport: 9060/http\nroutes:\n  '[10.0.0.9:8080]': {weight: 100%}\n"
BREED = "name: probe:1.0\ndeployable: magneticio/probe:1.0\nports: {web: 8080/http}\n"
BLUEPRINT = "name: probe\nclusters:\n  probe:\n    services:\n      breed: probe:1.0\n"
WORKFLOW = "name: tick\nbreed: probe:1.0\nstatus: suspended\n"
"""Suspended, so that what a GET shows can be PUT back: a workflow is updated only while suspended."""

METADATA: Spec = {"name": str, "kind": str, "metadata": dict}
PERCENTAGE_OR_NONE = (str, NONE)
ROUTE: Spec = {
    "lookup_name": str,
    "metadata": dict,
    "selector": (str, NONE),
    "weight": PERCENTAGE_OR_NONE,
    "balance": str,
    "condition": (dict, NONE),
    "condition_strength": PERCENTAGE_OR_NONE,
    "rewrites": list,
}
STORED_ROUTE: Spec = {key: wanted for key, wanted in ROUTE.items() if key != "lookup_name"}
"""A route of a blueprint, which has no lookup name until it is deployed."""
GATEWAY_FIELDS: Spec = {
    "sticky": (str, NONE),
    "virtual_hosts": list,
    "selector": (str, NONE),
    "routes": dict,
    "metadata": dict,
}
GATEWAY: Spec = {
    **METADATA,
    **GATEWAY_FIELDS,
    "lookup_name": str,
    "internal": bool,
    "service": (dict, NONE),
    "deployed": bool,
    "port": (str, NONE),
}
"""A gateway; ``port`` and ``service`` are null only while an internal gateway waits for its port."""
SERVICE_ADDRESS: Spec = {"host": str, "port": str}
HEALTH_CHECKS = (list, NONE)
BREED_FIELDS: Spec = {
    "name": str,
    "metadata": dict,
    "deployable": dict,
    "ports": dict,
    "environment_variables": dict,
    "constants": dict,
    "arguments": list,
    "dependencies": dict,
    "health_checks": HEALTH_CHECKS,
}
SCALE: Spec = {"cpu": float, "memory": str, "instances": int}
SERVICE_SETTINGS: Spec = {
    "breed": dict,
    "environment_variables": dict,
    "arguments": list,
    "health_checks": HEALTH_CHECKS,
    "network": (str, NONE),
    "dialects": dict,
}
DEPLOYED_SERVICE: Spec = {
    **SERVICE_SETTINGS,
    "status": dict,
    "scale": dict,
    "instances": list,
    "dependencies": dict,
    "health": dict,
}
HEALTH: Spec = {"staged": int, "running": int, "healthy": int, "unhealthy": int}
STATUS: Spec = {"intention": str, "since": str, "phase": dict}
PHASE: Spec = {"name": str, "since": str}
CLUSTER: Spec = {
    "services": list,
    "gateways": dict,
    "health_checks": HEALTH_CHECKS,
    "network": (str, NONE),
    "sla": (dict, NONE),
    "dialects": dict,
    "metadata": dict,
}
DEPLOYMENT: Spec = {
    **METADATA,
    "lookup_name": str,
    "clusters": dict,
    "gateways": dict,
    "ports": dict,
    "environment_variables": dict,
    "hosts": dict,
    "dialects": dict,
}
BLUEPRINT_FIELDS: Spec = {
    **METADATA,
    "gateways": dict,
    "clusters": dict,
    "environment_variables": dict,
    "dialects": dict,
}
WORKFLOW_FIELDS: Spec = {
    **METADATA,
    "breed": dict,
    "schedule": (str, dict),
    "status": str,
    "scale": (dict, NONE),
    "environment_variables": dict,
    "arguments": list,
    "health_checks": HEALTH_CHECKS,
    "network": (str, NONE),
    "dialects": dict,
    "instances": list,
    "health": (dict, NONE),
}


def missing(data: Any, spec: Spec, where: str) -> list[str]:
    """What ``data`` lacks of ``spec``: each field absent or of another type, named by its place."""
    if not isinstance(data, dict):
        return [f"{where}: not a map but {data!r}"]
    problems = []
    for key, wanted in spec.items():
        if key not in data:
            problems.append(f"{where}.{key}: missing")
        elif isinstance(data[key], bool) and bool not in (wanted if isinstance(wanted, tuple) else (wanted,)):
            problems.append(f"{where}.{key}: {data[key]!r} is a bool")
        elif not isinstance(data[key], wanted):
            problems.append(f"{where}.{key}: {data[key]!r} is not {wanted}")
    return problems


def gateway_problems(data: Any, where: str) -> list[str]:
    problems = missing(data, GATEWAY, where)
    if data.get("service") is not None:
        problems += missing(data["service"], SERVICE_ADDRESS, f"{where}.service")
    for path, route in data.get("routes", {}).items():
        problems += missing(route, ROUTE, f"{where}.routes[{path}]")
    return problems


def cluster_gateway_problems(data: Any, where: str, route_spec: Spec = ROUTE) -> list[str]:
    """A gateway inside a deployment or blueprint: its fields, without ``name``, ``kind`` and ``port``."""
    problems = missing(data, GATEWAY_FIELDS, where)
    for path, route in data.get("routes", {}).items():
        problems += missing(route, route_spec, f"{where}.routes[{path}]")
    return problems


def deployment_problems(data: Any, where: str) -> list[str]:
    problems = missing(data, DEPLOYMENT, where)
    problems += [f"{where}.ports[{key}]: {value!r} is not a string" for key, value in data["ports"].items()
                 if not isinstance(value, str)]  # fmt: skip
    for name, cluster in data["clusters"].items():
        at = f"{where}.clusters[{name}]"
        problems += missing(cluster, CLUSTER, at)
        for index, service in enumerate(cluster["services"]):
            place = f"{at}.services[{index}]"
            problems += missing(service, DEPLOYED_SERVICE, place)
            problems += missing(service["breed"], BREED_FIELDS, f"{place}.breed")
            problems += missing(service["scale"], SCALE, f"{place}.scale")
            problems += missing(service["status"], STATUS, f"{place}.status")
            problems += missing(service["status"]["phase"], PHASE, f"{place}.status.phase")
            problems += missing(service["health"], HEALTH, f"{place}.health")
        for port, gateway in cluster["gateways"].items():
            problems += cluster_gateway_problems(gateway, f"{at}.gateways[{port}]")
    return problems


def breed_problems(data: Any, where: str) -> list[str]:
    return missing(data, {**METADATA, **BREED_FIELDS}, where)


def blueprint_problems(data: Any, where: str) -> list[str]:
    problems = missing(data, BLUEPRINT_FIELDS, where)
    for port, gateway in data["gateways"].items():
        problems += cluster_gateway_problems(gateway, f"{where}.gateways[{port}]", STORED_ROUTE)
    for name, cluster in data["clusters"].items():
        at = f"{where}.clusters[{name}]"
        problems += missing(cluster, CLUSTER, at)
        for port, gateway in cluster["gateways"].items():
            problems += cluster_gateway_problems(gateway, f"{at}.gateways[{port}]", STORED_ROUTE)
        for index, service in enumerate(cluster["services"]):
            place = f"{at}.services[{index}]"
            problems += missing(service, {**SERVICE_SETTINGS, "scale": (dict, NONE)}, place)
            if isinstance(service["scale"], dict) and "reference" not in service["scale"]:
                problems += missing(service["scale"], SCALE, f"{place}.scale")
    return problems


def workflow_problems(data: Any, where: str) -> list[str]:
    return missing(data, WORKFLOW_FIELDS, where)


async def _world(api: Harness) -> None:
    """A deployment (its service at scale 1 behind a route without a condition), a free-standing
    gateway, a breed, two blueprints (one with an external gateway and an inline scale) and a
    workflow."""
    for method, url, body in [
        ("PUT", "/api/v1/deployments/sava", SAVA_1_0),
        ("POST", "/api/v1/gateways", FREE),
        ("POST", "/api/v1/breeds", BREED),
        ("POST", "/api/v1/blueprints", BLUEPRINT),
        ("POST", "/api/v1/blueprints", SAVA_1_0),
        ("POST", "/api/v1/workflows", WORKFLOW),
    ]:
        answer = await api.client.request(method, url, content=body, headers=YAML)
        assert answer.status_code in (201, 202), answer.text


async def _get(api: Harness, url: str, accept: str) -> Any:
    answer = await api.client.get(url, headers={"accept": accept})
    assert answer.status_code == 200, answer.text
    return answer.json() if accept == JSON["content-type"] else yaml.safe_load(answer.text)


FORMATS = [JSON["content-type"], YAML["content-type"]]


@pytest.mark.parametrize("accept", FORMATS)
async def test_gateways_show_every_field_vamp_always_writes(api: Harness, accept: str) -> None:
    await _world(api)

    problems = []
    for name in ("foo", "sava%2F9050", "sava%2Fsava%2Fwebport"):
        problems += gateway_problems(await _get(api, f"/api/v1/gateways/{name}", accept), name)
    listed = await _get(api, "/api/v1/gateways", accept)
    for item in listed:
        problems += gateway_problems(item, f"list[{item['name']}]")

    assert problems == []
    assert {item["name"] for item in listed} == {"foo", "sava/9050", "sava/sava/webport"}
    served = {item["name"]: (item["port"], item["service"]) for item in listed}
    assert served["foo"] == ("9060/http", {"host": "127.0.0.1", "port": "9060"})
    assert served["sava/9050"] == ("9050/http", {"host": "127.0.0.1", "port": "9050"})
    internal = next(item for item in listed if item["name"] == "sava/sava/webport")
    route = internal["routes"]["sava/sava/sava:1.0.0/webport"]
    assert (route["condition"], route["condition_strength"], route["balance"]) == (None, "0%", "default")


@pytest.mark.parametrize("accept", FORMATS)
async def test_a_deployment_shows_every_field_vamp_always_writes(api: Harness, accept: str) -> None:
    await _world(api)

    single = await _get(api, "/api/v1/deployments/sava", accept)
    listed = await _get(api, "/api/v1/deployments", accept)

    assert deployment_problems(single, "sava") + deployment_problems(listed[0], "list[sava]") == []
    service = single["clusters"]["sava"]["services"][0]
    assert service["scale"] == {"cpu": 0.2, "memory": "64.00MB", "instances": 1, "metadata": {}}
    route = single["clusters"]["sava"]["gateways"]["webport"]["routes"]["sava:1.0.0"]
    assert (route["condition"], route["condition_strength"], route["weight"]) == (None, "0%", "100%")
    assert all(isinstance(port, str) and port.isdigit() for port in single["ports"].values())


@pytest.mark.parametrize("accept", FORMATS)
async def test_workflows_breeds_and_blueprints_show_every_field_vamp_always_writes(
    api: Harness, accept: str
) -> None:
    await _world(api)

    problems = []
    for kind, name, check in [
        ("workflows", "tick", workflow_problems),
        ("breeds", "probe:1.0", breed_problems),
        ("blueprints", "probe", blueprint_problems),
    ]:
        problems += check(await _get(api, f"/api/v1/{kind}/{name}", accept), f"{kind}/{name}")
        for item in await _get(api, f"/api/v1/{kind}", accept):
            problems += check(item, f"{kind} list[{item['name']}]")

    assert problems == []
    workflow = await _get(api, "/api/v1/workflows/tick", accept)
    assert (workflow["schedule"], workflow["status"]) == ("daemon", "suspended")


@pytest.mark.parametrize(
    ("url", "kind", "name"),
    [
        ("/api/v1/gateways/foo", "gateways", "foo"),
        ("/api/v1/gateways/sava%2Fsava%2Fwebport", "deployments", "sava"),
        ("/api/v1/breeds/probe:1.0", "breeds", "probe:1.0"),
        ("/api/v1/blueprints/probe", "blueprints", "probe"),
        ("/api/v1/blueprints/sava:1.0", "blueprints", "sava:1.0"),
        ("/api/v1/workflows/tick", "workflows", "tick"),
    ],
)
@pytest.mark.parametrize("accept", FORMATS)
async def test_what_a_get_answers_put_back_is_the_same_model(
    api: Harness, url: str, kind: str, name: str, accept: str
) -> None:
    """``kind`` and ``name``: where the artifact is stored (an internal gateway, in its deployment)."""
    await _world(api)
    before = await api.store.get("default", kind, name)
    shown = (await api.client.get(url, headers={"accept": accept})).text

    put = await api.client.put(url, content=shown, headers={"content-type": accept})

    assert put.status_code in (200, 202), put.text
    after = await api.store.get("default", kind, name)
    assert before is not None
    assert after is not None
    assert after.data == before.data
    assert await _get(api, url, accept) == (
        json.loads(shown) if accept == JSON["content-type"] else yaml.safe_load(shown)
    )


@pytest.mark.parametrize("accept", FORMATS)
async def test_a_deployment_reads_back_to_the_same_model_and_is_accepted_when_sent_back(
    api: Harness, accept: str
) -> None:
    await _world(api)
    stored = await api.store.get("default", "deployments", "sava")
    assert stored is not None
    shown = (await api.client.get("/api/v1/deployments/sava", headers={"accept": accept})).text

    read = dsl.read_data(yaml.safe_load(shown), kind="deployments")
    put = await api.client.put("/api/v1/deployments/sava", content=shown, headers={"content-type": accept})

    assert read == dsl.read_data(dict(stored.data), kind="deployments")
    assert put.status_code == 202, put.text
    again = (await api.client.get("/api/v1/deployments/sava")).json()
    assert again["clusters"] == json.loads(json.dumps(yaml.safe_load(shown)))["clusters"]


async def test_a_services_health_counts_its_instances_and_ports_are_strings(api: Harness) -> None:
    await _world(api)
    shown = (await api.client.get("/api/v1/deployments/sava")).json()
    (found,) = dsl.read_data(shown, kind="deployments")
    assert isinstance(found, model.Deployment)
    cluster = found.clusters["sava"]
    running = cluster.services[0].model_copy(
        update={
            "instances": (
                model.Instance(name="sava-1", host="10.0.0.1", ports={"webport": 8080}),
                model.Instance(name="sava-2", host="10.0.0.2", ports={"webport": 8080}, deployed=False),
            )
        }
    )
    found = found.model_copy(
        update={
            "clusters": {"sava": cluster.model_copy(update={"services": (running,)})},
            "ports": {"sava.webport": 40000},
        }
    )

    data = representation.deployment(found)
    service = data["clusters"]["sava"]["services"][0]

    assert shown["clusters"]["sava"]["services"][0]["health"] == {
        "staged": 0,
        "running": 0,
        "healthy": 0,
        "unhealthy": 0,
    }
    assert service["health"] == {"staged": 0, "running": 2, "healthy": 1, "unhealthy": 1}
    assert [instance["deployed"] for instance in service["instances"]] == [True, False]
    assert data["ports"] == {"sava.webport": "40000"}, "Vamp writes a deployment's ports as strings"
