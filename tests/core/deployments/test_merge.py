"""Merging blueprints into deployments (vamp.md §3.1): first deploy, canary at 0 %, what rolls out again."""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import (
    CHECK,
    FIRST,
    HOST,
    LARGE,
    LATER,
    NOW,
    SERVICE_FIRST,
    SLA,
    SMALL,
    backend_breed,
    external_gateway,
    frontend_breed,
    sava_blueprint,
    sava_breed,
    statuses,
    two_cluster_blueprint,
    weights_of,
    with_phase,
    with_settings,
    with_weights,
)
from vamp import errors
from vamp.core import deployments, model
from vamp.core.units import Percentage


def deploy(
    blueprint: model.Blueprint, deployment: model.Deployment | None = None, **options: object
) -> model.Deployment:
    arguments: dict[str, object] = {"name": "sava", "now": NOW, "host": HOST, **options}
    return deployments.merge(deployment, blueprint, **arguments)  # type: ignore[arg-type]


def running(blueprint: model.Blueprint | None = None) -> model.Deployment:
    """sava 1.0 deployed and running: every service Done, with an instance and an assigned gateway port."""
    deployment = with_phase(deploy(blueprint or sava_blueprint()), model.PhaseName.DONE)
    instance = model.Instance(name="sava-1", host="10.1.0.7", ports={"webport": 31001})
    cluster = deployment.clusters["sava"]
    services = tuple(service.model_copy(update={"instances": (instance,)}) for service in cluster.services)
    clusters = {**deployment.clusters, "sava": cluster.model_copy(update={"services": services})}
    return deployment.model_copy(update={"clusters": clusters, "ports": {"sava.webport": 40001}})


def test_deploying_from_scratch_initiates_every_service_with_all_the_weight() -> None:
    deployment = deploy(sava_blueprint())

    service = deployment.clusters["sava"].services[0]
    assert statuses(deployment) == {"sava:1.0.0": ("Deployment", "Initiated")}
    assert service.status.since == NOW
    assert service.status.phase.since == NOW
    assert service.scale == SMALL
    assert service.instances == ()
    assert weights_of(deployment) == {"sava:1.0.0": "100%"}
    assert deployment.clusters["sava"].gateways["webport"].port == model.GatewayPort(
        protocol=model.Protocol.HTTP
    )
    assert deployment.gateways["9050"].routes == {"sava/webport": model.Route(weight=Percentage.of(100))}
    assert deployment.hosts == {"sava": HOST}
    assert deployment.ports == {}
    assert deployment.name == "sava"


def test_a_service_without_a_scale_gets_the_default_scale() -> None:
    deployment = deploy(sava_blueprint(scale=None))

    assert deployment.clusters["sava"].services[0].scale == model.DEFAULT_SCALE


def test_breed_and_service_arguments_are_both_kept_breed_first() -> None:
    blueprint = sava_blueprint(
        breed=sava_breed(arguments=(model.Argument(key="privileged", value="true"),)),
        arguments=(model.Argument(key="add-host", value="db:10.0.0.1"),),
    )

    arguments = deploy(blueprint).clusters["sava"].services[0].arguments

    assert [(argument.key, argument.value) for argument in arguments] == [
        ("privileged", "true"),
        ("add-host", "db:10.0.0.1"),
    ]


def test_merging_a_new_version_adds_it_dark_and_leaves_the_running_one_alone() -> None:
    before = running()

    after = deploy(sava_blueprint("1.1.0"), before, now=LATER)

    assert weights_of(after) == {"sava:1.0.0": "100%", "sava:1.1.0": "0%"}
    assert statuses(after) == {
        "sava:1.0.0": ("Deployment", "Done"),
        "sava:1.1.0": ("Deployment", "Initiated"),
    }
    assert after.clusters["sava"].service("sava:1.0.0") == before.clusters["sava"].service("sava:1.0.0")
    assert after.clusters["sava"].service("sava:1.1.0").status.since == LATER  # type: ignore[union-attr]
    assert after.ports == {"sava.webport": 40001}
    assert after.clusters["sava"].gateways["webport"].port.number is None


def test_merging_the_same_blueprint_again_changes_nothing() -> None:
    before = running()

    assert deploy(sava_blueprint(), before, now=LATER) == before


def test_two_new_versions_at_once_share_the_weight() -> None:
    blueprint = sava_blueprint()
    services = (*blueprint.clusters["sava"].services, model.Service(breed=sava_breed("1.1.0")))
    blueprint = blueprint.model_copy(
        update={"clusters": {"sava": blueprint.clusters["sava"].model_copy(update={"services": services})}}
    )

    assert weights_of(deploy(blueprint)) == {"sava:1.0.0": "50%", "sava:1.1.0": "50%"}


KEPT_ROUTE = {"webport": model.Gateway(routes={"sava:1.0.0": model.Route(weight=Percentage.of(100))})}
CHANGED_STICKY = {"webport": model.Gateway(sticky=model.Sticky.ROUTE)}


@pytest.mark.parametrize(
    ("blueprint", "redeployed"),
    [
        pytest.param(sava_blueprint(scale=LARGE), True, id="scale changed"),
        pytest.param(sava_blueprint(scale=None), False, id="no scale given: the running one is kept"),
        pytest.param(
            sava_blueprint(breed=sava_breed(deployable=model.Deployable(definition="magneticio/sava:1.0.1"))),
            True,
            id="deployable changed (Vamp #1074)",
        ),
        pytest.param(
            sava_blueprint(breed=sava_breed(ports=(model.Port(name="webport", number=8081),))),
            True,
            id="port number changed",
        ),
        pytest.param(
            sava_blueprint(
                breed=sava_breed(
                    environment_variables=(
                        model.EnvironmentVariable(name="DEBUG", alias="SAVA_DEBUG", value="true"),
                    )
                )
            ),
            True,
            id="breed variable changed",
        ),
        pytest.param(sava_blueprint(cluster_gateways=CHANGED_STICKY), True, id="cluster gateway changed"),
        pytest.param(
            sava_blueprint(cluster_gateways=KEPT_ROUTE), False, id="cluster gateway given unchanged"
        ),
    ],
)
def test_a_running_service_is_deployed_again_only_when_what_it_runs_with_changes(
    blueprint: model.Blueprint, redeployed: bool
) -> None:
    before = running()

    service = deploy(blueprint, before, now=LATER).clusters["sava"].services[0]

    expected = ("Initiated", LATER) if redeployed else ("Done", NOW)
    assert (service.status.phase.name.value, service.status.since) == expected
    assert service.instances == before.clusters["sava"].services[0].instances


def test_a_new_scale_replaces_the_running_one() -> None:
    after = deploy(sava_blueprint(scale=LARGE), running(), now=LATER)

    assert after.clusters["sava"].services[0].scale == LARGE


def test_the_blueprint_cluster_gateway_settings_apply() -> None:
    gateways = {
        "webport": model.Gateway(
            sticky=model.Sticky.ROUTE,
            routes={
                "sava:1.0.0": model.Route(weight=Percentage.of(90)),
                "sava:1.1.0": model.Route(
                    weight=Percentage.of(10), condition=model.Condition(definition="user-agent == Firefox")
                ),
            },
        )
    }
    blueprint = sava_blueprint("1.1.0", cluster_gateways=gateways)

    after = deploy(blueprint, running(), now=LATER)

    gateway = after.clusters["sava"].gateways["webport"]
    assert gateway.sticky is model.Sticky.ROUTE
    assert weights_of(after) == {"sava:1.0.0": "90%", "sava:1.1.0": "10%"}
    assert gateway.routes["sava:1.1.0"].condition == model.Condition(definition="user-agent == Firefox")  # type: ignore[union-attr]
    assert statuses(after)["sava:1.0.0"] == ("Deployment", "Done")  # not in the blueprint: left alone


def test_an_internal_gateway_keeps_the_port_number_it_was_given() -> None:
    before = running()
    cluster = before.clusters["sava"]
    gateway = cluster.gateways["webport"].model_copy(update={"port": model.GatewayPort(number=40001)})
    before = before.model_copy(
        update={"clusters": {"sava": cluster.model_copy(update={"gateways": {"webport": gateway}})}}
    )

    after = deploy(sava_blueprint("1.1.0", cluster_gateways=CHANGED_STICKY), before, now=LATER)

    assert after.clusters["sava"].gateways["webport"].port == model.GatewayPort(
        number=40001, protocol=model.Protocol.HTTP
    )
    assert after.clusters["sava"].gateways["webport"].sticky is model.Sticky.ROUTE


def test_weights_set_on_the_deployment_are_kept_by_a_later_merge() -> None:
    before = with_weights(deploy(sava_blueprint("1.1.0"), running()), {"sava:1.0.0": 20, "sava:1.1.0": 80})

    after = deploy(sava_blueprint("1.1.0"), before, now=LATER)

    assert weights_of(after) == {"sava:1.0.0": "20%", "sava:1.1.0": "80%"}


@pytest.mark.parametrize(
    ("gateways", "message"),
    [
        pytest.param(
            {"webport": model.Gateway(routes={"sava:1.1.0": model.Route(weight=Percentage.of(30))})},
            "Invalid route weights in cluster 'sava/sava' for port 'webport': the route weights total 130%, "
            "but must total either 0% or 100%. Give the routes weights that total 100% (routes without a "
            "weight share what is left).",
            id="weights over 100%",
        ),
        pytest.param(
            {
                "webport": model.Gateway(
                    routes={
                        "sava:1.0.0": model.Route(weight=Percentage.of(30)),
                        "sava:1.1.0": model.Route(weight=Percentage.of(30)),
                    }
                )
            },
            "Invalid route weights in cluster 'sava/sava' for port 'webport': the route weights total 60%, "
            "but must total either 0% or 100%. Give the routes weights that total 100% (routes without a "
            "weight share what is left).",
            id="weights under 100%",
        ),
        pytest.param(
            {"webport": model.Gateway(routes={"sava:9.9.9": model.Route()})},
            "Unresolved service route for 'sava' and 'sava:9.9.9'. Route keys of a cluster gateway are the "
            "breed names of its services: sava:1.0.0, sava:1.1.0.",
            id="route of no service",
        ),
        pytest.param(
            {"adminport": model.Gateway()},
            "Unresolved gateway port 'adminport' in cluster 'sava'. Cluster gateways are keyed by a port "
            "name of its breeds: webport.",
            id="gateway of no port",
        ),
    ],
)
def test_cluster_gateways_that_cannot_work_are_refused(
    gateways: dict[str, model.Gateway], message: str
) -> None:
    with pytest.raises(errors.DeploymentError) as caught:
        deploy(sava_blueprint("1.1.0", cluster_gateways=gateways), running())

    assert str(caught.value) == message


def test_a_port_the_breeds_no_longer_have_loses_its_gateway() -> None:
    before = running(sava_blueprint(external=False))
    breed = sava_breed(ports=(model.Port(name="adminport", number=9023, protocol=model.Protocol.TCP),))

    after = deploy(sava_blueprint(breed=breed, external=False), before, now=LATER)

    assert list(after.clusters["sava"].gateways) == ["adminport"]
    assert after.clusters["sava"].gateways["adminport"].port.protocol is model.Protocol.TCP
    assert after.ports == {}


def test_external_gateways_are_replaced_per_port_and_others_kept() -> None:
    before = running()
    blueprint = sava_blueprint().model_copy(
        update={"gateways": {"9060": external_gateway("sava/webport", port=9060)}}
    )

    after = deploy(blueprint, before, now=LATER)

    assert list(after.gateways) == ["9050", "9060"]
    assert after.gateways["9060"].routes == {"sava/webport": model.Route(weight=Percentage.of(100))}


def test_clusters_the_blueprint_does_not_name_are_kept_unchanged() -> None:
    before = with_phase(deploy(two_cluster_blueprint()), model.PhaseName.DONE)
    blueprint = two_cluster_blueprint()
    blueprint = blueprint.model_copy(
        update={"clusters": {"backend": blueprint.clusters["backend"]}, "gateways": {}}
    )

    after = deploy(blueprint, before, now=LATER)

    assert after == before


@pytest.mark.parametrize(
    ("stored", "given", "merged"),
    [
        pytest.param(
            {"sava.DEBUG": "true"}, {"sava.DEBUG": "false"}, {"sava.DEBUG": "true"}, id="stored wins"
        ),
        pytest.param(
            {"sava.DEBUG": None}, {"sava.DEBUG": "false"}, {"sava.DEBUG": "false"}, id="placeholder filled"
        ),
        pytest.param({}, {"sava.DEBUG": "1"}, {"sava.DEBUG": "1"}, id="new"),
    ],
)
def test_cluster_scope_variables_keep_the_deployments_values(
    stored: dict[str, str | None], given: dict[str, str | None], merged: dict[str, str | None]
) -> None:
    before = running().model_copy(update={"environment_variables": stored})
    blueprint = sava_blueprint().model_copy(update={"environment_variables": given})

    assert deploy(blueprint, before, now=LATER).environment_variables == merged


def test_hosts_keep_the_deployments_values_and_new_clusters_get_the_host() -> None:
    before = running().model_copy(update={"hosts": {"sava": "10.9.9.9"}})
    blueprint = two_cluster_blueprint()

    after = deploy(blueprint, before, now=LATER, host="10.0.0.6")

    assert after.hosts == {"sava": "10.9.9.9", "frontend": "10.0.0.6", "backend": "10.0.0.6"}


@pytest.mark.parametrize(
    ("dependency", "merged_alone"),
    [
        pytest.param("sava-backend:1.0.0", False, id="by name"),
        pytest.param("sava-backend:1.*", False, id="wildcard"),
        pytest.param("sava-backend:1.0.0", True, id="hosted by a cluster deployed before"),
        pytest.param("sava-backend:*", True, id="wildcard hosted by a cluster deployed before"),
    ],
)
def test_dependencies_point_at_the_cluster_that_hosts_the_breed(dependency: str, merged_alone: bool) -> None:
    blueprint = two_cluster_blueprint(dependency)
    before = None
    if merged_alone:
        before = deploy(
            blueprint.model_copy(
                update={"clusters": {"backend": blueprint.clusters["backend"]}, "gateways": {}}
            )
        )
        blueprint = blueprint.model_copy(update={"clusters": {"frontend": blueprint.clusters["frontend"]}})

    after = deploy(blueprint, before)

    assert after.clusters["frontend"].services[0].dependencies == {"backend": "backend"}


def test_an_unresolved_dependency_is_refused() -> None:
    blueprint = two_cluster_blueprint()
    blueprint = blueprint.model_copy(update={"clusters": {"frontend": blueprint.clusters["frontend"]}})

    with pytest.raises(errors.DeploymentError) as caught:
        deploy(blueprint)

    assert str(caught.value) == (
        "Unresolved breed dependency for breed 'sava-frontend:1.0.0' and dependency "
        "'backend -> sava-backend:1.0.0'. Add a breed named 'sava-backend:1.0.0' to the blueprint, or deploy "
        "one first."
    )


def test_cyclic_dependencies_are_refused() -> None:
    backend = backend_breed().model_copy(
        update={"dependencies": {"frontend": model.Ref(name="sava-frontend:1.0.0")}}
    )
    blueprint = model.Blueprint(
        name="cycle",
        clusters={
            "frontend": model.Cluster(services=(model.Service(breed=frontend_breed()),)),
            "backend": model.Cluster(services=(model.Service(breed=backend),)),
        },
    )

    with pytest.raises(errors.DeploymentError) as caught:
        deploy(blueprint)

    assert str(caught.value) == (
        "Recursive (cyclic) dependency detected for breed 'sava-frontend:1.0.0'. A breed cannot depend, "
        "directly or through others, on itself: sava-frontend:1.0.0 -> sava-backend:1.0.0 -> "
        "sava-frontend:1.0.0."
    )


@pytest.mark.parametrize(
    ("blueprint", "message"),
    [
        pytest.param(
            sava_blueprint(breed=model.Ref(name="sava:1.0.0")),  # type: ignore[arg-type]
            "Blueprint 'sava:1.0' still refers to breeds 'sava:1.0.0' at clusters.sava.services[0].breed; "
            "resolve the blueprint's references before merging it.",
            id="breed",
        ),
        pytest.param(
            sava_blueprint(scale=model.Ref(name="small")),  # type: ignore[arg-type]
            "Blueprint 'sava:1.0' still refers to scales 'small' at clusters.sava.services[0].scale; "
            "resolve the blueprint's references before merging it.",
            id="scale",
        ),
        pytest.param(
            sava_blueprint().model_copy(
                update={"gateways": {"9050": model.Gateway(routes={"sava/webport": model.Ref(name="half")})}}
            ),
            "Blueprint 'sava:1.0' still refers to routes 'half' at gateways.9050.routes.sava/webport; "
            "resolve the blueprint's references before merging it.",
            id="route",
        ),
    ],
)
def test_a_blueprint_with_references_left_is_refused(blueprint: model.Blueprint, message: str) -> None:
    with pytest.raises(errors.DeploymentError) as caught:
        deploy(blueprint)

    assert str(caught.value) == message


def test_an_invalid_deployment_name_is_refused() -> None:
    with pytest.raises(errors.DeploymentError) as caught:
        deploy(sava_blueprint(), name="my sava")

    assert str(caught.value) == (
        "Invalid deployment name: Illegal name or reference - white space characters, '/', '[' and ']' are "
        "not allowed: 'my sava'."
    )


def test_a_sliced_service_merged_again_comes_back_dark() -> None:
    canary = with_weights(deploy(sava_blueprint("1.1.0"), running()), {"sava:1.0.0": 0, "sava:1.1.0": 100})
    sliced = deployments.slice_services(canary, sava_blueprint(), now=LATER)

    after = deploy(sava_blueprint(), sliced, now=LATER)

    assert statuses(after)["sava:1.0.0"] == ("Deployment", "Initiated")
    assert weights_of(after) == {"sava:1.0.0": "0%", "sava:1.1.0": "100%"}


def test_a_merged_deployment_that_breaks_a_blueprint_rule_is_refused_with_every_issue() -> None:
    blueprint = sava_blueprint()
    service = (
        blueprint.clusters["sava"].services[0].model_copy(update={"environment_variables": {"NOPE": "1"}})
    )
    blueprint = blueprint.model_copy(
        update={
            "clusters": {"sava": blueprint.clusters["sava"].model_copy(update={"services": (service,)})},
            "gateways": {"9050": external_gateway("nowhere/webport")},
        }
    )

    with pytest.raises(errors.DslError) as caught:
        deploy(blueprint)

    # The rules and their wording belong to vamp.core.validation; Vamp's words start each message.
    found = {issue.path: issue.message for issue in caught.value.issues}
    assert set(found) == {
        "gateways.9050.routes.nowhere/webport",
        "clusters.sava.services[0].environment_variables.NOPE",
    }
    assert found["gateways.9050.routes.nowhere/webport"].startswith(
        "Gateway port '9050 -> nowhere/webport' cannot be resolved."
    )
    assert found["clusters.sava.services[0].environment_variables.NOPE"].startswith(
        "Unresolved reference 'NOPE' in breed 'sava:1.0.0"
    )


def test_external_gateway_weights_that_cannot_total_100_percent_are_refused_by_validation() -> None:
    gateway = model.Gateway(
        port=model.GatewayPort(number=9050),
        routes={
            "sava/webport": model.Route(weight=Percentage.of(70)),
            "other/webport": model.Route(weight=Percentage.of(70)),
        },
    )
    blueprint = sava_blueprint().model_copy(update={"gateways": {"9050": gateway}})

    with pytest.raises(errors.DslError) as caught:
        deploy(blueprint)

    assert any(
        issue.path == "gateways.9050.routes"
        and issue.message.startswith("Total route weight must be either 0% or 100%")
        for issue in caught.value.issues
    )


def test_a_port_only_some_breeds_have_routes_only_to_those() -> None:
    admin = model.Port(name="adminport", number=9023)
    breed = sava_breed("1.1.0", ports=(*sava_breed("1.1.0").ports, admin))

    after = deploy(sava_blueprint("1.1.0", breed=breed), running(), now=LATER)

    assert weights_of(after, port="adminport") == {"sava:1.1.0": "100%"}
    assert weights_of(after) == {"sava:1.0.0": "100%", "sava:1.1.0": "0%"}


def test_a_stored_route_that_is_still_a_reference_cannot_be_merged() -> None:
    before = running()
    cluster = before.clusters["sava"]
    gateways = {"webport": model.Gateway(routes={"sava:1.0.0": model.Ref(name="all")})}
    before = before.model_copy(
        update={"clusters": {"sava": cluster.model_copy(update={"gateways": gateways})}}
    )

    with pytest.raises(errors.DeploymentError) as caught:
        deploy(sava_blueprint("1.1.0"), before)

    assert str(caught.value) == (
        "The route 'sava:1.0.0' of cluster 'sava/sava' port 'webport' is still a reference to route 'all'; "
        "resolve the blueprint's references before merging it."
    )


OTHER_CHECK = CHECK.model_copy(update={"path": "/health", "failures": 5})
OTHER_SLA = SLA.model_copy(update={"threshold": model.Threshold(upper=2000, lower=200)})
SECOND: dict[str, object] = {
    "health_checks": (OTHER_CHECK,),
    "network": "host",
    "sla": OTHER_SLA,
    "dialects": {"marathon": {"cmd": "serve"}},
    "metadata": {"team": "shop"},
}
SERVICE_SECOND: dict[str, object] = {
    "health_checks": (OTHER_CHECK,),
    "network": "host",
    "dialects": {"docker": {"user": "web"}},
}


def cluster_settings(cluster: model.DeploymentCluster) -> dict[str, object]:
    return {key: getattr(cluster, key) for key in FIRST}


def service_settings(service: model.DeploymentService | None) -> dict[str, object]:
    assert service is not None
    return {key: getattr(service, key) for key in SERVICE_FIRST}


def test_a_first_deploy_takes_every_setting_of_the_clusters_services_and_blueprint() -> None:
    blueprint = with_settings(
        sava_blueprint(),
        FIRST,
        SERVICE_FIRST,
        dialects={"kubernetes": {"namespace": "shop"}},
        metadata={"owner": "alice"},
    )

    deployment = deploy(blueprint)

    assert cluster_settings(deployment.clusters["sava"]) == FIRST
    assert service_settings(deployment.clusters["sava"].services[0]) == SERVICE_FIRST
    assert deployment.dialects == {"kubernetes": {"namespace": "shop"}}
    assert deployment.metadata == {"owner": "alice"}


def test_cluster_settings_the_blueprint_gives_replace_the_deployments_and_dialects_merge_per_key() -> None:
    before = running(with_settings(sava_blueprint(), FIRST))

    after = deploy(with_settings(sava_blueprint("1.1.0"), SECOND), before, now=LATER)

    assert cluster_settings(after.clusters["sava"]) == {
        "health_checks": (OTHER_CHECK,),
        "network": "host",
        "sla": OTHER_SLA,
        "dialects": {"marathon": {"cmd": "serve"}, "docker": {"user": "sava"}},
        "metadata": {"team": "shop", "tier": "gold"},
    }


def test_cluster_settings_the_blueprint_leaves_out_keep_the_deployments() -> None:
    before = running(with_settings(sava_blueprint(), FIRST))

    after = deploy(sava_blueprint("1.1.0"), before, now=LATER)

    assert cluster_settings(after.clusters["sava"]) == FIRST


def test_an_empty_list_of_cluster_health_checks_removes_the_deployments() -> None:
    before = running(with_settings(sava_blueprint(), FIRST))

    after = deploy(with_settings(sava_blueprint("1.1.0"), {"health_checks": ()}), before, now=LATER)

    assert after.clusters["sava"].health_checks == ()


def test_deployment_dialects_and_metadata_merge_per_key_and_are_kept_when_left_out() -> None:
    before = running(
        with_settings(
            sava_blueprint(),
            dialects={"kubernetes": {"namespace": "shop"}, "marathon": {"cmd": "run"}},
            metadata={"owner": "alice", "team": "web"},
        )
    )

    given = deploy(
        with_settings(
            sava_blueprint("1.1.0"), dialects={"marathon": {"cmd": "serve"}}, metadata={"owner": "bob"}
        ),
        before,
        now=LATER,
    )
    left_out = deploy(sava_blueprint("1.1.0"), before, now=LATER)

    assert given.dialects == {"kubernetes": {"namespace": "shop"}, "marathon": {"cmd": "serve"}}
    assert given.metadata == {"owner": "bob", "team": "web"}
    assert (left_out.dialects, left_out.metadata) == (before.dialects, before.metadata)


@pytest.mark.parametrize(
    ("given", "merged"),
    [
        pytest.param(SERVICE_SECOND, SERVICE_SECOND, id="given: the blueprint's"),
        pytest.param({}, {"health_checks": None, "network": None, "dialects": {}}, id="left out: none"),
    ],
)
def test_a_running_services_settings_are_replaced_by_the_blueprints_and_it_is_deployed_again(
    given: dict[str, object], merged: dict[str, object]
) -> None:
    before = running(with_settings(sava_blueprint(), service=SERVICE_FIRST))

    after = deploy(with_settings(sava_blueprint(), service=given), before, now=LATER)

    service = after.clusters["sava"].service("sava:1.0.0")
    assert service_settings(service) == merged
    assert statuses(after) == {"sava:1.0.0": ("Deployment", "Initiated")}


def test_a_new_cluster_listed_first_does_not_stop_a_changed_one_from_being_deployed_again() -> None:
    before = running()
    blueprint = sava_blueprint(scale=LARGE)
    blueprint = blueprint.model_copy(
        update={
            "clusters": {
                "backend": model.Cluster(services=(model.Service(breed=backend_breed()),)),
                **blueprint.clusters,
            }
        }
    )

    after = deploy(blueprint, before, now=LATER)

    assert statuses(after) == {
        "sava-backend:1.0.0": ("Deployment", "Initiated"),
        "sava:1.0.0": ("Deployment", "Initiated"),
    }
    assert after.clusters["sava"].services[0].status.since == LATER
