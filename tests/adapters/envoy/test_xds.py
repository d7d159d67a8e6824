"""The ADS server (``xds.XdsServer``) over its real gRPC socket, with fake Envoys as clients: the order of
a publish, refusals and rollback, reconnects, several Envoys, and what happens before the first publish."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import grpc
import pytest
from envoy.config.cluster.v3 import cluster_pb2  # type: ignore[import-untyped]
from envoy.config.endpoint.v3 import endpoint_pb2  # type: ignore[import-untyped]
from envoy.config.listener.v3 import listener_pb2  # type: ignore[import-untyped]
from envoy.config.route.v3 import route_pb2  # type: ignore[import-untyped]
from envoy.extensions.filters.network.http_connection_manager.v3 import (  # type: ignore[import-untyped]
    http_connection_manager_pb2,
)
from envoy.service.discovery.v3 import discovery_pb2  # type: ignore[import-untyped]

from tests.e2e import resources as r
from vamp import errors
from vamp.adapters.envoy import files, layout, xds, xds_resources, xds_stream
from vamp.adapters.envoy.layout import ResourceType

pytestmark = pytest.mark.anyio

XDS = layout.Layout(Path("/unused"))
Refuse = Callable[[ResourceType, list[str]], str]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class FakeEnvoy:
    """A client that speaks ADS as Envoy does: asks for listeners and clusters, answers every response with
    an ACK (or the NACK ``refuse`` returns text for), and subscribes to the load assignments of its EDS
    clusters and the route configurations of its listeners. ``log`` has every response it got as
    ``(type, version, names)``. While ``hold`` is clear it answers nothing; ``arrived`` counts the responses
    received, answered or not."""

    def __init__(self, socket_path: Path, node: str, refuse: Refuse | None = None) -> None:
        self.log: list[tuple[str, str, list[str]]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self._path = socket_path
        self._node = node
        self._refuse = refuse or (lambda kind, names: "")
        self._requests: asyncio.Queue[discovery_pb2.DiscoveryRequest] = asyncio.Queue()
        self._nonces: dict[ResourceType, str] = {}
        self._names: dict[ResourceType, list[str]] = {ResourceType.ROUTES: [], ResourceType.ENDPOINTS: []}
        self._task: asyncio.Task[None] | None = None
        self.arrived = 0

    async def __aenter__(self) -> FakeEnvoy:
        self._task = asyncio.create_task(self._run())
        self._ask(ResourceType.CLUSTERS, node=self._node)
        self._ask(ResourceType.LISTENERS)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def responses(self, kind: ResourceType) -> list[tuple[str, list[str]]]:
        return [(version, names) for logged, version, names in self.log if logged == kind.value]

    def _ask(self, kind: ResourceType, *, error: str = "", node: str = "") -> None:
        request = discovery_pb2.DiscoveryRequest(
            type_url=xds_resources.TYPE_URLS[kind],
            response_nonce=self._nonces.get(kind, ""),
            resource_names=self._names.get(kind, []),
        )
        if error:
            request.error_detail.message = error
        if node:
            request.node.id = node
        self._requests.put_nowait(request)

    async def _outgoing(self) -> AsyncIterator[discovery_pb2.DiscoveryRequest]:
        while True:
            yield await self._requests.get()

    async def _run(self) -> None:
        async with grpc.aio.insecure_channel(f"unix:{self._path}") as channel:
            call = channel.stream_stream(
                "/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources",
                request_serializer=discovery_pb2.DiscoveryRequest.SerializeToString,
                response_deserializer=discovery_pb2.DiscoveryResponse.FromString,
            )(self._outgoing())
            async for response in call:
                self.arrived += 1
                await self.hold.wait()
                self._answer(response)

    def _answer(self, response: discovery_pb2.DiscoveryResponse) -> None:
        kind = xds_resources.KINDS[response.type_url]
        names = [_name(kind, body) for body in response.resources]
        self.log.append((kind.value, response.version_info, names))
        self._nonces[kind] = response.nonce
        self._ask(kind, error=self._refuse(kind, names))
        named = {ResourceType.CLUSTERS: ResourceType.ENDPOINTS, ResourceType.LISTENERS: ResourceType.ROUTES}
        if kind in named:
            wanted = sorted({name for body in response.resources for name in _names_in(kind, body)})
            if wanted != self._names[named[kind]]:
                self._names[named[kind]] = wanted
                self._ask(named[kind])


MESSAGES = {
    ResourceType.LISTENERS: listener_pb2.Listener,
    ResourceType.CLUSTERS: cluster_pb2.Cluster,
    ResourceType.ROUTES: route_pb2.RouteConfiguration,
    ResourceType.ENDPOINTS: endpoint_pb2.ClusterLoadAssignment,
}


def _name(kind: ResourceType, body) -> str:
    message = MESSAGES[kind]()
    body.Unpack(message)
    return str(message.cluster_name if kind is ResourceType.ENDPOINTS else message.name)


def _names_in(kind: ResourceType, body) -> list[str]:
    if kind is ResourceType.CLUSTERS:
        cluster = cluster_pb2.Cluster()
        body.Unpack(cluster)
        return [cluster.eds_cluster_config.service_name] if cluster.type == cluster_pb2.Cluster.EDS else []
    listener = listener_pb2.Listener()
    body.Unpack(listener)
    manager = http_connection_manager_pb2.HttpConnectionManager()
    listener.filter_chains[0].filters[0].typed_config.Unpack(manager)
    return [manager.rds.route_config_name]


def snapshot(version: str, routes: dict[str, list[str]], clusters: list[str]) -> files.Snapshot:
    """Listener ``name`` → route configuration ``name`` → its clusters (by weight); EDS clusters."""
    return files.Snapshot(
        version,
        listeners=tuple(r.listener(XDS, name, 10000 + index, name) for index, name in enumerate(routes)),
        clusters=tuple(r.cluster(XDS, name) for name in clusters),
        routes=tuple(
            r.route_config(name, r.prefix(r.weighted(dict.fromkeys(targets, 1))))
            for name, targets in routes.items()
        ),
        endpoints=tuple(r.endpoints(name, 8080) for name in clusters),
    )


V1 = snapshot("v1", {"gateway": ["a", "b"]}, ["a", "b"])
V2 = snapshot("v2", {"gateway": ["a", "c"], "second": ["a"]}, ["a", "c"])


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[xds.XdsServer]:
    async with xds.XdsServer(tmp_path / "ads.sock") as started:
        yield started


async def until(condition: Callable[[], bool]) -> None:
    """Poll ``condition`` until it holds (at most 5 s)."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.001)


async def connected(server: xds.XdsServer, count: int = 1) -> None:
    """Until ``count`` fake Envoys have sent their first request (which names them)."""
    await until(lambda: len(server.nodes) >= count and "?" not in server.nodes)


async def test_a_publish_adds_clusters_then_endpoints_routes_listeners_and_removes_clusters_last(
    server: xds.XdsServer,
):
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        await server.publish(V1)
        del envoy.log[:]

        versions = await server.publish(V2)

    assert versions == {"lds": "v2", "cds": "v2", "rds": "v2", "eds": "v2"}
    assert envoy.log == [
        ("cds", "v2+v1", ["a", "b", "c"]),
        ("eds", "v2", ["a", "b", "c"]),  # Envoy asked anew (a new name): it gets all it names
        ("rds", "v2", ["gateway"]),
        ("lds", "v2", ["gateway", "second"]),
        ("rds", "v2", ["gateway", "second"]),
        ("cds", "v2", ["a", "c"]),
    ]


async def test_a_publish_that_changes_one_route_configuration_sends_only_it(server: xds.XdsServer):
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        await server.publish(V2)
        del envoy.log[:]

        versions = await server.publish(snapshot("v3", {"gateway": ["c"], "second": ["a"]}, ["a", "c"]))

    assert versions == {"lds": "v2", "cds": "v2", "rds": "v3", "eds": "v2"}
    assert envoy.log == [("rds", "v3", ["gateway"])]


async def test_an_envoy_that_connects_before_the_first_publish_waits_for_it(server: xds.XdsServer):
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)  # its request for clusters has been taken, and not answered:

        await server.publish(V1)

    assert envoy.responses(ResourceType.CLUSTERS) == [("v1", ["a", "b"])]
    assert envoy.responses(ResourceType.LISTENERS)[-1] == ("v1", ["gateway"])


async def test_a_refused_snapshot_is_rolled_back_and_a_reconnecting_envoy_gets_the_last_good(
    server: xds.XdsServer,
):
    def refuse_c(kind: ResourceType, names: list[str]) -> str:
        return "malformed IP address: c" if kind is ResourceType.ENDPOINTS and "c" in names else ""

    async with FakeEnvoy(server.socket_path, "edge-1", refuse_c) as envoy:
        await connected(server)
        await server.publish(V1)
        del envoy.log[:]

        with pytest.raises(errors.PublishError) as raised:
            await server.publish(V2)

    assert str(raised.value) == (
        "Envoy did not take snapshot 'v2': Envoy 'edge-1' refused the load assignments of version 'v2': "
        "malformed IP address: c. Envoy is back on snapshot 'v1'."
    )
    assert envoy.log == [
        ("cds", "v2+v1", ["a", "b", "c"]),
        ("eds", "v2", ["a", "b", "c"]),
        ("cds", "v1", ["a", "b"]),
    ]
    assert server.last_good is V1
    async with FakeEnvoy(server.socket_path, "edge-1") as again:
        await connected(server)
        async with asyncio.timeout(5):
            while len(again.responses(ResourceType.ROUTES)) < 1:
                await asyncio.sleep(0.001)
    assert again.log == [
        ("cds", "v1", ["a", "b"]),
        ("lds", "v1", ["gateway"]),
        ("eds", "v1", ["a", "b"]),
        ("rds", "v1", ["gateway"]),
    ]


async def test_a_publish_waits_for_every_connected_envoy(server: xds.XdsServer):
    async with FakeEnvoy(server.socket_path, "one") as one, FakeEnvoy(server.socket_path, "two") as two:
        await connected(server, 2)
        await server.publish(V1)
        two.hold.clear()
        before = two.arrived

        publishing = asyncio.create_task(server.publish(V2))
        await until(lambda: ("cds", "v2+v1", ["a", "b", "c"]) in one.log and two.arrived > before)
        waited = not publishing.done()
        two.hold.set()
        await publishing

    assert waited
    assert one.log == two.log


async def test_an_envoy_that_does_not_answer_in_time_fails_the_publish(server: xds.XdsServer):
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        await server.publish(V1)
        envoy.hold.clear()

        with pytest.raises(errors.PublishError) as raised:
            await server.publish(V2, timeout=0.05)

    assert str(raised.value) == (
        "Envoy did not take snapshot 'v2': Envoy 'edge-1' has not acknowledged the clusters c within 0.05 s. "
        "Going back to snapshot 'v1' failed too: Envoy 'edge-1' has not acknowledged the clusters c within "
        "0.05 s."
    )


async def test_a_step_that_adds_many_clusters_gives_envoy_time_for_each(server: xds.XdsServer):
    many = [f"c{index}" for index in range(60)]  # 60 clusters and 60 load assignments: 20 past the free 100
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        await server.publish(V1)
        envoy.hold.clear()

        with pytest.raises(errors.PublishError) as raised:
            await server.publish(snapshot("v2", {"gateway": many}, many), timeout=0.05)

    assert "has not acknowledged the clusters c0, c1," in str(raised.value)
    assert f"within {0.05 + 20 * xds.SECONDS_PER_CHANGE:g} s. Going back" in str(raised.value)


async def test_an_envoy_that_goes_away_does_not_hold_up_a_publish(server: xds.XdsServer):
    async with FakeEnvoy(server.socket_path, "gone") as gone:
        await connected(server)
        await server.publish(V1)
        gone.hold.clear()
        answered = gone.arrived
        publishing = asyncio.create_task(server.publish(V2))
        await until(lambda: gone.arrived > answered)

    assert await publishing == {"lds": "v2", "cds": "v2", "rds": "v2", "eds": "v2"}
    assert not server.connected


async def test_with_no_envoy_connected_a_publish_is_kept_for_the_next_one(server: xds.XdsServer):
    versions = await server.publish(V1)

    assert versions == {"lds": "v1", "cds": "v1", "rds": "v1", "eds": "v1"}
    assert server.last_good is V1


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (
            files.Snapshot("v9", V1.listeners, V1.clusters, (), V1.endpoints),
            "Snapshot 'v9' is incomplete: its listeners name route configurations it does not have: gateway.",
        ),
        (
            files.Snapshot("v9", V1.listeners, V1.clusters, V1.routes, V1.endpoints[:1]),
            "Snapshot 'v9' is incomplete: its clusters name load assignments it does not have: b.",
        ),
    ],
    ids=["route-configuration", "load-assignment"],
)
async def test_a_snapshot_naming_what_it_lacks_is_refused_before_anything_is_sent(
    server: xds.XdsServer, broken: files.Snapshot, message: str
):
    with pytest.raises(errors.PublishError) as raised:
        await server.publish(broken)

    assert str(raised.value) == message
    assert server.last_good is None


async def test_a_publish_every_envoy_acknowledged_says_so_without_asking_envoy(server: xds.XdsServer):
    await server.publish(V1)
    assert not server.acknowledged()  # no Envoy connected: the data plane asks Envoy's admin endpoint

    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        versions = await server.publish(V2)
        acknowledged = server.acknowledged()
        envoy.hold.clear()  # it answers nothing from now on
        async with FakeEnvoy(server.socket_path, "edge-2") as late:
            late.hold.clear()
            await connected(server, 2)
            await until(lambda: late.arrived > 0)
            late_acknowledged = server.acknowledged()

    assert versions["lds"] == versions["cds"] == "v2"
    assert acknowledged
    assert not late_acknowledged  # one Envoy has not acknowledged what it was sent


async def test_a_publish_with_the_very_same_resources_sends_nothing_and_compares_nothing(
    server: xds.XdsServer, monkeypatch: pytest.MonkeyPatch
):
    async with FakeEnvoy(server.socket_path, "edge-1") as envoy:
        await connected(server)
        await server.publish(V2)
        # Envoy subscribed to the new listener's route configuration after its check without names.
        await server.publish(files.Snapshot("v3", V2.listeners, V2.clusters, V2.routes, V2.endpoints))
        del envoy.log[:]
        compared: list[str] = []
        behind = xds_stream.Stream._behind

        def counted(self: xds_stream.Stream, kind: ResourceType, *args: object, **options: bool) -> list[str]:
            compared.append(kind.value)
            return behind(self, kind, *args, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(xds_stream.Stream, "_behind", counted)

        versions = await server.publish(
            files.Snapshot("v4", V2.listeners, V2.clusters, V2.routes, V2.endpoints)
        )

    assert versions == {"lds": "v2", "cds": "v2", "rds": "v2", "eds": "v2"}
    assert envoy.log == []
    assert compared == []  # every step known settled: the catalog is the very one it verified
