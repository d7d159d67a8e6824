"""A deployment as a blueprint again (vamp.md §1.6, ``?as_blueprint=true``), to deploy the same services.

Runtime state is dropped (statuses, instances, dependency clusters, hosts, assigned gateway ports) and so
are services being undeployed. A variable is left out where it only repeats its breed's default and
nothing of higher precedence depends on it; arguments the breed itself brings are left to the breed.
Pure: no I/O. ``merge.py`` validates its results through this view.
"""

from __future__ import annotations

from collections.abc import Collection

from vamp.core import model


def as_blueprint(deployment: model.Deployment) -> model.Blueprint:
    """The blueprint that, merged into an empty deployment, gives this deployment's services and gateways."""
    clusters = {
        name: _cluster(deployment, name, cluster)
        for name, cluster in deployment.clusters.items()
        if any(_deploying(service) for service in cluster.services)
    }
    return model.Blueprint(
        name=deployment.name,
        clusters=clusters,
        gateways=deployment.gateways,
        environment_variables=_cluster_scope(deployment, clusters),
        dialects=deployment.dialects,
        metadata=deployment.metadata,
    )


def _deploying(service: model.DeploymentService) -> bool:
    return service.status.intention is model.Intention.DEPLOYMENT


def _cluster(deployment: model.Deployment, name: str, cluster: model.DeploymentCluster) -> model.Cluster:
    return model.Cluster(
        services=tuple(
            _service(deployment, name, service) for service in cluster.services if _deploying(service)
        ),
        # The port number was assigned to the deployment's gateway; a blueprint's cluster gateway has none.
        gateways={
            port: gateway.model_copy(update={"port": model.GatewayPort(protocol=gateway.port.protocol)})
            for port, gateway in cluster.gateways.items()
        },
        health_checks=cluster.health_checks,
        network=cluster.network,
        sla=cluster.sla,
        dialects=cluster.dialects,
        metadata=cluster.metadata,
    )


def _service(deployment: model.Deployment, cluster: str, service: model.DeploymentService) -> model.Service:
    breed = service.breed
    own = len(breed.arguments)
    arguments = service.arguments[own:] if service.arguments[:own] == breed.arguments else service.arguments
    return model.Service(
        breed=breed,
        scale=service.scale,
        environment_variables={
            key: value
            for key, value in service.environment_variables.items()
            # A cluster-scope value would win over the breed default once the service value is gone.
            if not _is_default(breed, key, value)
            or deployment.environment_variables.get(f"{cluster}.{key}") is not None
        },
        arguments=arguments,
        health_checks=service.health_checks,
        network=service.network,
        dialects=service.dialects,
    )


def _is_default(breed: model.Breed, name: str, value: str | None) -> bool:
    variable = breed.environment_variable(name)
    return variable is not None and variable.value == value


def _cluster_scope(deployment: model.Deployment, clusters: Collection[str]) -> dict[str, str | None]:
    """``cluster.VAR`` values, without those of clusters left out and those every breed has as default."""
    kept: dict[str, str | None] = {}
    for key, value in deployment.environment_variables.items():
        cluster, _, name = key.partition(".")
        if cluster not in clusters:
            continue
        breeds = [
            service.breed
            for service in deployment.clusters[cluster].services
            if _deploying(service) and service.breed.environment_variable(name)
        ]
        if not breeds or not all(_is_default(breed, name, value) for breed in breeds):
            kept[key] = value
    return kept
