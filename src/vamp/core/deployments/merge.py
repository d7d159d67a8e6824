"""Merging a resolved blueprint into a deployment (vamp.md §3.1): how a canary starts.

Clusters the blueprint does not name stay as they are. In a cluster it names, a service of a breed the
cluster already runs keeps its instances and takes the blueprint's breed and settings; it is deployed
again (``Deployment/Initiated``) only when something it runs with changed, or the blueprint changed the
cluster's gateways. A service of a new breed is added, its route without weight, so next to a route at
100 % it starts at 0 %. External gateways are replaced per port; hosts, cluster-scope variables and
gateway ports keep the values the deployment had (step 5).

Pure: the caller passes the time and the gateway host, and stores the result. Neighbours:
``resolve.py`` before, ``cluster_gateways.py`` and ``dependencies.py`` within, ``export.py`` and
``vamp.core.validation`` for the final check.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import cast

from vamp import errors
from vamp.core import model, validation
from vamp.core.deployments import dependencies, export, messages, resolve
from vamp.core.deployments.cluster_gateways import cluster_gateways, resolved_route
from vamp.core.routing import weights


def merge(
    deployment: model.Deployment | None, blueprint: model.Blueprint, *, name: str, now: datetime, host: str
) -> model.Deployment:
    """The deployment ``name`` (``None``: a new one) with ``blueprint`` merged in.

    Args:
        deployment: the deployment as stored, or ``None`` when there is none yet.
        blueprint: a resolved blueprint (``resolve.resolve_blueprint``): no references left.
        name: the deployment's name.
        now: when this happens; the ``since`` of every status set here.
        host: the host clusters are reached on (the gateway host), for ``hosts``.

    Raises:
        errors.DeploymentError: the name is invalid, the blueprint still holds a reference, route weights
            cannot total 100 %, a dependency is unresolved or cyclic.
        errors.DslError: the merged deployment, as a blueprint, breaks a blueprint rule.
    """
    problem = model.name_problem(name)
    if problem:
        raise errors.DeploymentError(messages.INVALID_DEPLOYMENT_NAME.format(problem=problem))
    left = resolve.unresolved(blueprint)
    if left:
        first = left[0]
        raise errors.DeploymentError(
            messages.UNRESOLVED_BLUEPRINT.format(
                blueprint=blueprint.name, kind=first.kind, name=first.name, path=first.path
            )
        )
    stable = deployment or model.Deployment(name=name)
    clusters = dict(stable.clusters)
    for cluster_name, cluster in blueprint.clusters.items():
        clusters[cluster_name] = _cluster(name, cluster_name, stable.clusters.get(cluster_name), cluster, now)
    gateway_ports = {f"{c}.{port}" for c, cluster in clusters.items() for port in cluster.gateways}
    merged = stable.model_copy(
        update={
            "name": name,
            "clusters": clusters,
            "gateways": {
                **stable.gateways,
                **{port: _filled(port, g) for port, g in blueprint.gateways.items()},
            },
            "ports": {key: number for key, number in stable.ports.items() if key in gateway_ports},
            "environment_variables": _cluster_scope(
                blueprint.environment_variables, stable.environment_variables
            ),
            "hosts": {**dict.fromkeys(clusters, host), **stable.hosts},
            "dialects": {**stable.dialects, **blueprint.dialects},
            "metadata": {**stable.metadata, **blueprint.metadata},
        }
    )
    merged = _redeployed(dependencies.with_dependencies(merged, blueprint.clusters), stable, blueprint, now)
    issues = validation.blueprint_issues(export.as_blueprint(merged))
    if issues:
        raise errors.DslError(issues)
    return merged


def _cluster(
    deployment: str, name: str, stable: model.DeploymentCluster | None, given: model.Cluster, now: datetime
) -> model.DeploymentCluster:
    stable = stable or model.DeploymentCluster()
    given_services = {service.breed_name: service for service in given.services}
    services = [
        service
        if service.breed.name not in given_services
        else _updated(service, given_services[service.breed.name], now)
        for service in stable.services
    ]
    known = {service.breed.name for service in stable.services}
    services += [_attachment(service, now) for service in given.services if service.breed_name not in known]
    return stable.model_copy(
        update={
            "services": tuple(services),
            "gateways": cluster_gateways(deployment, name, services, stable.gateways, given.gateways),
            "health_checks": given.health_checks if given.health_checks is not None else stable.health_checks,
            "network": given.network or stable.network,
            "sla": given.sla or stable.sla,
            "dialects": {**stable.dialects, **given.dialects},
            "metadata": {**stable.metadata, **given.metadata},
        }
    )


def _attachment(service: model.Service, now: datetime) -> model.DeploymentService:
    """A blueprint service as a new deployment service (vamp.md §3.1 step 2)."""
    # merge() refused blueprints that still hold references.
    breed = cast(model.Breed, service.breed)
    scale = cast(model.Scale | None, service.scale)
    return model.DeploymentService(
        breed=breed,
        scale=scale or model.DEFAULT_SCALE,
        status=model.ServiceStatus.initiated(model.Intention.DEPLOYMENT, now),
        environment_variables=service.environment_variables,
        arguments=(*breed.arguments, *service.arguments),
        health_checks=service.health_checks,
        network=service.network,
        dialects=service.dialects,
    )


def _updated(stable: model.DeploymentService, given: model.Service, now: datetime) -> model.DeploymentService:
    """A running service refreshed from the blueprint; ``_redeployed`` decides whether it runs again."""
    fresh = _attachment(given, now)
    deploying = stable.status.intention is model.Intention.DEPLOYMENT
    return fresh.model_copy(
        update={
            "scale": fresh.scale if given.scale is not None else stable.scale,
            "instances": stable.instances,
            "status": stable.status if deploying else fresh.status,
        }
    )


def _redeployed(
    merged: model.Deployment, stable: model.Deployment, blueprint: model.Blueprint, now: datetime
) -> model.Deployment:
    """Mark ``Deployment/Initiated`` every kept service whose spec or cluster gateways the merge changed.

    Vamp only looked at the scale and the gateways (issue #1074); here any change to what a service runs
    with rolls out: breed (deployable, ports, variables, ...), scale, variables, arguments, dialects.
    """
    clusters = dict(merged.clusters)
    for name, given in blueprint.clusters.items():
        before = stable.clusters.get(name)
        if before is None:
            continue
        after = clusters[name]
        gateways_changed = bool(given.gateways) and after.gateways != before.gateways
        names = {service.breed_name for service in given.services}
        services = tuple(
            service.model_copy(
                update={"status": model.ServiceStatus.initiated(model.Intention.DEPLOYMENT, now)}
            )
            if service.breed.name in names
            and _changed(before.service(service.breed.name), service, gateways_changed)
            else service
            for service in after.services
        )
        clusters[name] = after.model_copy(update={"services": services})
    return merged.model_copy(update={"clusters": clusters})


def _changed(
    before: model.DeploymentService | None, after: model.DeploymentService, gateways_changed: bool
) -> bool:
    if before is None or before.status.intention is not model.Intention.DEPLOYMENT:
        return False  # new, or deployed again after a slice: already Initiated
    # _updated kept the status and instances of a service being deployed: what differs is what it runs with.
    return gateways_changed or after != before


def _filled(port: str, gateway: model.Gateway) -> model.Gateway:
    """An external gateway with explicit weights; weights that cannot total 100 % are left to validation."""
    routes = {
        key: resolved_route(route, f"route '{key}' of gateway '{port}'")
        for key, route in gateway.routes.items()
    }
    filled = weights.fill([route.weight for route in routes.values()])
    if filled is not None:
        routes = {
            key: route.model_copy(update={"weight": weight})
            for (key, route), weight in zip(routes.items(), filled, strict=True)
        }
    return gateway.model_copy(update={"routes": routes})


def _cluster_scope(
    given: Mapping[str, str | None], stable: Mapping[str, str | None]
) -> dict[str, str | None]:
    """Cluster-scope variables: the deployment's values win; its placeholders take the blueprint's value."""
    return {
        key: stable[key] if stable.get(key) is not None else given.get(key) for key in {**given, **stable}
    }
