"""The reconciler's decisions around services (vamp.md §3.2, §3.4): dependencies, undeploying, leftovers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.core.deployments.builders import HOST, NOW, sava_blueprint, two_cluster_blueprint, with_weights
from tests.core.reconcile_builders import (
    CANARY,
    ERROR,
    NS,
    SAVA,
    SERVICE_TAGS,
    actions,
    decide,
    deploy,
    in_phase,
    key,
    phases,
    state,
    tags,
)
from vamp.core import deployments, model, runtime
from vamp.core.reconcile import deployment as reconcile


def two_clusters(
    backend: model.PhaseName | None = None, ports: dict[str, int] | None = None
) -> model.Deployment:
    deployment = deployments.merge(None, two_cluster_blueprint(), name="sava", now=NOW, host=HOST)
    if backend is not None:
        cluster = deployment.clusters["backend"]
        services = tuple(
            s.model_copy(
                update={"status": s.status.model_copy(update={"phase": model.Phase(name=backend, since=NOW)})}
            )
            for s in cluster.services
        )
        clusters = {**deployment.clusters, "backend": cluster.model_copy(update={"services": services})}
        deployment = deployment.model_copy(update={"clusters": clusters})
    return deployment.model_copy(update={"ports": ports or {}})


FRONTEND, BACKEND = "sava-frontend:1.0.0", "sava-backend:1.0.0"


@pytest.mark.parametrize(
    ("deployment", "expected_actions", "frontend"),
    [
        pytest.param(
            two_clusters(),
            [f"deploy {key(BACKEND, 'backend')}"],
            "waiting for dependency 'backend': "
            "no service matching 'sava-backend:1.0.0' in cluster 'backend' is done yet",
            id="dependency not done",
        ),
        pytest.param(
            two_clusters(model.PhaseName.DONE),
            [],
            "waiting for dependency 'backend': the gateway port of 'backend.webport' is not assigned yet",
            id="dependency done, port unknown",
        ),
        pytest.param(
            two_clusters(model.PhaseName.DONE, {"backend.webport": 40001, "frontend.webport": 40002}),
            [f"deploy {key(FRONTEND, 'frontend')}"],
            "deploying",
            id="dependency done with its port",
        ),
    ],
)
def test_a_service_waits_for_its_dependencies(deployment, expected_actions, frontend):
    observed = (
        (state(deployment, BACKEND, cluster="backend"),)
        if deployment.clusters["backend"].services[0].status.phase.name is model.PhaseName.DONE
        else ()
    )

    decision = decide(deployment, *observed)

    assert actions(decision) == expected_actions
    assert phases(decision)[FRONTEND][1] == frontend


def test_a_dependency_without_a_cluster_is_waited_for():
    deployment = two_clusters()
    frontend = deployment.clusters["frontend"]
    services = (frontend.services[0].model_copy(update={"dependencies": {}}),)
    clusters = {**deployment.clusters, "frontend": frontend.model_copy(update={"services": services})}

    decision = decide(deployment.model_copy(update={"clusters": clusters}))

    assert phases(decision)[FRONTEND] == (
        "Initiated",
        "waiting for dependency 'backend': no cluster hosts it yet",
    )


def test_a_dependent_service_gets_the_dependency_s_gateway_address():
    deployment = two_clusters(model.PhaseName.DONE, {"backend.webport": 40001})

    decision = decide(deployment, state(deployment, BACKEND, cluster="backend"))

    deploy_frontend = decision.actions[0]
    assert isinstance(deploy_frontend, reconcile.Deploy)
    assert deploy_frontend.spec.environment == {"BACKEND": "http://10.0.0.5:40001/api"}


def sliced(deployment: model.Deployment, *versions: str) -> model.Deployment:
    blueprint = model.Blueprint(
        name="slice",
        clusters={
            "sava": model.Cluster(services=tuple(model.Service(breed=model.Ref(name=v)) for v in versions))
        },
    )
    return deployments.slice_services(deployment, blueprint, now=NOW)


def canary_moved() -> model.Deployment:
    """sava 1.0 and 1.1 both done, with all the weight on 1.1."""
    both = in_phase(deploy(sava_blueprint("1.1.0"), into=deploy()), model.PhaseName.DONE)
    return with_weights(both, {SAVA: 0, CANARY: 100})


def test_a_sliced_service_is_undeployed_then_pruned():
    deployment = sliced(canary_moved(), SAVA)

    undeploying = decide(deployment, state(deployment), state(deployment, CANARY))
    assert undeploying.deployment is not None
    gone = decide(undeploying.deployment, state(deployment, CANARY))

    assert actions(undeploying) == [f"undeploy {key()}"]
    assert phases(undeploying)[SAVA] == ("Updating", "undeploying")
    assert phases(gone) == {CANARY: ("Done", None)}
    assert tags(gone) == [
        (*SERVICE_TAGS, "intention:undeployment", "phase:done"),
        (*SERVICE_TAGS, "synchronization:undeployed"),
    ]


def test_a_deployment_with_nothing_left_is_to_be_deleted():
    deployment = sliced(in_phase(deploy(), model.PhaseName.DONE), SAVA)

    decision = decide(deployment)

    assert decision.deployment is None


def test_a_failed_undeploy_is_recorded_and_retried():
    deployment = sliced(deploy(), SAVA)

    decision = decide(deployment, state(deployment), failures={key(): "the process 4711 does not stop"})

    assert phases(decision) == {SAVA: ("Initiated", "the process 4711 does not stop")}
    assert actions(decision) == []


def test_undeploying_goes_on_after_it_timed_out():
    deployment = in_phase(sliced(deploy(), SAVA), model.PhaseName.UPDATING)

    failed = decide(deployment, state(deployment), now=NOW + timedelta(seconds=600))
    assert failed.deployment is not None
    again = decide(failed.deployment, state(deployment), now=NOW + timedelta(seconds=700))

    assert phases(failed) == {SAVA: ("Failed", ERROR + "not undeployed within 600 s (undeploying)")}
    assert actions(failed) == actions(again) == [f"undeploy {key()}"]


def test_what_the_driver_runs_for_nothing_stored_is_undeployed():
    deployment = deploy()
    leftover = state(deployment, "sava:0.9.0", digest="0123456789abcdef")
    elsewhere = runtime.ServiceState(runtime.ServiceKey(NS, "other", "sava", SAVA), None)

    assert actions(decide(deployment, leftover, elsewhere)) == [
        f"deploy {key()}",
        f"undeploy {key('sava:0.9.0')}",
    ]
    assert decide(None, leftover, elsewhere) == reconcile.Decision(
        None, (reconcile.Undeploy(key("sava:0.9.0")),)
    )
