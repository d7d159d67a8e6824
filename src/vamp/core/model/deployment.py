"""Deployments: a blueprint placed on a runtime, with the status of every service (vamp.md §1.6, §3.3).

The status of a service is an intention (deploy or undeploy it) and a phase (how far that got). Times
are given by the caller: the core never reads the clock.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from vamp.core.model.base import Dialects, Metadata, Model, Ref
from vamp.core.model.breed import Argument, Breed, HealthCheck
from vamp.core.model.gateway import Gateway
from vamp.core.model.scale import Scale
from vamp.core.model.sla import Sla, SlaReference


class Intention(StrEnum):
    DEPLOYMENT = "Deployment"
    UNDEPLOYMENT = "Undeployment"


class PhaseName(StrEnum):
    INITIATED = "Initiated"
    UPDATING = "Updating"
    DONE = "Done"
    FAILED = "Failed"


class Phase(Model):
    """How far the intention got, since when, and (when failed) why."""

    name: PhaseName = PhaseName.INITIATED
    since: datetime
    notification: str | None = None


class ServiceStatus(Model):
    intention: Intention = Intention.DEPLOYMENT
    since: datetime
    phase: Phase

    @classmethod
    def initiated(cls, intention: Intention, now: datetime) -> ServiceStatus:
        return cls(intention=intention, since=now, phase=Phase(name=PhaseName.INITIATED, since=now))


class Instance(Model):
    """A running instance of a service as the runtime reports it."""

    name: str
    host: str
    ports: dict[str, int] = {}
    deployed: bool = True


class DeploymentService(Model):
    """A service of a deployment: the resolved breed and scale, its settings and its runtime state."""

    breed: Breed
    scale: Scale
    status: ServiceStatus
    environment_variables: dict[str, str | None] = {}
    arguments: tuple[Argument, ...] = ()
    health_checks: tuple[HealthCheck, ...] | None = None
    network: str | None = None
    dialects: Dialects = {}
    instances: tuple[Instance, ...] = ()
    dependencies: dict[str, str] = {}
    """Dependency alias → the cluster that hosts the dependency."""


class DeploymentCluster(Model):
    services: tuple[DeploymentService, ...] = ()
    gateways: dict[str, Gateway] = {}
    """Internal gateways keyed by port name; their route keys are service (breed) names."""
    health_checks: tuple[HealthCheck, ...] | None = None
    network: str | None = None
    sla: Sla | SlaReference | Ref | None = None
    dialects: Dialects = {}
    metadata: Metadata = {}

    def service(self, breed_name: str) -> DeploymentService | None:
        return next((s for s in self.services if s.breed.name == breed_name), None)


class Deployment(Model):
    """A deployed blueprint. ``gateways`` are the external ones keyed by port number."""

    kind: Literal["deployments"] = "deployments"
    name: str
    clusters: dict[str, DeploymentCluster] = {}
    gateways: dict[str, Gateway] = {}
    ports: dict[str, int] = {}
    """``cluster.port`` → the port of that cluster port's internal gateway."""
    environment_variables: dict[str, str | None] = {}
    """``cluster.VAR`` → value: the cluster scope."""
    hosts: dict[str, str] = {}
    """cluster → the host its gateways are reached on."""
    dialects: Dialects = {}
    metadata: Metadata = {}
