"""Deployments as blueprints again (vamp.md §1.6 ``as_blueprint``): deploying one gives the same services."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import (
    FIRST,
    HOST,
    LATER,
    NOW,
    SERVICE_FIRST,
    SMALL,
    sava_blueprint,
    sava_breed,
    two_cluster_blueprint,
    with_phase,
    with_settings,
    with_weights,
)
from vamp.core import deployments, model, validation
from vamp.core.units import Percentage


def canary() -> model.Deployment:
    """sava 1.0 and 1.1 at 70/30, running, with an instance and a gateway port: runtime state to drop."""
    deployment = deployments.merge(None, sava_blueprint(), name="sava", now=NOW, host=HOST)
    deployment = deployments.merge(
        with_phase(deployment, model.PhaseName.DONE),
        sava_blueprint("1.1.0"),
        name="sava",
        now=LATER,
        host=HOST,
    )
    deployment = with_weights(deployment, {"sava:1.0.0": 70, "sava:1.1.0": 30})
    cluster = deployment.clusters["sava"]
    instance = model.Instance(name="sava-1", host="10.1.0.7", ports={"webport": 31001})
    services = tuple(s.model_copy(update={"instances": (instance,)}) for s in cluster.services)
    gateways = {
        "webport": cluster.gateways["webport"].model_copy(update={"port": model.GatewayPort(number=40001)})
    }
    return deployment.model_copy(
        update={
            "clusters": {"sava": cluster.model_copy(update={"services": services, "gateways": gateways})},
            "ports": {"sava.webport": 40001},
        }
    )


@pytest.mark.parametrize(
    "deployment",
    [
        pytest.param(canary(), id="canary"),
        pytest.param(
            deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host=HOST),
            id="two clusters",
        ),
    ],
)
def test_deploying_the_exported_blueprint_gives_the_same_clusters_services_and_gateways(
    deployment: model.Deployment,
) -> None:
    again = deployments.merge(
        None, deployments.as_blueprint(deployment), name=deployment.name, now=NOW, host=HOST
    )

    def essence(d: model.Deployment) -> dict[str, object]:
        return {
            name: (
                [s.model_copy(update={"status": None, "instances": ()}) for s in cluster.services],
                {port: (g.routes, g.sticky, g.port.protocol) for port, g in cluster.gateways.items()},
            )
            for name, cluster in d.clusters.items()
        }

    assert essence(again) == essence(deployment)
    assert again.gateways == deployment.gateways
    assert again.hosts == deployment.hosts


def test_the_exported_blueprint_drops_runtime_state() -> None:
    blueprint = deployments.as_blueprint(canary())

    cluster = blueprint.clusters["sava"]
    assert blueprint.name == "sava"
    assert [service.breed for service in cluster.services] == [sava_breed("1.0.0"), sava_breed("1.1.0")]
    assert [service.scale for service in cluster.services] == [SMALL, SMALL]
    assert cluster.gateways["webport"].port == model.GatewayPort()
    assert cluster.gateways["webport"].routes == {
        "sava:1.0.0": model.Route(weight=Percentage.of(70)),
        "sava:1.1.0": model.Route(weight=Percentage.of(30)),
    }
    assert blueprint.gateways["9050"].routes == {"sava/webport": model.Route(weight=Percentage.of(100))}


def test_services_being_undeployed_are_left_out() -> None:
    sliced = deployments.slice_services(
        with_weights(canary(), {"sava:1.0.0": 0, "sava:1.1.0": 100}), sava_blueprint(), now=LATER
    )

    blueprint = deployments.as_blueprint(sliced)

    assert [service.breed_name for service in blueprint.clusters["sava"].services] == ["sava:1.1.0"]


@pytest.mark.parametrize(
    ("service_scope", "cluster_scope", "exported_service", "exported_cluster"),
    [
        pytest.param({"DEBUG": "false"}, {}, {}, {}, id="service value equal to the breed default: dropped"),
        pytest.param({"DEBUG": "true"}, {}, {"DEBUG": "true"}, {}, id="service value of its own: kept"),
        pytest.param(
            {}, {"sava.DEBUG": "false"}, {}, {}, id="cluster value equal to the breed default: dropped"
        ),
        pytest.param(
            {}, {"sava.DEBUG": "true"}, {}, {"sava.DEBUG": "true"}, id="cluster value of its own: kept"
        ),
        pytest.param(
            {"DEBUG": "false"},
            {"sava.DEBUG": "true"},
            {"DEBUG": "false"},
            {"sava.DEBUG": "true"},
            id="service default kept where a cluster value would win without it",
        ),
    ],
)
def test_variables_that_only_repeat_the_breed_default_are_dropped(
    service_scope: dict[str, str | None],
    cluster_scope: dict[str, str | None],
    exported_service: dict[str, str | None],
    exported_cluster: dict[str, str | None],
) -> None:
    blueprint = sava_blueprint()
    service = (
        blueprint.clusters["sava"].services[0].model_copy(update={"environment_variables": service_scope})
    )
    blueprint = blueprint.model_copy(
        update={
            "clusters": {"sava": blueprint.clusters["sava"].model_copy(update={"services": (service,)})},
            "environment_variables": cluster_scope,
        }
    )
    deployment = deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST)

    exported = deployments.as_blueprint(deployment)

    assert exported.clusters["sava"].services[0].environment_variables == exported_service
    assert exported.environment_variables == exported_cluster
    assert deployments.service_environment(
        deployments.merge(None, exported, name="sava", now=NOW, host=HOST), "sava", "sava:1.0.0"
    ) == deployments.service_environment(deployment, "sava", "sava:1.0.0")


def test_arguments_the_breed_brings_are_left_to_the_breed() -> None:
    blueprint = sava_blueprint(
        breed=sava_breed(arguments=(model.Argument(key="privileged", value="true"),)),
        arguments=(model.Argument(key="add-host", value="db:10.0.0.1"),),
    )

    exported = deployments.as_blueprint(deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST))

    assert exported.clusters["sava"].services[0].arguments == (
        model.Argument(key="add-host", value="db:10.0.0.1"),
    )


def test_cluster_scope_variables_of_clusters_left_out_are_left_out_and_the_others_kept() -> None:
    deployment = deployments.merge(None, two_cluster_blueprint(), name="shop", now=NOW, host=HOST)
    deployment = deployment.model_copy(
        update={"environment_variables": {"frontend.BACKEND": "http://backend", "backend.TIMEOUT": "5"}}
    )
    frontend = two_cluster_blueprint().model_copy(
        update={"clusters": {"frontend": two_cluster_blueprint().clusters["frontend"]}}
    )
    sliced = deployments.slice_services(deployment, frontend, now=LATER)

    blueprint = deployments.as_blueprint(sliced)

    assert list(blueprint.clusters) == ["backend"]
    assert blueprint.environment_variables == {"backend.TIMEOUT": "5"}


def test_every_setting_of_the_clusters_services_and_deployment_is_exported() -> None:
    blueprint = with_settings(
        sava_blueprint(),
        FIRST,
        SERVICE_FIRST,
        dialects={"kubernetes": {"namespace": "shop"}},
        metadata={"owner": "alice"},
    )

    exported = deployments.as_blueprint(deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST))

    cluster = exported.clusters["sava"]
    assert {key: getattr(cluster, key) for key in FIRST} == FIRST
    assert {key: getattr(cluster.services[0], key) for key in SERVICE_FIRST} == SERVICE_FIRST
    assert (exported.dialects, exported.metadata) == (
        {"kubernetes": {"namespace": "shop"}},
        {"owner": "alice"},
    )


def test_a_cluster_value_repeating_the_default_of_each_breed_with_the_variable_is_dropped() -> None:
    blueprint = sava_blueprint().model_copy(update={"environment_variables": {"sava.DEBUG": "false"}})
    deployment = deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST)
    without_debug = sava_blueprint("1.1.0", breed=sava_breed("1.1.0", environment_variables=()))
    deployment = deployments.merge(deployment, without_debug, name="sava", now=LATER, host=HOST)

    exported = deployments.as_blueprint(deployment)

    assert [service.breed.name for service in exported.clusters["sava"].services] == [
        "sava:1.0.0",
        "sava:1.1.0",
    ]
    assert exported.environment_variables == {}


@pytest.mark.parametrize(
    ("value", "exported"),
    [
        pytest.param("prod", {"sava.spring.profiles.active": "prod"}, id="a value of its own: kept"),
        pytest.param("dev", {}, id="the breed default: dropped"),
    ],
)
def test_a_cluster_value_of_a_variable_whose_name_has_dots_is_read_under_its_whole_name(
    value: str, exported: dict[str, str | None]
) -> None:
    # `cluster.NAME` splits at the first dot: the cluster is `sava`, the name `spring.profiles.active`.
    spring = model.EnvironmentVariable(name="spring.profiles.active", value="dev")
    blueprint = sava_blueprint(breed=sava_breed(environment_variables=(spring,))).model_copy(
        update={"environment_variables": {"sava.spring.profiles.active": value}}
    )
    assert validation.blueprint_issues(blueprint) == []
    deployment = deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST)

    blueprint = deployments.as_blueprint(deployment)

    assert blueprint.environment_variables == exported
    again = deployments.merge(None, blueprint, name="sava", now=NOW, host=HOST)
    assert deployments.service_environment(again, "sava", "sava:1.0.0") == {"spring.profiles.active": value}
