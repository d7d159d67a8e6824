"""Route paths: what a gateway route's key points at (vamp.md §1.9, "Route paths").

| path                              | target                                            |
|-----------------------------------|---------------------------------------------------|
| ``[host:port]``                   | an external endpoint                              |
| ``name``                          | the gateway of that name (chaining)               |
| ``deployment/port``               | a deployment's external gateway                   |
| ``deployment/cluster/port``       | a cluster's internal gateway                      |
| ``deployment/cluster/service/port`` | the ready instances of one service, at one port |

This module only reads paths; ``targets.py`` turns them into endpoints.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from vamp import errors


@dataclass(frozen=True, slots=True)
class ExternalPath:
    """``[host:port]``: an endpoint outside the platform."""

    host: str
    port: int


@dataclass(frozen=True, slots=True)
class GatewayPath:
    """``name``, ``deployment/port`` or ``deployment/cluster/port``: another gateway, by its full name."""

    gateway: str


@dataclass(frozen=True, slots=True)
class ServicePath:
    """``deployment/cluster/service/port``: one service version of a deployment, at one named port."""

    deployment: str
    cluster: str
    service: str
    port: str


RoutePath = ExternalPath | GatewayPath | ServicePath

_UNSUPPORTED = (
    "Unsupported route path {path!r}. Must be one of: '[host:port]', '$gateway', '$deployment/$port', "
    "'$deployment/$cluster/$port' or '$deployment/$cluster/$service/$port'."
)


@functools.lru_cache(maxsize=65536)
def parse(path: str) -> RoutePath:
    """Read a route path (remembered: a plan of many gateways reads the same paths on every compile).

    Raises:
        errors.RoutingError: the path has no such form, or an external target's port is not a port number.
    """
    if path.startswith("[") and path.endswith("]"):
        return _external(path)
    segments = path.split("/")
    if not 1 <= len(segments) <= 4 or not all(segments) or any(_blank(segment) for segment in segments):
        raise errors.RoutingError([_UNSUPPORTED.format(path=path)])
    if len(segments) == 4:
        return ServicePath(*segments)
    return GatewayPath(path)


def _external(path: str) -> ExternalPath:
    host, colon, port = path[1:-1].rpartition(":")
    number = int(port) if port.isascii() and port.isdigit() else 0
    if not colon or not host or _blank(host) or not 0 < number <= 65535:
        raise errors.RoutingError(
            [
                f"Unsupported external route target {path!r}. "
                "Write it as '[host:port]', e.g. '[10.0.0.1:8080]'."
            ]
        )
    return ExternalPath(host, number)


def _blank(text: str) -> bool:
    return any(character.isspace() or character in "[]" for character in text)
