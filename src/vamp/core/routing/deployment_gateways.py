"""The full gateways of a deployment, named and with full route paths, ready for the routing compiler.

Inside a deployment, gateways are anonymous and keyed: a cluster's internal gateways by port name, with
route keys that are service (breed) names; the external gateways by port number, with route keys
``cluster/port``. Vamp names and routes them in full (vamp.md §1.9):

* internal ``deployment/cluster/port`` with routes ``deployment/cluster/<breed>/port`` and the port the
  deployment assigned to ``cluster.port``;
* external ``deployment/<port>`` with routes ``deployment/cluster/port``.

Route keys that are already full paths (they contain ``/``) or external targets (``[host:port]``) are
kept as written.
"""

from __future__ import annotations

from vamp.core import model


def gateways_of(deployment: model.Deployment) -> tuple[model.Gateway, ...]:
    """Every gateway of a deployment, internal ones first, each as a full, named gateway."""
    internal = (
        _internal(deployment, cluster_name, port_name, gateway)
        for cluster_name, cluster in deployment.clusters.items()
        for port_name, gateway in cluster.gateways.items()
    )
    external = (_external(deployment, key, gateway) for key, gateway in deployment.gateways.items())
    return (*internal, *external)


def _internal(deployment: model.Deployment, cluster: str, port: str, gateway: model.Gateway) -> model.Gateway:
    prefix = f"{deployment.name}/{cluster}"
    number = deployment.ports.get(f"{cluster}.{port}", gateway.port.number)
    routes = {_service_path(key, prefix, port): route for key, route in gateway.routes.items()}
    return gateway.model_copy(
        update={
            "name": f"{prefix}/{port}",
            "port": model.GatewayPort(number=number, protocol=gateway.port.protocol),
            "routes": routes,
        }
    )


def _external(deployment: model.Deployment, key: str, gateway: model.Gateway) -> model.Gateway:
    number = gateway.port.number
    if number is None and key.isascii() and key.isdigit():
        number = int(key)
    routes = {_cluster_path(key, deployment.name): route for key, route in gateway.routes.items()}
    return gateway.model_copy(
        update={
            "name": f"{deployment.name}/{key}",
            "port": model.GatewayPort(number=number, protocol=gateway.port.protocol),
            "routes": routes,
        }
    )


def _service_path(key: str, prefix: str, port: str) -> str:
    """``breed`` → ``deployment/cluster/breed/port``."""
    return key if "/" in key or key.startswith("[") else f"{prefix}/{key}/{port}"


def _cluster_path(key: str, deployment: str) -> str:
    """``cluster/port`` → ``deployment/cluster/port``."""
    return f"{deployment}/{key}" if key.count("/") == 1 and not key.startswith("[") else key
