"""Writing artifacts: models → canonical plain data (the REST API's JSON shape) and canonical YAML.

Canonical means one way to write each thing: keys in a stable order (``name``, ``kind``, ``metadata``,
then the fields in the order vamp.md shows them), full forms instead of shorthands, references as
``{reference: name}``, units printed by their ``str`` (``50%``, ``64.00MB``, ``0.20``, ``10s``), ports
as ``8080/http``, and fields at their default left out. Reading what is written gives the same model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import yaml

from vamp.core import model
from vamp.core.dsl.releases import release_data

_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Data = dict[str, Any]


def write(artifacts: Iterable[model.Artifact]) -> str:
    """The artifacts as canonical YAML, one document each (separated by ``---``)."""
    return yaml.dump_all(
        [to_data(artifact) for artifact in artifacts],
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
    )


def to_data(artifact: model.Artifact) -> Data:
    """The artifact as canonical plain data: what ``write`` prints, and the REST API's JSON."""
    data: Data = {}
    if artifact.name is not None:
        data["name"] = artifact.name
    data["kind"] = artifact.kind
    if artifact.metadata:
        data["metadata"] = artifact.metadata
    fields = _FIELDS[type(artifact)](artifact)
    return data | fields


def _put(data: Data, key: str, value: Any, default: Any = None) -> None:
    """Set ``key`` unless ``value`` is its default (``None``, or empty, or ``default``)."""
    if value is None or value == default or (isinstance(value, dict | list | tuple) and not value):
        return
    data[key] = value


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value


def _reference(ref: model.Ref) -> Data:
    return {"reference": ref.name}


def _nested(artifact: model.Artifact | model.Ref) -> Data:
    """An artifact inside another: a reference, or the artifact without ``kind`` (and a ``name`` only
    where it has one)."""
    if isinstance(artifact, model.Ref):
        return _reference(artifact)
    data = to_data(artifact)
    del data["kind"]
    return data


def port_value(number: int | None, protocol: model.Protocol) -> str | None:
    """``8080/http``; ``/tcp`` for a TCP port without a number; ``None`` for an HTTP one without."""
    if number is None and protocol is model.Protocol.HTTP:
        return None
    return f"{'' if number is None else number}/{protocol}"


def _breed(breed: model.Breed) -> Data:
    data: Data = {"deployable": {"type": breed.deployable.type, "definition": breed.deployable.definition}}
    _put(data, "ports", {port.name: port_value(port.number, port.protocol) for port in breed.ports})
    _put(data, "environment_variables", {var.key: var.value for var in breed.environment_variables})
    _put(data, "constants", {constant.name: constant.value for constant in breed.constants})
    _put(data, "arguments", _arguments(breed.arguments))
    _put(data, "dependencies", {alias: _nested(dep) for alias, dep in breed.dependencies.items()})
    _health_checks(data, breed.health_checks)
    _put(data, "labels", breed.labels)
    return data


def _arguments(arguments: tuple[model.Argument, ...]) -> list[Data]:
    return [{argument.key: argument.value} for argument in arguments]


def _health_checks(data: Data, checks: tuple[model.HealthCheck, ...] | None) -> None:
    """``None`` (no checks given) is left out; an empty list (checks switched off) is kept."""
    if checks is not None:
        data["health_checks"] = [_health_check(check) for check in checks]


def _health_check(check: model.HealthCheck) -> Data:
    data: Data = {}
    _put(data, "path", check.path, "/")
    data["port"] = check.port
    data["initial_delay"] = str(check.initial_delay)
    data["timeout"] = str(check.timeout)
    data["interval"] = str(check.interval)
    data["failures"] = check.failures
    _put(data, "protocol", check.protocol, "HTTP")
    return data


def _scale(scale: model.Scale) -> Data:
    data: Data = {"cpu": str(scale.cpu), "memory": str(scale.memory)}
    _put(data, "instances", scale.instances, 1)
    return data


def _service_settings(data: Data, service: model.Service | model.DeploymentService | model.Workflow) -> None:
    _put(data, "environment_variables", service.environment_variables)
    _put(data, "arguments", _arguments(service.arguments))
    _health_checks(data, service.health_checks)
    _put(data, "network", service.network)
    _put(data, "dialects", service.dialects)


def _blueprint(blueprint: model.Blueprint) -> Data:
    data: Data = {}
    _put(data, "gateways", _external(blueprint.gateways))
    _put(data, "environment_variables", blueprint.environment_variables)
    _put(data, "dialects", blueprint.dialects)
    data["clusters"] = {name: _cluster(cluster) for name, cluster in blueprint.clusters.items()}
    return data


def _cluster(cluster: model.Cluster | model.DeploymentCluster) -> Data:
    data: Data = {"services": [_service(service) for service in cluster.services]}
    only = cluster.gateways.get(model.ONLY_PORT)
    keyed = {port: gateway_data(gateway) for port, gateway in cluster.gateways.items()}
    _put(data, "gateways", keyed if only is None else gateway_data(only))  # the short form, as read
    if cluster.sla is not None:
        data["sla"] = _cluster_sla(cluster.sla)
    _health_checks(data, cluster.health_checks)
    _put(data, "network", cluster.network)
    _put(data, "dialects", cluster.dialects)
    _put(data, "metadata", cluster.metadata)
    return data


def _service(service: model.Service | model.DeploymentService) -> Data:
    data: Data = {}
    if isinstance(service, model.DeploymentService):
        data["status"] = _status(service.status)
    data["breed"] = _nested(service.breed)
    if service.scale is not None:
        data["scale"] = _nested(service.scale)
    if isinstance(service, model.DeploymentService):
        _put(data, "instances", [_instance(instance) for instance in service.instances])
        _put(data, "dependencies", service.dependencies)
    _service_settings(data, service)
    return data


def _status(status: model.ServiceStatus) -> Data:
    phase: Data = {"name": status.phase.name.value, "since": status.phase.since.isoformat()}
    _put(phase, "notification", status.phase.notification)
    return {"intention": status.intention.value, "since": status.since.isoformat(), "phase": phase}


def _instance(instance: model.Instance) -> Data:
    data: Data = {"name": instance.name, "host": instance.host}
    _put(data, "ports", instance.ports)
    _put(data, "deployed", instance.deployed, True)
    return data


def _deployment(deployment: model.Deployment) -> Data:
    data: Data = {"clusters": {name: _cluster(cluster) for name, cluster in deployment.clusters.items()}}
    _put(data, "gateways", _external(deployment.gateways))
    _put(data, "ports", deployment.ports)
    _put(data, "environment_variables", deployment.environment_variables)
    _put(data, "hosts", deployment.hosts)
    _put(data, "dialects", deployment.dialects)
    return data


def _external(gateways: dict[str, model.Gateway]) -> Data:
    """External gateways keyed by their port (``9050/http``) rather than its number alone."""
    data: Data = {}
    for key, gateway in gateways.items():
        fields = gateway_data(gateway)
        if str(gateway.port.number) == key:
            key = fields.pop("port")
        data[key] = fields
    return data


def gateway_data(gateway: model.Gateway) -> Data:
    """A gateway's fields without ``name`` and ``kind``, as gateways keyed by port are written."""
    data: Data = {}
    port = port_value(gateway.port.number, gateway.port.protocol)
    _put(data, "port", port)
    _put(data, "sticky", None if gateway.sticky is None else gateway.sticky.value)
    _put(data, "virtual_hosts", list(gateway.virtual_hosts))
    _put(data, "selector", gateway.selector)
    _put(data, "routes", {path: _route_or_reference(route) for path, route in gateway.routes.items()})
    if gateway.tls is not None:
        data["tls"] = {"certificate": gateway.tls.certificate, "private_key": gateway.tls.private_key}
    _put(data, "metadata", gateway.metadata)
    return data


def _route_or_reference(route: model.Route | model.Ref) -> Data:
    if isinstance(route, model.Ref):
        return _reference(route)
    data = _route(route)
    _put(data, "metadata", route.metadata)
    if route.name is not None:
        data = {"name": route.name} | data
    return data


def _route(route: model.Route) -> Data:
    data: Data = {}
    _put(data, "weight", None if route.weight is None else str(route.weight))
    if route.condition is not None:
        data["condition"] = _nested(route.condition)
    _put(
        data,
        "condition_strength",
        None if route.condition_strength is None else str(route.condition_strength),
    )
    _put(data, "balance", route.balance)
    _put(data, "rewrites", [_nested(rewrite) for rewrite in route.rewrites])
    _put(data, "selector", route.selector)
    return data


def _condition(condition: model.Condition) -> Data:
    return {"condition": condition.definition}


def _rewrite(rewrite: model.Rewrite) -> Data:
    return {"path": rewrite.path}


def _cluster_sla(sla: model.Sla | model.SlaReference | model.Ref) -> Data:
    if isinstance(sla, model.SlaReference):
        return {"reference": sla.name, "escalations": _escalations(sla.escalations)}
    return _nested(sla)


def _sla(sla: model.Sla) -> Data:
    data: Data = {"type": sla.type}
    if sla.threshold is not None:
        data["threshold"] = {"upper": sla.threshold.upper, "lower": sla.threshold.lower}
    if sla.window is not None:
        data["window"] = {"interval": str(sla.window.interval), "cooldown": str(sla.window.cooldown)}
    _put(data, "escalations", _escalations(sla.escalations))
    return data | sla.parameters


def _escalations(escalations: tuple[model.Escalation | model.Ref, ...]) -> list[Data]:
    return [_nested(escalation) for escalation in escalations]


def _scale_escalation(escalation: model.ScaleEscalation) -> Data:
    data: Data = {"type": escalation.type}
    _put(data, "target", escalation.target)
    data["minimum"] = _number(escalation.minimum)
    data["maximum"] = _number(escalation.maximum)
    data["scale_by"] = _number(escalation.scale_by)
    return data


def _group_escalation(escalation: model.GroupEscalation) -> Data:
    return {"type": escalation.type, "escalations": _escalations(escalation.escalations)}


def _generic_escalation(escalation: model.GenericEscalation) -> Data:
    return {"type": escalation.type} | escalation.parameters


def _template(template: model.Template) -> Data:
    return {"definition": template.definition}


def _workflow(workflow: model.Workflow) -> Data:
    data: Data = {"breed": _nested(workflow.breed)}
    schedule = workflow.schedule
    if isinstance(schedule, model.EventSchedule):
        data["schedule"] = {"event": {"tags": list(schedule.tags)}}
    elif isinstance(schedule, model.TimeSchedule):
        time: Data = {"period": schedule.period}
        _put(time, "start", None if schedule.start is None else schedule.start.isoformat())
        _put(time, "repeat", schedule.repeat)
        data["schedule"] = {"time": time}
    _put(data, "status", workflow.status.value, model.WorkflowStatus.STARTING.value)
    if workflow.scale is not None:
        data["scale"] = _nested(workflow.scale)
    _service_settings(data, workflow)
    return data


_FIELDS: dict[type[Any], Callable[[Any], Data]] = {
    model.Breed: _breed,
    model.Blueprint: _blueprint,
    model.Scale: _scale,
    model.Sla: _sla,
    model.ScaleEscalation: _scale_escalation,
    model.GroupEscalation: _group_escalation,
    model.GenericEscalation: _generic_escalation,
    model.Condition: _condition,
    model.Route: _route,
    model.Rewrite: _rewrite,
    model.Template: _template,
    model.Gateway: gateway_data,
    model.Deployment: _deployment,
    model.Workflow: _workflow,
    model.Release: release_data,
}
