"""The spec a deployment service runs with (``deployments.spec``), with Vamp's precedence of levels.

Health checks come from the service, else the cluster, else the breed (vamp.md §1.12); dialects whole
from the most specific level (§1.17); labels say whose instances they are.
"""

from __future__ import annotations

import pytest

from tests.core.deployments.builders import HOST, NOW, sava_blueprint, sava_breed
from vamp import errors
from vamp.core import deployments, model, runtime
from vamp.core.deployments import spec
from vamp.core.units import Duration

NS = "default"
SAVA = "sava:1.0.0"


def deploy(blueprint: model.Blueprint | None = None) -> model.Deployment:
    return deployments.merge(None, blueprint or sava_blueprint(), name="sava", now=NOW, host=HOST)


def check(port: str = "webport", path: str = "/", seconds: int = 5) -> model.HealthCheck:
    return model.HealthCheck(
        port=port,
        path=path,
        initial_delay=Duration(seconds),
        timeout=Duration(seconds),
        interval=Duration(seconds),
        failures=3,
    )


def with_checks(
    service: tuple[model.HealthCheck, ...] | None,
    cluster: tuple[model.HealthCheck, ...] | None,
    breed: tuple[model.HealthCheck, ...] | None,
) -> model.Deployment:
    """sava 1.0 with these health checks on its service, cluster and breed (as a multi-breed cluster may)."""
    deployment = deploy()
    found = deployment.clusters["sava"]
    service_now = found.services[0]
    checked = service_now.model_copy(
        update={
            "health_checks": service,
            "breed": service_now.breed.model_copy(update={"health_checks": breed}),
        }
    )
    given = found.model_copy(update={"services": (checked,), "health_checks": cluster})
    return deployment.model_copy(update={"clusters": {"sava": given}})


BREED_CHECK, CLUSTER_CHECK, SERVICE_CHECK = (
    check(path="/breed"),
    check(path="/cluster"),
    check(path="/service"),
)


@pytest.mark.parametrize(
    ("service", "cluster", "breed", "expected"),
    [
        pytest.param(None, None, (BREED_CHECK,), (BREED_CHECK,), id="breed"),
        pytest.param(None, (CLUSTER_CHECK,), (BREED_CHECK,), (CLUSTER_CHECK,), id="cluster over breed"),
        pytest.param(
            (SERVICE_CHECK,),
            (CLUSTER_CHECK,),
            (BREED_CHECK,),
            (SERVICE_CHECK, CLUSTER_CHECK),
            id="service plus cluster",
        ),
        pytest.param(
            (SERVICE_CHECK,),
            (check(path="/service", seconds=9),),
            None,
            (SERVICE_CHECK,),
            id="same path: service's",
        ),
        pytest.param(
            None, (check(port="adminport"),), (BREED_CHECK,), (), id="cluster check of another port"
        ),
        pytest.param((), (CLUSTER_CHECK,), (BREED_CHECK,), (), id="empty service list turns them off"),
        pytest.param(None, None, None, (), id="none"),
    ],
)
def test_health_checks_come_from_the_most_specific_level(service, cluster, breed, expected):
    deployment = with_checks(service, cluster, breed)

    assert spec.service_spec(deployment, "sava", SAVA, namespace=NS).health_checks == expected


@pytest.mark.parametrize(
    ("service", "cluster", "deployment", "expected"),
    [
        pytest.param({}, {}, {"kubernetes": {"d": 1}}, {"kubernetes": {"d": 1}}, id="deployment"),
        pytest.param(
            {}, {"kubernetes": {"c": 1}}, {"kubernetes": {"d": 1}}, {"kubernetes": {"c": 1}}, id="cluster"
        ),
        pytest.param(
            {"kubernetes": {"s": 1}},
            {"kubernetes": {"c": 1}},
            {"kubernetes": {"d": 1}},
            {"kubernetes": {"s": 1}},
            id="service",
        ),
    ],
)
def test_dialects_come_whole_from_the_most_specific_level(service, cluster, deployment, expected):
    merged = deploy()
    found = merged.clusters["sava"]
    services = (found.services[0].model_copy(update={"dialects": service}),)
    merged = merged.model_copy(
        update={
            "dialects": deployment,
            "clusters": {"sava": found.model_copy(update={"services": services, "dialects": cluster})},
        }
    )

    assert spec.service_spec(merged, "sava", SAVA, namespace=NS).dialects == expected


def test_a_spec_has_everything_a_driver_runs_a_service_with():
    found = spec.service_spec(
        deploy(sava_blueprint(breed=sava_breed(labels={"team": "web", "app": "shop"}))),
        "sava",
        SAVA,
        namespace="acme-prod",
    )

    assert found.key == runtime.ServiceKey("acme-prod", "sava", "sava", SAVA)
    assert found.deployable == model.Deployable(definition="magneticio/sava:1.0.0")
    assert found.ports == (model.Port(name="webport", number=8080),)
    assert found.environment == {"SAVA_DEBUG": "false"}
    assert found.labels == {
        "app": "shop",
        "version": "1.0.0",
        "team": "web",
        "io.vamp/deployment": "sava",
        "io.vamp/cluster": "sava",
        "io.vamp/service": SAVA,
    }


@pytest.mark.parametrize(
    ("cluster", "breed", "message"),
    [
        pytest.param(
            "db", SAVA, "There is no cluster 'db' in deployment 'sava'; its clusters are: sava.", id="cluster"
        ),
        pytest.param(
            "sava",
            "sava:2",
            "There is no service 'sava:2' in cluster 'sava/sava'; its services are: sava:1.0.0.",
            id="service",
        ),
    ],
)
def test_a_spec_of_nothing_says_what_there_is(cluster, breed, message):
    with pytest.raises(errors.DeploymentError) as raised:
        spec.service_spec(deploy(), cluster, breed, namespace=NS)

    assert str(raised.value) == message
