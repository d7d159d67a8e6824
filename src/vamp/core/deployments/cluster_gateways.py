"""The internal gateways of a deployment cluster: one per port of its breeds, one route per service.

vamp.md §3.1 step 4. A cluster's internal gateways are keyed by port name and their route keys are the
breed names of its deploying services (``routing.deployment_gateways`` names them in full). A route
keeps the settings the blueprint gives it, else the ones it had; a new route gets no weight, so it
shares what the others leave (0 % next to a route at 100 %: the canary starts dark). Weights are stored
filled, so a stored deployment always says what each route gets. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from vamp import errors
from vamp.core import model
from vamp.core.deployments import messages
from vamp.core.routing import weights


def cluster_gateways(
    deployment: str,
    cluster: str,
    services: Sequence[model.DeploymentService],
    existing: Mapping[str, model.Gateway],
    given: Mapping[str, model.Gateway],
) -> dict[str, model.Gateway]:
    """The cluster's internal gateways after a merge, for the ports its deploying services have.

    ``existing`` are the gateways the cluster had, ``given`` the blueprint's settings for the cluster
    (sticky, virtual hosts, routes with weights and conditions); the port number a gateway was given
    stays. Ports no deploying breed has any more lose their gateway.

    Raises:
        errors.DeploymentError: a given port or route names no port or service of the cluster, or the
            weights of a port's routes cannot total 100 %.
    """
    deploying = [service for service in services if service.status.intention is model.Intention.DEPLOYMENT]
    ports: dict[str, model.Port] = {}
    for service in deploying:
        for port in service.breed.ports:
            ports.setdefault(port.name, port)
    _check_given(cluster, deploying, ports, given)
    return {
        name: _gateway(deployment, cluster, port, deploying, existing.get(name), given.get(name))
        for name, port in ports.items()
    }


def resolved_route(route: model.Route | model.Ref, where: str) -> model.Route:
    """The route itself; a route that is still a reference cannot be merged."""
    if isinstance(route, model.Ref):
        raise errors.DeploymentError(messages.UNRESOLVED_ROUTE.format(where=where, name=route.name))
    return route


def _check_given(
    cluster: str,
    services: Sequence[model.DeploymentService],
    ports: Mapping[str, model.Port],
    given: Mapping[str, model.Gateway],
) -> None:
    names = [service.breed.name for service in services]
    for port, gateway in given.items():
        if port not in ports:
            raise errors.DeploymentError(
                messages.UNRESOLVED_GATEWAY_PORT.format(
                    cluster=cluster, port=port, ports=messages.listing(ports)
                )
            )
        for route in gateway.routes:
            if route not in names:
                raise errors.DeploymentError(
                    messages.UNRESOLVED_SERVICE_ROUTE.format(
                        cluster=cluster, route=route, services=messages.listing(names)
                    )
                )


def _gateway(
    deployment: str,
    cluster: str,
    port: model.Port,
    services: Sequence[model.DeploymentService],
    existing: model.Gateway | None,
    given: model.Gateway | None,
) -> model.Gateway:
    where = f"cluster '{deployment}/{cluster}' port '{port.name}'"
    routes: dict[str, model.Route] = {}
    for service in services:
        if service.breed.port(port.name) is None:
            continue
        key = service.breed.name
        chosen = next(
            (gateway.routes[key] for gateway in (given, existing) if gateway and key in gateway.routes), None
        )
        routes[key] = model.Route() if chosen is None else resolved_route(chosen, f"route '{key}' of {where}")
    given_weights = [route.weight for route in routes.values()]
    filled = weights.fill(given_weights)
    problem = weights.total_problem(given_weights)
    if filled is None or problem is not None:
        raise errors.DeploymentError(
            messages.UNSUPPORTED_ROUTE_WEIGHTS.format(
                deployment=deployment, cluster=cluster, port=port.name, problem=problem
            )
        )
    settings = given or existing or model.Gateway()
    number = existing.port.number if existing else None
    return settings.model_copy(
        update={
            "port": model.GatewayPort(number=number, protocol=port.protocol),
            "routes": {
                key: route.model_copy(update={"weight": weight})
                for (key, route), weight in zip(routes.items(), filled, strict=True)
            },
        }
    )
