"""The sava examples of vamp.md as models, and small helpers to shape deployments in tests.

* sava 1.0 and 1.1: cluster ``sava`` with one breed on ``webport`` 8080/http, external gateway 9050 →
  ``sava/webport``;
* a two-cluster blueprint: ``frontend`` depends on a ``backend`` breed in cluster ``backend``;
* ``FIRST``, ``SERVICE_FIRST``: a setting of each kind a cluster, a service can have (``with_settings``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from vamp.core import model
from vamp.core.units import Cpu, Duration, Memory, Percentage

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
HOST = "10.0.0.5"
SMALL = model.Scale(cpu=Cpu.parse("0.2"), memory=Memory.parse("64MB"), instances=1)
LARGE = model.Scale(cpu=Cpu.parse("0.5"), memory=Memory.parse("256MB"), instances=3)


def sava_breed(version: str = "1.0.0", **changes: object) -> model.Breed:
    breed = model.Breed(
        name=f"sava:{version}",
        deployable=model.Deployable(definition=f"magneticio/sava:{version}"),
        ports=(model.Port(name="webport", number=8080),),
        environment_variables=(model.EnvironmentVariable(name="DEBUG", alias="SAVA_DEBUG", value="false"),),
    )
    return breed.model_copy(update=changes)


def sava_blueprint(
    version: str = "1.0.0",
    *,
    scale: model.Scale | None = SMALL,
    cluster_gateways: dict[str, model.Gateway] | None = None,
    breed: model.Breed | None = None,
    arguments: tuple[model.Argument, ...] = (),
    external: bool = True,
) -> model.Blueprint:
    """The ``sava:1.0`` blueprint (``version`` 1.0.0), or ``sava:1.1`` (1.1.0) to merge as a canary.

    ``arguments`` are the service's own; ``external=False`` leaves out the external gateway 9050.
    """
    service = model.Service(breed=breed or sava_breed(version), scale=scale, arguments=arguments)
    return model.Blueprint(
        name=f"sava:{version.rsplit('.', 1)[0]}",
        clusters={
            "sava": model.Cluster(
                services=(service,),
                gateways=cluster_gateways or {},
            )
        },
        gateways={"9050": external_gateway("sava/webport")} if external else {},
    )


def external_gateway(*routes: str, port: int = 9050) -> model.Gateway:
    return model.Gateway(
        port=model.GatewayPort(number=port), routes={route: model.Route() for route in routes}
    )


def backend_breed(version: str = "1.0.0") -> model.Breed:
    return model.Breed(
        name=f"sava-backend:{version}",
        deployable=model.Deployable(definition=f"magneticio/sava-backend:{version}"),
        ports=(model.Port(name="webport", number=8080),),
    )


def frontend_breed(dependency: str = "sava-backend:1.0.0") -> model.Breed:
    return model.Breed(
        name="sava-frontend:1.0.0",
        deployable=model.Deployable(definition="magneticio/sava-frontend:1.0.0"),
        ports=(model.Port(name="webport", number=8080),),
        environment_variables=(
            model.EnvironmentVariable(
                name="BACKEND", value="http://$backend.host:$backend.ports.webport/api"
            ),
        ),
        dependencies={"backend": model.Ref(name=dependency)},
    )


def two_cluster_blueprint(dependency: str = "sava-backend:1.0.0") -> model.Blueprint:
    """``frontend`` (breed ``sava-frontend:1.0.0``) depends, as ``backend``, on cluster ``backend``."""
    return model.Blueprint(
        name="sava:1.2",
        clusters={
            "frontend": model.Cluster(services=(model.Service(breed=frontend_breed(dependency)),)),
            "backend": model.Cluster(services=(model.Service(breed=backend_breed()),)),
        },
        gateways={"9050": external_gateway("frontend/webport")},
    )


def weights_of(deployment: model.Deployment, cluster: str = "sava", port: str = "webport") -> dict[str, str]:
    """Route → weight as a user reads it (``"100%"``) of one internal gateway."""
    routes = deployment.clusters[cluster].gateways[port].routes
    return {key: str(route.weight) for key, route in routes.items() if isinstance(route, model.Route)}


def with_weights(
    deployment: model.Deployment, given: dict[str, int | str], cluster: str = "sava", port: str = "webport"
) -> model.Deployment:
    """The deployment after a user set the weights of an internal gateway (``PUT /gateways/...``)."""
    found = deployment.clusters[cluster]
    gateway = found.gateways[port]
    routes = {
        key: model.Route(weight=Percentage.of(given[key])) if key in given else route
        for key, route in gateway.routes.items()
    }
    gateways = {**found.gateways, port: gateway.model_copy(update={"routes": routes})}
    clusters = {**deployment.clusters, cluster: found.model_copy(update={"gateways": gateways})}
    return deployment.model_copy(update={"clusters": clusters})


def with_phase(
    deployment: model.Deployment, phase: model.PhaseName, when: datetime = LATER
) -> model.Deployment:
    """The deployment after the reconciler moved every service to ``phase``."""
    clusters = {
        name: cluster.model_copy(
            update={
                "services": tuple(
                    service.model_copy(
                        update={
                            "status": service.status.model_copy(
                                update={"phase": model.Phase(name=phase, since=when)}
                            )
                        }
                    )
                    for service in cluster.services
                )
            }
        )
        for name, cluster in deployment.clusters.items()
    }
    return deployment.model_copy(update={"clusters": clusters})


def statuses(deployment: model.Deployment) -> dict[str, tuple[str, str]]:
    """Breed → (intention, phase) of every service."""
    return {
        service.breed.name: (service.status.intention.value, service.status.phase.name.value)
        for cluster in deployment.clusters.values()
        for service in cluster.services
    }


CHECK = model.HealthCheck(
    port="webport", initial_delay=Duration(10), timeout=Duration(5), interval=Duration(60), failures=3
)
SLA = model.Sla(
    type="response_time_sliding_window",
    threshold=model.Threshold(upper=1000, lower=100),
    window=model.Window(interval=Duration(600), cooldown=Duration(600)),
)
FIRST: dict[str, object] = {
    "health_checks": (CHECK,),
    "network": "bridge",
    "sla": SLA,
    "dialects": {"marathon": {"cmd": "run"}, "docker": {"user": "sava"}},
    "metadata": {"team": "web", "tier": "gold"},
}
SERVICE_FIRST: dict[str, object] = {
    "health_checks": (CHECK,),
    "network": "bridge",
    "dialects": {"docker": {"user": "sava"}},
}


def with_settings(
    blueprint: model.Blueprint,
    cluster: dict[str, object] | None = None,
    service: dict[str, object] | None = None,
    **deployment: object,
) -> model.Blueprint:
    """``blueprint`` with settings given at cluster ``sava``, at its service, and at the blueprint itself."""
    found = blueprint.clusters["sava"]
    services = tuple(given.model_copy(update=service or {}) for given in found.services)
    clusters = {"sava": found.model_copy(update={**(cluster or {}), "services": services})}
    return blueprint.model_copy(update={"clusters": clusters, **deployment})
