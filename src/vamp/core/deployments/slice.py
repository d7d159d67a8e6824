"""Slicing services out of a deployment (vamp.md §3.2), and dropping what has been undeployed.

Slicing is how a canary ends: once all weight is on the new version, the old one is sliced out. The
services the body names are marked ``Undeployment/Initiated`` and lose their routes; the reconciler
takes their instances away, and ``prune`` drops them once that is done. Slicing refuses to leave the
remaining services of a port without all the weight, so no traffic is lost. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from vamp import errors
from vamp.core import model, units
from vamp.core.deployments import dependencies, messages
from vamp.core.routing import weights


def slice_services(
    deployment: model.Deployment, blueprint: model.Blueprint, *, now: datetime
) -> model.Deployment:
    """The deployment with the services of ``blueprint`` being undeployed.

    Services and clusters the deployment does not have are ignored; services already being undeployed
    stay as they are. The blueprint need not be resolved: only its cluster and breed names count.

    Raises:
        errors.DeploymentError: the services that would remain on a port would not have 100 % of its
            weight, or a remaining service depends on a sliced one.
    """
    sliced = {
        name: {service.breed_name for service in cluster.services}
        for name, cluster in blueprint.clusters.items()
        if name in deployment.clusters
    }
    for name, breeds in sliced.items():
        _check_remaining_weight(deployment.name, name, deployment.clusters[name], breeds)
    if not any(sliced.values()):
        return deployment
    clusters = {
        name: _sliced(cluster, sliced[name], now) if name in sliced else cluster
        for name, cluster in deployment.clusters.items()
    }
    gateway_ports = {f"{c}.{port}" for c, cluster in clusters.items() for port in cluster.gateways}
    result = deployment.model_copy(
        update={
            "clusters": clusters,
            "ports": {key: number for key, number in deployment.ports.items() if key in gateway_ports},
        }
    )
    return dependencies.with_dependencies(result, result.clusters)


def prune(deployment: model.Deployment) -> model.Deployment | None:
    """The deployment without the services that are undeployed, and the clusters left without services.

    Returns ``None`` when no cluster is left: the deployment is gone. Hosts, gateway ports and
    cluster-scope variables of dropped clusters go with them, and so do external gateway routes to
    them (a gateway left without routes is dropped).
    """
    clusters = {
        name: cluster.model_copy(update={"services": services})
        for name, cluster in deployment.clusters.items()
        if (services := tuple(service for service in cluster.services if not _undeployed(service)))
    }
    if not clusters:
        return None
    dropped = deployment.clusters.keys() - clusters.keys()
    gateways = {
        port: gateway.model_copy(update={"routes": routes})
        for port, gateway in deployment.gateways.items()
        if (
            routes := {
                key: route for key, route in gateway.routes.items() if key.split("/")[0] not in dropped
            }
        )
    }
    return deployment.model_copy(
        update={
            "clusters": clusters,
            "gateways": gateways,
            "ports": {
                key: port for key, port in deployment.ports.items() if key.split(".")[0] not in dropped
            },
            "environment_variables": {
                key: value
                for key, value in deployment.environment_variables.items()
                if key.split(".")[0] not in dropped
            },
            "hosts": {name: host for name, host in deployment.hosts.items() if name not in dropped},
        }
    )


def _undeployed(service: model.DeploymentService) -> bool:
    status = service.status
    return status.intention is model.Intention.UNDEPLOYMENT and status.phase.name is model.PhaseName.DONE


def _deploying(service: model.DeploymentService) -> bool:
    return service.status.intention is model.Intention.DEPLOYMENT


def _check_remaining_weight(
    deployment: str, name: str, cluster: model.DeploymentCluster, sliced: Collection[str]
) -> None:
    remaining = [s for s in cluster.services if _deploying(s) and s.breed.name not in sliced]
    ports = dict.fromkeys(port.name for service in remaining for port in service.breed.ports)
    for port in ports:
        gateway = cluster.gateways.get(port)
        routes = gateway.routes if gateway else {}
        total = weights.total(
            [
                route.weight
                for key, route in routes.items()
                if isinstance(route, model.Route) and key in {s.breed.name for s in remaining}
            ]
        )
        if total != weights.FULL:
            raise errors.DeploymentError(
                messages.INVALID_SLICE_WEIGHT.format(
                    deployment=deployment, cluster=name, weight=units.percent_text(total), port=port
                )
            )


def _sliced(
    cluster: model.DeploymentCluster, sliced: Collection[str], now: datetime
) -> model.DeploymentCluster:
    services = tuple(
        service.model_copy(
            update={"status": model.ServiceStatus.initiated(model.Intention.UNDEPLOYMENT, now)}
        )
        if _deploying(service) and service.breed.name in sliced
        else service
        for service in cluster.services
    )
    gateways = {
        port: gateway.model_copy(update={"routes": routes})
        for port, gateway in cluster.gateways.items()
        if (routes := {key: route for key, route in gateway.routes.items() if key not in sliced})
    }
    return cluster.model_copy(update={"services": services, "gateways": gateways})
