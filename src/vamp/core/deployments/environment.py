"""The environment of one deployed service (vamp.md §1.8): its variables, with scopes and references resolved.

A breed declares its variables; each gets its value from the highest scope that gives one: the breed,
then the blueprint's ``cluster.VAR`` (``Deployment.environment_variables``), then the service. Values may
refer to hosts, gateway ports, variables and constants (see ``references.py``); a dependency's alias
stands for the cluster that hosts the dependency (``DeploymentService.dependencies``). Referred
variables and constants are resolved in turn, in their own service. Pure: the caller passes the
deployment and the gateway ports it knows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from vamp import errors
from vamp.core import model
from vamp.core.deployments import messages, parts, references
from vamp.core.deployments.references import Group

_Unresolved = Callable[[str], errors.DeploymentError]
"""Makes the error for a reference that cannot be resolved, from the reason."""


def service_environment(
    deployment: model.Deployment,
    cluster: str,
    breed: str,
    *,
    gateway_ports: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """The variables injected into the process or container of one service, by injected name.

    Args:
        deployment: the deployment the service belongs to.
        cluster: the service's cluster.
        breed: the service's breed name.
        gateway_ports: ``cluster.port`` → gateway port, for ports the deployment has no number for yet.

    Raises:
        errors.DeploymentError: there is no such service, a variable has no value at any scope, a
            value is malformed, or a reference names nothing there is (the message lists what there is).
    """
    resolver = _Resolver(deployment, gateway_ports or {})
    service = parts.service_of(deployment, cluster, breed)
    return {
        variable.injected_name: resolver.variable(cluster, service, variable.name)
        for variable in service.breed.environment_variables
    }


class _Resolver:
    """Values of variables and constants of a deployment's services, resolved on demand."""

    def __init__(self, deployment: model.Deployment, gateway_ports: Mapping[str, int]) -> None:
        self._deployment = deployment
        self._gateway_ports = gateway_ports
        self._resolving: list[tuple[str, str, str]] = []

    def variable(self, cluster: str, service: model.DeploymentService, name: str) -> str:
        """The value of a variable of ``service``: service scope, else cluster scope, else the breed's."""
        declared = service.breed.environment_variable(name)
        value = next(
            (
                candidate
                for candidate in (
                    service.environment_variables.get(name),
                    self._deployment.environment_variables.get(f"{cluster}.{name}"),
                    declared.value if declared else None,
                )
                if candidate is not None
            ),
            None,
        )
        if value is None:
            raise errors.DeploymentError(
                messages.UNRESOLVED_VALUE.format(variable=name, breed=service.breed.name, cluster=cluster)
            )
        return self._interpolated(value, cluster, service, name)

    def _constant(self, cluster: str, service: model.DeploymentService, name: str) -> str | None:
        constant = service.breed.constant(name)
        return None if constant is None else self._interpolated(constant.value, cluster, service, name)

    def _interpolated(self, value: str, cluster: str, service: model.DeploymentService, name: str) -> str:
        key = (cluster, service.breed.name, name)
        if key in self._resolving:
            chain = " -> ".join(
                f"{c}.{n}" for c, _, n in (*self._resolving[self._resolving.index(key) :], key)
            )
            raise errors.DeploymentError(
                messages.CIRCULAR_REFERENCE.format(variable=name, breed=service.breed.name, chain=chain)
            )
        try:
            parts = references.parse(value)
        except errors.ExpressionSyntaxError as exc:
            raise errors.DeploymentError(
                messages.INVALID_VALUE.format(
                    variable=name,
                    breed=service.breed.name,
                    reason=exc.reason,
                    position=exc.position + 1,
                    caret=exc.caret(),
                )
            ) from exc
        self._resolving.append(key)
        try:
            return "".join(
                part.value if isinstance(part, references.Text) else self._value(part, cluster, service, name)
                for part in parts
            )
        finally:
            self._resolving.pop()

    def _value(
        self, reference: references.Reference, cluster: str, service: model.DeploymentService, variable: str
    ) -> str:
        def unresolved(reason: str) -> errors.DeploymentError:
            return errors.DeploymentError(
                messages.UNRESOLVED_REFERENCE.format(
                    reference=reference.source, variable=variable, breed=service.breed.name, reason=reason
                )
            )

        if reference.cluster is None:
            return self._local(reference.name, cluster, service, unresolved)
        target = service.dependencies.get(reference.cluster, reference.cluster)
        found = self._deployment.clusters.get(target)
        if found is None:
            aliases = (
                f"; dependency aliases: {messages.listing(service.dependencies)}"
                if service.dependencies
                else ""
            )
            raise unresolved(
                f"there is no cluster '{target}' in deployment '{self._deployment.name}'; "
                f"clusters: {messages.listing(self._deployment.clusters)}{aliases}"
            )
        if reference.group is Group.HOST:
            host = self._deployment.hosts.get(target)
            if host is None:
                raise unresolved(f"no host is known for cluster '{target}' yet")
            return host
        if reference.group is Group.PORTS:
            return self._port(target, found, reference.name, unresolved)
        return self._trait(target, found, reference, unresolved)

    def _local(
        self, name: str, cluster: str, service: model.DeploymentService, unresolved: _Unresolved
    ) -> str:
        breed = service.breed
        declared = next((v for v in breed.environment_variables if name in (v.name, v.alias)), None)
        if declared is not None:
            return self.variable(cluster, service, declared.name)
        constant = self._constant(cluster, service, name)
        if constant is not None:
            return constant
        names = [v.name for v in breed.environment_variables] + [c.name for c in breed.constants]
        raise unresolved(
            f"breed '{breed.name}' has no environment variable or constant '{name}'; "
            f"it has: {messages.listing(names)}"
        )

    def _port(self, cluster: str, found: model.DeploymentCluster, name: str, unresolved: _Unresolved) -> str:
        key = f"{cluster}.{name}"
        number = self._deployment.ports.get(key, self._gateway_ports.get(key))
        if number is not None:
            return str(number)
        ports = dict.fromkeys(port.name for service in found.services for port in service.breed.ports)
        if name in ports:
            raise unresolved(f"the gateway port of '{key}' is not assigned yet")
        raise unresolved(f"cluster '{cluster}' has no port '{name}'; its ports: {messages.listing(ports)}")

    def _trait(
        self,
        cluster: str,
        found: model.DeploymentCluster,
        reference: references.Reference,
        unresolved: _Unresolved,
    ) -> str:
        name = reference.name
        services = [s for s in found.services if s.status.intention is model.Intention.DEPLOYMENT]
        if reference.group is Group.CONSTANTS:
            for candidate in services:
                constant = self._constant(cluster, candidate, name)
                if constant is not None:
                    return constant
            known = dict.fromkeys(c.name for s in services for c in s.breed.constants)
            raise unresolved(
                f"cluster '{cluster}' has no constant '{name}'; its constants: {messages.listing(known)}"
            )
        for candidate in services:
            if candidate.breed.environment_variable(name) is not None:
                return self.variable(cluster, candidate, name)
        known = dict.fromkeys(v.name for s in services for v in s.breed.environment_variables)
        raise unresolved(
            f"cluster '{cluster}' has no environment variable '{name}'; "
            f"its variables: {messages.listing(known)}"
        )
