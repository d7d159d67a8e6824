"""The states users see (vamp.md §3.3): of a service from intention and phase, of a deployment from those."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import NOW, sava_breed
from vamp.core import deployments, model

DEPLOY = model.Intention.DEPLOYMENT
UNDEPLOY = model.Intention.UNDEPLOYMENT
PHASES = model.PhaseName


def status(intention: model.Intention, phase: model.PhaseName) -> model.ServiceStatus:
    notification = (
        "Deployment service error for deployment 'd' and service 's'." if phase is PHASES.FAILED else None
    )
    return model.ServiceStatus(
        intention=intention, since=NOW, phase=model.Phase(name=phase, since=NOW, notification=notification)
    )


@pytest.mark.parametrize(
    ("intention", "phase", "state"),
    [
        (DEPLOY, PHASES.INITIATED, "updating"),
        (DEPLOY, PHASES.UPDATING, "updating"),
        (DEPLOY, PHASES.DONE, "deployed"),
        (DEPLOY, PHASES.FAILED, "failed"),
        (UNDEPLOY, PHASES.INITIATED, "undeploying"),
        (UNDEPLOY, PHASES.UPDATING, "undeploying"),
        (UNDEPLOY, PHASES.DONE, "undeploying"),
        (UNDEPLOY, PHASES.FAILED, "failed"),
    ],
)
def test_service_state(intention: model.Intention, phase: model.PhaseName, state: str) -> None:
    assert deployments.service_state(status(intention, phase)) == state


def deployment_of(*statuses: model.ServiceStatus) -> model.Deployment:
    services = tuple(
        model.DeploymentService(breed=sava_breed(f"1.{index}.0"), scale=model.DEFAULT_SCALE, status=given)
        for index, given in enumerate(statuses)
    )
    return model.Deployment(name="sava", clusters={"sava": model.DeploymentCluster(services=services)})


@pytest.mark.parametrize(
    ("statuses", "state"),
    [
        pytest.param([(DEPLOY, PHASES.DONE), (DEPLOY, PHASES.FAILED)], "failed", id="any failed"),
        pytest.param(
            [(UNDEPLOY, PHASES.UPDATING), (UNDEPLOY, PHASES.DONE)], "undeploying", id="all undeploying"
        ),
        pytest.param([(DEPLOY, PHASES.DONE), (DEPLOY, PHASES.INITIATED)], "deploying", id="any updating"),
        pytest.param(
            [(DEPLOY, PHASES.DONE), (UNDEPLOY, PHASES.UPDATING)], "deployed", id="slice in progress"
        ),
        pytest.param([(DEPLOY, PHASES.DONE), (DEPLOY, PHASES.DONE)], "deployed", id="all done"),
        pytest.param([], "deployed", id="no services"),
    ],
)
def test_deployment_state(statuses: list[tuple[model.Intention, model.PhaseName]], state: str) -> None:
    assert deployments.deployment_state(deployment_of(*(status(*given) for given in statuses))) == state
