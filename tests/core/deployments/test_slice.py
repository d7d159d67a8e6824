"""Slicing services out of a deployment and pruning what is undeployed (vamp.md §3.2): how a canary ends."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import (
    HOST,
    LATER,
    NOW,
    sava_blueprint,
    statuses,
    two_cluster_blueprint,
    weights_of,
    with_phase,
    with_weights,
)
from vamp import errors
from vamp.core import deployments, model
from vamp.core.units import Percentage


def canary(old: int | str, new: int | str) -> model.Deployment:
    """sava 1.0 running with 1.1 merged in, weights set to ``old`` and ``new`` percent."""
    running = with_phase(
        deployments.merge(None, sava_blueprint(), name="sava", now=NOW, host=HOST), model.PhaseName.DONE
    )
    merged = deployments.merge(running, sava_blueprint("1.1.0"), name="sava", now=NOW, host=HOST)
    return with_weights(
        merged.model_copy(update={"ports": {"sava.webport": 40001}}), {"sava:1.0.0": old, "sava:1.1.0": new}
    )


@pytest.mark.parametrize(("old", "new", "left"), [(100, 0, "0%"), (50, 50, "50%"), ("0.5", "99.5", "99.5%")])
def test_slicing_is_refused_while_the_sliced_service_still_has_weight(
    old: int | str, new: int | str, left: str
) -> None:
    deployment = canary(old, new)

    with pytest.raises(errors.DeploymentError) as caught:
        deployments.slice_services(deployment, sava_blueprint(), now=LATER)

    assert str(caught.value) == (
        "Invalid route weight in cluster 'sava/sava' - after updating the services and routes, "
        f"weight {left} is invalid for port: 'webport'. Move all weight to the remaining services first, "
        "then slice."
    )


def test_slicing_after_moving_all_weight_undeploys_the_service_and_removes_its_route() -> None:
    deployment = canary(0, 100)

    sliced = deployments.slice_services(deployment, sava_blueprint(), now=LATER)

    assert statuses(sliced) == {
        "sava:1.0.0": ("Undeployment", "Initiated"),
        "sava:1.1.0": ("Deployment", "Initiated"),
    }
    old = sliced.clusters["sava"].service("sava:1.0.0")
    assert old is not None
    assert (old.status.since, old.status.phase.since) == (LATER, LATER)
    assert weights_of(sliced) == {"sava:1.1.0": "100%"}
    assert sliced.ports == {"sava.webport": 40001}


def test_slicing_every_service_removes_the_gateways_of_the_cluster() -> None:
    deployment = canary(0, 100)
    everything = sava_blueprint().model_copy(
        update={
            "clusters": {
                "sava": model.Cluster(
                    services=(
                        model.Service(breed=model.Ref(name="sava:1.0.0")),
                        model.Service(breed=model.Ref(name="sava:1.1.0")),
                    )
                )
            }
        }
    )

    sliced = deployments.slice_services(deployment, everything, now=LATER)

    assert set(statuses(sliced).values()) == {("Undeployment", "Initiated")}
    assert sliced.clusters["sava"].gateways == {}
    assert sliced.ports == {}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(model.Blueprint(name="empty"), id="empty body"),
        pytest.param(sava_blueprint("2.0.0"), id="service the deployment does not have"),
        pytest.param(
            model.Blueprint(
                name="other",
                clusters={
                    "other": model.Cluster(services=(model.Service(breed=model.Ref(name="sava:1.0.0")),))
                },
            ),
            id="cluster the deployment does not have",
        ),
    ],
)
def test_slicing_what_the_deployment_does_not_run_changes_nothing(body: model.Blueprint) -> None:
    deployment = canary(100, 0)

    assert deployments.slice_services(deployment, body, now=LATER) == deployment


def test_slicing_a_service_twice_keeps_its_first_undeployment() -> None:
    once = with_phase(
        deployments.slice_services(canary(0, 100), sava_blueprint(), now=NOW), model.PhaseName.UPDATING
    )

    assert deployments.slice_services(once, sava_blueprint(), now=LATER) == once


def test_slicing_a_dependency_others_still_need_is_refused() -> None:
    deployment = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host=HOST)
    backend = two_cluster_blueprint().model_copy(
        update={"clusters": {"backend": two_cluster_blueprint().clusters["backend"]}}
    )

    with pytest.raises(errors.DeploymentError) as caught:
        deployments.slice_services(deployment, backend, now=LATER)

    assert str(caught.value).startswith(
        "Unresolved breed dependency for breed 'sava-frontend:1.0.0' and dependency "
        "'backend -> sava-backend:1.0.0'."
    )


def test_prune_drops_undeployed_services_and_keeps_the_rest() -> None:
    sliced = deployments.slice_services(canary(0, 100), sava_blueprint(), now=NOW)
    undeployed = with_phase(sliced, model.PhaseName.DONE)

    pruned = deployments.prune(undeployed)

    assert pruned is not None
    assert statuses(pruned) == {"sava:1.1.0": ("Deployment", "Done")}
    assert weights_of(pruned) == {"sava:1.1.0": "100%"}
    assert pruned.gateways == undeployed.gateways


def test_prune_keeps_services_still_being_undeployed() -> None:
    sliced = with_phase(
        deployments.slice_services(canary(0, 100), sava_blueprint(), now=NOW), model.PhaseName.UPDATING
    )

    assert deployments.prune(sliced) == sliced


def test_prune_drops_a_cluster_without_services_with_its_hosts_ports_variables_and_routes() -> None:
    deployment = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host=HOST)
    deployment = deployment.model_copy(
        update={
            "ports": {"frontend.webport": 40001, "backend.webport": 40002},
            "environment_variables": {"frontend.BACKEND": "http://backend"},
            "gateways": {
                **deployment.gateways,
                "9060": model.Gateway(routes={"backend/webport": model.Route()}),
            },
        }
    )
    frontend = two_cluster_blueprint().model_copy(
        update={"clusters": {"frontend": two_cluster_blueprint().clusters["frontend"]}}
    )
    undeployed = with_phase(deployments.slice_services(deployment, frontend, now=LATER), model.PhaseName.DONE)

    pruned = deployments.prune(undeployed)

    assert pruned is not None
    assert list(pruned.clusters) == ["backend"]
    assert pruned.hosts == {"backend": HOST}
    assert pruned.ports == {"backend.webport": 40002}
    assert pruned.environment_variables == {}
    assert list(pruned.gateways) == ["9060"]


def test_prune_returns_none_when_no_cluster_is_left() -> None:
    deployment = deployments.merge(None, sava_blueprint(), name="sava", now=NOW, host=HOST)
    gone = with_phase(
        deployments.slice_services(deployment, sava_blueprint(), now=LATER), model.PhaseName.DONE
    )

    assert deployments.prune(gone) is None


def test_prune_keeps_a_shared_external_gateway_with_only_the_routes_to_clusters_left() -> None:
    deployment = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host=HOST)
    shared = model.Gateway(
        port=model.GatewayPort(number=9050),
        routes={
            "frontend/webport": model.Route(weight=Percentage.of(100)),
            "backend/webport": model.Route(weight=Percentage.of(0)),
        },
    )
    deployment = deployment.model_copy(update={"gateways": {"9050": shared}})
    frontend = two_cluster_blueprint().model_copy(
        update={"clusters": {"frontend": two_cluster_blueprint().clusters["frontend"]}}
    )
    undeployed = with_phase(deployments.slice_services(deployment, frontend, now=LATER), model.PhaseName.DONE)
    # The gateway ports as stored before the slice: pruning drops those of the dropped cluster itself.
    undeployed = undeployed.model_copy(
        update={"ports": {"frontend.webport": 40001, "backend.webport": 40002}}
    )

    pruned = deployments.prune(undeployed)

    assert pruned is not None
    assert pruned.gateways == {
        "9050": shared.model_copy(
            update={"routes": {"backend/webport": model.Route(weight=Percentage.of(0))}}
        )
    }
    assert pruned.ports == {"backend.webport": 40002}
