"""The rules that still hold for a running deployment (vamp.md §3.1 step 6), on models."""

from __future__ import annotations

from datetime import datetime

from tests.core.validation.unchecked import problems
from vamp.core import model, validation
from vamp.core.units import Cpu, Memory, Percentage

NOW = datetime(2024, 5, 1, 10, 0)


def service(name: str, *ports: model.Port) -> model.DeploymentService:
    return model.DeploymentService(
        breed=model.Breed(name=name, deployable=model.Deployable(definition="x"), ports=ports),
        scale=model.Scale(cpu=Cpu(10), memory=Memory(100)),
        status=model.ServiceStatus.initiated(model.Intention.DEPLOYMENT, NOW),
    )


def test_a_deployment_keeps_route_weight_and_port_rules() -> None:
    web = model.Port(name="web", number=8080)
    db = model.Port(name="db", number=5432, protocol=model.Protocol.TCP)
    cluster = model.DeploymentCluster(
        services=(service("a:1", web, db), service("a:2", web, db)),
        gateways={
            "web": model.Gateway(
                routes={
                    "a:1": model.Route(weight=Percentage.of(70)),
                    "a:2": model.Route(weight=Percentage.of(70)),
                }
            ),
            "db": model.Gateway(sticky=model.Sticky.ROUTE, routes={"a:3": model.Route()}),
        },
    )
    deployment = model.Deployment(name="d", clusters={"c": cluster, "empty": model.DeploymentCluster()})
    assert problems(validation.deployment_issues(deployment)) == [
        (
            "clusters.c.gateways.web.routes",
            "Total route weight cannot exceed 100 or be a negative value. Check cluster: 'c'. The weights "
            "total 140%.",
        ),
        (
            "clusters.c.gateways.db.routes.a:3",
            "Unresolved service route for 'c' and 'a:3'; the services are: 'a:1', 'a:2'.",
        ),
        ("clusters.c.gateways.db.sticky", "Sticky sessions are not allowed for TCP port: 'db'."),
    ]


def test_a_deployment_may_depend_on_breeds_merged_before() -> None:
    breed = model.Breed(
        name="app:1",
        deployable=model.Deployable(definition="x"),
        dependencies={"db": model.Ref(name="mysql:1")},
    )
    cluster = model.DeploymentCluster(services=(service("app:1").model_copy(update={"breed": breed}),))
    assert validation.deployment_issues(model.Deployment(name="d", clusters={"c": cluster})) == []
