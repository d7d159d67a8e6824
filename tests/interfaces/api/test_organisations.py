"""Organisations and environments over the API: create, list, read, delete; names; what deletion refuses.

The harness starts with organisation ``acme`` and its environments ``prod`` and ``test``. Deleting an
environment that holds deployments or gateways is 409 naming them; ``?force=true`` marks the
deployments for undeployment, deletes the gateways and revokes the environment's tokens.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.interfaces.api.harness import JSON, SAVA_1_0, YAML, Harness

pytestmark = pytest.mark.anyio

GATEWAY = "name: edge\nport: 9060/http\nroutes:\n  sava/sava/webport: {weight: 100%}\n"


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


@pytest.mark.parametrize(("content", "headers"), [('{"name": "globex"}', JSON), ("name: globex\n", YAML)])
async def test_an_organisation_is_created_listed_read_and_deleted(
    api: Harness, content: str, headers: dict[str, str]
) -> None:
    created = await api.client.post("/api/v1/organisations", content=content, headers=headers)
    listed = await api.client.get("/api/v1/organisations")
    read = await api.client.get("/api/v1/organisations/globex")
    deleted = await api.client.delete("/api/v1/organisations/globex")
    gone = await api.client.get("/api/v1/organisations/globex")

    assert (created.status_code, created.json()) == (201, {"name": "globex", "environments": []})
    assert listed.json() == [{"name": "acme"}, {"name": "globex"}]
    assert read.json() == {"name": "globex", "environments": []}
    assert deleted.status_code == 204
    assert gone.status_code == 404
    assert gone.json()["message"] == (
        "There is no organisation 'globex'; create it with `vamp organisation create globex`."
    )


@pytest.mark.parametrize(("content", "headers"), [('{"name": "stage"}', JSON), ("name: stage\n", YAML)])
async def test_an_environment_is_created_listed_read_served_and_deleted(
    api: Harness, content: str, headers: dict[str, str]
) -> None:
    created = await api.client.post(
        "/api/v1/organisations/acme/environments", content=content, headers=headers
    )
    listed = await api.client.get("/api/v1/organisations/acme/environments")
    read = await api.client.get("/api/v1/organisations/acme/environments/stage")
    served = await api.client.get("/acme-stage/api/v1/breeds")
    deleted = await api.client.delete("/api/v1/organisations/acme/environments/stage")
    gone = await api.client.get("/acme-stage/api/v1/breeds")

    stage = {"name": "stage", "organisation": "acme", "namespace": "acme-stage"}
    assert (created.status_code, created.json()) == (201, stage)
    assert [found["name"] for found in listed.json()] == ["prod", "stage", "test"]
    assert read.json() == stage
    assert served.status_code == 200
    assert deleted.status_code == 204
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Acme", "use lower-case letters and digits only"),
        ("ac-me", "use lower-case letters and digits only"),
        ("ac_me", "use lower-case letters and digits only"),
        ("", "use lower-case letters and digits only"),
        ("server", "'server' and 'default' are reserved"),
        ("default", "'server' and 'default' are reserved"),
        ("a" * 62, "at most 61 characters"),
    ],
)
async def test_a_bad_organisation_name_is_refused_saying_what_is_valid(
    api: Harness, name: str, reason: str
) -> None:
    refused = await api.client.post("/api/v1/organisations", json={"name": name})

    assert refused.status_code == 400
    assert refused.json()["message"].startswith(f"Invalid organisation name {name!r}: {reason}")
    assert {"name": name} not in (await api.client.get("/api/v1/organisations")).json()


@pytest.mark.parametrize("name", ["Prod", "pr-od", "pr od", "a" * 60])
async def test_a_bad_environment_name_is_refused_saying_what_is_valid(api: Harness, name: str) -> None:
    refused = await api.client.post("/api/v1/organisations/acme/environments", json={"name": name})

    assert refused.status_code == 400
    assert refused.json()["message"].startswith(f"Invalid environment name {name!r}: ")
    assert "lower-case letters and digits" in refused.json()["message"] or "63" in refused.json()["message"]


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/api/v1/organisations", '{"name": "acme"}'),
        ("/api/v1/organisations/acme/environments", '{"name": "prod"}'),
    ],
)
async def test_creating_what_exists_is_a_conflict(api: Harness, path: str, content: str) -> None:
    again = await api.client.post(path, content=content, headers=JSON)

    assert again.status_code == 409
    assert "already" in again.json()["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", 'The body must be a JSON or YAML mapping: {"name": "..."}.'),
        ('{"name": "x", "extra": 1}', "Unknown field 'extra' in the body; the fields are: name."),
        ('{"nom": "x"}', "Unknown field 'nom' in the body; the fields are: name."),
        ('{"name": ["x"]}', "The field 'name' must be a string."),
    ],
)
async def test_a_bad_body_says_what_it_should_be(api: Harness, body: str, message: str) -> None:
    refused = await api.client.post("/api/v1/organisations", content=body, headers=JSON)

    assert (refused.status_code, refused.json()) == (400, {"message": message})


async def deploy_sava_and_a_gateway(api: Harness) -> None:
    deployed = await api.client.put("/acme-prod/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    gateway = await api.client.post("/acme-prod/api/v1/gateways", content=GATEWAY, headers=YAML)
    assert (deployed.status_code, gateway.status_code) == (202, 202), (deployed.text, gateway.text)


async def test_an_environment_in_use_is_not_deleted_and_the_refusal_names_what_it_holds(api: Harness) -> None:
    await deploy_sava_and_a_gateway(api)

    refused = await api.client.delete("/api/v1/organisations/acme/environments/prod")

    assert refused.status_code == 409
    message = refused.json()["message"]
    assert message.startswith("Environment 'acme-prod' still holds deployments sava and gateways ")
    assert "edge" in message
    assert message.endswith("or delete with ?force=true, which undeploys them.")
    assert (await api.client.get("/acme-prod/api/v1/deployments/sava")).status_code == 200


async def test_a_forced_deletion_undeploys_deletes_gateways_and_revokes_the_environments_tokens(
    api: Harness,
) -> None:
    await deploy_sava_and_a_gateway(api)
    operator = await api.token("operator", "acme-prod", name="ci")
    neighbour = await api.token("operator", "acme-test", name="ci")

    deleted = await api.client.delete("/api/v1/organisations/acme/environments/prod?force=true")

    assert deleted.status_code == 204
    stored = await api.store.get("acme-prod", "deployments", "sava")
    assert stored is not None
    services = [service for cluster in stored.data["clusters"].values() for service in cluster["services"]]
    assert services != []
    assert all(service["status"]["intention"] == "Undeployment" for service in services)
    assert (await api.store.list("acme-prod", "gateways")).items == []
    assert (await api.client.get("/api/v1/tokens/self", headers=bearer(operator))).status_code == 401
    assert (await api.client.get("/api/v1/tokens/self", headers=bearer(neighbour))).status_code == 200
    assert (await api.client.get("/acme-prod/api/v1/breeds")).status_code == 404
    listed = await api.client.get("/api/v1/organisations/acme/environments")
    assert [found["name"] for found in listed.json()] == ["test"]


async def test_an_organisation_in_use_is_deleted_only_when_forced_with_its_tokens(api: Harness) -> None:
    await deploy_sava_and_a_gateway(api)
    owner = await api.token("owner", "acme")
    viewer = await api.token("viewer", "acme-test")

    refused = await api.client.delete("/api/v1/organisations/acme")
    forced = await api.client.delete("/api/v1/organisations/acme?force=true")

    assert refused.status_code == 409
    assert refused.json()["message"].startswith(
        "Organisation 'acme' still has environments in use (prod: deployments sava and gateways "
    )
    assert forced.status_code == 204
    assert (await api.client.get("/api/v1/organisations")).json() == []
    for secret in (owner, viewer):
        assert (await api.client.get("/api/v1/tokens/self", headers=bearer(secret))).status_code == 401


async def test_an_owner_manages_the_environments_of_its_organisation_only(api: Harness) -> None:
    await api.services.tenants.create_organisation("globex")
    owner = await api.token("owner", "acme")

    ours = await api.client.post(
        "/api/v1/organisations/acme/environments", json={"name": "stage"}, headers=bearer(owner)
    )
    theirs = await api.client.post(
        "/api/v1/organisations/globex/environments", json={"name": "stage"}, headers=bearer(owner)
    )
    organisation = await api.client.post(
        "/api/v1/organisations", json={"name": "initech"}, headers=bearer(owner)
    )
    deleted = await api.client.delete("/api/v1/organisations/acme/environments/stage", headers=bearer(owner))

    assert ours.status_code == 201
    assert theirs.status_code == 403
    assert "an owner token of organisation 'globex', or an admin token" in theirs.json()["message"]
    assert organisation.status_code == 403
    assert "it needs an admin token" in organisation.json()["message"]
    assert deleted.status_code == 204


async def test_a_token_sees_only_the_organisations_and_environments_it_reaches(api: Harness) -> None:
    await api.services.tenants.create_organisation("globex")
    await api.services.tenants.create_environment("globex", "prod")
    viewer = await api.token("viewer", "acme-prod")
    stranger = await api.token("owner", "globex")

    organisations = await api.client.get("/api/v1/organisations", headers=bearer(viewer))
    environments = await api.client.get("/api/v1/organisations/acme/environments", headers=bearer(viewer))
    neighbour = await api.client.get("/api/v1/organisations/acme/environments/test", headers=bearer(viewer))
    foreign = await api.client.get("/api/v1/organisations/acme", headers=bearer(stranger))

    assert organisations.json() == [{"name": "acme"}]
    assert [found["name"] for found in environments.json()] == ["prod"]
    assert neighbour.status_code == 403
    assert neighbour.json()["message"] == (
        "The token 'viewer-acme-prod' (viewer of acme-prod) does not reach 'acme-test': that needs a token "
        "whose scope is the server, the organisation 'acme', or 'acme-test' itself."
    )
    assert foreign.status_code == 403
    assert foreign.json()["message"] == (
        "The token 'owner-globex' (owner of globex) does not reach organisation 'acme': that needs a token "
        "whose scope is the server, the organisation 'acme', or one of its environments ('acme-ENVIRONMENT')."
    )


async def test_an_archive_event_records_the_token_that_made_the_change(api: Harness) -> None:
    operator = await api.token("operator", "acme-prod", name="ci")
    breed = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\n"

    written = await api.client.put(
        "/acme-prod/api/v1/breeds/sava:1.0.0", content=breed, headers={**YAML, **bearer(operator)}
    )
    by_admin = await api.client.delete("/acme-prod/api/v1/breeds/sava:1.0.0")
    events: Any = (await api.client.get("/acme-prod/api/v1/events?tag=archive&tag=breeds:sava:1.0.0")).json()

    assert (written.status_code, by_admin.status_code) == (200, 204), written.text
    assert [("token:acme-prod/ci" in e["tags"], "token:server/admin" in e["tags"]) for e in events] == [
        (False, True),
        (True, False),
    ]


async def test_a_published_event_cannot_pass_for_the_servers_record_of_a_change(api: Harness) -> None:
    operator = await api.token("operator", "acme-prod", name="ci")
    bodies = {
        "tags: [breeds, 'breeds:sava', 'token:server/admin']\n": "The tag 'token:server/admin'",
        "tags: [breeds, 'breeds:sava', archive, 'archive:delete']\nvalue: gone\n": "The tag 'archive'",
        "tags: [breeds]\ntype: archive\n": "The type 'archive'",
    }

    published = await api.client.post(
        "/acme-prod/api/v1/events", content="tags: [deploys]\n", headers={**YAML, **bearer(operator)}
    )
    refused = [
        await api.client.post("/acme-prod/api/v1/events", content=body, headers={**YAML, **bearer(operator)})
        for body in bodies
    ]

    assert published.status_code == 201
    assert [(found.status_code, found.json()["issues"][0]["message"]) for found in refused] == [
        (
            400,
            f"{claimed} is the server's: archive events and 'token:' tags record who changed what, and only "
            "the server writes them.",
        )
        for claimed in bodies.values()
    ]
    assert (await api.client.get("/acme-prod/api/v1/events?tag=archive")).json() == []


@pytest.mark.parametrize("name", ["ACME", "ac_me", "server"])
async def test_an_organisation_of_an_impossible_name_is_not_found_and_says_why(
    api: Harness, name: str
) -> None:
    missing = await api.client.get(f"/api/v1/organisations/{name}")

    assert missing.status_code == 404
    assert missing.json()["message"].startswith(
        f"There is no organisation {name!r}, nor can there be. Invalid"
    )
    assert "vamp organisation create" not in missing.json()["message"]
