"""Hitless delivery, measured: weight changes under keep-alive load drop no request (docs/envoy.md).

A load of 400 requests/s runs over 4 keep-alive connections while the weights flip between two
backends (100 % ↔ 0 %), so every response shows which configuration routed it. A route-configuration
(RDS) rewrite must fail no request and open no new connection. Printed (run with -s): the time from the
start of a publish to the first response from the newly weighted backend, and to Envoy reporting the
new versions. Rewriting the listener instead (the route inline) is measured for comparison.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, free_port
from tests.e2e.conftest import Envoy
from tests.e2e.flips import CONNECTIONS, Flips, flip_under_load
from vamp.adapters.envoy import files

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

Build = Callable[[Envoy, Backends, int, int, str], files.Snapshot]


def through_rds(envoy: Envoy, backends: Backends, port: int, version: int, target: str) -> files.Snapshot:
    weights = {name: 10000 if name == target else 0 for name in ("a", "b")}
    pools = {name: (backends.ports[name],) for name in weights}
    return r.snapshot(envoy.files, port, (r.prefix(r.weighted(weights)),), pools, version=f"v{version}")


def inline(envoy: Envoy, backends: Backends, port: int, version: int, target: str) -> files.Snapshot:
    """The same, with the route configuration inside the listener, so every change rewrites the listener."""
    snapshot = through_rds(envoy, backends, port, version, target)
    manager = snapshot.listeners[0]["filter_chains"][0]["filters"][0]["typed_config"]
    del manager["rds"]
    manager["route_config"] = snapshot.routes[0]
    return files.Snapshot(snapshot.version, snapshot.listeners, snapshot.clusters, (), snapshot.endpoints)


async def flip(
    envoy: Envoy,
    backends: Backends,
    build: Build,
    changes: int,
    wait: float,
    new_backend: dict[str, str] | None = None,
) -> Flips:
    """Flip ``changes`` times between targets ``a`` and ``b`` (answered by ``new_backend[target]`` if set)."""
    port = free_port()

    async def publish(change: int, target: str) -> None:
        await envoy.publish(build(envoy, backends, port, change, target))

    return await flip_under_load(port, publish, changes, wait, new_backend)


async def test_a_hundred_weight_changes_through_rds_drop_no_request_and_open_no_connection(
    envoy: Envoy, backends: Backends
):
    flips = await flip(envoy, backends, through_rds, 100, wait=2.0)

    print(flips.report("RDS rewrite"))
    assert flips.seen.failures == []
    assert flips.seen.connections == CONNECTIONS
    assert flips.missed == 0
    assert flips.seen.total / flips.seconds >= 200


async def test_rewriting_the_listener_instead_drops_no_request_either(envoy: Envoy, backends: Backends):
    """But it drains connections, and a change can miss a connection for a while (see the report)."""
    flips = await flip(envoy, backends, inline, 10, wait=1.0)

    print(flips.report("listener rewrite"))
    assert flips.seen.failures == []


def with_or_without_c(
    envoy: Envoy, backends: Backends, port: int, version: int, target: str
) -> files.Snapshot:
    """Odd versions add cluster ``c`` and send everything to it; even ones remove it again."""
    names = ("a", "c") if target == "b" else ("a",)
    weights = {name: 10000 if name == names[-1] else 0 for name in names}
    pools = {name: (backends.ports[name],) for name in names}
    return r.snapshot(envoy.files, port, (r.prefix(r.weighted(weights)),), pools, version=f"v{version}")


async def test_adding_and_removing_a_cluster_with_its_route_drops_no_request(
    envoy: Envoy, backends: Backends
):
    """Clusters are warmed before a route names them and removed only after no route does."""

    flips = await flip(envoy, backends, with_or_without_c, 20, wait=2.0, new_backend={"b": "c"})

    print(flips.report("cluster added and removed"))
    assert flips.seen.failures == []
    assert flips.seen.connections == CONNECTIONS
    assert flips.missed == 0
