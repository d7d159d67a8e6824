"""Tokens over the API: who may create and revoke which, what a token shows, and when it stops working.

Owners manage the tokens of their organisation (any role but admin), admins every token; operators,
viewers and agents none, and they learn nothing from trying (not even what a body lacks, or which tokens
exist). The secret is in the creation's answer once, and never again; the store keeps only its digest.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, YAML, Harness
from vamp.core import access
from vamp.ports import store

pytestmark = pytest.mark.anyio

BAD_TOKEN = (
    "The token sent is not valid: it is unknown, revoked or expired. Ask an owner or admin for a new one."
)


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


def body(name: str, role: str, scope: str, **more: str) -> str:
    return json.dumps({"name": name, "role": role, "scope": scope, **more})


async def create(api: Harness, secret: str, name: str, role: str, scope: str, **more: str) -> Any:
    return await api.client.post(
        "/api/v1/tokens", content=body(name, role, scope, **more), headers={**JSON, **bearer(secret)}
    )


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("operator", "acme-prod"),
        ("viewer", "acme-test"),
        ("agent", "acme-prod"),
        ("owner", "acme"),
        ("viewer", "acme"),
    ],
)
async def test_an_owner_creates_tokens_of_its_organisation(api: Harness, role: str, scope: str) -> None:
    owner = await api.token("owner", "acme")

    created = await create(api, owner, "ci", role, scope)

    assert created.status_code == 201
    shown = created.json()
    assert shown["name"] == "ci"
    assert shown["role"] == role
    assert shown["scope"] == scope
    assert shown["created_by"] == "acme/owner-acme"
    assert shown["token"].startswith("vamp_")
    mine = await api.client.get("/api/v1/tokens/self", headers=bearer(shown["token"]))
    assert mine.status_code == 200
    assert mine.json()["role"] == role


@pytest.mark.parametrize(
    ("role", "scope", "words"),
    [
        ("admin", "server", ["create an admin token", "'server'"]),
        ("operator", "globex-prod", ["create an operator token", "'globex-prod'", "own scope"]),
        ("owner", "globex", ["create an owner token", "'globex'", "own scope"]),
        ("viewer", "server", ["viewer", "'server'"]),
        ("operator", "default", ["operator", "'default'"]),
    ],
)
async def test_an_owner_may_not_create_admin_tokens_nor_tokens_beyond_its_organisation(
    api: Harness, role: str, scope: str, words: list[str]
) -> None:
    await api.services.tenants.create_organisation("globex")
    await api.services.tenants.create_environment("globex", "prod")
    owner = await api.token("owner", "acme")

    refused = await create(api, owner, "ci", role, scope)

    assert refused.status_code == 403
    assert all(word in refused.json()["message"] for word in words), refused.json()["message"]
    assert not await api.services.tokens.has("ci", api.services.tokens.scope(scope))


@pytest.mark.parametrize("role", ["operator", "viewer", "agent"])
async def test_only_owners_and_admins_manage_tokens(api: Harness, role: str) -> None:
    secret = await api.token(role, "acme-prod")
    await api.token("viewer", "acme-prod", name="existing")
    expected = (
        f"The token '{role}-acme-prod' ({role} of acme-prod) may not manage tokens: that needs an owner "
        "token of the organisation, or an admin token."
    )

    answers = [
        await create(api, secret, "ci", "viewer", "acme-prod"),
        await api.client.post("/api/v1/tokens", content="", headers=bearer(secret)),
        await api.client.get("/api/v1/tokens", headers=bearer(secret)),
        await api.client.delete("/api/v1/tokens/existing", headers=bearer(secret)),
        await api.client.delete("/api/v1/tokens/nothere", headers=bearer(secret)),
        await api.client.delete("/api/v1/tokens/existing?scope=no_such:scope", headers=bearer(secret)),
    ]

    assert [(found.status_code, found.json()["message"]) for found in answers] == [(403, expected)] * 6
    assert await api.services.tokens.has("existing", api.services.tokens.scope("acme-prod"))


async def test_the_secret_is_shown_once_and_never_listed(api: Harness) -> None:
    created = (
        await api.client.post("/api/v1/tokens", content=body("ci", "operator", "acme-prod"), headers=JSON)
    ).json()
    secret = created["token"]

    listed = await api.client.get("/api/v1/tokens")
    mine = await api.client.get("/api/v1/tokens/self", headers=bearer(secret))

    assert listed.status_code == 200
    ci = [token for token in listed.json() if token["name"] == "ci"]
    assert ci == [{key: value for key, value in created.items() if key != "token"}]
    for text in (listed.text, mine.text):
        assert secret not in text
        assert access.digest(secret) not in text
    assert set(mine.json()) == {"name", "role", "scope", "created", "expires", "last_used", "created_by"}


async def test_token_names_are_unique_within_a_scope(api: Harness) -> None:
    first = await api.client.post("/api/v1/tokens", content=body("ci", "operator", "acme-prod"), headers=JSON)
    again = await api.client.post("/api/v1/tokens", content=body("ci", "viewer", "acme-prod"), headers=JSON)
    elsewhere = await api.client.post(
        "/api/v1/tokens", content=body("ci", "viewer", "acme-test"), headers=JSON
    )

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["message"] == (
        "There is a token named 'ci' in scope 'acme-prod' already; pick another name, or revoke that one "
        "first."
    )
    assert elsewhere.status_code == 201


async def test_a_token_is_created_from_a_yaml_body_with_a_lifetime(api: Harness) -> None:
    created = await api.client.post(
        "/api/v1/tokens", content="name: ci\nrole: viewer\nscope: acme-prod\nexpires: 1h\n", headers=YAML
    )

    assert created.status_code == 201
    assert created.json()["expires"] == "2024-05-01T13:00:00+00:00"


async def test_a_revoked_token_is_refused_on_its_next_request(api: Harness) -> None:
    secret = await api.token("operator", "acme-prod", name="ci")
    before = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(secret))

    revoked = await api.client.delete("/api/v1/tokens/ci?scope=acme-prod")
    after = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(secret))

    assert (before.status_code, revoked.status_code, after.status_code) == (200, 204, 401)
    assert after.headers["www-authenticate"] == 'Bearer realm="vamp"'
    assert after.json()["message"] == BAD_TOKEN


async def test_an_expired_token_is_refused(api: Harness) -> None:
    created = await api.client.post(
        "/api/v1/tokens", content=body("ci", "viewer", "acme-prod", expires="2h"), headers=JSON
    )
    secret = created.json()["token"]
    before = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(secret))

    api.clock.advance(2 * 3600)
    after = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(secret))

    assert (before.status_code, after.status_code) == (200, 401)
    assert after.headers["www-authenticate"] == 'Bearer realm="vamp"'


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer ", "Basic dXNlcjpwdw==", "vamp_nothing", "Bearer vamp_nothing"]
)
async def test_a_missing_or_unknown_token_is_refused_with_a_challenge(api: Harness, header: str) -> None:
    refused = await api.client.get("/api/v1/breeds", headers={"authorization": header})

    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == 'Bearer realm="vamp"'
    assert (
        "Authorization: Bearer TOKEN" in refused.json()["message"] or "not valid" in refused.json()["message"]
    )


async def test_vamps_own_token_scheme_is_accepted(api: Harness) -> None:
    found = await api.client.get("/api/v1/breeds", headers={"authorization": f"token {harness.ADMIN}"})

    assert found.status_code == 200


async def test_last_use_is_recorded(api: Harness) -> None:
    secret = await api.token("viewer", "acme-prod", name="ci")

    await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(secret))
    mine = await api.client.get("/api/v1/tokens/self", headers=bearer(secret))

    assert mine.json()["last_used"] == "2024-05-01T12:00:00+00:00"


async def test_an_owner_revokes_a_token_of_its_organisation_but_not_of_another(api: Harness) -> None:
    await api.services.tenants.create_organisation("globex")
    await api.services.tenants.create_environment("globex", "prod")
    owner = await api.token("owner", "acme")
    ci = await api.token("operator", "acme-prod", name="ci")
    await api.token("operator", "globex-prod", name="ci")

    theirs = await api.client.delete("/api/v1/tokens/ci?scope=globex-prod", headers=bearer(owner))
    ours = await api.client.delete("/api/v1/tokens/ci?scope=acme-prod", headers=bearer(owner))

    assert theirs.status_code == 403
    assert theirs.json()["message"] == (
        "The token 'owner-acme' (owner of acme) may not revoke tokens of scope 'globex-prod': tokens are "
        "managed within the manager's own scope (an admin token manages every token)."
    )
    assert ours.status_code == 204
    assert (await api.client.get("/api/v1/tokens/self", headers=bearer(ci))).status_code == 401
    assert await api.services.tokens.has("ci", api.services.tokens.scope("globex-prod"))


def harness_bad_token() -> str:
    return (
        "The token sent is not valid: it is unknown, revoked or expired. Ask an owner or admin for a new one."
    )


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("acme-stage", "There is no environment 'acme-stage'. Create it with `vamp environment create stage"),
        ("initech", "There is no organisation 'initech'; create it with `vamp organisation create initech`."),
        (
            "initech-prod",
            "There is no environment 'initech-prod'. Create it with `vamp environment create prod",
        ),
    ],
)
async def test_a_token_of_a_scope_that_does_not_exist_is_refused(
    api: Harness, scope: str, message: str
) -> None:
    owner = await api.token("owner", "acme")

    refused = await api.client.post("/api/v1/tokens", content=body("ci", "viewer", scope), headers=JSON)
    beyond = await create(api, owner, "ci", "viewer", scope)

    assert refused.status_code == 404
    assert refused.json()["message"].startswith(message)
    assert beyond.status_code == (404 if scope.startswith("acme-") else 403)


async def test_an_owner_lists_the_tokens_of_its_organisation_only(api: Harness) -> None:
    await api.services.tenants.create_organisation("globex")
    owner = await api.token("owner", "acme")
    for role, scope in [
        ("operator", "acme-prod"),
        ("agent", "acme-test"),
        ("viewer", "acme"),
        ("owner", "globex"),
    ]:
        await api.token(role, scope)

    listed = await api.client.get("/api/v1/tokens", headers=bearer(owner))

    assert [(token["scope"], token["name"]) for token in listed.json()] == [
        ("acme", "owner-acme"),
        ("acme", "viewer-acme"),
        ("acme-prod", "operator-acme-prod"),
        ("acme-test", "agent-acme-test"),
    ]


async def test_token_events_stay_in_the_audit_trail_of_their_scope(api: Harness) -> None:
    owner = await api.token("owner", "acme", name="boss")
    default_viewer = await api.token("viewer", "default", name="onlooker")
    await create(api, owner, "ci", "operator", "acme-prod")
    await create(api, owner, "deputy", "owner", "acme")

    in_default = await api.client.get("/api/v1/events?tag=tokens", headers=bearer(default_viewer))
    in_prod = await api.client.get("/acme-prod/api/v1/events?tag=tokens")
    in_organisation = await api.store.events("acme", store.EventQuery(tags=("tokens",)))

    assert [event["value"]["name"] for event in in_default.json()] == ["onlooker"]
    assert [(event["value"]["name"], event["tags"][-1]) for event in in_prod.json()] == [
        ("ci", "token:acme/boss")
    ]
    assert sorted(event.value["name"] for event in in_organisation.items) == ["boss", "deputy"]
