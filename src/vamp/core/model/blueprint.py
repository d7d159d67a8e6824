"""Blueprints: clusters of services, their scales and gateways (vamp.md §1.4, §1.7)."""

from __future__ import annotations

from typing import Literal

from vamp.core.model.base import Dialects, Metadata, Model, Ref
from vamp.core.model.breed import Argument, Breed, HealthCheck
from vamp.core.model.gateway import Gateway
from vamp.core.model.scale import Scale
from vamp.core.model.sla import Sla, SlaReference


class Service(Model):
    """One breed in a cluster, with its scale and service-scope settings."""

    breed: Breed | Ref
    scale: Scale | Ref | None = None
    environment_variables: dict[str, str | None] = {}
    arguments: tuple[Argument, ...] = ()
    health_checks: tuple[HealthCheck, ...] | None = None
    network: str | None = None
    dialects: Dialects = {}

    @property
    def breed_name(self) -> str:
        return self.breed.name


ONLY_PORT = ""
"""The key of a cluster gateway written in the short form (``gateways: {sticky, routes}``) whose port the
reader cannot tell, because the cluster's breeds are references: it is the gateway of the breeds' only
port, and resolving the blueprint's references keys it by that port (``deployments.resolve``)."""


class Cluster(Model):
    """A group of services (versions) behind internal gateways keyed by port name (or ``ONLY_PORT``)."""

    services: tuple[Service, ...] = ()
    gateways: dict[str, Gateway] = {}
    health_checks: tuple[HealthCheck, ...] | None = None
    network: str | None = None
    sla: Sla | SlaReference | Ref | None = None
    dialects: Dialects = {}
    metadata: Metadata = {}


class Blueprint(Model):
    """Clusters plus external gateways keyed by port number (``"9050"``), and cluster-scope variables."""

    kind: Literal["blueprints"] = "blueprints"
    name: str
    clusters: dict[str, Cluster] = {}
    gateways: dict[str, Gateway] = {}
    environment_variables: dict[str, str | None] = {}
    dialects: Dialects = {}
    metadata: Metadata = {}
