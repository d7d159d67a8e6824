"""Gateways, routes, conditions and rewrites (vamp.md §1.9–1.11).

A gateway listens on a port and splits traffic over routes by weight and condition. Route keys are
route paths (``sava/sava/sava:1.0/webport``, ``[host:port]``, another gateway's name…) resolved by
``vamp.core.routing``. Inside a blueprint or deployment cluster, gateways are anonymous (``name`` is
``None``) and keyed by port; route keys there are service (breed) names.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from vamp.core.model.base import Metadata, Model, Protocol, Ref
from vamp.core.units import Percentage


class Sticky(StrEnum):
    """``route`` keeps a client on its route; ``instance`` also on the same instance."""

    ROUTE = "route"
    INSTANCE = "instance"


class Condition(Model):
    """A routing condition such as ``user-agent == Firefox``; stored as ``{name, condition}``."""

    kind: Literal["conditions"] = "conditions"
    name: str | None = None
    definition: str
    metadata: Metadata = {}


class Rewrite(Model):
    """A path rewrite ``NEW_PATH if CONDITION``; stored as ``{name, path}``."""

    kind: Literal["rewrites"] = "rewrites"
    name: str | None = None
    path: str
    metadata: Metadata = {}


class Route(Model):
    """One way through a gateway. ``weight`` ``None`` means "share what the other routes leave"."""

    kind: Literal["routes"] = "routes"
    name: str | None = None
    weight: Percentage | None = None
    condition: Condition | Ref | None = None
    condition_strength: Percentage | None = None
    balance: str | None = None
    rewrites: tuple[Rewrite | Ref, ...] = ()
    selector: str | None = None
    metadata: Metadata = {}


class GatewayPort(Model):
    """The port a gateway listens on; ``number`` ``None`` means "assign one" (40000–45000)."""

    number: int | None = None
    protocol: Protocol = Protocol.HTTP

    @property
    def value(self) -> str:
        return f"{'' if self.number is None else self.number}/{self.protocol}"


class GatewayTls(Model):
    """TLS termination: PEM files (paths on the gateway agent's host) of the certificate chain and its key."""

    certificate: str
    private_key: str


class Gateway(Model):
    """A gateway. Named ``name``, ``deployment/port`` or ``deployment/cluster/port`` (internal)."""

    kind: Literal["gateways"] = "gateways"
    name: str | None = None
    port: GatewayPort = GatewayPort()
    sticky: Sticky | None = None
    virtual_hosts: tuple[str, ...] = ()
    selector: str | None = None
    routes: dict[str, Route | Ref] = {}
    tls: GatewayTls | None = None
    metadata: Metadata = {}

    @property
    def internal(self) -> bool:
        """Internal gateways (``deployment/cluster/port``) belong to a deployment cluster."""
        return self.name is not None and self.name.count("/") == 2
