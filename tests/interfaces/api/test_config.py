"""``/api/v1/config`` and ``/api/v1/config/{key}``: the server's ``vamp.*`` keys, nested or flat, one key
or the keys under one, the request's namespace, and nothing secret."""

from __future__ import annotations

import httpx
import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.harness import ADMIN, Harness
from vamp.adapters.store import memory
from vamp.interfaces.api import app

pytestmark = pytest.mark.anyio

FLAT = {
    "vamp.container-driver.type": "local",
    "vamp.gateway-driver.host": "127.0.0.1",
    "vamp.info.message": "Hi, I'm Vamp! How are you?",
    "vamp.namespace": "default",
    "vamp.persistence.database.type": "memory",
    "vamp.version": "0.1.0",
}


async def test_config_is_the_servers_vamp_keys_nested_by_their_dots(api: Harness) -> None:
    answer = await api.client.get("/api/v1/config")

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "vamp": {
            "container-driver": {"type": "local"},
            "gateway-driver": {"host": "127.0.0.1"},
            "info": {"message": "Hi, I'm Vamp! How are you?"},
            "namespace": "default",
            "persistence": {"database": {"type": "memory"}},
            "version": "0.1.0",
        }
    }
    assert (await api.client.get("/api/v1/configuration")).json() == answer.json()


async def test_flatten_lists_the_dotted_keys_as_vamp_node_clients_config_reads_them(api: Harness) -> None:
    answer = await api.client.get("/api/v1/config", params={"flatten": "true"})

    assert (answer.status_code, answer.json()) == (200, FLAT)


async def test_the_ports_the_server_was_given_are_keys_too() -> None:
    settings = app.Settings(
        namespace="default", api_port=8080, gateway_ports=(40000, 45000), shared_port=8081
    )
    api = harness.build(memory.MemoryStore(clock=lambda: harness.NOW), settings)
    async with api.client:
        flat = (await api.client.get("/api/v1/config?flatten=true")).json()

    assert flat == {
        **FLAT,
        "vamp.http-api.port": 8080,
        "vamp.operation.gateway.port-range": "40000-45000",
        "vamp.gateway-driver.virtual-hosts.port": 8081,
    }


async def test_a_namespaced_request_sees_its_own_namespace(api: Harness) -> None:
    answer = await api.client.get("/acme-prod/api/v1/config/vamp.namespace")

    assert (answer.status_code, answer.json()) == (200, "acme-prod")


async def test_one_key_answers_its_value_and_a_prefix_the_keys_under_it(api: Harness) -> None:
    version = await api.client.get("/api/v1/config/vamp.version")
    persistence = await api.client.get("/api/v1/config/vamp.persistence")
    flat = await api.client.get("/api/v1/config/vamp.persistence", params={"flatten": "true"})

    assert (version.status_code, version.json()) == (200, "0.1.0")
    assert persistence.json() == {"database": {"type": "memory"}}
    assert flat.json() == {"vamp.persistence.database.type": "memory"}


async def test_a_key_that_is_not_there_is_a_404_that_names_it_and_the_keys(api: Harness) -> None:
    answer = await api.client.get("/api/v1/config/vamp.persistence.database.url")

    assert answer.status_code == 404
    message = answer.json()["message"]
    assert "'vamp.persistence.database.url'" in message
    assert "vamp.persistence.database.type" in message


async def test_config_answers_yaml_when_asked(api: Harness) -> None:
    answer = await api.client.get("/api/v1/config/vamp.namespace", headers={"accept": "application/x-yaml"})

    assert answer.status_code == 200
    assert answer.text.strip() == "default"


async def test_config_holds_no_token_and_no_path_of_the_home(api: Harness) -> None:
    text = (await api.client.get("/api/v1/config?flatten=true")).text

    assert ADMIN not in text
    assert "/" not in text.replace("127.0.0.1", "")


async def test_config_needs_a_token_that_reaches_the_namespace(api: Harness) -> None:
    viewer = await api.token("viewer", "acme-test")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=api.app), base_url="http://vamp"
    ) as client:
        missing = await client.get("/api/v1/config")
        elsewhere = await client.get(
            "/acme-prod/api/v1/config", headers={"authorization": f"Bearer {viewer}"}
        )
        own = await client.get("/acme-test/api/v1/config", headers={"authorization": f"token {viewer}"})

    assert missing.status_code == 401
    assert elsewhere.status_code == 403
    assert (own.status_code, own.json()["vamp"]["namespace"]) == (200, "acme-test")
