"""Reading deployments (vamp.md §1.6): a blueprint placed on a runtime, with every service's status.

The shape is the one Vamp's GET returns: full breeds and scales (no references), a status per service
(``intention``, ``since``, ``phase: {name, since, notification}``), instances, dependencies
(alias → cluster), internal gateways keyed by port name, external ones keyed by port, and the
deployment's assigned ``ports``, ``environment_variables`` and ``hosts``. Times are ISO-8601.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from vamp.core import model
from vamp.core.dsl import artifact, breeds, gateways, slas, traits
from vamp.core.dsl.cursor import Cursor, Reader

T = TypeVar("T")
E = TypeVar("E", bound=Enum)


def deployment(cursor: Cursor) -> model.Deployment | None:
    fields = cursor.fields("deployment")
    if fields is None:
        return None
    metadata = artifact.common(fields, "deployments")
    return fields.build(
        model.Deployment,
        name=artifact.name(fields),
        clusters=fields.read("clusters", _clusters, {}),
        gateways=fields.read(
            "gateways", lambda found: gateways.keyed(found, gateways.Place.DEPLOYED_EXTERNAL), {}
        ),
        ports=fields.read("ports", _numbers, {}),
        environment_variables=fields.read("environment_variables", traits.variables, {}, alias="env"),
        hosts=fields.read("hosts", _strings, {}),
        dialects=traits.dialects(fields),
        metadata=metadata,
    )


def _clusters(cursor: Cursor) -> dict[str, model.DeploymentCluster]:
    return cursor.map_of(_cluster, "a map of cluster names to clusters")


def _cluster(cursor: Cursor) -> model.DeploymentCluster | None:
    fields = cursor.fields("deployment cluster")
    if fields is None:
        return None
    return fields.build(
        model.DeploymentCluster,
        services=fields.read("services", _services, ()),
        gateways=fields.read(
            "gateways", lambda found: gateways.keyed(found, gateways.Place.DEPLOYED_INTERNAL), {}
        ),
        health_checks=fields.read("health_checks", traits.health_checks),
        network=traits.network(fields),
        sla=fields.read("sla", slas.deployed_sla),
        dialects=traits.dialects(fields),
        metadata=artifact.metadata(fields),
    )


def _services(cursor: Cursor) -> tuple[model.DeploymentService, ...]:
    return cursor.list_of(_service, "a list of deployment services")


def _service(cursor: Cursor) -> model.DeploymentService | None:
    fields = cursor.fields("deployment service")
    if fields is None:
        return None
    fields.ignore("health")
    return fields.build(
        model.DeploymentService,
        status=fields.read_required("status", _status),
        breed=fields.read_required("breed", _full("breed", breeds.breed)),
        scale=fields.read_required("scale", _full("scale", _scale)),
        instances=fields.read("instances", _instances, ()),
        dependencies=fields.read("dependencies", _strings, {}),
        **traits.service_settings(fields),
    )


def _full(what: str, read: Reader[T]) -> Reader[T]:
    """A reader of ``what`` that refuses a reference: a deployment holds full artifacts."""

    def full(cursor: Cursor) -> T | None:
        if isinstance(cursor.value, str) or artifact.is_reference(cursor.value):
            cursor.error(
                f"A deployment service needs its full {what}, not a reference; give the {what} inline."
            )
            return None
        return read(cursor)

    return full


def _scale(cursor: Cursor) -> model.Scale | None:
    """A deployed scale, with the name of the stored scale it came from, if any."""
    return traits.scale_fields(cursor, named=isinstance(cursor.value, dict) and "name" in cursor.value)


def _status(cursor: Cursor) -> model.ServiceStatus | None:
    fields = cursor.fields("service status")
    if fields is None:
        return None
    return fields.build(
        model.ServiceStatus,
        intention=fields.read_required("intention", _choice(model.Intention, "intention")),
        since=fields.read_required("since", Cursor.timestamp),
        phase=fields.read_required("phase", _phase),
    )


def _phase(cursor: Cursor) -> model.Phase | None:
    fields = cursor.fields("service phase")
    if fields is None:
        return None
    return fields.build(
        model.Phase,
        name=fields.read_required("name", _choice(model.PhaseName, "phase")),
        since=fields.read_required("since", Cursor.timestamp),
        notification=fields.read("notification", Cursor.string),
    )


def _choice(choices: type[E], what: str) -> Reader[E]:
    """A reader of one of the values of ``choices``, which are ``what`` in messages."""

    def choice(cursor: Cursor) -> E | None:
        text = cursor.string()
        if text is None:
            return None
        for member in choices:
            if member.value == text:
                return member
        valid = ", ".join(member.value for member in choices)
        cursor.error(f"Undefined {what}: {text}; valid values are: {valid}.")
        return None

    return choice


def _instances(cursor: Cursor) -> tuple[model.Instance, ...]:
    return cursor.list_of(_instance, "a list of instances")


def _instance(cursor: Cursor) -> model.Instance | None:
    fields = cursor.fields("instance")
    if fields is None:
        return None
    return fields.build(
        model.Instance,
        name=fields.read_required("name", Cursor.string),
        host=fields.read_required("host", Cursor.string),
        ports=fields.read("ports", _numbers, {}),
        deployed=fields.read("deployed", Cursor.boolean, True),
    )


def _numbers(cursor: Cursor) -> dict[str, int]:
    """Port numbers by name; Vamp writes them as numbers or as strings of digits."""
    return cursor.map_of(_number, "a map of names to port numbers")


def _number(cursor: Cursor) -> int | None:
    value = cursor.value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    cursor.expected("a port number")
    return None


def _strings(cursor: Cursor) -> dict[str, str]:
    return cursor.map_of(Cursor.string, "a map of names to strings")
