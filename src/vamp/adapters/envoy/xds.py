"""The agent's ADS server: delivers snapshots to Envoy over one gRPC stream, hitless, acknowledged.

Envoy started from ``bootstrap.bootstrap_ads`` opens one ``StreamAggregatedResources`` stream to
``XdsServer`` (a ``grpc.aio`` server on a Unix domain socket in the agent's work directory) and receives
every resource type on it, state of the world; ``xds_stream`` keeps the protocol per stream and
``xds_resources`` turns the snapshot's dictionaries into protocol buffers (file config sources become
the stream). Unlike files, this needs no inotify instance per route configuration and load assignment,
and Envoy answers each response with an ACK or a NACK that quotes its reason.

``publish`` moves every connected Envoy to a snapshot in the order that never lets a reference dangle,
waiting after each step until every connected Envoy has acknowledged it (set, verify, advance):

1. clusters, with the new ones added and the removed ones kept for now; then the load assignments of
   the new clusters, which Envoy asks for by name as it warms them;
2. route configurations Envoy already subscribes to (weights and matches change here; no listener
   drains);
3. listeners; then the route configurations the new listeners name, which Envoy asks for by name;
4. clusters without the removed ones.

A step that changes nothing for an Envoy sends it nothing; and a step whose type the snapshot did not
change costs next to nothing: the converter gives an unchanged type as the very same dictionary, the
catalog keeps it, and each stream remembers that it sent and verified that very catalog, so nothing is
compared resource by resource (at 10,000 clusters, a weight change on one gateway compares only route
configurations).

If an Envoy refuses a step (NACK) or does not acknowledge it in time, the server goes back to the last
good snapshot the same way (to an empty configuration if there is none) and ``PublishError`` quotes
Envoy's reason. Whatever the server holds is what an Envoy gets when it connects, so an Envoy restarted
after a crash gets the last good snapshot at once.

Before its first publish the server answers no request: an Envoy that connects then waits, and keeps
serving what it has — which is what an Envoy needs whose agent restarted, until the agent publishes its
last good snapshot again. So publish before starting an Envoy (an empty ``files.Snapshot`` if there is
no plan yet): Envoy is not live until it has its listeners and clusters.

Versions are per type: each type keeps the snapshot version at which its resources last changed (the
clusters of step 1 are ``<new>+<old>`` when some are still kept for removal).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

import grpc
from envoy.service.discovery.v3 import discovery_pb2  # type: ignore[import-untyped]

from vamp import errors
from vamp.adapters import tasks
from vamp.adapters.envoy import files, xds_resources, xds_stream
from vamp.adapters.envoy.layout import ResourceType
from vamp.adapters.envoy.xds_resources import Resource

_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService"
CHANGES_IN_TIMEOUT = 100
SECONDS_PER_CHANGE = 0.005
"""What a step's timeout grows by for each resource it adds or changes past the first ``CHANGES_IN_TIMEOUT``
(a cluster also counts its load assignment)."""
_REFERS = attrgetter("refers")
_SOCKET_PATH_LIMIT = 107
"""The longest path of a Unix domain socket on Linux, in bytes (``sun_path`` without its NUL)."""

LISTENERS, CLUSTERS, ROUTES, ENDPOINTS = (
    ResourceType.LISTENERS,
    ResourceType.CLUSTERS,
    ResourceType.ROUTES,
    ResourceType.ENDPOINTS,
)


@dataclass(frozen=True, slots=True)
class _Target:
    """A snapshot converted for the stream, and the named resources its listeners and clusters refer to."""

    version: str
    resources: Mapping[ResourceType, Mapping[str, Resource]]
    routes_named: frozenset[str] = frozenset()
    endpoints_named: frozenset[str] = frozenset()


_NOTHING = _Target("", {kind: {} for kind in ResourceType})


@dataclass(eq=False, slots=True)
class _Connection:
    """One Envoy's stream and the responses waiting to be written to it (``None`` ends it)."""

    stream: xds_stream.Stream = field(default_factory=xds_stream.Stream)
    outbox: asyncio.Queue[discovery_pb2.DiscoveryResponse | None] = field(default_factory=asyncio.Queue)


class XdsServer:
    """An ADS server on the Unix domain socket ``socket_path``; use as an async context manager.

    ``socket_path`` must be absolute and at most 107 bytes long; a file left there by an earlier server is
    replaced.
    """

    def __init__(self, socket_path: Path) -> None:
        self.socket_path = socket_path
        self._server: grpc.aio.Server | None = None
        self._catalog: dict[ResourceType, xds_stream.Resources] = {
            kind: xds_stream.Resources("", {}) for kind in ResourceType
        }
        self._serving = False
        self._good = _NOTHING
        self._last_good: files.Snapshot | None = None
        self._connections: list[_Connection] = []
        self._rejections: list[xds_stream.Rejection] = []
        self.refusals: tuple[xds_stream.Rejection, ...] = ()
        """What Envoy refused of the last snapshot published (nothing if it took it)."""
        self._changed = asyncio.Condition()
        self._publishing = asyncio.Lock()
        self._converter = xds_resources.Converter()
        self._target_made = _NOTHING
        """The last snapshot converted: what the next one may share with it by identity."""
        self._changed_count = dict.fromkeys(ResourceType, 0)
        """How many resources of each type the last ``_set`` of it added or changed."""

    @property
    def last_good(self) -> files.Snapshot | None:
        """The last snapshot every connected Envoy acknowledged; ``None`` before the first."""
        return self._last_good

    @property
    def connected(self) -> bool:
        """Whether an Envoy has a stream open."""
        return bool(self._connections)

    def acknowledged(self) -> bool:
        """Whether an Envoy is connected, and every connected Envoy acknowledged the listeners and clusters
        the server holds at their versions (the ``lds`` and ``cds`` of the last ``publish``)."""
        return bool(self._connections) and all(
            connection.stream.acknowledged(kind, self._catalog)
            for connection in self._connections
            for kind in (LISTENERS, CLUSTERS)
        )

    @property
    def nodes(self) -> list[str]:
        """The ``node.id`` of each connected Envoy (``?`` until its first request arrives)."""
        return [connection.stream.node for connection in self._connections]

    async def start(self) -> None:
        """Listen on ``socket_path``.

        Raises:
            errors.DataPlaneError: the path is too long for a Unix domain socket, or cannot be bound.
        """
        address = str(self.socket_path)
        if len(address.encode()) > _SOCKET_PATH_LIMIT:
            raise errors.DataPlaneError(
                f"The ADS socket path {address!r} is {len(address.encode())} bytes long; a Unix domain "
                f"socket path has at most {_SOCKET_PATH_LIMIT}. Use a shorter work directory."
            )
        self.socket_path.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.unlink(missing_ok=True)
        server = grpc.aio.server()
        handler = grpc.stream_stream_rpc_method_handler(
            self._serve,
            request_deserializer=discovery_pb2.DiscoveryRequest.FromString,
            response_serializer=discovery_pb2.DiscoveryResponse.SerializeToString,
        )
        server.add_generic_rpc_handlers(
            (grpc.method_handlers_generic_handler(_SERVICE, {"StreamAggregatedResources": handler}),)
        )
        try:
            server.add_insecure_port(f"unix:{address}")
        except RuntimeError as exc:
            raise errors.DataPlaneError(f"The ADS server cannot listen on {address}: {exc}") from exc
        await server.start()
        self._server = server

    async def stop(self) -> None:
        """Close every stream and stop listening (Envoy keeps serving what it has)."""
        if self._server is not None:
            await self._server.stop(grace=None)
            self._server = None
        self.socket_path.unlink(missing_ok=True)

    async def __aenter__(self) -> XdsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def wait_connected(self, timeout: float) -> None:
        """Return once an Envoy has a stream open.

        Raises:
            errors.DataPlaneError: none connected within ``timeout`` seconds.
        """
        try:
            await self._until(lambda: self.connected, timeout)
        except TimeoutError:
            raise errors.DataPlaneError(
                f"No Envoy connected to the ADS server at {self.socket_path} within {timeout:g} s; "
                "is it running with bootstrap_ads and this socket path?"
            ) from None

    async def publish(self, snapshot: files.Snapshot, *, timeout: float = 5.0) -> files.Versions:
        """Move every connected Envoy to ``snapshot`` step by step; return the version of each type.

        Envoys that connect later get it when they connect. ``timeout`` is how long Envoy has for each
        step, plus ``SECONDS_PER_CHANGE`` for each resource past ``CHANGES_IN_TIMEOUT`` that the step adds
        or changes. The result maps ``lds``, ``cds``, ``rds`` and ``eds`` to the version each type is at.

        Raises:
            errors.PublishError: the snapshot cannot be converted (nothing was sent), or an Envoy refused
                it or did not acknowledge it in time; then every Envoy is taken back to the last good
                snapshot, which new connections get too.
        """
        async with self._publishing:
            target = self._target(snapshot)
            since = len(self._rejections)
            self.refusals = ()
            try:
                await self._deliver(target, timeout)
            except errors.PublishError as refused:
                self.refusals = tuple(self._rejections[since:])
                await self._roll_back(snapshot.version, refused, timeout)
            self._good, self._last_good = target, snapshot
            return {kind.value: self._catalog[kind].version for kind in ResourceType}

    async def _roll_back(self, version: str, refused: errors.PublishError, timeout: float) -> None:
        good = (
            f"snapshot {self._good.version!r}" if self._last_good is not None else "the empty configuration"
        )
        problem = f"Envoy did not take snapshot {version!r}: {refused}"
        try:
            await self._deliver(self._good, timeout)
        except errors.PublishError as failed:
            raise errors.PublishError(f"{problem} Going back to {good} failed too: {failed}") from refused
        raise errors.PublishError(f"{problem} Envoy is back on {good}.") from refused

    def _target(self, snapshot: files.Snapshot) -> _Target:
        resources = self._converter.convert(
            {
                LISTENERS: snapshot.listeners,
                CLUSTERS: snapshot.clusters,
                ROUTES: snapshot.routes,
                ENDPOINTS: snapshot.endpoints,
            }
        )
        last = self._target_made
        target = _Target(
            snapshot.version,
            resources,
            routes_named=_named(resources[LISTENERS], last.resources[LISTENERS], last.routes_named),
            endpoints_named=_named(resources[CLUSTERS], last.resources[CLUSTERS], last.endpoints_named),
        )
        for kind, named, by, parent in (
            (ROUTES, target.routes_named, "listeners", LISTENERS),
            (ENDPOINTS, target.endpoints_named, "clusters", CLUSTERS),
        ):
            if resources[kind] is last.resources[kind] and resources[parent] is last.resources[parent]:
                continue  # checked when they were converted
            missing = sorted(named - resources[kind].keys())
            if missing:
                raise errors.PublishError(
                    f"Snapshot {snapshot.version!r} is incomplete: its {by} name "
                    f"{xds_resources.LABELS[kind]} it does not have: {', '.join(missing)}."
                )
        self._target_made = target
        return target

    async def _deliver(self, target: _Target, timeout: float) -> None:
        """Move every connected Envoy to ``target`` in the four steps of the module docstring."""
        self._serving = True
        since = len(self._rejections)
        wanted = target.resources
        clusters = self._catalog[CLUSTERS]
        kept = _union(clusters.items, wanted[CLUSTERS])
        adding = target.version if kept is wanted[CLUSTERS] else f"{target.version}+{clusters.version}"
        self._set(ENDPOINTS, _union(self._catalog[ENDPOINTS].items, wanted[ENDPOINTS]), target.version)
        self._set(CLUSTERS, kept, adding)
        await self._step(CLUSTERS, timeout, since)
        await self._step(ENDPOINTS, timeout, since, target.endpoints_named)
        self._set(ROUTES, _union(self._catalog[ROUTES].items, wanted[ROUTES]), target.version)
        await self._step(ROUTES, timeout, since)
        self._set(LISTENERS, wanted[LISTENERS], target.version)
        await self._step(LISTENERS, timeout, since)
        await self._step(ROUTES, timeout, since, target.routes_named)
        for kind in (ENDPOINTS, ROUTES, CLUSTERS):
            self._set(kind, wanted[kind], target.version)
        await self._step(CLUSTERS, timeout, since)

    def _set(self, kind: ResourceType, items: Mapping[str, Resource], version: str) -> None:
        """Put ``items`` in the catalog at ``version``, unless they are what it holds already.

        The converter gives unchanged resources as the very same objects, and an unchanged kind as the
        very same dictionary: that is known at once, and only the others are compared by digest.
        """
        current = self._catalog[kind].items
        if items is current:
            self._changed_count[kind] = 0
            return
        changed = sum(
            1
            for name, r in items.items()
            if (held := current.get(name)) is not r and (held is None or held.digest != r.digest)
        )
        self._changed_count[kind] = changed
        if changed or current.keys() != items.keys():
            self._catalog[kind] = xds_stream.Resources(version, items)

    async def _step(
        self, kind: ResourceType, timeout: float, since: int, names: Collection[str] | None = None
    ) -> None:
        """Send ``kind`` to every Envoy that needs it; wait until all hold it (``names`` of a named type)."""
        for connection in self._connections:
            self._send(connection, connection.stream.push(kind, self._catalog))
        # Envoy takes new clusters, with their load assignments and first health checks, in time that
        # grows with their number: 10,000 took 22 s on a busy 2-core machine.
        changed = self._changed_count[kind] + (self._changed_count[ENDPOINTS] if kind is CLUSTERS else 0)
        timeout += max(0, changed - CHANGES_IN_TIMEOUT) * SECONDS_PER_CHANGE

        # A route configuration Envoy refused and still subscribes to (its listener is there until the
        # listener step) would never be acknowledged: waiting for it would hold every later delivery.
        def settled() -> bool:
            return len(self._rejections) > since or all(
                connection.stream.holds(kind, self._catalog, names, past_refused=True)
                for connection in self._connections
            )

        try:
            await self._until(settled, timeout)
        except TimeoutError:
            label = xds_resources.LABELS[kind]
            behind = [
                f"Envoy {connection.stream.node!r} has not acknowledged the {label} {', '.join(lagging)}"
                for connection in self._connections
                if (lagging := connection.stream.behind(kind, self._catalog, names, past_refused=True))
            ]
            if behind:  # else it settled just as time ran out
                raise errors.PublishError(f"{'; '.join(behind)} within {timeout:g} s.") from None
        if len(self._rejections) > since:
            raise errors.PublishError(_sentence("; ".join(map(str, self._rejections[since:]))))

    async def _until(self, condition: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(condition)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _send(self, connection: _Connection, response: discovery_pb2.DiscoveryResponse | None) -> None:
        if response is not None:
            connection.outbox.put_nowait(response)

    async def _serve(
        self,
        requests: AsyncIterator[discovery_pb2.DiscoveryRequest],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> None:
        """One Envoy's stream: read its requests in a task of their own, write the responses here."""
        connection = _Connection()
        self._connections.append(connection)
        reader = asyncio.create_task(self._read(requests, connection))
        try:
            while (response := await connection.outbox.get()) is not None:
                await context.write(response)
        finally:
            self._connections.remove(connection)  # first: a cancelled clean-up must not leave it behind
            await tasks.cancel(reader)
            await self._notify()

    async def _read(
        self, requests: AsyncIterator[discovery_pb2.DiscoveryRequest], connection: _Connection
    ) -> None:
        try:
            async for request in requests:
                answer = connection.stream.receive(request, self._catalog if self._serving else None)
                self._send(connection, answer.response)
                if answer.rejection is not None:
                    self._rejections.append(answer.rejection)
                await self._notify()
        finally:
            connection.outbox.put_nowait(None)


def _union(held: Mapping[str, Resource], wanted: Mapping[str, Resource]) -> Mapping[str, Resource]:
    """``held`` with ``wanted`` put in: ``wanted`` itself when it has every name ``held`` has."""
    if wanted is held or wanted.keys() >= held.keys():
        return wanted
    return {**held, **wanted}


def _named(
    resources: Mapping[str, Resource], last: Mapping[str, Resource], last_named: frozenset[str]
) -> frozenset[str]:
    """The names ``resources`` refer to (``Resource.refers``): those of ``last`` if they are the same."""
    if resources is last:
        return last_named
    return frozenset(itertools.chain.from_iterable(map(_REFERS, resources.values())))


def _sentence(text: str) -> str:
    return text if text.endswith(".") else f"{text}."
