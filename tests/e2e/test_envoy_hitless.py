"""Hitless delivery, measured: weight changes under keep-alive load drop no request (docs/envoy.md).

A load of 400 requests/s runs over 4 keep-alive connections while the weights flip between two
backends (100 % ↔ 0 %), so every response shows which configuration routed it. A route-configuration
(RDS) rewrite must fail no request and open no new connection. Printed (run with -s): the time from the
start of a publish to the first response from the newly weighted backend, and to Envoy reporting the
new versions. Rewriting the listener instead (the route inline) is measured for comparison.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Load, free_port, load
from tests.e2e.conftest import Envoy
from tests.e2e.polling import eventually
from vamp.adapters.envoy import files

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

RATE = 400
CONNECTIONS = 4
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


@dataclass
class Flips:
    seen: Load
    changes: int
    seconds: float = 0.0
    to_first_response: list[float] = field(default_factory=list)
    to_accepted: list[float] = field(default_factory=list)
    missed: int = 0

    def report(self, kind: str) -> str:
        first, accepted = _percentiles(self.to_first_response), _percentiles(self.to_accepted)
        return (
            f"{kind}: {self.changes} changes in {self.seconds:.1f} s "
            f"at {self.seen.total / self.seconds:.0f} req/s; "
            f"{self.seen.total} responses, {len(self.seen.failures)} failed, "
            f"{self.seen.connections - CONNECTIONS} reconnects, {self.missed} changes not seen in time; "
            f"publish to first response from the new backend p50 {first[0]:.1f} ms p99 {first[1]:.1f} ms; "
            f"publish to new versions reported p50 {accepted[0]:.1f} ms p99 {accepted[1]:.1f} ms"
        )


def _percentiles(seconds: list[float]) -> tuple[float, float]:
    if len(seconds) < 2:
        return float("nan"), float("nan")
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


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
    await envoy.publish(build(envoy, backends, port, 0, "a"))
    seen = Load()
    stopping = False
    running = asyncio.create_task(
        load(port, rate=RATE, connections=CONNECTIONS, until=lambda: stopping, seen=seen)
    )
    await eventually(lambda: answered(seen, 0.0, "a"), what="the load gets answers")
    flips = Flips(seen, changes)
    began = time.monotonic()
    for change in range(1, changes + 1):
        target = "b" if change % 2 else "a"
        started = time.monotonic()
        await envoy.publish(build(envoy, backends, port, change, target))
        flips.to_accepted.append(time.monotonic() - started)
        answering = (new_backend or {}).get(target, target)
        try:
            await eventually(lambda: answered(seen, started, answering), timeout=wait)  # noqa: B023
        except AssertionError:
            flips.missed += 1
            continue
        first = next(t for t, backend in seen.timeline if t > started and backend == answering)
        flips.to_first_response.append(first - started)
    flips.seconds = time.monotonic() - began
    stopping = True
    await running
    return flips


async def answered(seen: Load, since: float, backend: str) -> bool:
    return any(t > since and name == backend for t, name in reversed(seen.timeline[-50:]))


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
