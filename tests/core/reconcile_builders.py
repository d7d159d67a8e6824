"""Deployments, driver reports and readable views of decisions, for the tests of ``vamp.core.reconcile``."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.core.deployments.builders import HOST, NOW, sava_blueprint, with_phase
from vamp.core import deployments, model, runtime
from vamp.core.deployments import spec
from vamp.core.reconcile import deployment as reconcile

NS = "default"
SAVA = "sava:1.0.0"
CANARY = "sava:1.1.0"
SOON = NOW + timedelta(seconds=10)


def deploy(
    blueprint: model.Blueprint | None = None, into: model.Deployment | None = None
) -> model.Deployment:
    return deployments.merge(into, blueprint or sava_blueprint(), name="sava", now=NOW, host=HOST)


def key(breed: str = SAVA, cluster: str = "sava", deployment: str = "sava") -> runtime.ServiceKey:
    return runtime.ServiceKey(NS, deployment, cluster, breed)


def state(
    deployment: model.Deployment,
    breed: str = SAVA,
    *,
    cluster: str = "sava",
    ready: int = 1,
    running: int | None = None,
    digest: str | None = None,
    failure: str | None = None,
) -> runtime.ServiceState:
    """What a driver reports of a service: by default running the service's spec, every instance ready."""
    wanted = digest or spec.service_spec(deployment, cluster, breed, namespace=NS).digest
    instances = tuple(
        model.ObservedInstance(
            name=f"{breed}-{number}",
            ip="10.1.0.7",
            ports=(model.ObservedPort(number=31000 + number, name="webport"),),
            ready=number < ready,
        )
        for number in range(ready if running is None else running)
    )
    return runtime.ServiceState(key(breed, cluster), wanted, instances, failure)


def decide(
    deployment: model.Deployment | None, *observed: runtime.ServiceState, **options: object
) -> reconcile.Decision:
    arguments: dict[str, object] = {"namespace": NS, "now": SOON, **options}
    return reconcile.decide(deployment, "sava", observed, **arguments)  # type: ignore[arg-type]


def phases(decision: reconcile.Decision) -> dict[str, tuple[str, str | None]]:
    """Breed → (phase, notification) of every service left."""
    assert decision.deployment is not None
    return {
        service.breed.name: (service.status.phase.name.value, service.status.phase.notification)
        for cluster in decision.deployment.clusters.values()
        for service in cluster.services
    }


def actions(decision: reconcile.Decision) -> list[str]:
    return [
        f"deploy {action.spec.key}" if isinstance(action, reconcile.Deploy) else f"undeploy {action.key}"
        for action in decision.actions
    ]


def tags(decision: reconcile.Decision) -> list[tuple[str, ...]]:
    return [event.tags for event in decision.events]


def in_phase(
    deployment: model.Deployment, phase: model.PhaseName, *, note: str | None = None, since: datetime = NOW
) -> model.Deployment:
    deployment = with_phase(deployment, phase, since)
    if note is None:
        return deployment
    cluster = deployment.clusters["sava"]
    services = tuple(
        s.model_copy(
            update={
                "status": s.status.model_copy(
                    update={"phase": s.status.phase.model_copy(update={"notification": note})}
                )
            }
        )
        for s in cluster.services
    )
    return deployment.model_copy(
        update={"clusters": {"sava": cluster.model_copy(update={"services": services})}}
    )


SERVICE_TAGS = ("deployments:sava", "clusters:sava", f"services:{SAVA}")
UPDATING = (*SERVICE_TAGS, "intention:deployment", "phase:updating")
DONE = (*SERVICE_TAGS, "intention:deployment", "phase:done")
FAILED = (*SERVICE_TAGS, "intention:deployment", "phase:failed")
ERROR = f"Deployment service error for deployment 'sava' and service '{SAVA}': "
