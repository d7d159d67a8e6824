"""A deployment's clusters and services, found by name, with a message a user can act on when there is none.

The caller says what a missing one is: ``errors.DeploymentError`` (the default) where the deployment was
expected to have it, ``errors.NotFoundError`` where a user asked for it. Pure.
"""

from __future__ import annotations

from collections.abc import Callable

from vamp import errors
from vamp.core import model
from vamp.core.deployments import messages

Missing = Callable[[str], errors.VampError]
"""Makes the error for a cluster or service that is not there, from the message."""


def cluster_of(
    deployment: model.Deployment, cluster: str, *, missing: Missing = errors.DeploymentError
) -> model.DeploymentCluster:
    """Cluster ``cluster`` of ``deployment``; raises ``missing`` (naming the clusters there are) if none."""
    found = deployment.clusters.get(cluster)
    if found is None:
        raise missing(
            messages.CLUSTER_NOT_FOUND.format(
                cluster=cluster, deployment=deployment.name, clusters=messages.listing(deployment.clusters)
            )
        )
    return found


def service_of(
    deployment: model.Deployment, cluster: str, breed: str, *, missing: Missing = errors.DeploymentError
) -> model.DeploymentService:
    """The service of breed ``breed`` in ``cluster``; raises ``missing`` (naming what there is) if none."""
    found = cluster_of(deployment, cluster, missing=missing)
    service = found.service(breed)
    if service is None:
        raise missing(
            messages.SERVICE_NOT_FOUND.format(
                breed=breed,
                deployment=deployment.name,
                cluster=cluster,
                services=messages.listing(s.breed.name for s in found.services),
            )
        )
    return service
