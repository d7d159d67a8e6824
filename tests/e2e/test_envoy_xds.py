"""Delivery over ADS against the real Envoy: rendered gateways route, refusals roll back, restarts resume.

``AdsEnvoy`` (``conftest``) is an ``Envoy`` with an ``xds.XdsServer`` in front: Envoy starts from
``bootstrap.bootstrap_ads`` and reaches the server over a Unix domain socket in the test's directory, and
``publish`` goes through the server. ``running_ads`` is the ``gateways`` fixture over ADS, so
``Gateways.serve`` compiles, renders and publishes real gateways through the stream.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.adapters.envoy.render_plans import PLANS
from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.conftest import AdsEnvoy, Envoy, start_ads_envoy
from tests.e2e.gateway_harness import (
    BACKENDS,
    Gateways,
    expect_shares,
    free_ports,
    gateway,
    route,
    self_signed,
    send,
)
from tests.e2e.polling import eventually
from vamp import errors
from vamp.adapters.envoy import files, render, xds

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@asynccontextmanager
async def running_ads(workdir: Path) -> AsyncIterator[Gateways]:
    """The ``gateways`` fixture over ADS, for one test: Envoy fed by an ADS server, backends ``a`` … ``e``."""
    with Backends(*BACKENDS) as backends:
        envoy = await start_ads_envoy(workdir)
        try:
            yield Gateways(envoy, backends)
        finally:
            await envoy.stop()


async def answers(port: int, count: int = 20) -> Counter[str]:
    connection = Connection(port)
    try:
        return Counter([(await connection.request("/")).backend for _ in range(count)])
    finally:
        await connection.close()


def split(
    envoy: Envoy, backends: Backends, port: int, version: str, weights: dict[str, int]
) -> files.Snapshot:
    pools = {name: (backends.ports[name],) for name in weights}
    return r.snapshot(envoy.files, port, (r.prefix(r.weighted(weights)),), pools, version=version)


async def test_a_weight_split_of_rendered_gateways_is_served_over_ads(tmp_path: Path):
    async with running_ads(tmp_path) as gateways:
        port = free_port()
        await gateways.serve(
            gateway("shop", port, {route("a"): {"weight": "90%"}, route("b"): {"weight": "10%"}})
        )

        counts = await send(port, 1000)

    expect_shares(counts, {"a": 90, "b": 10})


async def test_a_condition_of_a_rendered_gateway_is_served_over_ads(tmp_path: Path):
    async with running_ads(tmp_path) as gateways:
        port = free_port()
        beta = {
            "weight": "0%",
            "condition": {"definition": "has header x-beta"},
            "condition_strength": "100%",
        }
        await gateways.serve(gateway("shop", port, {route("a"): {"weight": "100%"}, route("b"): beta}))

        plain = await send(port, 40)
        flagged = await send(port, 40, headers={"x-beta": "yes"})

    assert (plain, flagged) == ({"a": 40}, {"b": 40})


@pytest.mark.parametrize("build", PLANS.values(), ids=PLANS.keys())
async def test_every_resource_type_the_renderer_makes_is_converted_and_accepted(tmp_path: Path, build):
    """TLS, TCP proxies, direct responses, stateful sessions, rewrite hops, internal listeners, DNS
    clusters, health checks and retry predicates all reach Envoy over the stream, and it takes them."""
    self_signed(tmp_path, "secure")
    nominal = sorted({80, 5432, 8443, 9000, 9001, 9050, 40000})
    free = dict(zip(nominal, free_ports(len(nominal)), strict=True))
    envoy = await start_ads_envoy(tmp_path)
    try:
        rendering = render.render(build(free.__getitem__, tmp_path), envoy.files)

        published = await envoy.publish(rendering.snapshot)

        accepted = await files.accepted(envoy.admin)
    finally:
        await envoy.stop()
    assert published == dict.fromkeys(("lds", "cds", "rds", "eds"), rendering.snapshot.version)
    assert {key.partition("/")[0] for key, version in accepted.items() if version == published["lds"]} == {
        "lds",
        "cds",
        "rds",
    } | ({"eds"} if rendering.snapshot.endpoints else set())


REFUSED = [
    pytest.param(
        r.prefix(r.weighted({"a": 0, "b": 0})),
        "route configurations",
        "Sum of weights in the weighted_cluster must be greater than 0.",
        id="weights-all-zero",
    ),
    pytest.param(
        r.prefix(
            r.weighted({"a": 0, "b": 10000}),
            headers=[{"name": "x-version", "string_match": {"safe_regex": {"regex": "2.(["}}}],
        ),
        "route configurations",
        "missing ]: [",
        id="invalid-regex",
    ),
]


@pytest.mark.parametrize(("bad_route", "label", "reason"), REFUSED)
async def test_a_refused_snapshot_raises_envoys_reason_and_traffic_stays_on_the_last_good(
    ads_envoy: AdsEnvoy, backends: Backends, bad_route: r.JsonObject, label: str, reason: str
):
    port = free_port()
    good = split(ads_envoy, backends, port, "v1", {"a": 10000, "b": 0})
    await ads_envoy.publish(good)
    bad = r.snapshot(
        ads_envoy.files,
        port,
        (bad_route,),
        {name: (backends.ports[name],) for name in "ab"},
        version="v2",
    )

    with pytest.raises(errors.PublishError) as raised:
        await ads_envoy.publish(bad)

    node = ads_envoy.supervisor.log_path.parent.parent.name
    message = str(raised.value)
    assert message.startswith(
        f"Envoy did not take snapshot 'v2': Envoy {node!r} refused the {label} of version 'v2': "
    )
    assert reason in message
    assert message.endswith("Envoy is back on snapshot 'v1'.")
    assert ads_envoy.server.last_good is good
    assert await answers(port) == {"a": 20}
    assert (await files.accepted(ads_envoy.admin))["rds/gateway"] == "v1"


async def test_an_endpoint_envoy_refuses_is_rolled_back_too(ads_envoy: AdsEnvoy, backends: Backends):
    port = free_port()
    await ads_envoy.publish(split(ads_envoy, backends, port, "v1", {"a": 10000}))
    by_name = r.endpoints("a", backends.ports["a"])
    by_name["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]["socket_address"]["address"] = (
        "localhost"
    )
    bad = split(ads_envoy, backends, port, "v2", {"a": 10000})
    bad = files.Snapshot("v2", bad.listeners, bad.clusters, bad.routes, (by_name,))

    with pytest.raises(errors.PublishError) as raised:
        await ads_envoy.publish(bad)

    assert "refused the load assignments of version 'v2': malformed IP address: localhost" in str(
        raised.value
    )
    assert await answers(port) == {"a": 20}


async def test_a_snapshot_protobuf_refuses_is_not_sent(ads_envoy: AdsEnvoy, backends: Backends):
    port = free_port()
    good = split(ads_envoy, backends, port, "v1", {"a": 10000})
    await ads_envoy.publish(good)
    bad = split(ads_envoy, backends, port, "v2", {"a": 10000})
    bad.routes[0]["virtual_hosts"][0]["routes"][0]["route"]["weight_typo"] = 1

    with pytest.raises(errors.PublishError) as raised:
        await ads_envoy.publish(bad)

    assert str(raised.value) == (
        "The route configuration 'gateway' cannot be sent to Envoy: Message type "
        '"envoy.config.route.v3.RouteAction" has no field named "weight_typo" at '
        '"RouteConfiguration.virtual_hosts[0].routes[0].route".'
    )
    assert ads_envoy.server.last_good is good


async def test_a_killed_envoy_gets_the_last_good_snapshot_at_once(ads_envoy: AdsEnvoy, backends: Backends):
    port = free_port()
    await ads_envoy.publish(split(ads_envoy, backends, port, "v1", {"a": 0, "b": 10000}))
    with pytest.raises(errors.PublishError):
        await ads_envoy.publish(split(ads_envoy, backends, port, "v2", {"a": 0, "b": 0}))
    killed = ads_envoy.supervisor.pid
    assert killed is not None

    started = time.monotonic()
    os.kill(killed, signal.SIGKILL)

    async def serving_b() -> bool:
        try:
            return await answers(port, 1) == {"b": 1}
        except OSError:
            return False

    await eventually(serving_b, what="the restarted Envoy serves the last good snapshot")
    downtime = time.monotonic() - started
    await asyncio.wait_for(ads_envoy.supervisor.restarted.wait(), 5.0)
    print(f"ADS: SIGKILL to serving the last good snapshot again: {downtime * 1000:.0f} ms")
    assert downtime < 2.0
    assert ads_envoy.server.connected
    assert (await files.accepted(ads_envoy.admin))["rds/gateway"] == "v1"


async def test_clusters_and_listeners_are_added_changed_and_removed_in_order(
    ads_envoy: AdsEnvoy, backends: Backends
):
    port, second = free_port(), free_port()
    v1 = split(ads_envoy, backends, port, "v1", {"a": 10000})
    more = split(ads_envoy, backends, port, "v2", {"a": 0, "c": 10000})
    v2 = files.Snapshot(
        "v2",
        (*more.listeners, r.listener(ads_envoy.files, "second", second, "second")),
        (
            {**more.clusters[0], "connect_timeout": "2s"},
            more.clusters[1],
        ),  # a changes (warms again), c is new
        (*more.routes, r.route_config("second", r.prefix({"cluster": "a"}))),
        more.endpoints,
    )
    await ads_envoy.publish(v1)

    added = await ads_envoy.publish(v2)
    after_adding = (await answers(port), await answers(second))
    removed = await ads_envoy.publish(
        files.Snapshot("v3", v1.listeners, v1.clusters, v1.routes, v1.endpoints)
    )

    assert added == {"lds": "v2", "cds": "v2", "rds": "v2", "eds": "v2"}
    assert after_adding == ({"c": 20}, {"a": 20})
    assert removed == {"lds": "v3", "cds": "v3", "rds": "v3", "eds": "v3"}
    assert await answers(port) == {"a": 20}
    clusters = await ads_envoy.admin.stats(r"^cluster_manager\.(warming|active)_clusters$")
    assert {stat["name"]: stat["value"] for stat in clusters["stats"]} == {
        "cluster_manager.active_clusters": 2,  # a, and the static vamp_xds
        "cluster_manager.warming_clusters": 0,
    }


async def test_several_envoys_each_get_every_snapshot(tmp_path: Path, backends: Backends):
    """Two Envoys on one server (their listeners share the port: Envoy binds with SO_REUSEPORT)."""
    server = xds.XdsServer(tmp_path / "ads.sock")
    await server.start()
    await server.publish(files.Snapshot("empty"))
    envoys = [await start_ads_envoy(tmp_path / name, node=name, server=server) for name in ("one", "two")]
    try:
        port = free_port()
        await server.publish(split(envoys[0], backends, port, "v1", {"a": 10000}))
        versions = await server.publish(split(envoys[0], backends, port, "v2", {"a": 0, "b": 10000}))

        accepted = [(await files.accepted(envoy.admin))["rds/gateway"] for envoy in envoys]
        nodes = sorted(server.nodes)
        served = await answers(port)
    finally:
        for envoy in envoys:
            await envoy.admin.aclose()
            await envoy.supervisor.stop()
        await server.stop()
    assert versions["rds"] == "v2"
    assert accepted == ["v2", "v2"]
    assert nodes == ["one", "two"]
    assert served == {"b": 20}


async def test_an_envoy_waits_for_a_restarted_server_and_keeps_serving(
    ads_envoy: AdsEnvoy, backends: Backends
):
    port = free_port()
    snapshot = split(ads_envoy, backends, port, "v1", {"a": 10000})
    await ads_envoy.publish(snapshot)
    await ads_envoy.server.stop()
    assert await answers(port) == {"a": 20}

    restarted = xds.XdsServer(ads_envoy.server.socket_path)
    await restarted.start()
    try:
        await restarted.wait_connected(5.0)
        assert await answers(port) == {"a": 20}  # nothing published yet: Envoy keeps what it has
        await restarted.publish(split(ads_envoy, backends, port, "v2", {"b": 10000}))
        assert await answers(port) == {"b": 20}
    finally:
        await restarted.stop()


async def test_a_socket_path_too_long_for_unix_is_refused(tmp_path: Path):
    path = tmp_path / ("x" * 120)

    with pytest.raises(errors.DataPlaneError) as raised:
        await xds.XdsServer(path).start()

    length = len(str(path).encode())
    assert str(raised.value) == (
        f"The ADS socket path {str(path)!r} is {length} bytes long; a Unix domain socket path has at "
        "most 107. Use a shorter work directory."
    )


async def test_wait_connected_says_when_no_envoy_came(tmp_path: Path):
    async with xds.XdsServer(tmp_path / "ads.sock") as server:
        with pytest.raises(errors.DataPlaneError) as raised:
            await server.wait_connected(0.05)

    assert str(raised.value) == (
        f"No Envoy connected to the ADS server at {tmp_path / 'ads.sock'} within 0.05 s; "
        "is it running with bootstrap_ads and this socket path?"
    )
