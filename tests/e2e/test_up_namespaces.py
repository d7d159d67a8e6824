"""``vamp up`` serves every namespace: a deployment's gateway created under ``/acme-prod/api/v1`` and one in
the default namespace are both served by its one agent, each on its own port, with real processes, a real
agent and a real Envoy; the traffic of each shows in its namespace's metrics; and a gateway on a port
that the other namespace's gateway holds is refused, naming it.

Every request to the server goes through ``Server`` (one ``httpx.Client``), so a header is added in one
place; requests to the gateways go to Envoy's ports directly.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import demo_blueprint, eventually, versions

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

PROD = "acme-prod"
SAMPLES = 50
YAML = {"content-type": "application/x-yaml"}


class Server:
    """The Vamp server's API, through one client."""

    def __init__(self, url: str, token: str) -> None:
        self.client = httpx.Client(
            base_url=url, timeout=10.0, trust_env=False, headers={"authorization": f"Bearer {token}"}
        )

    def path(self, namespace: str | None, rest: str) -> str:
        return f"/api/v1/{rest}" if namespace is None else f"/{namespace}/api/v1/{rest}"

    def create_environment(self, namespace: str) -> None:
        """Make the environment ``namespace`` (its organisation first)."""
        organisation, environment = namespace.split("-")
        made = self.client.post("/api/v1/organisations", json={"name": organisation})
        assert made.status_code == 201, made.text
        made = self.client.post(
            f"/api/v1/organisations/{organisation}/environments", json={"name": environment}
        )
        assert made.status_code == 201, made.text

    def deploy(self, namespace: str | None, name: str, blueprint: str) -> httpx.Response:
        return self.client.put(self.path(namespace, f"deployments/{name}"), content=blueprint, headers=YAML)

    def deployed(self, namespace: str | None, name: str) -> bool:
        found = self.client.get(self.path(namespace, f"deployments/{name}"))
        if found.status_code != 200:
            return False
        phases = [
            service["status"]["phase"]["name"]
            for cluster in found.json()["clusters"].values()
            for service in cluster["services"]
        ]
        return bool(phases) and all(phase == "Done" for phase in phases)

    def gateway_metrics(self, namespace: str | None, gateway: str) -> dict[str, Any] | None:
        found = self.client.get(self.path(namespace, f"metrics/gateways/{gateway}"))
        return found.json() if found.status_code == 200 else None

    def create_gateway(self, namespace: str | None, body: str) -> httpx.Response:
        return self.client.post(self.path(namespace, "gateways"), content=body, headers=YAML)


@pytest.fixture
def server_of() -> Iterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        server.client.close()


def answered(port: int, version: str) -> bool:
    try:
        return versions(port, 5) == {version: 5}
    except httpx.TransportError:
        return False


def test_vamp_up_serves_gateways_of_the_default_namespace_and_of_an_environment(
    tmp_path: Path, server_of: list[Server]
) -> None:
    default_port, prod_port = free_port(), free_port()
    with vamp_process.started(tmp_path / "home", "up") as vamp:
        server = Server(vamp.url, vamp.token)
        server_of.append(server)
        server.create_environment(PROD)

        ours = server.deploy(
            None, "sava", demo_blueprint("sava:1.0", "sava:1.0.0", "1.0", gateway=default_port)
        )
        theirs = server.deploy(
            PROD, "sava", demo_blueprint("sava:1.1", "sava:1.1.0", "1.1", gateway=prod_port)
        )
        assert (ours.status_code, theirs.status_code) == (202, 202), (ours.text, theirs.text)
        eventually(lambda: server.deployed(None, "sava"), timeout=60, what="sava is deployed in default")
        eventually(lambda: server.deployed(PROD, "sava"), timeout=60, what=f"sava is deployed in {PROD}")

        eventually(lambda: answered(default_port, "1.0"), timeout=20, what=f"1.0 answers on {default_port}")
        eventually(lambda: answered(prod_port, "1.1"), timeout=20, what=f"1.1 answers on {prod_port}")
        assert versions(default_port, SAMPLES) == {"1.0": SAMPLES}
        assert versions(prod_port, SAMPLES) == {"1.1": SAMPLES}

        gateway = f"sava/{prod_port}"
        measured = eventually(
            lambda: (
                (found := server.gateway_metrics(PROD, gateway)) and found["requests"] >= SAMPLES and found
            ),
            timeout=20,
            what=f"{PROD}'s metrics count the requests of {gateway}",
        )
        assert measured["gateway"] == gateway
        assert server.gateway_metrics(None, gateway) is None

        clash = f"name: shop\nport: {default_port}/http\nroutes:\n  '[127.0.0.1:9]': {{weight: 100%}}\n"
        refused = server.create_gateway(PROD, clash)
        assert refused.status_code == 400
        assert f"gateway 'sava/{default_port}' of namespace 'default'" in refused.json()["message"]
        assert versions(default_port, SAMPLES) == {"1.0": SAMPLES}
