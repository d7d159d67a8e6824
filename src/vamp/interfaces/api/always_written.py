"""The fields Vamp always writes (vamp.md §2.4, §1), added to canonical data for the API's answers.

The DSL writer (``dsl.to_data``) leaves fields at their default out; Vamp's own serialisers write them
anyway, as null, an empty map or list, or the default value, and clients written against Vamp (its CLI,
its UI) read them unconditionally. ``complete`` adds them to the canonical data of any artifact, nested
ones included (inline breeds and scales, cluster and external gateways, routes), with Vamp's types:
a scale's ``cpu`` is a number, a deployment's ``ports`` are strings. Every field added here reads back
as the default it shows, so what a GET answers can be sent back with PUT and gives the same model.

A route's ``condition_strength`` is always a percentage, as Vamp stores it: the one given, else the one
that applies — 100 % with a condition, 0 % without (vamp.md §2.4, §1). Vamp's CLI prints it in a table
that fails on null. As in Vamp, a client that takes a GET, adds a condition and sends it back keeps the
0 % it was shown: it sends the strength it wants with the condition, or leaves the field out.

Keys come in the order vamp.md shows them (``name``, ``kind``, ``metadata`` first); keys this module
does not know (``lookup_name``, ``targets``…) follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vamp.core import dsl

Data = dict[str, Any]

_DEFAULT_BALANCE = "default"
_DAEMON = "daemon"
_STARTING = "starting"
_HEAD = ("name", "kind", "metadata")
_GIVEN = object()
"""A field that is always there already (the writer writes it): placed, never filled."""


def complete(data: Data) -> Data:
    """``data`` (an artifact's canonical data, changed in place) with every field Vamp always writes."""
    _BY_KIND.get(data.get("kind", ""), _metadata)(data)
    return data


def _metadata(data: Data) -> None:
    _fill(data, metadata={})


def _fill(data: Data, **fields: Any) -> None:
    """Set each absent field to its default (a fresh empty map or list), and put the fields in this
    order after ``name``, ``kind`` and ``metadata``; ``_GIVEN`` marks a field that only is placed."""
    for key, default in fields.items():
        if key not in data and default is not _GIVEN:
            data[key] = type(default)() if isinstance(default, dict | list) else default
    order = [*_HEAD, *fields]
    ordered = {key: data[key] for key in order if key in data}
    rest = {key: value for key, value in data.items() if key not in ordered}
    data.clear()
    data.update(ordered | rest)


def _inline(data: Any) -> bool:
    """Whether nested data is an inline artifact rather than a reference (``{reference: name}``)."""
    return isinstance(data, dict) and "reference" not in data


def breed(data: Data) -> None:
    _fill(
        data,
        metadata={},
        deployable=_GIVEN,
        ports={},
        environment_variables={},
        constants={},
        arguments=[],
        dependencies={},
        health_checks=None,
    )
    for dependency in data["dependencies"].values():
        if _inline(dependency):
            breed(dependency)
    _health_checks(data)


def _health_checks(data: Data) -> None:
    for check in data.get("health_checks") or []:
        _fill(
            check,
            path="/",
            port=_GIVEN,
            initial_delay=_GIVEN,
            timeout=_GIVEN,
            interval=_GIVEN,
            failures=_GIVEN,
            protocol="HTTP",
        )


def scale(data: Data) -> None:
    """Vamp writes ``cpu`` as a number and ``instances`` even when it is 1."""
    data["cpu"] = float(data["cpu"])
    _fill(data, metadata={}, cpu=_GIVEN, memory=_GIVEN, instances=1)


def _nested(data: Data) -> None:
    """The inline breed and scale and the health checks of a service or workflow."""
    if _inline(data.get("breed")):
        breed(data["breed"])
    if _inline(data.get("scale")):
        scale(data["scale"])
    _health_checks(data)


def _service(data: Data) -> None:
    _fill(
        data,
        breed=_GIVEN,
        environment_variables={},
        scale=None,
        arguments=[],
        health_checks=None,
        network=None,
        dialects={},
    )
    _nested(data)


def _deployment_service(data: Data) -> None:
    _fill(
        data,
        status=_GIVEN,
        breed=_GIVEN,
        environment_variables={},
        scale=_GIVEN,
        instances=[],
        arguments=[],
        health_checks=None,
        network=None,
        dependencies={},
        dialects={},
        health=_GIVEN,
    )
    _nested(data)
    for instance in data["instances"]:
        _fill(instance, name=_GIVEN, host=_GIVEN, ports={}, deployed=True)
    data["health"] = _health(data["instances"])


def _health(instances: list[Data]) -> Data:
    """Vamp's ``health`` of a service, from the instances the runtime reports: all of them run, those
    it reports ready (``deployed``) are healthy, the others unhealthy; none is reported before it
    starts, so none is ``staged``."""
    healthy = sum(1 for instance in instances if instance["deployed"])
    return {"staged": 0, "running": len(instances), "healthy": healthy, "unhealthy": len(instances) - healthy}


def _cluster(data: Data, service: Callable[[Data], None]) -> None:
    for each in data["services"]:
        service(each)
    _fill(
        data,
        services=_GIVEN,
        gateways={},
        health_checks=None,
        network=None,
        sla=None,
        dialects={},
        metadata={},
    )
    if not dsl.short_cluster_gateway(data["gateways"]):  # kept as written, shown as is
        for gateway in data["gateways"].values():
            gateway_fields(gateway)
    _health_checks(data)


def blueprint(data: Data) -> None:
    _fill(data, metadata={}, gateways={}, clusters=_GIVEN, environment_variables={}, dialects={})
    for gateway in data["gateways"].values():
        gateway_fields(gateway)
    for cluster in data["clusters"].values():
        _cluster(cluster, _service)


def deployment(data: Data) -> None:
    """A deployment; its ``ports`` (``cluster.port`` → gateway port) written as strings, as Vamp does."""
    for cluster in data["clusters"].values():
        _cluster(cluster, _deployment_service)
    _fill(
        data,
        metadata={},
        clusters=_GIVEN,
        gateways={},
        ports={},
        environment_variables={},
        hosts={},
        dialects={},
    )
    for gateway in data["gateways"].values():
        gateway_fields(gateway)
    data["ports"] = {key: str(value) for key, value in data["ports"].items()}


def gateway_fields(data: Data) -> None:
    """A gateway's own fields, whether free-standing, external or a cluster's (``port`` is placed
    where there is one)."""
    _fill(data, metadata={}, port=_GIVEN, sticky=None, virtual_hosts=[], selector=None, routes={})
    for route in data["routes"].values():
        if _inline(route):
            route_fields(route)


def _gateway(data: Data) -> None:
    _fill(data, port=None)
    gateway_fields(data)


def route_fields(data: Data) -> None:
    _fill(
        data,
        metadata={},
        weight=None,
        balance=_DEFAULT_BALANCE,
        condition=None,
        condition_strength="100%" if data.get("condition") is not None else "0%",
        rewrites=[],
        selector=None,
    )


def workflow(data: Data) -> None:
    _fill(
        data,
        metadata={},
        breed=_GIVEN,
        schedule=_DAEMON,
        status=_STARTING,
        scale=None,
        environment_variables={},
        arguments=[],
        network=None,
        health_checks=None,
        dialects={},
        instances=[],
        health=None,
    )
    _nested(data)


_BY_KIND: dict[str, Callable[[Data], None]] = {
    "breeds": breed,
    "blueprints": blueprint,
    "scales": scale,
    "gateways": _gateway,
    "routes": route_fields,
    "deployments": deployment,
    "workflows": workflow,
}
