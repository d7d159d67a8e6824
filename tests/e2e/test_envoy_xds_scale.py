"""1,000 gateways × 10 routes over ADS: what files could not deliver (one inotify instance per route
configuration and per load assignment; Linux allows 128 per user), served by one stream.

About 13 s on this 2-CPU machine, so it runs with the other e2e tests. With ``-s`` it prints the render
time, the time from publish to every type acknowledged and to the last gateway answering, a weight
change on one gateway and on every gateway, and Envoy's memory. Active health checks are off
(``RenderOptions(health_check_interval_s=None)``): 10,000 clusters checked every second would load the
test's Python backends, not measure delivery."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.core.routing.build import gateway, instance
from tests.e2e.backends import Backends, Connection
from tests.e2e.conftest import AdsEnvoy, start_ads_envoy
from tests.e2e.gateway_harness import free_ports
from vamp.adapters.envoy import render
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.anyio,
    pytest.mark.timeout(300),
]

GATEWAYS = 1000
ROUTES = 10
OPTIONS = render.RenderOptions(health_check_interval_s=None)


def large_plan(
    ports: list[int], backends: Backends, first_share: int, first_gateway: int | None = None
) -> plan.RoutingPlan:
    """Every gateway splits over the ten services: ``first_share`` % to the first (``first_gateway`` % for
    the first gateway, if given), the rest evenly."""
    names = sorted(backends.ports)
    instances = [
        instance(name, "127.0.0.1", {"http": backends.ports[name]}, service=f"shop/web/{name}")
        for name in names
    ]
    gateways = [
        gateway(
            f"g{index}",
            port,
            {
                f"shop/web/{name}/http": {"weight": f"{share}%"}
                for name, share in zip(
                    names,
                    _shares(first_gateway if index == 0 and first_gateway else first_share),
                    strict=True,
                )
            },
        )
        for index, port in enumerate(ports)
    ]
    return compile_plan(gateways, instances, shared_port=None)


def _shares(first: int) -> list[int]:
    shares = [first, *[(100 - first) // (ROUTES - 1)] * (ROUTES - 1)]
    shares[1] += 100 - sum(shares)
    return shares


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


async def answers(port: int) -> bool:
    try:
        connection = Connection(port)
        try:
            return (await connection.request("/")).status == 200
        finally:
            await connection.close()
    except OSError:
        return False


async def until_answering(port: int, timeout: float = 120.0) -> None:
    async with asyncio.timeout(timeout):
        while not await answers(port):
            await asyncio.sleep(0.01)


async def test_a_thousand_gateways_of_ten_routes_are_served_over_one_stream(tmp_path: Path):
    with Backends(*(f"s{index}" for index in range(ROUTES))) as backends:
        envoy: AdsEnvoy = await start_ads_envoy(tmp_path)
        try:
            ports = free_ports(GATEWAYS)
            started = time.perf_counter()
            rendering = render.render(large_plan(ports, backends, 10), envoy.files, options=OPTIONS)
            rendered = time.perf_counter() - started

            started = time.perf_counter()
            await envoy.publish(rendering.snapshot, timeout=120.0)
            acknowledged = time.perf_counter() - started
            await until_answering(ports[-1])
            serving = time.perf_counter() - started

            one = render.render(
                large_plan(ports, backends, 10, first_gateway=30), envoy.files, options=OPTIONS
            )
            started = time.perf_counter()
            await envoy.publish(one.snapshot, timeout=120.0)
            one_changed = time.perf_counter() - started
            every = render.render(large_plan(ports, backends, 20), envoy.files, options=OPTIONS)
            started = time.perf_counter()
            await envoy.publish(every.snapshot, timeout=120.0)
            every_changed = time.perf_counter() - started

            pid = envoy.supervisor.pid
            assert pid is not None
            memory = rss_mib(pid)
            exits = list(envoy.supervisor.exits)
            last_answers = await answers(ports[-1])
        finally:
            await envoy.stop()

    snapshot = rendering.snapshot
    print(
        f"ADS, {GATEWAYS} gateways × {ROUTES} routes ({len(snapshot.listeners)} listeners, "
        f"{len(snapshot.clusters)} clusters, {len(snapshot.routes)} route configurations, "
        f"{len(snapshot.endpoints)} load assignments): render {rendered:.2f} s; publish to every type "
        f"acknowledged {acknowledged:.2f} s, to the last gateway answering {serving:.2f} s; a weight change "
        f"acknowledged: on one gateway {one_changed * 1000:.0f} ms, on every gateway {every_changed:.2f} s; "
        f"Envoy RSS {memory:.0f} MiB"
    )
    assert exits == []
    assert last_answers
