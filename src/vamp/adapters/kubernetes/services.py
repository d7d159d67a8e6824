"""Gateways as Kubernetes Services (``ports.exposure.GatewayExposure``), vamp.md §5.

``GatewayServices.sync`` makes a namespace hold exactly one Service per gateway (NodePort by default,
LoadBalancer by option) selecting the gateway agents' pods (``io.vamp: vamp-gateway-agent``) on the
gateway's port, plus the shared ``vamp-gateway-agent`` LoadBalancer Service on the virtual-host port and
the agents' metrics Service; gateway Services of gateways that are gone are deleted (found by label).
It returns each gateway's address: the load balancer's when it has one, else the cluster IP and node
port, for the caller to write into the gateway's ``service {host, port}``. ``addresses`` reads the same
from the Services as they are, changing nothing: what a server that does not lead shows.

A Service selects pods of its own namespace only, so the agents serving a namespace's gateways run in
that namespace. What was applied is remembered, so a pass that changes nothing sends only one list; that
list is read as plain JSON and only each Service's role and address kept, and each gateway's manifest is
built once while the gateway stays the same, so a pass over a thousand gateways stays cheap. One
gateway's Service the API server refuses (a full IP range, a quota) does not stop the others: they are
applied, and the refused ones named with their reasons (``errors.GatewaysNotExposed``). Services are
applied ``APPLYING_AT_ONCE`` at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lightkube.resources.core_v1 import Service

from vamp import errors
from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import manifests, names
from vamp.adapters.kubernetes import namespaces as kube_namespaces
from vamp.ports import exposure

ServiceType = Literal["NodePort", "LoadBalancer"]

APPLYING_AT_ONCE = 16
"""Services applied at once: a thousand new gateways, applied one after another, held their pass (and so
the next plan of their namespace) for a round trip to a busy API server each."""


@dataclass(frozen=True, slots=True)
class _Found:
    """What a pass needs of a Service that exists: whether it is a gateway's, and its address."""

    gateway: bool
    address: exposure.ServiceAddress | None


class GatewayServices:
    """One Service per gateway, selecting the gateway agents' pods.

    Args:
        client: the API client; not closed here.
        service_type: the type of each gateway's Service.
        agent_port: the agents' shared virtual-host port, served by the ``vamp-gateway-agent`` Service.
        metrics_port: the agents' status and metrics port (``vamp agent --listen``).
    """

    def __init__(
        self,
        client: kube.KubernetesClient,
        *,
        service_type: ServiceType = "NodePort",
        agent_port: int = 80,
        metrics_port: int = 9090,
    ) -> None:
        self._client = client
        self._namespaces = kube_namespaces.Namespaces(client)
        self._service_type = service_type
        self._agent_port = agent_port
        self._metrics_port = metrics_port
        self._applied: dict[tuple[str, str], manifests.Manifest] = {}
        self._manifests: dict[tuple[str, exposure.ExposedGateway], manifests.Manifest] = {}

    async def sync(
        self, namespace: str, gateways: Sequence[exposure.ExposedGateway]
    ) -> dict[str, exposure.ServiceAddress]:
        """Expose exactly ``gateways`` in ``namespace``; their addresses by gateway name.

        Raises:
            errors.GatewaysNotExposed: the API server refused the Services of some gateways (each named,
                with its reason); every other Service is applied, and deleted where no longer wanted.
            errors.DriverError: the API server refused to list, apply or delete a Service.
        """
        existing = await self._existing(namespace)
        wanted = {
            names.gateway_service_name(gateway.name): self._manifest(namespace, gateway)
            for gateway in gateways
        }
        shared = (
            [
                manifests.agent_service(namespace, self._agent_port),
                manifests.agent_metrics_service(namespace, self._metrics_port),
            ]
            if gateways
            else []
        )
        current = {
            manifest["metadata"]["name"]: await self._ensure(
                existing.get(manifest["metadata"]["name"]), manifest
            )
            for manifest in shared
        }
        refused: dict[str, str] = {}
        applying = asyncio.Semaphore(APPLYING_AT_ONCE)

        async def ensure(gateway: exposure.ExposedGateway) -> _Found | None:
            name = names.gateway_service_name(gateway.name)
            async with applying:
                try:
                    return await self._ensure(existing.get(name), wanted[name])
                except errors.DriverError as exc:  # one gateway's Service (an IP range full, a quota)
                    refused[gateway.name] = str(exc)
                    return None

        ensured = await asyncio.gather(*(ensure(gateway) for gateway in gateways))
        for gateway, found in zip(gateways, ensured, strict=True):
            if found is not None:
                current[names.gateway_service_name(gateway.name)] = found
        shared_names = {manifest["metadata"]["name"] for manifest in shared}
        for name, service in existing.items():
            if name not in wanted and name not in shared_names and service.gateway:
                await self._client.delete(Service, name, namespace=namespace)
                self._applied.pop((namespace, name), None)
        kept = set(gateways)
        self._manifests = {
            key: manifest
            for key, manifest in self._manifests.items()
            if key[0] != namespace or key[1] in kept
        }
        addresses = _addresses(current, [gateway.name for gateway in gateways])
        if refused:
            raise errors.GatewaysNotExposed(
                f"Kubernetes refused the Services of {len(refused)} gateway(s) of namespace '{namespace}' "
                f"(the others are exposed): "
                + "; ".join(f"'{gateway}': {reason}" for gateway, reason in sorted(refused.items())),
                refused,
                addresses,
            )
        return addresses

    async def addresses(self, namespace: str, gateways: Sequence[str]) -> dict[str, exposure.ServiceAddress]:
        """The addresses of those ``gateways`` whose Services exist in ``namespace``; applies nothing.

        Raises:
            errors.DriverError: the API server refused to list the Services.
        """
        return _addresses(await self._existing(namespace), gateways)

    async def _existing(self, namespace: str) -> dict[str, _Found]:
        """Vamp's Services in ``namespace``, by name."""
        listing = await self._client.list_data(
            Service, _named_found, namespace=namespace, labels=manifests.managed_by_vamp()
        )
        return dict(listing.items)

    def _manifest(self, namespace: str, gateway: exposure.ExposedGateway) -> manifests.Manifest:
        """The Service ``gateway`` needs, built once while it stays the same (never changed once built)."""
        key = (namespace, gateway)
        found = self._manifests.get(key)
        if found is None:
            found = self._manifests[key] = manifests.gateway_service(namespace, gateway, self._service_type)
        return found

    async def _ensure(self, existing: _Found | None, manifest: manifests.Manifest) -> _Found:
        """The Service as ``manifest`` says: ``existing`` if Vamp applied just that, else applied now."""
        key = (manifest["metadata"]["namespace"], manifest["metadata"]["name"])
        if existing is not None and self._applied.get(key) == manifest:
            return existing
        applied = await self._namespaces.apply(Service, manifest)
        self._applied[key] = manifest
        return _found(applied.to_dict())


def _named_found(data: Mapping[str, Any]) -> tuple[str, _Found]:
    return str(data.get("metadata", {}).get("name") or ""), _found(data)


def _found(data: Mapping[str, Any]) -> _Found:
    """What a pass keeps of a Service, from its JSON."""
    labels = (data.get("metadata") or {}).get("labels") or {}
    return _Found(labels.get(manifests.LABEL_ROLE) == manifests.ROLE_GATEWAY, _address(data))


def _addresses(services: Mapping[str, _Found], gateways: Sequence[str]) -> dict[str, exposure.ServiceAddress]:
    """The address of each of ``gateways`` whose Service is among ``services`` and has one."""
    found = {
        gateway: services[service].address
        for gateway in gateways
        if (service := names.gateway_service_name(gateway)) in services
    }
    return {gateway: address for gateway, address in found.items() if address is not None}


def _address(data: Mapping[str, Any]) -> exposure.ServiceAddress | None:
    """The load balancer's address when it has one, else the cluster IP and node port; ``None`` if neither."""
    spec = data.get("spec") or {}
    ports = spec.get("ports")
    if not ports:
        return None
    port = ports[0]
    ingress = ((data.get("status") or {}).get("loadBalancer") or {}).get("ingress")
    if ingress:
        host = ingress[0].get("ip") or ingress[0].get("hostname")
        if host:
            return exposure.ServiceAddress(host, port["port"])
    if not spec.get("clusterIP"):
        return None
    return exposure.ServiceAddress(spec["clusterIP"], port.get("nodePort") or port["port"])
