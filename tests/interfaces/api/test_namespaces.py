"""Every route also under ``/{namespace}/api/v1``; namespaces do not see each other's artifacts."""

from __future__ import annotations

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import SAVA_1_0, YAML, Harness
from vamp.adapters.store import memory
from vamp.interfaces.api import app

pytestmark = pytest.mark.anyio

SCALE = "name: small\ncpu: 1\nmemory: 1GB\n"


async def test_artifacts_of_one_namespace_are_invisible_from_another(api: Harness) -> None:
    await api.client.post("/acme-prod/api/v1/scales", content=SCALE, headers=YAML)

    in_prod = await api.client.get("/acme-prod/api/v1/scales/small")
    in_test = await api.client.get("/acme-test/api/v1/scales/small")
    in_default = await api.client.get("/api/v1/scales")

    assert in_prod.status_code == 200
    assert in_test.status_code == 404
    assert in_default.json() == []
    assert await api.store.get("acme-prod", "scales", "small") is not None


async def test_deployments_and_their_gateways_stay_in_their_namespace(api: Harness) -> None:
    deployed = await api.client.put("/acme-prod/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    assert deployed.status_code == 202
    assert [g["name"] for g in (await api.client.get("/acme-prod/api/v1/gateways")).json()] == [
        "sava/9050",
        "sava/sava/webport",
    ]
    assert (await api.client.get("/api/v1/gateways")).json() == []
    assert ("deployment", "acme-prod", "sava") in api.notifier.heard
    # Every namespace is one port space: the same port is taken in another namespace, another is free.
    again = await api.client.put("/acme-test/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    assert again.status_code == 400
    assert "gateway 'sava/9050' of namespace 'acme-prod'" in again.json()["message"]
    moved = SAVA_1_0.replace("9050/http", "9051/http")
    assert (
        await api.client.put("/acme-test/api/v1/deployments/sava", content=moved, headers=YAML)
    ).status_code == 202


@pytest.mark.parametrize(
    "namespace", ["acme", "acme-prod-eu", "acme_co-prod", "-prod", "acme-", "ac me-prod", "ACME-PROD"]
)
async def test_a_namespace_is_organisation_dash_environment(api: Harness, namespace: str) -> None:
    refused = await api.client.get(f"/{namespace}/api/v1/scales")

    assert refused.status_code == 400
    assert refused.json() == {
        "message": f"Invalid namespace {namespace!r}: a namespace is '<organisation>-<environment>', "
        "lower-case letters and digits each, joined by exactly one dash (e.g. 'acme-production')."
    }


async def test_a_namespace_of_no_environment_is_not_found_and_says_how_to_make_it(api: Harness) -> None:
    missing = await api.client.get("/acme-stage/api/v1/scales")

    assert missing.status_code == 404
    assert missing.json()["message"] == (
        "There is no environment 'acme-stage'. Create it with `vamp environment create stage --organisation "
        'acme` (POST /api/v1/organisations/acme/environments {"name": "stage"}), after the organisation if '
        "it is new."
    )


async def test_the_default_namespace_may_be_named_in_the_path(api: Harness) -> None:
    await api.client.post("/api/v1/scales", content=SCALE, headers=YAML)

    found = await api.client.get("/default/api/v1/scales/small")

    assert found.status_code == 200


async def test_the_server_default_namespace_is_a_setting() -> None:
    store = memory.MemoryStore()
    configured = harness.build(store, app.Settings(namespace="acme-prod"))
    async with configured.client:
        await configured.client.post("/api/v1/scales", content=SCALE, headers=YAML)

        found = await configured.client.get("/acme-prod/api/v1/scales/small")

    assert found.status_code == 200
    assert await store.get("acme-prod", "scales", "small") is not None
