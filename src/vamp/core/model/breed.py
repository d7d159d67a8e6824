"""Breeds: static descriptions of one deployable service version (vamp.md §1.3), and health checks (§1.12)."""

from __future__ import annotations

from typing import Literal

from vamp.core.model.base import Metadata, Model, Port, Ref
from vamp.core.units import Duration

DEFAULT_DEPLOYABLE_TYPE = "container/docker"
COMMAND_DEPLOYABLE_TYPES = frozenset({"command", "cmd"})


class Deployable(Model):
    """What runs: a Docker image (``container/docker``), a command (``command``/``cmd``) or a script."""

    type: str = DEFAULT_DEPLOYABLE_TYPE
    definition: str

    @property
    def is_command(self) -> bool:
        return self.type in COMMAND_DEPLOYABLE_TYPES


class EnvironmentVariable(Model):
    """``NAME[ALIAS]: value``; ``value`` is ``None`` for a placeholder a higher scope must fill."""

    name: str
    alias: str | None = None
    value: str | None = None

    @property
    def key(self) -> str:
        """The key as written in the DSL: ``NAME`` or ``NAME[ALIAS]``."""
        return f"{self.name}[{self.alias}]" if self.alias else self.name

    @property
    def injected_name(self) -> str:
        """The name the process or container sees."""
        return self.alias or self.name


class Constant(Model):
    """A value other values can refer to (``$cluster.constants.NAME``) but that is not injected."""

    name: str
    value: str


class Argument(Model):
    """One ``key: value`` argument for the runtime (``privileged: true``, Docker parameters)."""

    key: str
    value: str


class HealthCheck(Model):
    """An HTTP(S) health check of one port (vamp.md §1.12)."""

    path: str = "/"
    port: str
    initial_delay: Duration
    timeout: Duration
    interval: Duration
    failures: int
    protocol: Literal["HTTP", "HTTPS"] = "HTTP"


class Breed(Model):
    """One deployable service version; ``version`` is the name after ``:`` (``sava:1.0`` has ``1.0``)."""

    kind: Literal["breeds"] = "breeds"
    name: str
    deployable: Deployable
    ports: tuple[Port, ...] = ()
    environment_variables: tuple[EnvironmentVariable, ...] = ()
    constants: tuple[Constant, ...] = ()
    arguments: tuple[Argument, ...] = ()
    dependencies: dict[str, Breed | Ref] = {}
    health_checks: tuple[HealthCheck, ...] | None = None
    labels: dict[str, str] = {}
    metadata: Metadata = {}

    @property
    def version(self) -> str | None:
        _, colon, version = self.name.partition(":")
        return version if colon else None

    def port(self, name: str) -> Port | None:
        return next((port for port in self.ports if port.name == name), None)

    def environment_variable(self, name: str) -> EnvironmentVariable | None:
        return next((var for var in self.environment_variables if var.name == name), None)

    def constant(self, name: str) -> Constant | None:
        return next((constant for constant in self.constants if constant.name == name), None)
