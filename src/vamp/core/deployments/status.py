"""The states users see (vamp.md §3.3), derived from the intention and phase of each service.

A service is ``failed``, ``updating`` (being deployed), ``undeploying`` or ``deployed``; a deployment is
``failed`` if any service failed, ``undeploying`` when all are, ``deploying`` while any is updating, and
``deployed`` otherwise. Pure: statuses in, words out.
"""

from __future__ import annotations

from typing import Literal

from vamp.core import model

ServiceState = Literal["failed", "updating", "undeploying", "deployed"]
DeploymentState = Literal["failed", "undeploying", "deploying", "deployed"]


def service_state(status: model.ServiceStatus) -> ServiceState:
    """What a service is doing.

    A service whose undeployment is done is still ``undeploying``, not ``deployed`` as Vamp's UI said:
    it is about to be dropped (``slice.prune``).
    """
    if status.phase.name is model.PhaseName.FAILED:
        return "failed"
    if status.intention is model.Intention.UNDEPLOYMENT:
        return "undeploying"
    if status.phase.name is model.PhaseName.DONE:
        return "deployed"
    return "updating"


def deployment_state(deployment: model.Deployment) -> DeploymentState:
    """What a deployment is doing, from the states of its services (``deployed`` when it has none)."""
    states = [
        service_state(service.status)
        for cluster in deployment.clusters.values()
        for service in cluster.services
    ]
    if "failed" in states:
        return "failed"
    if states and all(state == "undeploying" for state in states):
        return "undeploying"
    if "updating" in states:
        return "deploying"
    return "deployed"
