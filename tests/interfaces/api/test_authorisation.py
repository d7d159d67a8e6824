"""Who may call what: every route of ``/openapi.json`` × every kind of caller, against the role table.

The expectation is this module's own table, not the code's: each route's permission (``ROUTES``) and
what each role may do (``MAY``) within its scope. Namespaced routes are walked twice, under ``/api/v1``
(the default namespace, which only server-wide tokens reach) and under ``/acme-prod/api/v1``. A caller
that may is answered anything but 401 or 403 (a 404 for a missing artifact or a 400 for an empty body is
the route's business, not access's), though never a 5xx; one that may not is answered 403 with a message
naming the roles and scope that would do; no token, an expired or a revoked one is 401 with
``WWW-Authenticate``.

Each caller walks every route on an app of its own (over memory, and for the callers whose tokens the
store decides on, over SQLite too); requests go straight to the ASGI app (``answer``), which also lets
the event stream be cut off once its status is in. Without a token, only ``/healthz`` and the API's
description (``/openapi.json``, ``/api/docs``) answer; nothing else, not even whether a namespace is valid
or exists, is told before the 401.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import Harness
from vamp.adapters.store import sql
from vamp.core.access import Role

pytestmark = pytest.mark.anyio

MAY: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "write", "plans", "manage", "administer"}),
    "owner": frozenset({"read", "write", "plans", "manage"}),
    "operator": frozenset({"read", "write", "plans"}),
    "viewer": frozenset({"read"}),
    "agent": frozenset({"plans"}),
}
"""What each role may do within its scope (issue 9's role table, written out again)."""

ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "public",
    ("GET", "/metrics"): "token",
    ("GET", "/api/v1/organisations"): "token",
    ("POST", "/api/v1/organisations"): "administer",
    ("GET", "/api/v1/organisations/{organisation}"): "reach:acme",
    ("DELETE", "/api/v1/organisations/{organisation}"): "administer",
    ("GET", "/api/v1/organisations/{organisation}/environments"): "reach:acme",
    ("POST", "/api/v1/organisations/{organisation}/environments"): "manage:acme",
    ("GET", "/api/v1/organisations/{organisation}/environments/{environment}"): "read-env:acme-prod",
    ("DELETE", "/api/v1/organisations/{organisation}/environments/{environment}"): "manage:acme",
    ("GET", "/api/v1/tokens"): "manage:own",
    ("POST", "/api/v1/tokens"): "manage:own",
    ("GET", "/api/v1/tokens/self"): "token",
    ("DELETE", "/api/v1/tokens/{name}"): "manage:own",
    ("GET", "/api/v1/vga/plan"): "plans",
}
"""The permission of each route that is not plain read-on-GET, write-otherwise in a namespace.

``public``: no token needed. ``token``: any valid token. ``administer``: admin only. ``manage:acme``:
an owner of organisation acme or an admin. ``manage:own``: any manager of tokens (an owner or an
admin), in its own scope. ``reach:acme``: any token whose scope reaches into organisation acme.
``read-env:acme-prod``: any token whose scope covers the namespace acme-prod.
"""

SERVER_PATHS = ("/healthz", "/metrics", "/api/v1/organisations", "/api/v1/tokens")
HIDDEN = (("GET", "/api/v1/information"),)
"""Routes left out of the OpenAPI document but served all the same."""

VALUES = {
    "organisation": "acme",
    "environment": "prod",
    "name": "nothere",
    "kind": "breeds",
    "path": "nothere",
    "deployment": "nothere",
    "cluster": "nothere",
    "service": "nothere",
    "instance": "nothere",
    "port": "webport",
    "metric": "rate",
    "key": "vamp.version",
}
DESTRUCTIVE = {
    ("DELETE", "/api/v1/organisations/{organisation}"): {"organisation": "acme"},
    ("DELETE", "/api/v1/organisations/{organisation}/environments/{environment}"): {"environment": "nothere"},
}
"""Values a route is walked with instead of ``VALUES``; the organisation's deletion is walked last."""


@dataclass(frozen=True)
class Who:
    """A caller: a token of ``role`` in ``scope``, or none (``role`` None), or a spoilt one."""

    label: str
    role: str | None
    scope: str = ""
    spoilt: str = ""
    """``expired`` or ``revoked``: a token that was valid, and is no more."""

    def reaches(self, namespace: str) -> bool:
        if self.scope == "server":
            return True
        if "-" in self.scope or self.scope == "default":
            return self.scope == namespace
        return namespace.startswith(f"{self.scope}-")

    def reaches_organisation(self, organisation: str) -> bool:
        return self.scope in ("server", organisation) or self.scope.startswith(f"{organisation}-")

    def may(self, permission: str, namespace: str) -> bool:
        """Whether this caller may do what a route of ``permission`` does, in ``namespace``."""
        if permission == "public":
            return True
        if self.role is None or self.spoilt:
            return False
        kind, _, place = permission.partition(":")
        allowed = MAY[self.role]
        match kind:
            case "token":
                return True
            case "administer":
                return "administer" in allowed
            case "manage":
                return "manage" in allowed and (place == "own" or self.reaches_organisation(place))
            case "reach":
                return self.reaches_organisation(place)
            case "read-env":
                return self.reaches(place)
            case _:
                return kind in allowed and self.reaches(namespace)


CALLERS = [
    Who("no token", None),
    Who("expired", "operator", "acme-prod", spoilt="expired"),
    Who("revoked", "operator", "acme-prod", spoilt="revoked"),
    Who("viewer", "viewer", "acme-prod"),
    Who("operator of acme-test", "operator", "acme-test"),
    Who("operator", "operator", "acme-prod"),
    Who("owner of globex", "owner", "globex"),
    Who("owner", "owner", "acme"),
    Who("admin", "admin", "server"),
    Who("agent", "agent", "acme-prod"),
]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def message(self) -> str:
        return str(json.loads(self.body)["message"])


async def answer(api: Harness, method: str, path: str, secret: str | None) -> Answer:
    """The app's answer to an empty ``method`` request; a stream is cut off after its first chunk."""
    path, _, query = path.partition("?")
    headers = [(b"host", b"vamp")]
    if secret is not None:
        headers.append((b"authorization", f"Bearer {secret}".encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("vamp", 80),
    }
    done = asyncio.Event()
    sent = False
    start: dict[str, Any] = {}
    body = bytearray()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        body.extend(message.get("body", b""))
        if not message.get("more_body", False) or body:
            done.set()

    task = asyncio.create_task(api.app(scope, receive, send))  # type: ignore[arg-type]
    await asyncio.wait_for(done.wait(), 5)
    await asyncio.wait_for(task, 5)
    found = {key.decode().lower(): value.decode() for key, value in start["headers"]}
    return Answer(start["status"], found, bytes(body))


NAMESPACED = "/{namespace}"
"""How the document lists the namespaced routes: ``/{namespace}/api/v1/...``."""


def walk(openapi: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``(method, path, permission, namespace)`` of every route, namespaced ones under both prefixes."""
    listed = [
        (method.upper(), path)
        for path, operations in openapi["paths"].items()
        for method in operations
        if not path.startswith(NAMESPACED)  # the same routes as under /api/v1, walked under both prefixes
    ]
    walked = []
    for method, template in [*listed, *HIDDEN]:
        values = {**VALUES, **DESTRUCTIVE.get((method, template), {})}
        path = template.format(**values)
        permission = ROUTES.get((method, template), "read" if method == "GET" else "write")
        if template.startswith(SERVER_PATHS):
            walked.append((method, path, permission, ""))
            continue
        walked.append((method, path, permission, "default"))
        walked.append((method, "/acme-prod" + path, permission, "acme-prod"))
    last = [item for item in walked if (item[0], item[1]) == ("DELETE", "/api/v1/organisations/acme")]
    return [item for item in walked if item not in last] + last


async def secret_of(api: Harness, who: Who) -> str | None:
    """A secret for ``who``, spoilt as it says."""
    if who.role is None:
        return None
    if who.role == "admin":
        return harness.ADMIN
    if who.scope == "globex":
        await api.services.tenants.create_organisation("globex")
        await api.services.tenants.create_environment("globex", "prod")
    admin = await api.services.tokens.authenticate(harness.ADMIN)
    expires = api.clock.now + timedelta(hours=1) if who.spoilt == "expired" else None
    scope = api.services.tokens.scope(who.scope)
    _, secret = await api.services.tokens.create(admin, "caller", Role(who.role), scope, expires=expires)
    assert (await answer(api, "GET", "/api/v1/tokens/self", secret)).status == 200
    if who.spoilt == "expired":
        api.clock.advance(3600)
    elif who.spoilt == "revoked":
        revoked = await api.client.delete(f"/api/v1/tokens/caller?scope={who.scope}")
        assert revoked.status_code == 204
    return secret


def would_do(permission: str, namespace: str) -> list[str]:
    """What a 403 message must name: the roles (and the place) that would be allowed."""
    kind, _, place = permission.partition(":")
    if kind == "administer":
        return ["admin"]
    if kind == "manage":
        return ["owner", "admin"] + ([place] if place != "own" else [])
    if kind in ("reach", "read-env"):
        return ["server", place]
    return [*(role for role, allowed in MAY.items() if kind in allowed), namespace]


@pytest.mark.parametrize("who", CALLERS, ids=[who.label for who in CALLERS])
async def test_every_route_answers_each_caller_as_the_role_table_says(api: Harness, who: Who) -> None:
    await check_every_route(api, who)


@pytest.mark.parametrize(
    "who", CALLERS[1:3] + CALLERS[5:8], ids=[who.label for who in CALLERS[1:3] + CALLERS[5:8]]
)
async def test_every_route_answers_as_the_role_table_says_on_sqlite(tmp_path: Path, who: Who) -> None:
    kept = await sql.SqlStore.open(f"sqlite:///{tmp_path / 'vamp.db'}", clock=lambda: harness.NOW)
    on_sqlite = harness.build(kept)
    try:
        await harness.prepare(on_sqlite.app)
        async with on_sqlite.client:
            await check_every_route(on_sqlite, who)
    finally:
        await kept.close()


async def check_every_route(api: Harness, who: Who) -> None:
    """Walk every route as ``who``; every answer that is not as the role table says is listed."""
    openapi = (await api.client.get("/openapi.json")).json()
    secret = await secret_of(api, who)
    wrong = []

    for method, path, permission, namespace in walk(openapi):
        got = await answer(api, method, path, secret)
        if who.may(permission, namespace):
            if got.status in (401, 403) or got.status >= 500:
                wrong.append(f"{method} {path}: {got.status}, expected access ({got.body[:200]!r})")
        elif who.role is None or who.spoilt:
            if got.status != 401 or not got.headers.get("www-authenticate", "").startswith("Bearer"):
                wrong.append(f"{method} {path}: {got.status} {got.headers}, expected 401 with a challenge")
        elif got.status != 403:
            wrong.append(f"{method} {path}: {got.status}, expected 403 ({got.body[:200]!r})")
        else:
            missing = [word for word in would_do(permission, namespace) if word not in got.message]
            if missing:
                wrong.append(f"{method} {path}: 403 {got.message!r} does not name {missing}")

    assert not wrong, "\n".join(wrong)


async def test_the_walk_covers_every_route_of_the_openapi_document(api: Harness) -> None:
    openapi = (await api.client.get("/openapi.json")).json()

    walked = {(method, path) for method, path, *_ in walk(openapi)}

    for template, operations in openapi["paths"].items():
        for method in operations:
            if template.startswith(NAMESPACED):
                path = template.removeprefix(NAMESPACED).format(**VALUES)
                assert (method.upper(), "/acme-prod" + path) in walked
                continue
            path = template.format(**{**VALUES, **DESTRUCTIVE.get((method.upper(), template), {})})
            assert (method.upper(), path) in walked
            if not template.startswith(SERVER_PATHS):
                assert (method.upper(), "/acme-prod" + path) in walked
    assert ("GET", "/acme-prod/api/v1/events/stream") in walked
    assert [key for key in ROUTES if key[1] not in openapi["paths"]] == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),
        ("/openapi.json", 200),
        ("/api/docs", 200),
        # The web UI's page and files: the page signs in with a token of the user's own.
        ("/", 200),
        ("/ui/app.js", 200),
        ("/api/v1", 405),
        ("/api/v1/info", 401),
        ("/acme-prod/api/v1/info", 401),
        ("/nothere-env/api/v1/breeds", 401),
        ("/ACME-PROD/api/v1/breeds", 401),
        ("/api/v1/tokens/self", 401),
        ("/api/v1/organisations", 401),
        ("/metrics", 401),
    ],
)
async def test_only_liveness_the_api_description_and_the_web_page_answer_without_a_token(
    api: Harness, path: str, status: int
) -> None:
    found = await answer(api, "GET", path, None)

    assert found.status == status
