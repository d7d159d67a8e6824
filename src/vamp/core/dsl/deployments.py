"""Reading deployments (vamp.md §1.6): a blueprint placed on a runtime, with every service's status.

The shape is the one Vamp's GET returns: full breeds and scales (no references), a status per service
(``intention``, ``since``, ``phase: {name, since, notification}``), instances, dependencies
(alias → cluster), internal gateways keyed by port name, external ones keyed by port, and the
deployment's assigned ``ports``, ``environment_variables`` and ``hosts``. Times are ISO-8601.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import TypeVar

from vamp.core import model
from vamp.core.dsl import artifact, breeds, gateways, slas, traits
from vamp.core.dsl.cursor import Cursor

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def deployment(cursor: Cursor) -> model.Deployment | None:
    fields = cursor.fields("deployment")
    if fields is None:
        return None
    metadata = artifact.common(fields, "deployments")
    name = artifact.name(fields)
    clusters = fields.get("clusters")
    found_gateways = fields.get("gateways")
    ports = fields.get("ports")
    variables = fields.first("environment_variables", "env")
    hosts = fields.get("hosts")
    return fields.build(
        model.Deployment,
        name=name,
        clusters={} if clusters is None else _clusters(clusters),
        gateways={}
        if found_gateways is None
        else gateways.keyed(found_gateways, gateways.Place.DEPLOYED_EXTERNAL),
        ports={} if ports is None else _numbers(ports),
        environment_variables={} if variables is None else traits.variables(variables),
        hosts={} if hosts is None else _strings(hosts),
        dialects=traits.dialects(fields),
        metadata=metadata,
    )


def _clusters(cursor: Cursor) -> dict[str, model.DeploymentCluster]:
    found: dict[str, model.DeploymentCluster] = {}
    for name, item in cursor.items("a map of cluster names to clusters"):
        read = _cluster(item)
        if read is not None:
            found[name] = read
    return found


def _cluster(cursor: Cursor) -> model.DeploymentCluster | None:
    fields = cursor.fields("deployment cluster")
    if fields is None:
        return None
    services = fields.get("services")
    found_gateways = fields.get("gateways")
    health_checks = fields.get("health_checks")
    sla = fields.get("sla")
    return fields.build(
        model.DeploymentCluster,
        services=() if services is None else _services(services),
        gateways={}
        if found_gateways is None
        else gateways.keyed(found_gateways, gateways.Place.DEPLOYED_INTERNAL),
        health_checks=None if health_checks is None else traits.health_checks(health_checks),
        network=traits.network(fields),
        sla=None if sla is None else slas.cluster_sla(sla),
        dialects=traits.dialects(fields),
        metadata=artifact.metadata(fields),
    )


def _services(cursor: Cursor) -> tuple[model.DeploymentService, ...]:
    found = [_service(item) for item in cursor.elements("a list of deployment services")]
    return tuple(service for service in found if service is not None)


def _service(cursor: Cursor) -> model.DeploymentService | None:
    fields = cursor.fields("deployment service")
    if fields is None:
        return None
    fields.ignore("health")
    status = fields.require("status")
    breed = fields.require("breed")
    scale = fields.require("scale")
    variables = fields.first("environment_variables", "env")
    instances = fields.get("instances")
    arguments = fields.get("arguments")
    health_checks = fields.get("health_checks")
    dependencies = fields.get("dependencies")
    return fields.build(
        model.DeploymentService,
        status=None if status is None else _status(status),
        breed=None if breed is None else _full(breed, "breed", breeds.breed),
        scale=None if scale is None else _full(scale, "scale", _scale),
        environment_variables={} if variables is None else traits.variables(variables),
        instances=() if instances is None else _instances(instances),
        arguments=() if arguments is None else traits.arguments(arguments),
        health_checks=None if health_checks is None else traits.health_checks(health_checks),
        network=traits.network(fields),
        dependencies={} if dependencies is None else _strings(dependencies),
        dialects=traits.dialects(fields),
    )


def _full(cursor: Cursor, what: str, read: Callable[[Cursor], T | None]) -> T | None:
    """A deployment holds full artifacts; a reference there is refused."""
    if isinstance(cursor.value, str) or artifact.is_reference(cursor.value):
        cursor.error(f"A deployment service needs its full {what}, not a reference; give the {what} inline.")
        return None
    return read(cursor)


def _scale(cursor: Cursor) -> model.Scale | None:
    """A deployed scale, with the name of the stored scale it came from, if any."""
    return traits.scale_fields(cursor, named=isinstance(cursor.value, dict) and "name" in cursor.value)


def _status(cursor: Cursor) -> model.ServiceStatus | None:
    fields = cursor.fields("service status")
    if fields is None:
        return None
    intention = fields.require("intention")
    since = fields.require("since")
    phase = fields.require("phase")
    return fields.build(
        model.ServiceStatus,
        intention=None if intention is None else _choice(intention, model.Intention, "intention"),
        since=None if since is None else since.timestamp(),
        phase=None if phase is None else _phase(phase),
    )


def _phase(cursor: Cursor) -> model.Phase | None:
    fields = cursor.fields("service phase")
    if fields is None:
        return None
    name = fields.require("name")
    since = fields.require("since")
    notification = fields.get("notification")
    return fields.build(
        model.Phase,
        name=None if name is None else _choice(name, model.PhaseName, "phase"),
        since=None if since is None else since.timestamp(),
        notification=None if notification is None else notification.string(),
    )


def _choice(cursor: Cursor, choices: type[E], what: str) -> E | None:
    text = cursor.string()
    if text is None:
        return None
    for choice in choices:
        if choice.value == text:
            return choice
    valid = ", ".join(choice.value for choice in choices)
    cursor.error(f"Undefined {what}: {text}; valid values are: {valid}.")
    return None


def _instances(cursor: Cursor) -> tuple[model.Instance, ...]:
    found = [_instance(item) for item in cursor.elements("a list of instances")]
    return tuple(instance for instance in found if instance is not None)


def _instance(cursor: Cursor) -> model.Instance | None:
    fields = cursor.fields("instance")
    if fields is None:
        return None
    name = fields.require("name")
    host = fields.require("host")
    ports = fields.get("ports")
    deployed = fields.get("deployed")
    return fields.build(
        model.Instance,
        name=None if name is None else name.string(),
        host=None if host is None else host.string(),
        ports={} if ports is None else _numbers(ports),
        deployed=True if deployed is None else deployed.boolean(),
    )


def _numbers(cursor: Cursor) -> dict[str, int]:
    """Port numbers by name; Vamp writes them as numbers or as strings of digits."""
    found: dict[str, int] = {}
    for key, item in cursor.items("a map of names to port numbers"):
        value = item.value
        if isinstance(value, str) and value.strip().isdigit():
            found[key] = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            found[key] = value
        else:
            item.expected("a port number")
    return found


def _strings(cursor: Cursor) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, item in cursor.items("a map of names to strings"):
        text = item.string()
        if text is not None:
            found[key] = text
    return found
