"""What the runtime is asked to run, and what it reports back: the contract between reconciler and drivers.

A ``ServiceSpec`` is everything a runtime driver needs to run one service of one deployment — computed
purely from the deployment — with a ``digest`` of the parts that, when changed, require a redeploy
(``spec_digest``, the workflows' specs' too). A
``ServiceState`` is what a driver observes of one service: the digest its instances were started with,
its instances, and why it fails when it does. Drivers (local processes, Kubernetes) translate between
these and their own world; the reconciler compares them.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from vamp.core import model


class Runnable(Protocol):
    """What a service's spec and a workflow's spec (workflows/runs.py) both have: what runs, and how."""

    @property
    def deployable(self) -> model.Deployable: ...
    @property
    def environment(self) -> dict[str, str]: ...
    @property
    def scale(self) -> model.Scale: ...
    @property
    def arguments(self) -> tuple[model.Argument, ...]: ...
    @property
    def labels(self) -> dict[str, str]: ...
    @property
    def dialects(self) -> dict[str, Any]: ...


def spec_digest(spec: Runnable, **more: Any) -> str:
    """The digest of what a runtime runs (``ServiceSpec.digest``, and ``WorkflowSpec.digest`` in
    workflows/runs.py): what every ``spec`` has, and ``more`` (plain data; anything else as its text) of
    its own. The first 16 hex digits of the SHA-256 of it all as JSON with sorted keys.
    """
    content = {
        "deployable": [spec.deployable.type, spec.deployable.definition],
        "environment": spec.environment,
        "scale": [str(spec.scale.cpu), str(spec.scale.memory), spec.scale.instances],
        "arguments": [[argument.key, argument.value] for argument in spec.arguments],
        "labels": spec.labels,
        "dialects": spec.dialects,
        **more,
    }
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ServiceKey:
    """One service of one deployment in one namespace; ``service`` is the breed name (``sava:1.0.0``)."""

    namespace: str
    deployment: str
    cluster: str
    service: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.deployment}/{self.cluster}/{self.service}"


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """How to run one deployment service. ``environment`` is resolved: names as injected, values final."""

    key: ServiceKey
    deployable: model.Deployable
    ports: tuple[model.Port, ...]
    environment: dict[str, str]
    scale: model.Scale
    health_checks: tuple[model.HealthCheck, ...] = ()
    arguments: tuple[model.Argument, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    dialects: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """A hash of everything that requires a redeploy when it changes (not the key)."""
        return spec_digest(
            self,
            ports=[port.value for port in self.ports] + [port.name for port in self.ports],
            health_checks=[check.model_dump(mode="json") for check in self.health_checks],
        )

    @property
    def instance_digest(self) -> str:
        """What one instance runs: ``digest`` without the instance count.

        Instances of two specs that differ only in their count are interchangeable: a change of scale
        alone starts or stops instances instead of replacing them all.
        """
        return dataclasses.replace(self, scale=self.scale.model_copy(update={"instances": 0})).digest


@dataclass(frozen=True, slots=True)
class ServiceState:
    """What the runtime reports of one service.

    ``digest`` is the spec digest its instances run with (``None`` when unknown); ``failure`` says why
    the service cannot run (an image that cannot be pulled, a command that exits at once), in words a
    user can act on.
    """

    key: ServiceKey
    digest: str | None
    instances: tuple[model.ObservedInstance, ...] = ()
    failure: str | None = None

    @property
    def ready(self) -> int:
        return sum(1 for instance in self.instances if instance.ready)
