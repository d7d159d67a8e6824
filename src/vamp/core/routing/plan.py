"""The routing plan: what every gateway does, independent of the data plane that does it.

A ``RoutingPlan`` is listeners → virtual hosts → ordered routes → weighted target clusters → endpoints,
plus the problems met while compiling it. ``compile.py`` builds plans; the gateway agent renders them to
Envoy (and, later, HAProxy) configuration. Nothing here may know about a particular data plane.

Every node is a frozen, slotted dataclass: plans compare and hash by value, and a compiled plan is
deterministic (its parts sorted, except routes, whose order is meaningful). ``RoutingPlan.version`` is a
content hash, so equal plans have equal versions and any change gives a new one; ``to_data`` and
``from_data`` carry a plan as plain JSON-able data.

The version hashes the canonical JSON text of the plan (sorted keys, no spaces), which is the texts of
its listeners and clusters joined: ``node_text`` writes one node's, and ``RoutingPlan.of_texts`` takes
them ready-made, so a plan rebuilt from mostly unchanged nodes (``compile.compile_build``) writes only
the new ones. Either way the text, and so the version, is the same. ``content_frame``, ``version_of`` and
``with_version`` say how the texts are put together (the agent checks a plan's text against them
instead of writing it again).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Self

from vamp import errors
from vamp.core import condition, model
from vamp.core.routing import plain_data

FULL = 10_000
"""100 %, in hundredths of a percent: weights and fractions are integers on this scale."""


class Balance(StrEnum):
    """How a cluster spreads requests over its endpoints."""

    ROUND_ROBIN = "round_robin"
    LEAST_REQUEST = "least_request"
    RANDOM = "random"
    RING_HASH = "ring_hash"

    @classmethod
    def of(cls, text: str | None, protocol: model.Protocol) -> Balance:
        """The balance a route's ``balance`` string (Vamp's HAProxy algorithm names) asks for.

        ``None`` and ``default`` mean the protocol's default: round robin for HTTP, least request for TCP.

        Raises:
            errors.RoutingError: for an algorithm we cannot offer; the message lists the valid ones.
        """
        key = "default" if text is None else text.strip().lower()
        if key == "default":
            return cls.LEAST_REQUEST if protocol is model.Protocol.TCP else cls.ROUND_ROBIN
        if _HEADER_HASH.fullmatch(key):
            return cls.RING_HASH
        balance = _BALANCES.get(key)
        if balance is None:
            raise errors.RoutingError(
                [f"Unsupported balance {text!r}. Use one of: {', '.join(_BALANCE_SPELLINGS)} or hdr(<name>)."]
            )
        return balance


_BALANCES: dict[str, Balance] = {
    "roundrobin": Balance.ROUND_ROBIN,
    "static-rr": Balance.ROUND_ROBIN,
    "leastconn": Balance.LEAST_REQUEST,
    "random": Balance.RANDOM,
    "source": Balance.RING_HASH,
    "uri": Balance.RING_HASH,
    **{balance.value: balance for balance in Balance},
}
_BALANCE_SPELLINGS = ("default", *_BALANCES)
_HEADER_HASH = re.compile(r"hdr\(([^()\s]+)\)")


def hash_on(balance: str | None) -> str | None:
    """What a ``RING_HASH`` balance hashes requests on, from a route's ``balance`` string.

    ``source`` → ``"source"`` (the client address), ``uri`` → ``"path"``, ``hdr(Name)`` →
    ``"header:name"`` (header names in lower case); ``None`` for every other balance.
    """
    key = (balance or "").strip().lower()
    if key == "source":
        return "source"
    if key == "uri":
        return "path"
    header = _HEADER_HASH.fullmatch(key)
    return f"header:{header.group(1)}" if header else None


@dataclass(frozen=True, slots=True, order=True)
class Endpoint:
    """One address a cluster sends requests to.

    ``instance`` names what answers there: the instance name, the gateway name for a chained gateway,
    or ``host:port`` for an external target.
    """

    host: str
    port: int
    instance: str


@dataclass(frozen=True, slots=True)
class TargetCluster:
    """The endpoints of one route of one gateway; ``name`` is ``<gateway>//<route path>``.

    ``gateway`` names the gateway this route chains to (its endpoint is that gateway's local port);
    ``external`` marks a ``[host:port]`` target outside the platform; ``hash_on`` says what a
    ``RING_HASH`` balance hashes on (see ``hash_on``).
    """

    name: str
    endpoints: tuple[Endpoint, ...]
    balance: Balance
    protocol: model.Protocol
    gateway: str | None = None
    external: bool = False
    rewrites: tuple[condition.PathRewrite, ...] = ()
    hash_on: str | None = None

    def origin(self) -> Origin:
        """The gateway and route this cluster serves, read back from its name.

        Raises:
            errors.RoutingError: the name is not ``<gateway>//<route>``.
        """
        gateway, separator, route = self.name.partition("//")
        if not separator:
            raise errors.RoutingError([f"target cluster '{self.name}' is not named '<gateway>//<route>'"])
        return Origin(gateway, route)


@dataclass(frozen=True, slots=True)
class Origin:
    """The gateway and route a target cluster serves: what a data plane's stats of its part of the
    rendered configuration (an Envoy cluster, an HAProxy backend) are reported as."""

    gateway: str
    route: str


@dataclass(frozen=True, slots=True)
class WeightedCluster:
    """A cluster and its share of a route's requests, in hundredths of a percent."""

    cluster: str
    weight: int


@dataclass(frozen=True, slots=True)
class PlanRoute:
    """One step of a virtual host's ordered route table.

    The first route whose ``match`` holds (``None``: every request) and whose ``fraction`` (hundredths of
    the matching requests) draws the request wins; it then goes to ``clusters`` by weight. The weights of
    a route total ``FULL`` or, when a gateway sends nothing anywhere, 0.
    """

    name: str
    match: condition.Match | None
    fraction: int
    clusters: tuple[WeightedCluster, ...]


@dataclass(frozen=True, slots=True)
class VirtualHost:
    """The routes of one gateway for the host names in ``domains`` (``*``: any host)."""

    name: str
    gateway: str
    domains: tuple[str, ...]
    routes: tuple[PlanRoute, ...]
    sticky: model.Sticky | None


@dataclass(frozen=True, slots=True)
class Tls:
    """TLS termination: the PEM files of a certificate chain and its private key, on the data plane's host."""

    certificate: str
    private_key: str


@dataclass(frozen=True, slots=True)
class Listener:
    """A port the data plane listens on, the virtual hosts it serves there, and the TLS it terminates."""

    name: str
    port: int
    protocol: model.Protocol
    virtual_hosts: tuple[VirtualHost, ...]
    tls: Tls | None = None


@dataclass(frozen=True, slots=True)
class RoutingPlan:
    """Everything the data plane serves, with a content-hash ``version`` and what could not be served.

    Build plans with ``RoutingPlan.of`` (or ``from_data``), which compute the version.
    """

    version: str
    listeners: tuple[Listener, ...]
    clusters: tuple[TargetCluster, ...]
    problems: tuple[str, ...]
    text: str = field(default="", compare=False, repr=False, metadata={plain_data.NOT_PLAIN: True})
    """The plan as JSON text (``to_text``), written once by ``of_texts``; empty for a plan made otherwise."""

    @classmethod
    def of(
        cls, listeners: tuple[Listener, ...], clusters: tuple[TargetCluster, ...], problems: tuple[str, ...]
    ) -> Self:
        """A plan of these parts, versioned by the hash of their content."""
        return cls.of_texts(
            listeners,
            clusters,
            problems,
            listener_texts=[node_text(listener) for listener in listeners],
            cluster_texts=[node_text(cluster) for cluster in clusters],
        )

    @classmethod
    def of_texts(
        cls,
        listeners: tuple[Listener, ...],
        clusters: tuple[TargetCluster, ...],
        problems: tuple[str, ...],
        *,
        listener_texts: Sequence[str],
        cluster_texts: Sequence[str],
    ) -> Self:
        """Like ``of``, given ``node_text`` of each listener and cluster, in the same order (the caller
        keeps them for the nodes it reuses)."""
        head, between, tail = content_frame(problems)
        canonical = f"{head}{','.join(cluster_texts)}{between}{','.join(listener_texts)}{tail}"
        version = version_of(canonical.encode())
        return cls(version, listeners, clusters, problems, with_version(canonical, version))

    def to_text(self) -> str:
        """The plan as JSON text, what ``to_data`` gives (keys in name order): the agents' long polls
        answer with it, and a plan of ten thousand clusters is written once, not once per answer."""
        return self.text or _CANONICAL.encode(self.to_data())

    def to_data(self) -> dict[str, Any]:
        """The plan as plain JSON-able data; ``RoutingPlan.from_data`` reads it back."""
        data: dict[str, Any] = plain_data.encode(self)
        return data

    @classmethod
    def from_data(cls, data: object) -> Self:
        """Read a plan that ``to_data`` wrote.

        Raises:
            errors.RoutingError: the data is not a plan, or its version does not match its content.
        """
        if not isinstance(data, dict):
            raise errors.RoutingError([f"A routing plan must be a mapping, not {type(data).__name__}."])
        content = {key: value for key, value in data.items() if key != "version"}
        try:
            parts = plain_data.decode(_Content, content)
        except plain_data.PlainDataError as exc:
            raise errors.RoutingError([f"Invalid routing plan: {exc}."]) from exc
        plan = cls.of(parts.listeners, parts.clusters, parts.problems)
        if data.get("version") != plan.version:
            raise errors.RoutingError(
                [
                    f"Invalid routing plan: version {data.get('version')!r} does not match its content "
                    f"(expected {plan.version!r})."
                ]
            )
        return plan


@dataclass(frozen=True, slots=True)
class _Content:
    """A plan without its version: what the version hashes."""

    listeners: tuple[Listener, ...]
    clusters: tuple[TargetCluster, ...]
    problems: tuple[str, ...]


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
"""Canonical JSON: what a plan's version hashes."""


def content_frame(problems: Sequence[str]) -> tuple[str, str, str]:
    """The canonical text of a plan's content (``_Content`` as one ``json.dumps`` writes it, keys in name
    order) around its node texts: ``head``, the cluster texts joined by commas, ``between``, the
    listener texts joined by commas, ``tail``."""
    return '{"clusters":[', '],"listeners":[', f'],"problems":{_CANONICAL.encode(list(problems))}}}'


def version_of(*content: bytes | memoryview, hashed: hashlib._Hash | None = None) -> str:
    """The version of a plan whose content's canonical text, in UTF-8, is ``content`` put together, after
    what ``hashed`` (a ``content_hash``) has hashed of it already."""
    digest = hashed if hashed is not None else content_hash()
    for part in content:
        digest.update(part)
    return digest.hexdigest()[:16]


def content_hash() -> hashlib._Hash:
    """A new hash of a plan's content text, as ``version_of`` hashes it: to hash a text piece by piece,
    and copy the hash of a part kept from one text to the next."""
    return hashlib.sha256()


def with_version(content: str, version: str) -> str:
    """A plan's text (``to_text``): the canonical text of its content and its version, the last key in
    name order."""
    return f'{content[:-1]},"version":"{version}"}}'


def node_text(node: Listener | VirtualHost | TargetCluster) -> str:
    """The canonical JSON text of one node of a plan, as it stands in the text the version hashes."""
    return canonical_text(plain_data.encode(node))


def canonical_text(data: object) -> str:
    """The canonical JSON text of plain data (sorted keys, no spaces): ``node_text`` of a node is this of
    its plain data."""
    return _CANONICAL.encode(data)


def listener_text(listener: Listener, host_texts: Sequence[str]) -> str:
    """``node_text(listener)`` given ``node_text`` of each of its virtual hosts, in order: the shared
    listener holds every HTTP gateway's virtual host, most of them unchanged from one plan to the next."""
    bare = node_text(replace(listener, virtual_hosts=()))
    # ``virtual_hosts`` is the last key in name order, so the bare text ends with its empty list.
    head = bare.removesuffix('"virtual_hosts":[]}')
    return f'{head}"virtual_hosts":[{",".join(host_texts)}]}}'


def check_ports(listeners: Iterable[Listener]) -> None:
    """What every data plane's renderer checks first: each listener's port is a port, and no two listeners
    share one.

    Raises:
        errors.RoutingError: naming the listener and its port, and what would be valid.
    """
    holders: dict[int, str] = {}
    for listener in listeners:
        if not 0 < listener.port <= 65535:
            raise errors.RoutingError(
                [f"listener '{listener.name}' has port {listener.port}; a port is a number from 1 to 65535"]
            )
        holder = holders.setdefault(listener.port, listener.name)
        if holder != listener.name:
            raise errors.RoutingError(
                [
                    f"listeners '{holder}' and '{listener.name}' both use port {listener.port}; "
                    "give each its own"
                ]
            )
