"""The fields Vamp always writes (vamp.md §2.4, §1), added to canonical data for the API's answers.

The DSL writer (``dsl.to_data``) leaves fields at their default out; Vamp's own serialisers write them
anyway, as null, an empty map or list, or the default value, and clients written against Vamp (its CLI,
its UI) read them unconditionally. ``complete`` adds them to the canonical data of any artifact, nested
ones included (inline breeds and scales, cluster and external gateways, routes), with Vamp's types:
a scale's ``cpu`` is a number, a deployment's ``ports`` are strings. Every field added here reads back
as the default it shows, so what a GET answers can be sent back with PUT and gives the same model.

A route's ``condition_strength`` is null when none was given (vamp.md §2.4 allows null), not the 0 %
that applies without a condition: a client that takes a GET, adds a condition and sends it back would
otherwise pin the new condition to 0 % without knowing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Data = dict[str, Any]

_DEFAULT_BALANCE = "default"
_DAEMON = "daemon"
_STARTING = "starting"


def complete(data: Data) -> Data:
    """``data`` (an artifact's canonical data, changed in place) with every field Vamp always writes."""
    data.setdefault("metadata", {})
    _BY_KIND.get(data.get("kind", ""), _nothing)(data)
    return data


def _nothing(data: Data) -> None:
    return None


def _fill(data: Data, **defaults: Any) -> None:
    """Set each absent key to its default (a fresh copy of an empty map or list)."""
    for key, default in defaults.items():
        if key not in data:
            data[key] = type(default)() if isinstance(default, dict | list) else default


def _inline(data: Any) -> bool:
    """Whether nested data is an inline artifact rather than a reference (``{reference: name}``)."""
    return isinstance(data, dict) and "reference" not in data


def breed(data: Data) -> None:
    _fill(data, metadata={}, ports={}, environment_variables={}, constants={}, arguments=[], dependencies={})
    _fill(data, health_checks=None)
    for dependency in data["dependencies"].values():
        if _inline(dependency):
            breed(dependency)
    _health_checks(data)


def _health_checks(data: Data) -> None:
    for check in data.get("health_checks") or []:
        _fill(check, path="/", protocol="HTTP")


def scale(data: Data) -> None:
    """Vamp writes ``cpu`` as a number and ``instances`` even when it is 1."""
    data["cpu"] = float(data["cpu"])
    _fill(data, instances=1, metadata={})


def _service_settings(data: Data) -> None:
    _fill(data, environment_variables={}, arguments=[], health_checks=None, network=None, dialects={})
    _health_checks(data)


def _service(data: Data) -> None:
    if _inline(data.get("breed")):
        breed(data["breed"])
    _fill(data, scale=None)
    if _inline(data["scale"]):
        scale(data["scale"])
    _service_settings(data)


def _deployment_service(data: Data) -> None:
    _service(data)
    _fill(data, instances=[], dependencies={}, health=None)
    for instance in data["instances"]:
        _fill(instance, ports={}, deployed=True)


def _cluster(data: Data, service: Callable[[Data], None]) -> None:
    for each in data["services"]:
        service(each)
    _fill(data, gateways={}, health_checks=None, network=None, sla=None, dialects={}, metadata={})
    for gateway in data["gateways"].values():
        gateway_fields(gateway)
    _health_checks(data)


def blueprint(data: Data) -> None:
    _fill(data, gateways={}, environment_variables={}, dialects={})
    for gateway in data["gateways"].values():
        gateway_fields(gateway)
    for cluster in data["clusters"].values():
        _cluster(cluster, _service)


def deployment(data: Data) -> None:
    """A deployment; its ``ports`` (``cluster.port`` → gateway port) written as strings, as Vamp does."""
    for cluster in data["clusters"].values():
        _cluster(cluster, _deployment_service)
    _fill(data, gateways={}, ports={}, environment_variables={}, hosts={}, dialects={})
    for gateway in data["gateways"].values():
        gateway_fields(gateway)
    data["ports"] = {key: str(value) for key, value in data["ports"].items()}


def gateway_fields(data: Data) -> None:
    """A gateway's own fields, whether free-standing, external or a cluster's: ``name`` and ``kind``
    are the caller's business."""
    _fill(data, sticky=None, virtual_hosts=[], selector=None, routes={}, metadata={})
    for route in data["routes"].values():
        if _inline(route):
            route_fields(route)


def _gateway(data: Data) -> None:
    _fill(data, port=None)
    gateway_fields(data)


def route_fields(data: Data) -> None:
    _fill(data, weight=None, balance=_DEFAULT_BALANCE, condition=None, condition_strength=None)
    _fill(data, rewrites=[], selector=None, metadata={})


def workflow(data: Data) -> None:
    if _inline(data.get("breed")):
        breed(data["breed"])
    _fill(data, schedule=_DAEMON, status=_STARTING, scale=None)
    if _inline(data["scale"]):
        scale(data["scale"])
    _service_settings(data)
    _fill(data, instances=[], health=None)


_BY_KIND: dict[str, Callable[[Data], None]] = {
    "breeds": breed,
    "blueprints": blueprint,
    "scales": scale,
    "gateways": _gateway,
    "routes": route_fields,
    "deployments": deployment,
    "workflows": workflow,
}
