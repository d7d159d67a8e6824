"""The HAProxy data plane with the real HAProxy 2.6: a plan applied is active and served; weights and
instances change without a reload; a plan HAProxy refuses never replaces the running one and names the
gateway at fault; HAProxy killed (master or worker) comes back on the last good plan.

Each test starts its own data plane (master and workers) and stops it by PID; the backends are
``tests.e2e.backends``' small HTTP servers, answering with their name.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.adapters.haproxy.running import (
    DEADLINE_S,
    eventually_served,
    haproxy,
    reloads,
    render_plan,
    shop_plan,
)
from tests.core.routing.build import gateway, instance
from tests.e2e.backends import HOST, Backends, Connection
from tests.e2e.gateway_harness import free_ports, send
from vamp import errors
from vamp.adapters import listening_ports
from vamp.adapters.haproxy import render
from vamp.adapters.haproxy.dataplane import HaproxyDataPlane
from vamp.adapters.haproxy.render_latency import MAP_NAME
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


@pytest.fixture(scope="module")
def backends() -> Iterator[Backends]:
    with Backends("a", "b", "c") as running:
        yield running


async def test_a_plan_applied_is_active_served_and_kept(data_plane: HaproxyDataPlane, backends: Backends):
    (port,) = free_ports(1)
    plan = shop_plan(backends, port, {"a": "100%"})

    assert await data_plane.apply(plan) == plan.version

    assert (await send(port, 20)) == {"a": 20}
    assert data_plane.last_good() == plan
    health = data_plane.health()
    assert health.pid is not None
    assert health.admin_url == f"unix:{data_plane.files.runtime_socket}"
    answer = await data_plane._runtime.command("show env VAMP_PLAN_VERSION")
    assert answer.strip() == f"VAMP_PLAN_VERSION={plan.version}"
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in data_plane.files.root.rglob("*")}
    assert (modes["haproxy.cfg"], modes["maps"], modes["haproxy.log"]) == (0o600, 0o700, 0o600)
    assert stat.S_IMODE(data_plane.files.root.stat().st_mode) == 0o700


async def test_weights_change_through_the_runtime_api_without_a_reload(
    data_plane: HaproxyDataPlane, backends: Backends
):
    (port,) = free_ports(1)
    await data_plane.apply(shop_plan(backends, port, {"a": "100%", "b": "0%"}))
    before = await reloads(data_plane)
    connection = Connection(port)
    try:
        await data_plane.apply(shop_plan(backends, port, {"a": "0%", "b": "100%"}))
        assert (await connection.request("/")).backend == "b"
        await data_plane.apply(shop_plan(backends, port, {"a": "99.5%", "b": "0.5%"}))
        assert connection.opened == 1
    finally:
        await connection.close()

    assert await reloads(data_plane) == before
    (map_file,) = (path for path in data_plane.files.maps.glob("*.map") if path.name != MAP_NAME)
    keys = [line.split()[0] for line in map_file.read_text().splitlines()]
    assert keys == ["10000:19949", "19950:19999"]


async def test_weights_changed_on_many_gateways_at_once_are_all_served_without_a_reload(
    data_plane: HaproxyDataPlane, backends: Backends
):
    ports = free_ports(12)

    def every_gateway(weights: dict[str, str]) -> routing_plan.RoutingPlan:
        routes = {f"shop/web/{name}/http": {"weight": weight} for name, weight in weights.items()}
        instances = [
            instance(f"{name}-1", HOST, {"http": backends.ports[name]}, service=f"shop/web/{name}")
            for name in weights
        ]
        gateways = [gateway(f"g{n}", port, routes) for n, port in enumerate(ports)]
        return compile_plan(gateways, instances, shared_port=None)

    await data_plane.apply(every_gateway({"a": "100%", "b": "0%"}))
    before = await reloads(data_plane)

    await data_plane.apply(every_gateway({"a": "0%", "b": "100%"}))

    assert [await send(port, 4) for port in ports] == [{"b": 4}] * len(ports)
    assert await reloads(data_plane) == before


async def test_an_instance_added_and_removed_changes_servers_without_a_reload(
    data_plane: HaproxyDataPlane, backends: Backends
):
    (port,) = free_ports(1)
    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}))
    before = await reloads(data_plane)

    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, extra=("a",)))
    servers = await data_plane._runtime.stat()
    assert len([row for row in servers if row.server.startswith("a-2")]) == 1
    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}))

    assert await reloads(data_plane) == before
    assert not [row for row in await data_plane._runtime.stat() if row.server.startswith("a-2")]
    assert (await send(port, 10)) == {"a": 10}


async def test_a_new_gateway_is_a_reload_and_served(data_plane: HaproxyDataPlane, backends: Backends):
    port, other = free_ports(2)
    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}))
    before = await reloads(data_plane)

    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, more=(other,)))

    assert await reloads(data_plane) == before + 1
    assert (await send(other, 5)) == {"a": 5}


async def test_a_configuration_haproxy_refuses_never_replaces_the_running_one(
    tmp_path: Path, backends: Backends
):
    def spoiled(plan: routing_plan.RoutingPlan, options: render.RenderOptions) -> render.Rendering:
        rendering = render.render(plan, options=options)
        if not any(listener.name == "more0" for listener in plan.listeners):
            return rendering
        backend = next(name for name, origin in rendering.backends.items() if origin.gateway == "more0")
        text = rendering.text.replace(f"backend {backend}\n", f"backend {backend}\n    no-such-keyword\n")
        return dataclasses.replace(rendering, text=text)

    port, other = free_ports(2)
    async with HaproxyDataPlane(tmp_path / "agent", spoiled, haproxy=haproxy()) as data_plane:
        good = shop_plan(backends, port, {"a": "100%"})
        await data_plane.apply(good)
        config = data_plane.files.config.read_text()

        with pytest.raises(errors.GatewaysRefused) as refused:
            await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, more=(other,)))

        assert list(refused.value.gateways) == ["more0"]
        assert "unknown keyword 'no-such-keyword'" in refused.value.gateways["more0"]
        assert data_plane.files.config.read_text() == config
        assert data_plane.last_good() == good
        assert (await send(port, 5)) == {"a": 5}


async def test_a_port_another_process_holds_names_the_gateway(
    data_plane: HaproxyDataPlane, backends: Backends
):
    port, other = free_ports(2)
    await data_plane.apply(shop_plan(backends, port, {"a": "100%"}))
    with socket.socket() as taken:
        taken.bind((HOST, other))
        taken.listen()

        with pytest.raises(errors.GatewaysRefused) as refused:
            await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, more=(other,)))

    assert list(refused.value.gateways) == ["more0"]
    assert "where HAProxy cannot listen: Address already in use" in refused.value.gateways["more0"]
    assert (await send(port, 5)) == {"a": 5}


@pytest.mark.parametrize("victim", ["master", "worker"])
async def test_haproxy_killed_comes_back_on_the_last_good_plan(
    data_plane: HaproxyDataPlane, backends: Backends, victim: str
):
    (port,) = free_ports(1)
    await data_plane.apply(shop_plan(backends, port, {"a": "100%", "b": "0%"}))
    await data_plane.apply(shop_plan(backends, port, {"a": "0%", "b": "100%"}))
    master = data_plane.health().pid
    assert master is not None
    processes = await data_plane.supervisor.processes()
    data_plane.supervisor.restarted.clear()

    os.kill(master if victim == "master" else processes.current or 0, signal.SIGKILL)
    async with asyncio.timeout(DEADLINE_S):
        await data_plane.supervisor.restarted.wait()

    await eventually_served(port, "b")
    health = data_plane.health()
    assert health.restarts == 1
    assert health.pid not in (None, master)
    if victim == "master":
        assert health.exits == (f"HAProxy (pid {master}) killed by SIGKILL",)
    else:
        assert health.exits[0].startswith(f"HAProxy (pid {master}) exited with status 137 after its worker")


async def test_a_reload_haproxy_fails_keeps_the_old_worker_and_the_last_good_files(
    data_plane: HaproxyDataPlane, backends: Backends, monkeypatch: pytest.MonkeyPatch
):
    """A port taken after the check (here: the check is skipped) makes the new worker fail to bind."""
    port, other = free_ports(2)
    good = shop_plan(backends, port, {"a": "100%"})
    await data_plane.apply(good)
    config = data_plane.files.config.read_text()
    monkeypatch.setattr(listening_ports, "refuse_taken", lambda *_: None)
    with socket.socket() as taken:
        taken.bind((HOST, other))
        taken.listen()

        with pytest.raises(errors.GatewaysRefused) as refused:
            await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, more=(other,)))

    assert "keeps serving the last good one" in str(refused.value)
    assert list(refused.value.gateways) == ["more0"]
    assert "cannot bind socket (Address already in use)" in refused.value.gateways["more0"]
    assert data_plane.files.config.read_text() == config
    assert data_plane.last_good() == good
    assert (await send(port, 5)) == {"a": 5}
    assert await data_plane.apply(shop_plan(backends, port, {"a": "100%"}, more=(other,)))
    assert (await send(other, 5)) == {"a": 5}


async def test_a_new_data_plane_on_the_same_folder_serves_the_kept_plan_at_once(
    tmp_path: Path, backends: Backends
):
    (port,) = free_ports(1)
    plan = shop_plan(backends, port, {"a": "0.5%", "b": "99.5%"})
    async with HaproxyDataPlane(tmp_path / "agent", render_plan, haproxy=haproxy()) as first:
        await first.apply(plan)

    async with HaproxyDataPlane(tmp_path / "agent", render_plan, haproxy=haproxy()) as second:
        assert second.last_good() == plan
        answered = await send(port, 20)
        assert set(answered) <= {"a", "b"}
        assert answered["b"] >= 15
        assert [t.requests for t in await second.traffic() if t.route is None] == [20]

    with socket.socket() as taken:
        taken.bind((HOST, port))
        taken.listen()
        async with HaproxyDataPlane(tmp_path / "agent", render_plan, haproxy=haproxy()) as third:
            assert third.health().pid is not None
            assert await third.traffic() == ()
