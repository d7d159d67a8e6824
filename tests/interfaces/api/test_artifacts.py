"""The static kinds through ``/api/v1/{kind}[/{name}]``: status codes, messages, upserts, blueprints with
inline breeds, references expanded and collapsed, ``validate_only``, and the archive events writes leave."""

from __future__ import annotations

import json

import pytest

from tests.interfaces.api.harness import JSON, YAML, Harness

pytestmark = pytest.mark.anyio

BREED = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\nports:\n  webport: 8080/http\n"
BREED_DATA: dict[str, object] = {
    "name": "sava:1.0.0",
    "kind": "breeds",
    "deployable": {"type": "container/docker", "definition": "magneticio/sava:1.0.0"},
    "ports": {"webport": "8080/http"},
    "metadata": {},
    "environment_variables": {},
    "constants": {},
    "arguments": [],
    "dependencies": {},
    "health_checks": None,
}
BLUEPRINT = """\
name: sava
clusters:
  sava:
    services:
      - breed:
          name: sava:1.0.0
          deployable: magneticio/sava:1.0.0
          ports: {webport: 8080/http}
        scale: small
"""
SMALL = "name: small\ncpu: 0.2\nmemory: 64MB\ninstances: 2\n"

# Each static kind with a minimal document, as JSON.
DOCUMENTS = {
    "breeds": {"name": "a", "deployable": "magneticio/a:1"},
    "blueprints": {"name": "a", "clusters": {"a": {"services": [{"breed": {"reference": "b"}}]}}},
    "scales": {"name": "a", "cpu": 1, "memory": "1GB", "instances": 1},
    "slas": {
        "name": "a",
        "type": "response_time_sliding_window",
        "threshold": {"upper": 100, "lower": 10},
        "window": {"interval": "60s", "cooldown": "60s"},
    },
    "escalations": {"name": "a", "type": "scale_instances", "minimum": 1, "maximum": 3, "scale_by": 1},
    "conditions": {"name": "a", "condition": "user-agent == Firefox"},
    "routes": {"name": "a", "weight": "50%"},
    "rewrites": {"name": "a", "path": "/v2/%[path] if { path_beg /v1 }"},
    "templates": {"name": "a", "definition": {"deployable": "magneticio/a:1"}},
    "workflows": {"name": "a", "breed": {"reference": "b"}, "schedule": "daemon"},
}
IMMEDIATE = [kind for kind in DOCUMENTS if kind != "workflows"]


@pytest.mark.parametrize("kind", IMMEDIATE)
async def test_a_static_kind_answers_201_200_and_204(api: Harness, kind: str) -> None:
    body = json.dumps(DOCUMENTS[kind])

    created = await api.client.post(f"/api/v1/{kind}", content=body, headers=JSON)
    updated = await api.client.put(f"/api/v1/{kind}/a", content=body, headers=JSON)
    read = await api.client.get(f"/api/v1/{kind}/a")
    deleted = await api.client.delete(f"/api/v1/{kind}/a")
    gone = await api.client.get(f"/api/v1/{kind}/a")

    assert (created.status_code, updated.status_code, read.status_code) == (201, 200, 200)
    assert read.json() == created.json() == updated.json()
    assert read.json()["kind"] == kind
    assert (deleted.status_code, deleted.content) == (204, b"")
    assert gone.status_code == 404
    assert gone.json() == {"message": f"{kind} 'a' not found."}


async def test_workflows_are_stored_and_answer_202(api: Harness) -> None:
    # Suspended: a workflow is updated only while suspended (vamp.md §1.15; test_workflows.py). This
    # server runs no workflows, so its DELETE deletes at once (with a runtime: status stopping).
    body = json.dumps({"name": "a", "breed": {"reference": "b"}, "schedule": "daemon", "status": "suspended"})

    created = await api.client.post("/api/v1/workflows", content=body, headers=JSON)
    updated = await api.client.put("/api/v1/workflows/a", content=body, headers=JSON)
    deleted = await api.client.delete("/api/v1/workflows/a")

    assert (created.status_code, updated.status_code, deleted.status_code) == (202, 202, 202)
    assert [item["name"] for item in deleted.json()] == ["a"]
    assert (await api.client.get("/api/v1/workflows/a")).status_code == 404


async def test_a_breed_reads_back_as_canonical_data(api: Harness) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)

    found = await api.client.get("/api/v1/breeds/sava:1.0.0")

    assert found.json() == BREED_DATA


async def test_post_of_an_existing_artifact_overwrites_it(api: Harness) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)
    changed = BREED.replace("magneticio/sava:1.0.0", "magneticio/sava:1.0.1")

    again = await api.client.post("/api/v1/breeds", content=changed, headers=YAML)

    assert again.status_code == 201
    found = await api.client.get("/api/v1/breeds/sava:1.0.0")
    assert found.json()["deployable"]["definition"] == "magneticio/sava:1.0.1"


async def test_delete_of_a_missing_artifact_is_204(api: Harness) -> None:
    deleted = await api.client.delete("/api/v1/breeds/nothing")

    assert (deleted.status_code, deleted.content) == (204, b"")


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        ("/api/v1/breeds/other", BREED, "Inconsistent name: given 'other' but found 'sava:1.0.0'."),
        (
            "/api/v1/breeds/sava:1.0.0",
            "kind: blueprint\n" + BREED,
            "kind: Inconsistent kind: given 'blueprint' but found 'breeds'.",
        ),
        ("/api/v1/breeds/sava:1.0.0", "", "Expected exactly one artifact of kind 'breeds', found 0."),
        (
            "/api/v1/breeds/sava:1.0.0",
            BREED + "---\n" + BREED,
            "Expected exactly one artifact of kind 'breeds', found 2.",
        ),
    ],
)
async def test_put_refuses_a_body_that_is_not_the_one_artifact_named(
    api: Harness, url: str, body: str, message: str
) -> None:
    refused = await api.client.put(url, content=body, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["message"] == message
    assert (await api.client.get("/api/v1/breeds")).json() == []


async def test_dsl_errors_are_400_with_every_issue_placed(api: Harness) -> None:
    body = "name: sava\ndeployable: magneticio/sava\nports:\n  webport: 8080/udp\nfoo: 1\n"

    refused = await api.client.post("/api/v1/breeds", content=body, headers=YAML)

    assert refused.status_code == 400
    issues = refused.json()["issues"]
    assert [(issue["path"], issue["line"], issue["column"]) for issue in issues] == [
        ("ports.webport", 4, 12),
        ("foo", 5, 1),
    ]
    assert refused.json()["message"] == "; ".join(f"{i['path']}: {i['message']}" for i in issues)


async def test_post_without_a_document_is_400(api: Harness) -> None:
    refused = await api.client.post("/api/v1/scales", content="", headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["message"] == "Expected at least one artifact of kind 'scales' in the body."


async def test_several_documents_of_one_kind_are_202(api: Harness) -> None:
    body = SMALL + "---\n" + SMALL.replace("small", "large")

    created = await api.client.post("/api/v1/scales", content=body, headers=YAML)

    assert created.status_code == 202
    assert [item["name"] for item in created.json()] == ["small", "large"]


async def test_an_unknown_kind_is_404(api: Harness) -> None:
    found = await api.client.get("/api/v1/widgets")

    assert found.status_code == 404
    assert found.json()["message"] == (
        "There is no kind 'widgets'; the kinds are: breeds, blueprints, scales, slas, escalations, "
        "conditions, routes, rewrites, templates, gateways, deployments, workflows, releases."
    )


async def test_a_blueprint_stores_its_inline_breeds_and_refers_to_them(api: Harness) -> None:
    created = await api.client.post("/api/v1/blueprints", content=BLUEPRINT, headers=YAML)

    assert created.status_code == 201
    assert [(item["kind"], item["name"]) for item in created.json()] == [
        ("breeds", "sava:1.0.0"),
        ("blueprints", "sava"),
    ]
    stored = (await api.client.get("/api/v1/blueprints/sava")).json()
    assert stored["clusters"]["sava"]["services"][0]["breed"] == {"reference": "sava:1.0.0"}
    assert (await api.client.get("/api/v1/breeds/sava:1.0.0")).json() == BREED_DATA


async def test_expand_references_shows_the_stored_artifacts_inline(api: Harness) -> None:
    await api.client.post("/api/v1/blueprints", content=BLUEPRINT, headers=YAML)
    await api.client.post("/api/v1/scales", content=SMALL, headers=YAML)

    found = (await api.client.get("/api/v1/blueprints/sava?expand_references=true")).json()

    service = found["clusters"]["sava"]["services"][0]
    assert service["breed"] == {key: value for key, value in BREED_DATA.items() if key != "kind"}
    assert service["scale"] == {
        "name": "small",
        "cpu": 0.2,
        "memory": "64.00MB",
        "instances": 2,
        "metadata": {},
    }


async def test_expanding_a_reference_to_nothing_says_what_is_missing(api: Harness) -> None:
    await api.client.post("/api/v1/blueprints", content=BLUEPRINT, headers=YAML)

    refused = await api.client.get("/api/v1/blueprints/sava?expand_references=true")

    assert refused.status_code == 400
    assert refused.json()["issues"][0]["message"] == "Artifact cannot be found: scales 'small'."


async def test_only_references_shows_inline_breeds_by_name(api: Harness) -> None:
    inline = BLUEPRINT.replace("        scale: small\n", "")
    await api.client.post("/api/v1/blueprints", content=inline, headers=YAML)

    listed = (await api.client.get("/api/v1/blueprints?expand_references=true&only_references=true")).json()

    assert listed[0]["clusters"]["sava"]["services"][0]["breed"] == {"reference": "sava:1.0.0"}


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/v1/breeds"),
        ("PUT", "/api/v1/breeds/sava:1.0.0"),
        ("PUT", "/api/v1/breeds"),
    ],
)
async def test_validate_only_checks_everything_and_stores_nothing(
    api: Harness, method: str, url: str
) -> None:
    checked = await api.client.request(method, url + "?validate_only=true", content=BREED, headers=YAML)
    refused = await api.client.request(method, url + "?validate_only=true", content="name: x\n", headers=YAML)

    assert checked.status_code in (200, 201, 202)
    assert refused.status_code == 400
    assert (await api.client.get("/api/v1/breeds")).json() == []
    assert (await api.client.get("/api/v1/events")).json() == []


async def test_validate_only_on_delete_keeps_the_artifact(api: Harness) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)

    deleted = await api.client.delete("/api/v1/breeds/sava:1.0.0?validate_only=true")

    assert deleted.status_code == 204
    assert (await api.client.get("/api/v1/breeds/sava:1.0.0")).status_code == 200


async def test_every_write_leaves_an_archive_event_with_the_source(api: Harness) -> None:
    await api.client.post("/api/v1/breeds", content=BREED, headers=YAML)
    await api.client.delete("/api/v1/breeds/sava:1.0.0")

    found = (await api.client.get("/api/v1/events?tag=archive&tag=breeds:sava:1.0.0")).json()

    assert [event["tags"][-1] for event in found] == ["archive:delete", "archive:create"]
    assert all("token:server/admin" in event["tags"] for event in found), "the token that wrote is recorded"
    assert found[1]["value"] == BREED


async def test_a_document_imports_a_stored_template(api: Harness) -> None:
    template = (
        "name: sava-base\ndefinition:\n  deployable: magneticio/sava:1.0.0\n  ports: {webport: 8080/http}\n"
    )
    await api.client.post("/api/v1/templates", content=template, headers=YAML)

    created = await api.client.post(
        "/api/v1/breeds", content="name: sava:1.0.0\nimport: sava-base\n", headers=YAML
    )

    assert created.status_code == 201
    assert created.json() == BREED_DATA


async def test_an_import_of_nothing_says_so(api: Harness) -> None:
    refused = await api.client.post("/api/v1/breeds", content="name: x\nimport: nothing\n", headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["issues"][0]["message"] == "Reference 'templates/nothing' cannot be resolved."
