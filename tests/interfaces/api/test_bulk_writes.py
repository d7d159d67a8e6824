"""Bodies of many gateways, over the SQL store on SQLite and on a real PostgreSQL: checked as a whole
against the ports held, then stored in one transaction, all or none, and the synchroniser told once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests import postgres
from tests.interfaces.api import harness
from tests.interfaces.api.harness import SAVA_1_0, YAML
from vamp.adapters.store import sql
from vamp.ports.store import EventQuery

pytestmark = pytest.mark.anyio

PROD = "/acme-prod/api/v1"


def gateway(name: str, port: int) -> str:
    return f"name: {name}\nport: {port}/http\nselector: label(app)({name}) && label(version)((.*))\n"


def body(*documents: str) -> str:
    return "---\n".join(documents)


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.e2e)])
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[harness.Harness]:
    if request.param == "sqlite":
        address = f"sqlite:///{tmp_path / 'vamp.db'}"
    else:
        server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
        address = server.url(server.create_database())
    store = await sql.SqlStore.open(address, clock=lambda: harness.NOW)
    found = harness.build(store)
    async with found.client:
        yield found
    await store.close()


async def names(api: harness.Harness, path: str = "/api/v1") -> list[str]:
    answer = await api.client.get(f"{path}/gateways", headers={"accept": "application/json"})
    return [item["name"] for item in answer.json()]


async def archived(api: harness.Harness, namespace: str = "default") -> int:
    return (await api.store.events(namespace, EventQuery(tags=("archive",)))).total


async def test_a_body_of_gateways_is_stored_whole_and_the_synchroniser_told_once(
    api: harness.Harness,
) -> None:
    documents = [gateway(f"app{n}", 20000 + n) for n in range(50)]

    answer = await api.client.post("/api/v1/gateways", content=body(*documents), headers=YAML)

    assert answer.status_code == 202
    assert len(answer.json()) == 50
    assert [stored.name for stored in (await api.store.list("default", "gateways")).items] == sorted(
        f"app{n}" for n in range(50)
    )
    assert await archived(api) == 50
    assert api.notifier.heard == [("gateways", "default")]


async def test_one_clash_with_a_stored_gateway_stores_nothing(api: harness.Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    before = await archived(api)
    api.notifier.heard.clear()
    documents = [gateway("app1", 20001), gateway("app2", 20002), gateway("app3", 9050)]

    refused = await api.client.post("/api/v1/gateways", content=body(*documents), headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '9050' is/was in use by deployment: 'sava/9050'. "
        "Remove 'sava/9050' gateway first or use different port."
    }
    assert await names(api) == ["sava/9050", "sava/sava/webport"]
    assert await archived(api) == before
    assert api.notifier.heard == []


async def test_two_gateways_of_one_body_on_one_port_store_nothing(api: harness.Harness) -> None:
    documents = [gateway("app1", 20001), gateway("app2", 20002), gateway("app9", 20001)]

    refused = await api.client.post("/api/v1/gateways", content=body(*documents), headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '20001' is/was in use by deployment: 'app1'. "
        "Remove 'app1' gateway first or use different port."
    }
    assert await names(api) == []
    assert await archived(api) == 0


async def test_a_clash_with_another_namespace_stores_nothing(api: harness.Harness) -> None:
    await api.client.post(f"{PROD}/gateways", content=gateway("held", 20005), headers=YAML)
    documents = [gateway("app1", 20001), gateway("app5", 20005)]

    refused = await api.client.post("/api/v1/gateways", content=body(*documents), headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '20005' is in use by gateway 'held' of namespace 'acme-prod': the gateway "
        "agents serve every namespace on one set of ports. Use a different port, or remove that gateway "
        "first."
    }
    assert await names(api) == []


async def test_a_gateway_given_twice_in_a_body_moves_and_frees_its_first_port(api: harness.Harness) -> None:
    await api.client.post("/api/v1/gateways", content=gateway("app1", 20001), headers=YAML)
    documents = [gateway("app1", 20011), gateway("app2", 20001), gateway("app2", 20002)]

    answer = await api.client.post("/api/v1/gateways", content=body(*documents), headers=YAML)

    assert answer.status_code == 202
    found = await api.client.get("/api/v1/gateways", headers={"accept": "application/json"})
    assert {item["name"]: item["port"] for item in found.json()} == {
        "app1": "20011/http",
        "app2": "20002/http",
    }
    revisions = [await api.store.get("default", "gateways", name) for name in ("app1", "app2")]
    assert [stored.revision for stored in revisions if stored is not None] == [2, 2]


async def test_validate_only_checks_the_body_as_a_whole_and_stores_nothing(api: harness.Harness) -> None:
    documents = [gateway("app1", 20001), gateway("app2", 20001)]

    refused = await api.client.post(
        "/api/v1/gateways", params={"validate_only": "true"}, content=body(*documents), headers=YAML
    )
    accepted = await api.client.post(
        "/api/v1/gateways", params={"validate_only": "true"}, content=body(documents[0]), headers=YAML
    )

    assert (refused.status_code, accepted.status_code) == (400, 202)
    assert await names(api) == []


async def test_static_artifacts_and_gateways_of_one_body_go_together(api: harness.Harness) -> None:
    documents = [
        "kind: conditions\nname: beta\ncondition: user-agent = beta\n",
        "kind: gateways\n" + gateway("app1", 20001),
        "kind: gateways\n" + gateway("app2", 20001),
    ]

    refused = await api.client.post("/api/v1", content=body(*documents), headers=YAML)

    assert refused.status_code == 400
    assert (await api.client.get("/api/v1/conditions/beta")).status_code == 404
    assert await archived(api) == 0


def blueprint_of(clusters: int, *, port: int | None = None) -> str:
    """A blueprint of ``clusters`` clusters, each with an inline breed of its own; ``port`` an external
    gateway on the first cluster."""
    gateways = f"gateways: {{{port}/http: c0/web}}\n" if port else ""
    return (
        "name: big\n"
        + gateways
        + "clusters:\n"
        + "".join(
            f"  c{n}:\n    services:\n      breed:\n        name: b{n}:1.0.0\n"
            f"        deployable: magneticio/sava:1.0.0\n        ports: {{web: 8080/http}}\n"
            for n in range(clusters)
        )
    )


async def test_a_deployment_of_many_clusters_stores_its_breeds_in_one_write(api: harness.Harness) -> None:
    answer = await api.client.put("/api/v1/deployments/big", content=blueprint_of(300), headers=YAML)

    assert answer.status_code == 202
    breeds = await api.store.list("default", "breeds")
    assert sorted(stored.name for stored in breeds.items) == sorted(f"b{n}:1.0.0" for n in range(300))
    deployment = await api.client.get("/api/v1/deployments/big", headers={"accept": "application/json"})
    clusters = deployment.json()["clusters"]
    assert len(clusters) == 300
    assert all(list(clusters[f"c{n}"]["gateways"]["web"]["routes"]) == [f"b{n}:1.0.0"] for n in range(300))
    assert await archived(api) == 301


async def test_a_deployment_of_many_clusters_on_a_taken_port_stores_nothing(api: harness.Harness) -> None:
    await api.client.post("/api/v1/gateways", content=gateway("held", 9050), headers=YAML)

    refused = await api.client.put(
        "/api/v1/deployments/big", content=blueprint_of(300, port=9050), headers=YAML
    )

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '9050' is/was in use by deployment: 'held'. "
        "Remove 'held' gateway first or use different port."
    }
    assert (await api.store.list("default", "breeds")).total == 0
    assert (await api.client.get("/api/v1/deployments/big")).status_code == 404
