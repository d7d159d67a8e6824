"""Reading where gateways are exposed without exposing anything (``GatewayServices.addresses``): what a
server that does not lead shows in each gateway's ``service``, against a real API server."""

import pytest
from lightkube.resources.core_v1 import Service

from vamp.adapters.kubernetes import services as gateway_services
from vamp.core import model
from vamp.ports import exposure

pytestmark = pytest.mark.anyio
FOO = exposure.ExposedGateway("foo-ingress", 40001, model.Protocol.HTTP, "lookup-foo")


async def test_addresses_are_read_from_the_services_as_they_are(kube, k8s_namespace):
    reader = gateway_services.GatewayServices(kube)
    assert await reader.addresses(k8s_namespace, ["foo-ingress"]) == {}

    exposed = await gateway_services.GatewayServices(kube).sync(k8s_namespace, [FOO])
    before = {item.metadata.name for item in (await kube.list(Service, namespace=k8s_namespace)).items}
    found = await reader.addresses(k8s_namespace, ["foo-ingress", "bar-ingress"])
    after = {item.metadata.name for item in (await kube.list(Service, namespace=k8s_namespace)).items}

    assert found == exposed
    assert set(found) == {"foo-ingress"}
    assert after == before
