"""Tenant isolation over the API, on memory, SQLite and PostgreSQL: what ``acme-prod`` holds — artifacts,
deployments, gateways, events (and their stream), routing plans, metrics — is invisible and unchangeable
(403) from an operator or agent of ``acme-test`` and from the owner of another organisation, and the
store keeps API tokens only as digests.

The PostgreSQL server is started once for the module (tests/postgres.py; ``e2e``), with a database of
each test's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import postgres
from tests.interfaces.api import harness
from tests.interfaces.api.harness import JSON, SAVA_1_0, YAML, Harness
from vamp.adapters.store import memory, sql, tables
from vamp.core import access
from vamp.ports import store

pytestmark = pytest.mark.anyio

BREED = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\nports:\n  webport: 8080/http\n"
GATEWAY = "name: edge\nport: 9060/http\nroutes:\n  sava/sava/webport: {weight: 100%}\n"
OUTSIDERS = [("operator", "acme-test"), ("agent", "acme-test"), ("viewer", "acme-test"), ("owner", "globex")]
OUTSIDER_IDS = [f"{role} of {scope}" for role, scope in OUTSIDERS]


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)])
def address(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """Where the test's store lives: ``None`` for memory, else what ``SqlStore.open`` takes."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'vamp.db'}"
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    return server.url(server.create_database())


@pytest.fixture
async def api(address: str | None) -> AsyncIterator[Harness]:
    kept: store.ArtifactStore
    if address is None:
        kept = memory.MemoryStore(clock=lambda: harness.NOW)
    else:
        kept = await sql.SqlStore.open(address, clock=lambda: harness.NOW)
    found = harness.build(kept)
    await harness.prepare(found.app)
    await found.services.tenants.create_organisation("globex")
    await found.services.tenants.create_environment("globex", "prod")
    async with found.client:
        yield found
    await kept.close()


def bearer(secret: str) -> dict[str, str]:
    return {"authorization": f"Bearer {secret}"}


async def fill_acme_prod(api: Harness) -> None:
    """A breed, a deployment with its gateways, a free-standing gateway, an event, metrics and a plan."""
    answers = [
        await api.client.put("/acme-prod/api/v1/breeds/sava:1.0.0", content=BREED, headers=YAML),
        await api.client.put("/acme-prod/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML),
        await api.client.post("/acme-prod/api/v1/gateways", content=GATEWAY, headers=YAML),
        await api.client.post("/acme-prod/api/v1/events", json={"tags": ["secret"], "value": 1}),
    ]
    assert [found.status_code for found in answers] == [200, 202, 202, 201], [a.text for a in answers]
    api.metrics.report("acme-prod", "edge")


async def snapshot(api: Harness) -> list[tuple[str, str, int]]:
    """What acme-prod holds, by kind, name and revision."""
    found = []
    for kind in ("breeds", "blueprints", "deployments", "gateways"):
        for item in (await api.store.list("acme-prod", kind)).items:
            stored = await api.store.get("acme-prod", kind, item.name)
            assert stored is not None
            found.append((kind, item.name, stored.revision))
    return found


READS = [
    "/breeds",
    "/breeds/sava:1.0.0",
    "/deployments",
    "/deployments/sava",
    "/gateways",
    "/gateways/edge",
    "/events",
    "/events?tag=secret",
    "/events/stream",
    "/vga/plan",
    "/metrics/gateways/edge",
    "/health/gateways/edge",
    "/health/deployments/sava",
    "/info",
]
WRITES = [
    ("PUT", "/breeds/sava:1.0.0", BREED),
    ("DELETE", "/breeds/sava:1.0.0", ""),
    ("PUT", "/deployments/sava", SAVA_1_0),
    ("DELETE", "/deployments/sava", SAVA_1_0),
    ("PUT", "/gateways/edge", GATEWAY),
    ("DELETE", "/gateways/edge", ""),
    ("POST", "/events", '{"tags": ["forged"], "value": 2}'),
    ("DELETE", "", BREED),
]


@pytest.mark.parametrize(("role", "scope"), OUTSIDERS, ids=OUTSIDER_IDS)
async def test_acme_prod_is_invisible_and_unchangeable_from_outside(
    api: Harness, role: str, scope: str
) -> None:
    await fill_acme_prod(api)
    before = await snapshot(api)
    outsider = await api.token(role, scope, name="outsider")
    events_before = len((await api.client.get("/acme-prod/api/v1/events")).json())

    reads = [await api.client.get(f"/acme-prod/api/v1{path}", headers=bearer(outsider)) for path in READS]
    writes = [
        await api.client.request(
            method, f"/acme-prod/api/v1{path}", content=content, headers={**YAML, **bearer(outsider)}
        )
        for method, path, content in WRITES
    ]

    assert [found.status_code for found in reads] == [403] * len(READS)
    assert [found.status_code for found in writes] == [403] * len(WRITES)
    for found in [*reads, *writes]:
        assert f"({role} of {scope})" in found.json()["message"]
        assert "sava" not in found.text
        assert "edge" not in found.text
    assert await snapshot(api) == before
    assert len((await api.client.get("/acme-prod/api/v1/events")).json()) == events_before


@pytest.mark.parametrize(("role", "scope"), [("operator", "acme-test"), ("owner", "globex")])
async def test_outsiders_see_nothing_of_acme_prod_in_their_own_namespaces(
    api: Harness, role: str, scope: str
) -> None:
    await fill_acme_prod(api)
    outsider = await api.token(role, scope, name="outsider")
    namespace = scope if "-" in scope else f"{scope}-prod"

    seen = [
        await api.client.get(f"/{namespace}/api/v1{path}", headers=bearer(outsider))
        for path in ("/breeds", "/deployments", "/gateways", "/events", "/events?tag=secret")
    ]
    plan = await api.client.get(f"/{namespace}/api/v1/vga/plan", headers=bearer(outsider))
    metrics = await api.client.get(f"/{namespace}/api/v1/metrics/gateways/edge", headers=bearer(outsider))

    assert [(found.status_code, found.json()) for found in seen][:3] == [(200, [])] * 3
    assert all("sava" not in found.text and "secret" not in found.text for found in seen)
    assert plan.status_code in (200, 304)
    assert "9060" not in plan.text
    assert metrics.status_code == 404


async def test_an_insider_sees_what_outsiders_may_not(api: Harness) -> None:
    await fill_acme_prod(api)
    operator = await api.token("operator", "acme-prod", name="insider")
    agent = await api.token("agent", "acme-prod", name="agent")

    breeds = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(operator))
    events = await api.client.get("/acme-prod/api/v1/events?tag=secret", headers=bearer(operator))
    metrics = await api.client.get("/acme-prod/api/v1/metrics/gateways/edge", headers=bearer(operator))
    plan = await api.client.get("/acme-prod/api/v1/vga/plan", headers=bearer(agent))
    agent_reads = await api.client.get("/acme-prod/api/v1/breeds", headers=bearer(agent))

    assert [found["name"] for found in breeds.json()] == ["sava:1.0.0"]
    assert [found["value"] for found in events.json()] == [1]
    assert metrics.status_code == 200
    assert plan.status_code in (200, 304)
    assert agent_reads.status_code == 403


async def test_the_store_keeps_tokens_only_as_digests(api: Harness, address: str | None) -> None:
    created = await api.client.post(
        "/api/v1/tokens", content='{"name": "ci", "role": "operator", "scope": "acme-prod"}', headers=JSON
    )
    secret = created.json()["token"]

    if address is None:
        kept = await api.services.tokens.has("ci", access.read_scope("acme-prod"))
        assert kept
        rows = [tuple(str(value) for value in vars_of(token)) for token in await api.store.tokens()]  # type: ignore[attr-defined]
    else:
        url = sa.make_url(address)
        driver = "sqlite" if url.drivername == "sqlite" else "postgresql+psycopg"
        engine = sa.create_engine(url.set(drivername=driver))
        try:
            with engine.connect() as connection:
                rows = [tuple(str(v) for v in row) for row in connection.execute(sa.select(tables.tokens))]
        finally:
            engine.dispose()

    assert created.status_code == 201
    assert any(access.digest(secret) in row for row in rows)
    assert not any(secret in value or secret.removeprefix("vamp_") in value for row in rows for value in row)


def vars_of(token: access.Token) -> tuple[object, ...]:
    return tuple(getattr(token, field) for field in token.__slots__)
