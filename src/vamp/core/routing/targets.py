"""Route targets: the endpoints a route path resolves to (vamp.md §1.9, "Route paths").

``Targets`` is built once per compilation from the gateways and observed instances, then resolves each
route path of ``paths.py`` to endpoints:

* ``[host:port]`` → that endpoint, marked external;
* a gateway name → ``127.0.0.1:<that gateway's port>`` on the same data plane (chaining);
* ``deployment/cluster/service/port`` → every ready instance of that service, at its port of that name.

A target that cannot be resolved gives no endpoints and a reason, which the compiler reports; the route
stays in the plan (requests to it fail) so its weight is not silently given to the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from vamp.core import model
from vamp.core.routing import paths, plan

LOCAL_HOST = "127.0.0.1"
"""Where a gateway reaches another gateway: the data plane serving both."""


@dataclass(frozen=True, slots=True)
class Resolved:
    """The endpoints of a route path, what kind of target they are, and why there are none."""

    endpoints: tuple[plan.Endpoint, ...]
    gateway: str | None = None
    external: bool = False
    problem: str | None = None


class Targets:
    """Resolves route paths against one snapshot of gateways and instances."""

    def __init__(
        self, gateways: Mapping[str, model.Gateway], instances: Iterable[model.ObservedInstance]
    ) -> None:
        self._gateways = gateways
        services: defaultdict[tuple[str, str, str], list[model.ObservedInstance]] = defaultdict(list)
        for instance in instances:
            if instance.ready and instance.deployment and instance.cluster and instance.service:
                services[instance.deployment, instance.cluster, instance.service].append(instance)
        self._services = dict(services)

    def resolve(self, gateway: str, path: paths.RoutePath) -> Resolved:
        """The endpoints ``path`` gives a route of the gateway named ``gateway``."""
        match path:
            case paths.ExternalPath(host, port):
                return Resolved((plan.Endpoint(host, port, f"{host}:{port}"),), external=True)
            case paths.GatewayPath(name):
                return self._gateway(gateway, name)
            case paths.ServicePath():
                return self._service(path)

    def _gateway(self, source: str, name: str) -> Resolved:
        if name == source:
            return Resolved((), problem="a gateway cannot route to itself")
        target = self._gateways.get(name)
        if target is None:
            return Resolved((), problem=f"no gateway named '{name}'")
        number = target.port.number
        if not number:
            return Resolved((), gateway=name, problem=f"gateway '{name}' has no port yet")
        return Resolved((plan.Endpoint(LOCAL_HOST, number, name),), gateway=name)

    def _service(self, path: paths.ServicePath) -> Resolved:
        instances = self._services.get((path.deployment, path.cluster, path.service), [])
        endpoints = sorted(
            plan.Endpoint(instance.ip, port.number, instance.name)
            for instance in instances
            if (port := instance.port(path.port)) is not None
        )
        if endpoints:
            return Resolved(tuple(endpoints))
        return Resolved(
            (),
            problem=(
                f"no ready instance of service '{path.service}' in cluster '{path.cluster}' of deployment "
                f"'{path.deployment}' has a port named '{path.port}'"
            ),
        )
