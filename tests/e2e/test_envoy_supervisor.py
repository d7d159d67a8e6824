"""The supervisor against the real Envoy binary: start, live, restart after a crash, stop, side by side."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.conftest import Envoy, admin_client, base_id, start_envoy
from tests.e2e.polling import eventually
from vamp import errors
from vamp.adapters.envoy import bootstrap, files, supervisor

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def serve_a(envoy: Envoy, backends: Backends) -> int:
    port = free_port()
    xds = envoy.files
    await envoy.publish(
        files.Snapshot(
            "v1",
            listeners=(r.listener(xds, "gateway", port, "gateway"),),
            clusters=(r.cluster(xds, "a"),),
            routes=(r.route_config("gateway", r.prefix({"cluster": "a"})),),
            endpoints=(r.endpoints("a", backends.ports["a"]),),
        )
    )
    return port


async def test_a_killed_envoy_serves_its_last_configuration_again_within_two_seconds(
    envoy: Envoy, backends: Backends
):
    port = await serve_a(envoy, backends)
    killed = envoy.supervisor.pid
    assert killed is not None

    started = time.monotonic()
    os.kill(killed, signal.SIGKILL)

    async def serving() -> bool:
        connection = Connection(port)
        try:
            return (await connection.request("/")).backend == "a"
        except OSError:
            return False
        finally:
            await connection.close()

    await eventually(serving, what="Envoy serves again after SIGKILL")
    downtime = time.monotonic() - started
    await asyncio.wait_for(envoy.supervisor.restarted.wait(), 5.0)
    print(f"SIGKILL to serving again: {downtime * 1000:.0f} ms")
    assert downtime < 2.0
    assert envoy.supervisor.pid not in (None, killed)
    assert envoy.supervisor.restarts == 1
    assert [exit.reason for exit in envoy.supervisor.exits] == [f"Envoy (pid {killed}) killed by SIGKILL"]


async def test_stop_ends_envoy_by_its_pid_and_records_why(tmp_path: Path):
    envoy = await start_envoy(tmp_path)
    pid = envoy.supervisor.pid
    assert pid is not None
    assert alive(pid)

    await envoy.admin.aclose()
    await envoy.supervisor.stop()

    assert not alive(pid)
    assert envoy.supervisor.pid is None
    assert [exit.reason for exit in envoy.supervisor.exits] == [
        f"Envoy (pid {pid}) exited with status 0 on request"
    ]


async def test_concurrency_is_passed_to_envoy(tmp_path: Path):
    envoy = await start_envoy(tmp_path, concurrency=3)
    try:
        async with admin_client(envoy.supervisor) as client:
            info = (await client.get("/server_info")).json()
    finally:
        await envoy.admin.aclose()
        await envoy.supervisor.stop()

    assert info["command_line_options"]["concurrency"] == 3
    assert info["state"] == "LIVE"


async def test_two_envoys_run_side_by_side_with_their_own_base_ids(tmp_path: Path):
    one = await start_envoy(tmp_path / "one")
    two = await start_envoy(tmp_path / "two")
    try:
        assert await one.admin.ready()
        assert await two.admin.ready()
        assert one.supervisor.admin_socket != two.supervisor.admin_socket
    finally:
        for envoy in (one, two):
            await envoy.admin.aclose()
            await envoy.supervisor.stop()


async def test_a_bootstrap_envoy_refuses_is_reported_with_the_end_of_its_log(tmp_path: Path):
    admin = {"address": bootstrap.pipe_address(tmp_path / "admin.sock")}
    process = supervisor.Supervisor({"admin": admin, "bogus": True}, tmp_path, base_id=base_id())

    with pytest.raises(errors.DataPlaneError) as raised:
        await process.start()

    message = str(raised.value)
    assert message.startswith("Envoy (pid ")
    assert f"exited with status 1 while starting. The end of {tmp_path / 'envoy.log'}:\n" in message
    assert "bogus" in message
    assert process.pid is None
