"""Every namespace is one port space (the gateway agents may serve them all at once): a gateway, or a
deployment's gateway, on a port a gateway of another namespace holds is refused when written, naming it."""

from __future__ import annotations

import pytest

from tests.interfaces.api.harness import SAVA_1_0, YAML, Harness

pytestmark = pytest.mark.anyio

FOO = "name: foo\nport: 9060/http\nroutes:\n  '[10.0.0.9:8080]': {weight: 100%}\n"
PROD = "/acme-prod/api/v1"


async def _environment(api: Harness, namespace: str) -> None:
    """Make ``namespace`` ready for artifacts: today a namespace is created by its first write; with
    environments, this is where the environment is created."""


async def test_a_gateway_on_a_port_a_gateway_of_another_namespace_holds_is_refused(api: Harness) -> None:
    await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)
    await _environment(api, "acme-prod")

    refused = await api.client.post(f"{PROD}/gateways", content=FOO.replace("9060", "9050"), headers=YAML)

    assert refused.status_code == 400
    assert refused.json() == {
        "message": "Gateway port '9050' is in use by gateway 'sava/9050' of namespace 'default': the "
        "gateway agents serve every namespace on one set of ports. Use a different port, or remove that "
        "gateway first."
    }
    assert (await api.client.get(f"{PROD}/gateways/foo")).status_code == 404


async def test_a_deployment_cannot_take_a_port_a_gateway_of_another_namespace_holds(api: Harness) -> None:
    await _environment(api, "acme-prod")
    await api.client.post(f"{PROD}/gateways", content=FOO.replace("9060", "9050"), headers=YAML)

    refused = await api.client.put("/api/v1/deployments/sava", content=SAVA_1_0, headers=YAML)

    assert refused.status_code == 400
    assert "gateway 'foo' of namespace 'acme-prod'" in refused.json()["message"]
    assert (await api.client.get("/api/v1/deployments/sava")).status_code == 404


async def test_gateways_of_several_namespaces_on_their_own_ports_are_accepted(api: Harness) -> None:
    await _environment(api, "acme-prod")
    first = await api.client.post("/api/v1/gateways", content=FOO, headers=YAML)
    second = await api.client.post(f"{PROD}/gateways", content=FOO.replace("9060", "9061"), headers=YAML)
    again = await api.client.put(f"{PROD}/gateways/foo", content=FOO.replace("9060", "9061"), headers=YAML)
    moved = await api.client.put(f"{PROD}/gateways/foo", content=FOO, headers=YAML)

    assert [found.status_code for found in (first, second, again)] == [202, 202, 202]
    assert moved.status_code == 400
    assert "gateway 'foo' of namespace 'default'" in moved.json()["message"]
