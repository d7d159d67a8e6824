"""Bulk bodies: ``/api/v1`` with documents of any kinds, and ``/api/v1/{kind}`` with several of one kind."""

from __future__ import annotations

import pytest

from tests.interfaces.api.harness import SAVA_1_0, YAML, Harness

pytestmark = pytest.mark.anyio

MIXED = """\
kind: breed
name: sava:1.0.0
deployable: magneticio/sava:1.0.0
ports: {webport: 8080/http}
---
kind: scales
name: small
cpu: 0.2
memory: 64MB
---
kind: condition
name: firefox
condition: user-agent == Firefox
"""


async def test_post_stores_documents_of_any_kinds_singular_kinds_too(api: Harness) -> None:
    created = await api.client.post("/api/v1", content=MIXED, headers=YAML)

    assert created.status_code == 202
    assert [(item["kind"], item["name"]) for item in created.json()] == [
        ("breeds", "sava:1.0.0"),
        ("scales", "small"),
        ("conditions", "firefox"),
    ]
    assert (await api.client.get("/api/v1/conditions/firefox")).json()["condition"] == "user-agent == Firefox"


async def test_put_stores_and_delete_removes_them(api: Harness) -> None:
    updated = await api.client.put("/api/v1", content=MIXED, headers=YAML)
    deleted = await api.client.request("DELETE", "/api/v1", content=MIXED, headers=YAML)

    assert (updated.status_code, deleted.status_code) == (202, 202)
    assert [item["name"] for item in deleted.json()] == ["sava:1.0.0", "small", "firefox"]
    for kind in ("breeds", "scales", "conditions"):
        assert (await api.client.get(f"/api/v1/{kind}")).json() == []


async def test_one_bad_document_stores_nothing_and_names_its_document(api: Harness) -> None:
    body = MIXED + "---\nkind: scales\nname: broken\ncpu: lots\nmemory: 1GB\n---\nname: kindless\n"

    refused = await api.client.post("/api/v1", content=body, headers=YAML)

    assert refused.status_code == 400
    issues = refused.json()["issues"]
    assert [(issue["document"], issue["path"]) for issue in issues] == [(3, "cpu"), (4, "")]
    assert issues[1]["message"].startswith("Missing kind; say which kind of artifact this is with 'kind:'")
    assert (await api.client.get("/api/v1/breeds")).json() == []


async def test_deployment_documents_are_deployed_and_sliced(api: Harness) -> None:
    body = "kind: deployment\n" + SAVA_1_0.replace("name: sava:1.0\n", "name: sava\n", 1)

    deployed = await api.client.post("/api/v1", content=body, headers=YAML)

    assert deployed.status_code == 202
    assert [item["kind"] for item in deployed.json()] == ["breeds", "deployments"]
    sliced = await api.client.request("DELETE", "/api/v1", content=body, headers=YAML)
    assert sliced.status_code == 202
    service = sliced.json()[0]["clusters"]["sava"]["services"][0]
    assert service["status"]["intention"] == "Undeployment"


async def test_put_and_delete_of_one_kind_take_several_documents(api: Harness) -> None:
    body = "name: small\ncpu: 1\nmemory: 1GB\n---\nname: large\ncpu: 4\nmemory: 4GB\n"

    stored = await api.client.put("/api/v1/scales", content=body, headers=YAML)
    deleted = await api.client.request("DELETE", "/api/v1/scales", content=body, headers=YAML)

    assert (stored.status_code, deleted.status_code) == (202, 202)
    assert [item["name"] for item in stored.json()] == ["small", "large"]
    assert (await api.client.get("/api/v1/scales")).json() == []


async def test_a_document_of_another_kind_is_refused_at_a_kind_endpoint(api: Harness) -> None:
    refused = await api.client.put("/api/v1/scales", content=MIXED, headers=YAML)

    assert refused.status_code == 400
    assert refused.json()["issues"][0]["message"] == "Inconsistent kind: given 'breed' but found 'scales'."


async def test_validate_only_stores_nothing(api: Harness) -> None:
    checked = await api.client.post("/api/v1?validate_only=true", content=MIXED, headers=YAML)

    assert checked.status_code == 202
    assert len(checked.json()) == 3
    assert (await api.client.get("/api/v1/breeds")).json() == []
