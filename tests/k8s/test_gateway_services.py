"""Gateways as Services against a real API server: one per gateway selecting the agents' pods on the
gateway's port, the shared vamp-gateway-agent LoadBalancer Service, addresses returned, changes applied,
Services of removed gateways deleted, Services Vamp did not make left alone, and one gateway's Service a
quota refuses named while the others are exposed; many Services applied at once.
"""

import ipaddress
from typing import Any

import pytest
from lightkube.resources.core_v1 import Service

from tests.k8s import eventually
from vamp import errors
from vamp.adapters.kubernetes import names
from vamp.adapters.kubernetes import services as gateway_services
from vamp.core import model
from vamp.ports import exposure

pytestmark = pytest.mark.anyio
CLUSTER_IPS = ipaddress.ip_network("127.2.0.0/24")
NODE_PORTS = range(30000, 32768)
FOO = exposure.ExposedGateway("foo-ingress", 40001, model.Protocol.HTTP, "lookup-foo")
SAVA = exposure.ExposedGateway("sava/sava/webport", 40002, model.Protocol.TCP, "lookup-sava")


async def found(kube, namespace: str) -> dict[str, dict[str, Any]]:
    return {
        item.metadata.name: item.to_dict() for item in (await kube.list(Service, namespace=namespace)).items
    }


async def test_each_gateway_gets_a_node_port_service_selecting_the_agents(kube, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube)

    addresses = await exposing.sync(k8s_namespace, [FOO, SAVA])

    services = await found(kube, k8s_namespace)
    sava = names.gateway_service_name(SAVA.name)
    assert sorted(services) == sorted(
        ["foo-ingress", sava, "vamp-gateway-agent", "vamp-gateway-agent-metrics"]
    )
    foo = services["foo-ingress"]
    assert foo["spec"]["type"] == "NodePort"
    assert foo["spec"]["selector"] == {"io.vamp": "vamp-gateway-agent"}
    assert [(p["port"], p["targetPort"], p["protocol"]) for p in foo["spec"]["ports"]] == [
        (40001, 40001, "TCP")
    ]
    assert foo["metadata"]["labels"] == {
        "app.kubernetes.io/managed-by": "vamp",
        "io.vamp": "gateway",
        "io.vamp/gateway": "foo-ingress",
        "io.vamp/lookup-name": "lookup-foo",
    }
    assert services[sava]["metadata"]["annotations"] == {"io.vamp/gateway-name": "sava/sava/webport"}
    agent = services["vamp-gateway-agent"]["spec"]
    assert (agent["type"], agent["selector"], [p["port"] for p in agent["ports"]]) == (
        "LoadBalancer",
        {"io.vamp": "vamp-gateway-agent"},
        [80],
    )
    assert [p["port"] for p in services["vamp-gateway-agent-metrics"]["spec"]["ports"]] == [9090]
    assert set(addresses) == {"foo-ingress", "sava/sava/webport"}
    for gateway, address in addresses.items():
        service = services[names.gateway_service_name(gateway)]
        assert address == exposure.ServiceAddress(
            service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"]
        )
        assert ipaddress.ip_address(address.host) in CLUSTER_IPS
        assert address.port in NODE_PORTS


async def test_a_changed_gateway_is_updated_and_a_removed_one_deleted(kube, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube)
    await exposing.sync(k8s_namespace, [FOO, SAVA])
    await kube.apply(Service, _foreign(k8s_namespace))

    moved = exposure.ExposedGateway("foo-ingress", 40011, model.Protocol.HTTP, "lookup-foo")
    addresses = await exposing.sync(k8s_namespace, [moved])

    services = await found(kube, k8s_namespace)
    assert sorted(services) == ["foo-ingress", "not-vamp", "vamp-gateway-agent", "vamp-gateway-agent-metrics"]
    assert [p["port"] for p in services["foo-ingress"]["spec"]["ports"]] == [40011]
    assert list(addresses) == ["foo-ingress"]


async def test_a_gateway_service_deleted_by_someone_comes_back(kube, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube)
    await exposing.sync(k8s_namespace, [FOO])
    await kube.delete(Service, "foo-ingress", namespace=k8s_namespace)

    await exposing.sync(k8s_namespace, [FOO])

    assert "foo-ingress" in await found(kube, k8s_namespace)


async def test_load_balancer_services_by_option(kube, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube, service_type="LoadBalancer")

    addresses = await exposing.sync(k8s_namespace, [FOO])

    service = (await found(kube, k8s_namespace))["foo-ingress"]
    assert service["spec"]["type"] == "LoadBalancer"
    # The test cluster has no load balancer controller: the address is the cluster IP and node port.
    assert addresses["foo-ingress"] == exposure.ServiceAddress(
        service["spec"]["clusterIP"], service["spec"]["ports"][0]["nodePort"]
    )


async def test_no_gateways_leave_nothing_exposed(kube, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube)
    await exposing.sync(k8s_namespace, [FOO])

    assert await exposing.sync(k8s_namespace, []) == {}

    assert "foo-ingress" not in await found(kube, k8s_namespace)


async def test_a_second_pass_over_services_listed_in_pages_applies_nothing(kube, k8s_namespace, monkeypatch):
    """Five gateways, seven Services, listed two at a time: each is found, none is applied again."""
    monkeypatch.setattr("vamp.adapters.kubernetes.client.LIST_PAGE", 2)
    gateways = [
        exposure.ExposedGateway(f"gateway-{n}", 40020 + n, model.Protocol.HTTP, f"lookup-{n}")
        for n in range(5)
    ]
    exposing = gateway_services.GatewayServices(kube)
    first = await exposing.sync(k8s_namespace, gateways)
    applied: list[str] = []
    apply = kube.apply

    async def counted(kind, manifest):
        applied.append(manifest["metadata"]["name"])
        return await apply(kind, manifest)

    monkeypatch.setattr(kube, "apply", counted)
    again = await exposing.sync(k8s_namespace, gateways)

    assert again == first
    assert set(first) == {gateway.name for gateway in gateways}
    assert applied == []


async def test_a_load_balancers_address_is_the_gateways(kube, k8s_api, k8s_namespace):
    exposing = gateway_services.GatewayServices(kube, service_type="LoadBalancer")
    await exposing.sync(k8s_namespace, [FOO])
    k8s_api.patch(
        f"/api/v1/namespaces/{k8s_namespace}/services/foo-ingress/status",
        json={"status": {"loadBalancer": {"ingress": [{"hostname": "foo.lb.example.invalid"}]}}},
        headers={"content-type": "application/merge-patch+json"},
    ).raise_for_status()

    expected = {"foo-ingress": exposure.ServiceAddress("foo.lb.example.invalid", 40001)}
    assert await exposing.sync(k8s_namespace, [FOO]) == expected
    assert await exposing.addresses(k8s_namespace, ["foo-ingress"]) == expected


def _foreign(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "not-vamp", "namespace": namespace, "labels": {"io.vamp": "gateway"}},
        "spec": {"ports": [{"port": 80}], "selector": {"app": "other"}},
    }


async def test_a_gateway_whose_service_a_quota_refuses_is_named_and_the_others_are_exposed(
    kube, k8s_namespace, k8s_api
):
    # Three Services at most: the agents' two and one gateway's; the second gateway's is refused.
    quota = {"metadata": {"name": "three-services"}, "spec": {"hard": {"services": "3"}}}
    k8s_api.post(f"/api/v1/namespaces/{k8s_namespace}/resourcequotas", json=quota).raise_for_status()

    async def counted() -> dict[str, Any]:
        path = f"/api/v1/namespaces/{k8s_namespace}/resourcequotas/three-services"
        return dict(k8s_api.get(path).json().get("status") or {})

    await eventually.until("the quota counted", counted, lambda status: "services" in status.get("used", {}))
    exposing = gateway_services.GatewayServices(kube)

    with pytest.raises(errors.GatewaysNotExposed) as refused:
        await exposing.sync(k8s_namespace, [FOO, SAVA])

    # Their Services are applied at once, so the quota lets in whichever comes first.
    [(name, reason)] = refused.value.gateways.items()
    [exposed] = {FOO.name, SAVA.name} - {name}
    assert "quota" in reason
    assert name in str(refused.value)
    assert set(refused.value.addresses) == {exposed}
    assert sorted(await found(kube, k8s_namespace)) == sorted(
        [names.gateway_service_name(exposed), "vamp-gateway-agent", "vamp-gateway-agent-metrics"]
    )


async def test_many_gateways_services_are_applied_several_at_once(kube, k8s_namespace, monkeypatch):
    """Forty new gateways: their Services are applied at once, never more than ``APPLYING_AT_ONCE``."""
    gateways = [
        exposure.ExposedGateway(f"many-{n}", 40100 + n, model.Protocol.HTTP, f"lookup-{n}") for n in range(40)
    ]
    in_flight, most = 0, 0
    apply = kube.apply

    async def counted(kind, manifest):
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await apply(kind, manifest)
        finally:
            in_flight -= 1

    monkeypatch.setattr(kube, "apply", counted)
    addresses = await gateway_services.GatewayServices(kube).sync(k8s_namespace, gateways)

    assert set(addresses) == {gateway.name for gateway in gateways}
    assert 1 < most <= gateway_services.APPLYING_AT_ONCE
    assert len(await found(kube, k8s_namespace)) == len(gateways) + 2
