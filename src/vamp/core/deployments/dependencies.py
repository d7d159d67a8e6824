"""Breed dependencies inside a deployment: which cluster hosts each one, and that none is cyclic.

A breed names its dependencies alias → breed (vamp.md §1.3); the breed name may hold ``*`` wildcards
(``mysql:1.*``). A dependency is satisfied by a deploying service of the same deployment whose breed name
``matches`` (the validation rules' test, re-exported here for the reconciler); the depending service
records alias → that service's cluster (``DeploymentService.dependencies``, §1.6), and references to the
alias inside values go to that cluster (§1.8). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from vamp import errors
from vamp.core import model
from vamp.core.deployments import messages
from vamp.core.validation.services import matches as matches


def with_dependencies(deployment: model.Deployment, clusters: Collection[str]) -> model.Deployment:
    """The deployment with ``dependencies`` recomputed for the deploying services of ``clusters``.

    Raises:
        errors.DeploymentError: a dependency matches no deploying breed of the deployment, or the
            dependencies of the deploying breeds form a cycle.
    """
    updated = {
        name: cluster.model_copy(
            update={"services": tuple(_with_clusters(deployment, s) for s in cluster.services)}
        )
        if name in clusters
        else cluster
        for name, cluster in deployment.clusters.items()
    }
    result = deployment.model_copy(update={"clusters": updated})
    _check_acyclic(result)
    return result


def _with_clusters(deployment: model.Deployment, service: model.DeploymentService) -> model.DeploymentService:
    if service.status.intention is not model.Intention.DEPLOYMENT:
        return service
    hosts = _hosts(deployment, service.breed)
    return service.model_copy(
        update={"dependencies": {alias: cluster for alias, (cluster, _) in hosts.items()}}
    )


def _deploying(deployment: model.Deployment) -> Iterator[tuple[str, model.Breed]]:
    for cluster_name, cluster in deployment.clusters.items():
        for service in cluster.services:
            if service.status.intention is model.Intention.DEPLOYMENT:
                yield cluster_name, service.breed


def _hosts(deployment: model.Deployment, breed: model.Breed) -> dict[str, tuple[str, str]]:
    """Alias → (cluster, breed name) of the first deploying breed that satisfies each dependency."""
    hosts: dict[str, tuple[str, str]] = {}
    for alias, dependency in breed.dependencies.items():
        host = next(
            (
                (cluster, candidate.name)
                for cluster, candidate in _deploying(deployment)
                if candidate.name != breed.name and matches(dependency.name, candidate.name)
            ),
            None,
        )
        if host is None:
            raise errors.DeploymentError(
                messages.UNRESOLVED_DEPENDENCY.format(
                    breed=breed.name, alias=alias, dependency=dependency.name
                )
            )
        hosts[alias] = host
    return hosts


def _check_acyclic(deployment: model.Deployment) -> None:
    graph = {
        breed.name: [name for _, name in _hosts(deployment, breed).values()]
        for _, breed in _deploying(deployment)
    }
    for start in graph:
        chain = _cycle_from(start, graph, [])
        if chain:
            cycle = chain[chain.index(chain[-1]) :]
            raise errors.DeploymentError(
                messages.RECURSIVE_DEPENDENCY.format(breed=cycle[0], chain=" -> ".join(cycle))
            )


def _cycle_from(name: str, graph: dict[str, list[str]], path: list[str]) -> list[str]:
    """The first dependency chain from ``name`` that comes back to a breed already on ``path``."""
    if name in path:
        return [*path, name]
    for dependency in graph.get(name, []):
        chain = _cycle_from(dependency, graph, [*path, name])
        if chain:
            return chain
    return []
