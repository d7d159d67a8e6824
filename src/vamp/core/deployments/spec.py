"""What a runtime driver is asked to run for one deployment service: its ``runtime.ServiceSpec``.

The spec gathers, from the deployment, everything that decides how the service runs: the deployable and
its ports, the environment with every scope and reference resolved (``environment.py``), the scale,
the health checks, the arguments, the dialects and the labels selectors find instances by. Its digest
changes whenever any of these does, so any change rolls out (Vamp issue #1074).

Precedence follows Vamp (vamp.md §1.12, §1.17): health checks service > cluster > breed, dialects
service > cluster > deployment. Pure: no I/O; the reconciler (``vamp.core.reconcile``) calls this.
"""

from __future__ import annotations

from collections.abc import Mapping

from vamp.core import model, runtime
from vamp.core.deployments import parts
from vamp.core.deployments.environment import service_environment

APP_LABEL = "app"
VERSION_LABEL = "version"
DEPLOYMENT_LABEL = "io.vamp/deployment"
CLUSTER_LABEL = "io.vamp/cluster"
SERVICE_LABEL = "io.vamp/service"


def service_spec(
    deployment: model.Deployment,
    cluster: str,
    breed: str,
    *,
    namespace: str,
    gateway_ports: Mapping[str, int] | None = None,
) -> runtime.ServiceSpec:
    """How to run the service of breed ``breed`` in ``cluster`` of ``deployment``, in ``namespace``.

    Args:
        gateway_ports: ``cluster.port`` → gateway port, for ports the deployment has no number for yet.

    Raises:
        errors.DeploymentError: there is no such cluster or service, or its environment cannot be
            resolved (a variable without a value, a reference to nothing, a port not assigned yet).
    """
    found = parts.cluster_of(deployment, cluster)
    service = parts.service_of(deployment, cluster, breed)
    return runtime.ServiceSpec(
        key=runtime.ServiceKey(namespace, deployment.name, cluster, breed),
        deployable=service.breed.deployable,
        ports=service.breed.ports,
        environment=service_environment(deployment, cluster, breed, gateway_ports=gateway_ports),
        scale=service.scale,
        health_checks=health_checks(found, service),
        arguments=service.arguments,
        labels=labels(deployment.name, cluster, service.breed),
        dialects=service.dialects or found.dialects or deployment.dialects,
    )


def health_checks(
    cluster: model.DeploymentCluster, service: model.DeploymentService
) -> tuple[model.HealthCheck, ...]:
    """The health checks of a service: its own, else its cluster's, else its breed's.

    An empty list on the service turns every check off. Next to the service's own checks, the cluster's
    are added for paths the service does not check; cluster checks only apply to ports the breed has.
    """
    ports = {port.name for port in service.breed.ports}
    from_cluster = tuple(check for check in cluster.health_checks or () if check.port in ports)
    if service.health_checks is not None:
        if not service.health_checks:
            return ()
        paths = {check.path for check in service.health_checks}
        return (*service.health_checks, *(check for check in from_cluster if check.path not in paths))
    if cluster.health_checks is not None:
        return from_cluster
    return service.breed.health_checks or ()


def labels(deployment: str, cluster: str, breed: model.Breed) -> dict[str, str]:
    """The labels of a service's instances, for selectors (``label(app)(sava)``) and for drivers.

    ``app`` is the cluster and ``version`` the breed's version (``sava:1.0`` → ``1.0``); the breed's own
    labels may override those two, but never the ``io.vamp/*`` labels that say whose instances they are.
    """
    version = {VERSION_LABEL: breed.version} if breed.version else {}
    return {
        APP_LABEL: cluster,
        **version,
        **breed.labels,
        DEPLOYMENT_LABEL: deployment,
        CLUSTER_LABEL: cluster,
        SERVICE_LABEL: breed.name,
    }
