"""The gateway exposure port: make each gateway reachable from outside the data plane, say at which address.

On Kubernetes every gateway gets a Service that selects the gateway agents' pods (vamp.md §5); the
gateway synchroniser (``vamp.services.gateways``) of the leading server calls ``sync`` after a pass, the
other servers only read the ``addresses``, and each shows them in the gateways' ``service {host, port}``.
Implemented by ``vamp.adapters.kubernetes.services``.
Ports hold no logic and import only the core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from vamp.core import model


@dataclass(frozen=True, slots=True)
class ExposedGateway:
    """A gateway to expose: its name, the port its agents listen on, what it speaks, its lookup name."""

    name: str
    port: int
    protocol: model.Protocol
    lookup_name: str


@dataclass(frozen=True, slots=True)
class ServiceAddress:
    """Where a gateway can be reached: a host (IP address or DNS name) and a port."""

    host: str
    port: int


class GatewayExposure(Protocol):
    async def sync(self, namespace: str, gateways: Sequence[ExposedGateway]) -> Mapping[str, ServiceAddress]:
        """Expose exactly ``gateways`` in ``namespace`` (and stop exposing the others there).

        Returns the address of each gateway, by gateway name; a gateway whose address is not known yet
        is left out.

        Raises:
            errors.DriverError: the runtime refused or failed to expose a gateway.
        """
        ...

    async def addresses(self, namespace: str, gateways: Sequence[str]) -> Mapping[str, ServiceAddress]:
        """Where the named ``gateways`` of ``namespace`` are reached as exposed now; exposes nothing.

        A gateway that is not exposed (yet), or whose address is not known yet, is left out.

        Raises:
            errors.DriverError: the runtime cannot be asked.
        """
        ...
