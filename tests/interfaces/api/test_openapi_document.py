"""The OpenAPI document as a client generator reads it: statuses, schemas, bodies, examples, namespaces.

Whether the answers really match the document is schemathesis's to check (``test_schemathesis.py``);
this module checks what the document promises: each route's success status and refusals with the
``Error`` schema, a schema for every artifact kind, the namespaced routes with their parameter, and
request examples (taken from vamp.md) that the API itself accepts.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.interfaces.api.harness import YAML, Harness
from vamp.core import model

pytestmark = pytest.mark.anyio

METHODS = ("get", "post", "put", "delete")


async def _document(api: Harness) -> dict[str, Any]:
    answer = await api.client.get("/openapi.json")
    assert answer.status_code == 200
    document: dict[str, Any] = answer.json()
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    ]


async def test_every_operation_documents_its_success_and_its_refusals_with_the_error_schema(
    api: Harness,
) -> None:
    document = await _document(api)
    error = {"$ref": "#/components/schemas/Error"}

    for method, path, operation in _operations(document):
        statuses = set(operation["responses"])
        assert statuses & {"200", "201", "202", "204"}, f"{method} {path}: no success status"
        assert "422" not in statuses, f"{method} {path}: FastAPI's 422 is never answered"
        refusals = {status for status in statuses if status.startswith("4")}
        if path != "/healthz":
            assert {"400", "401"} <= refusals, f"{method} {path}: {sorted(statuses)}"
        for status in refusals:
            content = operation["responses"][status]["content"]
            assert content["application/json"]["schema"] == error, f"{method} {path} {status}"
            assert content["application/x-yaml"]["schema"] == error, f"{method} {path} {status}"
        if "requestBody" in operation:
            assert "413" in refusals, f"{method} {path}: a body can be too large"
        if method != "GET" and path.endswith(("/gateways", "/deployments", "/api/v1", "/{kind}")):
            assert "409" in refusals, f"{method} {path}: a write can conflict"


async def test_the_error_schema_names_the_message_and_the_dsl_issues(api: Harness) -> None:
    document = await _document(api)
    error = document["components"]["schemas"]["Error"]

    assert error["required"] == ["message"]
    assert set(error["properties"]["issues"]["items"]["properties"]) == {
        "document",
        "path",
        "line",
        "column",
        "message",
    }


async def test_every_artifact_kind_has_a_schema_that_allows_null_and_extra_fields(api: Harness) -> None:
    schemas = (await _document(api))["components"]["schemas"]
    artifact = {item["$ref"].rsplit("/", 1)[1] for item in schemas["Artifact"]["anyOf"]}

    kinds = {schemas[name]["properties"]["kind"]["enum"][0] for name in artifact}
    assert kinds == set(model.KINDS)
    for name in artifact:
        assert schemas[name].get("additionalProperties", True) is not False, name
        assert "null" in schemas[name]["properties"]["metadata"]["type"], name
    gateway = schemas["Gateway"]["properties"]
    assert {"lookup_name", "internal", "service", "deployed", "port", "sticky", "virtual_hosts"} <= set(
        gateway
    )


async def test_reads_and_writes_answer_with_the_schemas_of_their_kinds(api: Harness) -> None:
    paths = (await _document(api))["paths"]

    def schema(path: str, method: str, status: str) -> Any:
        return paths[path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert schema("/api/v1/gateways/{name}", "get", "200") == {"$ref": "#/components/schemas/Gateway"}
    assert schema("/api/v1/gateways", "get", "200")["items"] == {"$ref": "#/components/schemas/Gateway"}
    assert schema("/api/v1/{kind}/{name}", "get", "200") == {"$ref": "#/components/schemas/Artifact"}
    assert schema("/api/v1/events", "post", "201") == {"$ref": "#/components/schemas/Event"}
    assert set(paths["/api/v1/{kind}"]["post"]["responses"]) >= {"201", "202"}
    assert "204" in paths["/api/v1/{kind}/{name}"]["delete"]["responses"]
    assert "304" in paths["/api/v1/vga/plan"]["get"]["responses"]


async def test_the_namespaced_routes_are_listed_with_their_namespace_parameter(api: Harness) -> None:
    document = await _document(api)
    paths = document["paths"]

    plain = {path for path in paths if path.startswith("/api/v1")}
    namespaced = {path.removeprefix("/{namespace}") for path in paths if path.startswith("/{namespace}/")}
    server = {path for path in plain if path.startswith(("/api/v1/organisations", "/api/v1/tokens"))}
    assert namespaced == plain - server
    operation = paths["/{namespace}/api/v1/gateways/{name}"]["get"]
    parameter = next(item for item in operation["parameters"] if item["name"] == "namespace")
    assert parameter["in"] == "path"
    assert parameter["required"] is True
    assert parameter["schema"]["pattern"] == "^[a-z0-9]+-[a-z0-9]+$"
    assert "<organisation>-<environment>" in parameter["description"]
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))


async def test_the_body_examples_are_accepted_by_the_api(api: Harness) -> None:
    paths = (await _document(api))["paths"]

    def example(path: str, method: str, name: str) -> Any:
        return paths[path][method]["requestBody"]["content"]["application/json"]["examples"][name]["value"]

    breed = example("/api/v1/{kind}", "post", "breed")
    stored = await api.client.post("/api/v1/breeds", json=breed)
    assert stored.status_code == 201, stored.text
    blueprint = example("/api/v1/{kind}", "post", "blueprint")
    checked = await api.client.post("/api/v1/blueprints?validate_only=true", json=blueprint)
    assert checked.status_code == 201, checked.text
    deployed = await api.client.post(
        "/api/v1/deployments", json=example("/api/v1/deployments", "post", "blueprint")
    )
    assert deployed.status_code == 202, deployed.text
    gateway = example("/api/v1/gateways", "post", "gateway")
    checked = await api.client.post("/api/v1/gateways?validate_only=true", json=gateway)
    assert checked.status_code == 202, checked.text
    event = await api.client.post("/api/v1/events", json=example("/api/v1/events", "post", "event"))
    assert event.status_code == 201, event.text
    yaml_body = paths["/api/v1/{kind}"]["put"]["requestBody"]["content"]["application/x-yaml"]["example"]
    assert (await api.client.put("/api/v1/breeds", content=yaml_body, headers=YAML)).status_code == 202
