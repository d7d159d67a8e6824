"""The messages of the validation rules, in one place: Vamp's wording (vamp.md §1.3, §1.4, §1.9), each
completed with what would be valid. The DSL reader uses the ones it shares with the rules.
"""

from __future__ import annotations

from collections.abc import Iterable

from vamp.core.units import percent_text

ROUTE_PATH_FORMS = (
    "'$gateway', '$deployment/$port', '$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' "
    "or an external target '[host:port]'"
)
ROUTE_SELECTOR_PATH = "If route selector is defined, route path must not contain '/'."
ROUTE_SELECTOR_EXTERNAL = "Route selector cannot be defined for an external target."
NO_SERVICE = "Expected at least one service."
VIRTUAL_HOSTS = "Illegal gateway virtual hosts - only list of strings is supported."


def listed(names: Iterable[str]) -> str:
    """``'a', 'b'`` or ``none`` for messages that list what exists."""
    quoted = [f"'{name}'" for name in names]
    return ", ".join(quoted) if quoted else "none"


def unsupported_route_path(path: str) -> str:
    return f"Unsupported route path: '{path}'. Must be one of: {ROUTE_PATH_FORMS}."


def unsupported_gateway_name(name: str) -> str:
    return (
        f"Unsupported gateway name: '{name}'. Must be either in format '$gateway', '$deployment/$port' "
        "or '$deployment/$cluster/$port'."
    )


def sticky_tcp(port: str) -> str:
    return f"Sticky sessions are not allowed for TCP port: '{port}'."


def condition_tcp(port: str, condition: str) -> str:
    return f"HTTP conditions are not allowed for TCP port: '{port}' and condition '{condition}'."


def duplicate_gateway_port(port: str) -> str:
    return f"Duplicate gateway port: '{port}'."


def gateway_weight(name: str, total: int) -> str:
    return (
        f"Total route weight must be either 0% or 100%: {name}. The weights total {percent_text(total)} "
        "(routes without a weight share what the others leave)."
    )


def cluster_weight(cluster: str, total: int) -> str:
    return (
        "Total route weight cannot exceed 100 or be a negative value. "
        f"Check cluster: '{cluster}'. The weights total {percent_text(total)}."
    )


def unresolved_gateway_port(port: str, route: str) -> str:
    return (
        f"Gateway port '{port} -> {route}' cannot be resolved. Check if referenced cluster exists and if it "
        "has any breed with referenced port name (routes of blueprint gateways are written 'cluster/port')."
    )


def unresolved_parameter(name: str, value: str | None) -> str:
    return (
        f"Parameter '{name} -> {value}' cannot be resolved. Check if cluster exists and if it has any breed "
        f"with port, environment variable or constant referable by {name} (written 'cluster.NAME')."
    )


def unresolved_internal_port(cluster: str, port: str, ports: Iterable[str]) -> str:
    return (
        f"Gateway port '{port}' cannot be resolved: no breed of cluster '{cluster}' has a port named "
        f"'{port}' (ports: {listed(ports)})."
    )


def anonymous_port_mapping(breed: str) -> str:
    return f"Illegal anonymous routing port mapping - more than 1 port defined for '{breed}'."


def only_port(ports: list[str]) -> str:
    """A cluster gateway in the short form (``gateways: {sticky, routes}``) over breeds without one port."""
    if not ports:
        return "Illegal anonymous routing port mapping - the breeds of this cluster have no port to route to."
    example = "gateways: {" + ports[0] + ": {routes: ...}}"
    return (
        f"Illegal anonymous routing port mapping - more than 1 port defined ({listed(ports)}); "
        f"name the port the gateway routes, e.g. {example}."
    )


def unresolved_service_route(cluster: str, route: str, services: Iterable[str]) -> str:
    return f"Unresolved service route for '{cluster}' and '{route}'; the services are: {listed(services)}."


def multiple_breed(name: str) -> str:
    return f"Multiple references for breed: '{name}'."


def unresolved_dependency(breed: str, alias: str, target: str) -> str:
    return (
        f"Unresolved breed dependency for breed '{breed}' and dependency '{alias} -> {target}'. "
        "Add a service with that breed to the blueprint."
    )


def recursive_dependency(breed: str, cycle: Iterable[str]) -> str:
    return f"Recursive (cyclic) dependency detected for breed '{breed}': {' -> '.join(cycle)}."


def unresolved_reference(reference: str, breed: str) -> str:
    return f"Unresolved reference '{reference}' in breed '{breed}'. Check if breed dependency is declared."


def unresolved_variable(name: str, breed: str, names: Iterable[str]) -> str:
    return (
        f"Unresolved reference '{name}' in breed '{breed}': the breed has no environment variable '{name}' "
        f"(it has: {listed(names)})."
    )


def missing_variable_value(name: str, breed: str) -> str:
    return f"Missing environment variable value for '{name}' in service '{breed}'."


def unresolved_placeholder(name: str, breed: str, cluster: str) -> str:
    return (
        f"Unresolved value of variable '{name}' for breed '{breed}'. Give it a value in the service's "
        f"environment_variables or as '{cluster}.{name}' in the blueprint's."
    )


def unresolved_port_reference(port: str, ports: Iterable[str]) -> str:
    return f"Unresolved port reference: {port}. The ports are: {listed(ports)}."


def negative_failures(failures: int) -> str:
    return f"Failures can not be negative: {failures}."


def unresolved_escalation_target(target: str, cluster: str, clusters: Iterable[str]) -> str:
    return (
        f"Unresolved scale escalation target cluster '{target}' for cluster '{cluster}'; "
        f"the clusters are: {listed(clusters)}."
    )
