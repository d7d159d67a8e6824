"""A weight change on one gateway of many, rendered with ``render.Reuse`` and published over ADS to a real
Envoy: Envoy is sent that gateway's route configuration and nothing else, modifies no cluster and no
listener (so no cluster is warmed again and no health check restarted), and keeps routing every gateway,
the changed one by its new weights."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.core.routing.build import gateway, instance
from tests.e2e.backends import Backends, Connection
from tests.e2e.conftest import AdsEnvoy, start_ads_envoy
from tests.e2e.gateway_harness import free_ports
from vamp.adapters.envoy import render, render_names
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio, pytest.mark.timeout(120)]

GATEWAYS = 20
SERVICES = ("a", "b", "c")
WATCHED = (
    "cluster_manager.cluster_added",
    "cluster_manager.cluster_modified",
    "cluster_manager.cluster_removed",
    "listener_manager.listener_added",
    "listener_manager.listener_modified",
    "listener_manager.listener_removed",
)


def plan_of(ports: list[int], backends: Backends, first: dict[str, str]) -> plan.RoutingPlan:
    """Every gateway sends everything to ``a``, but the first, which splits by ``first``."""
    instances = [
        instance(name, "127.0.0.1", {"http": backends.ports[name]}, service=f"shop/web/{name}")
        for name in SERVICES
    ]
    gateways = [
        gateway(
            f"g{index}",
            port,
            {
                f"shop/web/{name}/http": {"weight": (first if index == 0 else {"a": "100%"}).get(name, "0%")}
                for name in SERVICES
            },
        )
        for index, port in enumerate(ports)
    ]
    return compile_plan(gateways, instances, shared_port=None)


async def answers(port: int, count: int = 10) -> Counter[str]:
    connection = Connection(port)
    try:
        return Counter([(await connection.request("/")).backend for _ in range(count)])
    finally:
        await connection.close()


async def counters(envoy: AdsEnvoy) -> dict[str, int]:
    stats = await envoy.admin.stats("^(" + "|".join(name.replace(".", r"\.") for name in WATCHED) + ")$")
    return {stat["name"]: int(stat["value"]) for stat in stats["stats"]}


async def test_one_gateways_weight_change_sends_envoy_its_route_configuration_only(tmp_path: Path):
    with Backends(*SERVICES) as backends:
        envoy = await start_ads_envoy(tmp_path)
        try:
            ports = free_ports(GATEWAYS)
            reuse = render.Reuse()
            before = render.render(plan_of(ports, backends, {"a": "100%"}), envoy.files, reuse=reuse)
            versions = await envoy.publish(before.snapshot, timeout=30.0)
            assert await answers(ports[0]) == {"a": 10}
            counted = await counters(envoy)

            after = render.render(plan_of(ports, backends, {"b": "100%"}), envoy.files, reuse=reuse)
            changed = await envoy.publish(after.snapshot, timeout=30.0)

            routed = await answers(ports[0])
            others = [await answers(port, 2) for port in ports[1:]]
            counted_after = await counters(envoy)
        finally:
            await envoy.stop()

    # The same objects as before, but for the changed gateway's route configuration.
    renewed = [
        (kind, new.get("name"))
        for kind in ("listeners", "clusters", "routes", "endpoints")
        for new, old in zip(getattr(after.snapshot, kind), getattr(before.snapshot, kind), strict=True)
        if new is not old
    ]
    assert renewed == [("routes", render_names.envoy_name("g0"))]
    assert changed == {**versions, "rds": after.snapshot.version}
    assert counted_after == counted
    assert routed == {"b": 10}
    assert others == [Counter({"a": 2})] * (GATEWAYS - 1)
