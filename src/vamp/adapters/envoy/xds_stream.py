"""One Envoy's ADS stream (state of the world): what it asked for, what it was sent, what it acknowledged.

``Stream`` is the protocol without the transport: it is fed Envoy's ``DiscoveryRequest``s (``receive``)
and told when the server's catalog changed (``push``), and says which ``DiscoveryResponse`` to send.
``xds`` runs one per gRPC stream. The rules it keeps, per resource type:

* Listeners and clusters are *wildcard*: every response holds all of them, and one left out is removed.
  Route configurations and load assignments are *named*: Envoy lists the names it wants
  (``resource_names``), a response holds only those of them whose content Envoy has not been sent yet,
  and a resource left out is kept as it is.
* One response in flight: a new response waits until Envoy has answered the last, so each answer settles
  exactly one response. Envoy answers a response with a request carrying its nonce: without
  ``error_detail`` that is an ACK (every resource in it is in use), with one a NACK (Envoy keeps what it
  had). A request with an older nonce is stale and ignored; Envoy's answer to the response in flight
  will carry its whole subscription anyway.
* A request that answers nothing is Envoy asking anew, and gets everything it asks for, changed or not:
  Envoy asks again for the load assignment of a cluster whose definition changed, under the same name,
  and keeps that cluster warming (not serving, and holding the ACK of the clusters) until it gets it.
  Only a request that merely drops names is answered with nothing.
* A refused resource is not sent again as long as its content stays the same; the server rolls back,
  which changes it. Such a resource of a named type that Envoy still subscribes to (its listener or
  cluster is still there) can be left out of what Envoy must hold (``past_refused``): Envoy will never
  acknowledge it as it is.
* Envoy's subscription rides on every request. A name it drops is forgotten, so that a later
  subscription to it gets the resource again.

* ``push`` and ``behind`` remember the catalog (by identity) they last found nothing to send for, or
  nothing missing in, until a request or response changes the subscription: a type the server did not
  change is not compared resource by resource again, at 10,000 clusters.

A response's ``version_info`` is the catalog's version of that type; nonces count per stream.
No I/O, no clock: everything here is a function of the requests and catalogs given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from envoy.service.discovery.v3 import discovery_pb2  # type: ignore[import-untyped]

from vamp.adapters.envoy import xds_resources
from vamp.adapters.envoy.layout import ResourceType

WILDCARD = (ResourceType.LISTENERS, ResourceType.CLUSTERS)
_VERIFIED_KEPT = 4
"""How many of the arguments ``behind`` found nothing missing for a subscription remembers."""
PARENT = {ResourceType.ROUTES: ResourceType.LISTENERS, ResourceType.ENDPOINTS: ResourceType.CLUSTERS}
"""The wildcard type whose resources name the resources of a named type."""


@dataclass(frozen=True, slots=True)
class Resources:
    """The server's resources of one type at one version, by name."""

    version: str
    items: Mapping[str, xds_resources.Resource]


Catalog = Mapping[ResourceType, Resources]


@dataclass(frozen=True, slots=True)
class Rejection:
    """Envoy refused a response: the type, the version it carried and Envoy's reason (``error_detail``)."""

    node: str
    kind: ResourceType
    version: str
    message: str
    changed: tuple[str, ...] = ()
    """The resources the refused response changed or added: one of them is at fault."""

    def __str__(self) -> str:
        label = xds_resources.LABELS[self.kind]
        return f"Envoy {self.node!r} refused the {label} of version {self.version!r}: {self.message}"


@dataclass(frozen=True, slots=True)
class Answer:
    """What a request calls for: a response to send, and the refusal it reported, if any."""

    response: discovery_pb2.DiscoveryResponse | None = None
    rejection: Rejection | None = None


@dataclass(slots=True)
class _Subscription:
    """One type on one stream. ``sent`` and ``acked`` map names to content digests."""

    requested: bool = False
    names: frozenset[str] = frozenset()
    """The named resources Envoy wants (named types only)."""
    owed: bool = True
    """Whether Envoy asked for the whole of a wildcard type (it did not just answer a response)."""
    nonce: str = ""
    """The nonce of the last response sent."""
    version: str = ""
    """The version of the last response sent."""
    in_flight: dict[str, str] | None = None
    """What the response Envoy has not answered yet holds."""
    sent: dict[str, str] = field(default_factory=dict)
    acked: dict[str, str] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    """The named resources Envoy refused, with the content it refused (named types only)."""
    clean: Resources | None = None
    """The catalog's resources ``sent`` was last brought up to date with: ``push`` has nothing to send for
    them as long as nothing else changed ``sent``, ``names`` or ``owed``."""
    acked_version: str = ""
    """The version of the last response Envoy acknowledged (wildcard types only)."""
    verified: list[tuple[Resources, Collection[str] | None, bool]] = field(default_factory=list)
    """The arguments ``behind`` found nothing missing for since the subscription last changed (a publish
    checks a named type twice: with the names of the new listeners or clusters, and without)."""


class Stream:
    """The ADS state of one connected Envoy, named by its ``node.id`` once it has sent it."""

    def __init__(self) -> None:
        self.node = "?"
        self._subscriptions = {kind: _Subscription() for kind in ResourceType}
        self._nonces = 0

    def receive(self, request: discovery_pb2.DiscoveryRequest, catalog: Catalog | None) -> Answer:
        """Take one request from Envoy; return the response it calls for and the refusal it reports.

        With no ``catalog`` (the server has nothing to serve yet) the request is recorded and answered by
        the first ``push``.
        """
        if request.node.id:
            self.node = request.node.id
        kind = xds_resources.KINDS.get(request.type_url)
        if kind is None:
            return Answer()
        subscription = self._subscriptions[kind]
        if request.response_nonce != subscription.nonce:
            return Answer()
        if not subscription.requested:
            for child, parent in PARENT.items():
                if parent is kind:
                    self._subscriptions[child].verified = []  # it is asked for now
        subscription.requested = True
        subscription.verified = []
        fresh = subscription.in_flight is None
        rejection = self._settle(kind, request)
        if kind in WILDCARD:
            subscription.owed = subscription.owed or fresh
            if fresh:
                subscription.clean = None
        else:
            wanted = frozenset(request.resource_names)
            if wanted != subscription.names:
                subscription.clean = None
            if fresh and not wanted < subscription.names:
                subscription.sent.clear()
                subscription.clean = None
            for dropped in subscription.names - wanted:
                subscription.sent.pop(dropped, None)
                subscription.acked.pop(dropped, None)
                subscription.refused.pop(dropped, None)
            subscription.names = wanted
        return Answer(None if catalog is None else self.push(kind, catalog), rejection)

    def push(self, kind: ResourceType, catalog: Catalog) -> discovery_pb2.DiscoveryResponse | None:
        """The response that brings Envoy up to ``catalog`` for ``kind``; ``None`` if there is nothing to send
        now (nothing changed, Envoy has not asked for the type yet, or a response is in flight)."""
        subscription = self._subscriptions[kind]
        if not subscription.requested or subscription.in_flight is not None:
            return None
        resources = catalog[kind]
        if subscription.clean is resources:
            return None  # sent already, and nothing changed since
        subscription.clean = resources
        if kind in WILDCARD:
            chosen = list(resources.items.values())
            contents = {resource.name: resource.digest for resource in chosen}
            if not subscription.owed and contents == subscription.sent:
                return None
            if kind is ResourceType.CLUSTERS:
                self._rewarm(contents)
            subscription.sent, subscription.owed = dict(contents), False
        else:
            chosen = [
                resource
                for name in sorted(subscription.names)
                if (resource := resources.items.get(name)) is not None
                and subscription.sent.get(name) != resource.digest
            ]
            if not chosen:
                return None
            contents = {resource.name: resource.digest for resource in chosen}
            subscription.sent.update(contents)
        self._nonces += 1
        subscription.verified = []
        subscription.nonce = str(self._nonces)
        subscription.version = resources.version
        subscription.in_flight = contents
        return discovery_pb2.DiscoveryResponse(
            version_info=resources.version,
            type_url=xds_resources.TYPE_URLS[kind],
            nonce=subscription.nonce,
            resources=[resource.body for resource in chosen],
        )

    def _rewarm(self, clusters: Mapping[str, str]) -> None:
        """Count the load assignments of changed clusters as not sent: Envoy warms a changed cluster again
        and asks for its load assignment anew, maybe folded into an ACK, so the next response must hold
        it (a cluster's load assignment is named after it, as the renderer names them)."""
        sent = self._subscriptions[ResourceType.CLUSTERS].sent
        endpoints = self._subscriptions[ResourceType.ENDPOINTS]
        for name, digest in clusters.items():
            if sent.get(name, digest) != digest:
                endpoints.sent.pop(name, None)
                endpoints.clean = None

    def acknowledged(self, kind: ResourceType, catalog: Catalog) -> bool:
        """Whether Envoy asked for the wildcard type ``kind`` and acknowledged all of ``catalog``'s, at its
        version: what its admin endpoint reports as the type's version."""
        subscription = self._subscriptions[kind]
        return (
            subscription.requested
            and subscription.in_flight is None
            and subscription.acked_version == catalog[kind].version
            and not self.behind(kind, catalog)
        )

    def holds(
        self,
        kind: ResourceType,
        catalog: Catalog,
        names: Collection[str] | None = None,
        *,
        past_refused: bool = False,
    ) -> bool:
        """Whether Envoy has acknowledged ``catalog`` for ``kind``: all of it for a wildcard type; for a named
        type the resources ``names`` (by default every one it subscribes to), which it must subscribe to.

        An Envoy that has not asked for the type (or, for a named type, for the wildcard type naming it)
        yet holds it: it will get the catalog as it is when it asks.
        """
        return not self.behind(kind, catalog, names, past_refused=past_refused)

    def behind(
        self,
        kind: ResourceType,
        catalog: Catalog,
        names: Collection[str] | None = None,
        *,
        past_refused: bool = False,
    ) -> list[str]:
        """The names of the resources of ``kind`` that ``holds`` finds missing or out of date (``*`` for a
        wildcard type whose response is unanswered but whose names all match).

        ``past_refused`` leaves out, of a named type whose ``names`` are not given, the resources Envoy
        refused as they are now: it will not take them until they change.
        """
        subscription = self._subscriptions[kind]
        resources = catalog[kind]
        for checked, checked_names, checked_refused in subscription.verified:
            if checked is resources and checked_names is names and checked_refused is past_refused:
                return []  # found so before, and nothing changed since
        missing = self._behind(kind, catalog, names, past_refused=past_refused)
        if not missing:
            del subscription.verified[: -_VERIFIED_KEPT + 1]
            subscription.verified.append((resources, names, past_refused))
        return missing

    def _behind(
        self, kind: ResourceType, catalog: Catalog, names: Collection[str] | None, *, past_refused: bool
    ) -> list[str]:
        subscription = self._subscriptions[kind]
        items = catalog[kind].items
        current = {name: resource.digest for name, resource in items.items()}
        acked, pending = subscription.acked, subscription.in_flight
        if kind in WILDCARD:
            if not subscription.requested or (pending is None and acked == current):
                return []
            differ = current.keys() | acked.keys()
            return sorted(name for name in differ if acked.get(name) != current.get(name)) or ["*"]
        if not self._subscriptions[PARENT[kind]].requested:
            return []
        if names is not None:
            wanted = set(names)
        else:
            wanted = {
                name
                for name in subscription.names & current.keys()
                if not past_refused or subscription.refused.get(name) != current[name]
            }
        return sorted(
            name
            for name in wanted
            if name not in subscription.names
            or acked.get(name) != current.get(name, "")
            or name in (pending or {})
        )

    def _settle(self, kind: ResourceType, request: discovery_pb2.DiscoveryRequest) -> Rejection | None:
        """Apply Envoy's answer to the response in flight, if this request answers one."""
        subscription = self._subscriptions[kind]
        answered = subscription.in_flight
        if answered is None:
            return None
        subscription.in_flight = None
        if request.HasField("error_detail"):
            # Envoy takes what it finds valid in a refused response and keeps its old resources for the
            # rest; which ones is unknown, so only what the response left unchanged counts as acknowledged.
            # It stays sent: refused content goes again only if the server pushes it again.
            unchanged = {name for name, digest in answered.items() if subscription.acked.get(name) == digest}
            if kind in WILDCARD:
                subscription.acked = {name: answered[name] for name in unchanged}
            else:
                for name in answered.keys() - unchanged:
                    subscription.acked.pop(name, None)
                    subscription.refused[name] = answered[name]
            changed = tuple(sorted(answered.keys() - unchanged))
            message = request.error_detail.message.strip()
            return Rejection(self.node, kind, subscription.version, message, changed)
        if kind in WILDCARD:
            subscription.acked = dict(answered)
            subscription.acked_version = subscription.version
        else:
            subscription.acked.update(answered)
            for name in answered:
                subscription.refused.pop(name, None)
        return None
