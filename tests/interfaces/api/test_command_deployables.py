"""Command deployables on a server that does not allow them (``vamp server`` without
``--allow-command-deployables``): every write that would deploy one is refused with 400 naming the breed
and the flag, and nothing is stored; storing the breed itself, or deploying images, is still fine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import SAVA_1_0, YAML, Harness
from vamp.adapters.store import memory
from vamp.interfaces.api import app

pytestmark = pytest.mark.anyio

COMMAND = SAVA_1_0.replace("deployable: magneticio/sava:1.0.0", "deployable: {type: command, definition: id}")
REFUSED = (
    "Breed 'sava:1.0.0' has a {type: command} deployable, which runs a shell command on the server's "
    "machine; this server does not run command deployables. Start it with --allow-command-deployables "
    "(vamp up allows them), or give the breed a container image for the kubernetes driver."
)
BREED = "name: sava:1.0.0\ndeployable: {type: command, definition: id}\nports: {webport: 8080/http}\n"


@pytest.fixture
async def strict() -> AsyncIterator[Harness]:
    found = harness.build(memory.MemoryStore(), app.Settings(allow_command_deployables=False))
    async with found.client:
        yield found


async def _nothing_stored(api: Harness) -> None:
    assert await api.store.get("default", "deployments", "sava") is None
    assert await api.store.get("default", "breeds", "sava:1.0.0") is None


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("PUT", "/api/v1/deployments/sava", COMMAND),
        ("POST", "/api/v1/deployments", COMMAND),
        ("POST", "/api/v1/deployments?validate_only=true", COMMAND),
        ("POST", "/api/v1", "kind: deployment\n" + COMMAND.replace("name: sava:1.0\n", "name: sava\n", 1)),
        ("PUT", "/api/v1", "kind: deployment\n" + COMMAND.replace("name: sava:1.0\n", "name: sava\n", 1)),
    ],
    ids=["put", "post", "validate-only", "bulk-post", "bulk-put"],
)
async def test_a_write_that_would_deploy_a_command_is_refused(
    strict: Harness, method: str, url: str, body: str
) -> None:
    answer = await strict.client.request(method, url, content=body, headers=YAML)

    assert answer.status_code == 400
    assert answer.json() == {"message": REFUSED}
    await _nothing_stored(strict)
    assert strict.notifier.heard == []


async def test_a_bulk_body_is_refused_whole_when_one_deployment_runs_a_command(strict: Harness) -> None:
    body = "kind: scales\nname: small\ncpu: 0.2\nmemory: 64MB\n---\nkind: deployment\n" + COMMAND.replace(
        "name: sava:1.0\n", "name: sava\n", 1
    )

    answer = await strict.client.post("/api/v1", content=body, headers=YAML)

    assert answer.status_code == 400
    assert await strict.store.get("default", "scales", "small") is None


async def test_a_stored_command_breed_is_refused_when_a_blueprint_refers_to_it(strict: Harness) -> None:
    assert (await strict.client.post("/api/v1/breeds", content=BREED, headers=YAML)).status_code == 201
    blueprint = "name: sava\nclusters:\n  sava:\n    services:\n      breed: sava:1.0.0\n"

    answer = await strict.client.put("/api/v1/deployments/sava", content=blueprint, headers=YAML)

    assert answer.status_code == 400
    assert "Breed 'sava:1.0.0' has a {type: command} deployable" in answer.json()["message"]
    assert await strict.store.get("default", "deployments", "sava") is None


async def test_images_still_deploy_on_such_a_server(strict: Harness) -> None:
    answer = await strict.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    assert answer.status_code == 202


async def test_a_server_that_allows_them_deploys_commands(api: Harness) -> None:
    answer = await api.client.put("/api/v1/deployments/sava", content=COMMAND, headers=YAML)

    assert answer.status_code == 202


async def test_a_bulk_body_that_stores_the_command_breed_before_deploying_it_is_refused(
    strict: Harness,
) -> None:
    body = f"kind: breeds\n{BREED}---\nkind: deployment\nname: sava\nclusters:\n  sava:\n    services:\n"
    body += "      breed: sava:1.0.0\n"

    answer = await strict.client.post("/api/v1", content=body, headers=YAML)

    assert answer.status_code == 400
    assert answer.json() == {"message": REFUSED}
    assert await strict.store.get("default", "deployments", "sava") is None


async def test_a_missing_reference_is_still_reported_as_missing(strict: Harness) -> None:
    blueprint = "name: sava\nclusters:\n  sava:\n    services:\n      breed: nowhere:1.0\n"

    answer = await strict.client.put("/api/v1/deployments/sava", content=blueprint, headers=YAML)

    assert answer.status_code == 400
    assert "nowhere:1.0" in answer.json()["message"]
