"""Envoy's admin endpoint is the agent's alone: a Unix domain socket of mode 0600 in a 0700 work directory.

Against a real ``vamp agent``: Envoy listens on no TCP port but the plan's gateway port, so nobody on the
machine can reach ``/quitquitquit`` or ``/runtime_modify`` over the network; another local user cannot
connect to the socket (tried as ``nobody`` when the tests run as root); and even the agent's user finds
no runtime admin layer, so ``/runtime_modify`` changes nothing. The agent itself still reads Envoy's
state through the socket (the plan is served, ``/status`` names the socket).
"""

from __future__ import annotations

import json
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.agents import running_agent, shop_plan, write_plan
from tests.e2e.backends import Backends, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

NOBODY = 65534
_LISTEN = "0A"
"""The state of a listening socket in /proc/net/tcp."""


@pytest.fixture
def backends() -> Iterator[Backends]:
    with Backends("a") as started:
        yield started


def listening_tcp_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` listens on (IPv4 and IPv6), from its file descriptors and /proc/net."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(descriptor)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == _LISTEN and fields[9] in inodes:
                ports.add(int(fields[1].rpartition(":")[2], 16))
    return ports


def connect_as(user: int, path: Path) -> str:
    """``refused`` when user ``user`` may not connect to the Unix domain socket ``path``, else ``connected``.

    A forked child drops to the user and tries, so no program has to be executable by that user.
    """
    child = os.fork()
    if child == 0:  # pragma: no cover (the child)
        code = 3
        try:
            os.setgroups([])
            os.setgid(user)
            os.setuid(user)
            with socket.socket(socket.AF_UNIX) as client:
                client.connect(str(path))
                client.sendall(b"POST /quitquitquit HTTP/1.1\r\nHost: envoy\r\nContent-Length: 0\r\n\r\n")
            code = 0
        except PermissionError:
            code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    return {0: "connected", 1: "refused"}.get(os.waitstatus_to_exitcode(status), "failed")


def admin(path: Path) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(uds=str(path))
    return httpx.AsyncClient(transport=transport, base_url="http://envoy-admin", trust_env=False)


async def test_envoys_admin_is_a_private_socket_without_a_runtime_admin_layer(
    tmp_path: Path, backends: Backends
) -> None:
    port, plan_file = free_port(), tmp_path / "plan.json"
    plan = shop_plan(port, {backends.ports["a"]: "100%"})
    write_plan(plan_file, json.dumps(plan.to_data()))
    workdir = tmp_path / "agent"
    async with running_agent(workdir, "--plan", str(plan_file)) as agent:
        await agent.serving(plan.version)
        status = await agent.status()
        envoy = status["envoy"]["pid"]
        admin_socket = workdir.resolve() / "admin.sock"

        assert status["envoy"]["admin"] == f"unix://{admin_socket}"
        assert listening_tcp_ports(envoy) == {port}
        assert stat.S_ISSOCK(admin_socket.stat().st_mode)
        assert stat.S_IMODE(admin_socket.stat().st_mode) == 0o600
        assert stat.S_IMODE(workdir.stat().st_mode) == 0o700
        assert stat.S_IMODE((workdir / "envoy" / "envoy.log").stat().st_mode) == 0o600

        async with admin(admin_socket) as client:
            layers = (await client.get("/runtime")).json()["layers"]
            modified = await client.post("/runtime_modify", params={"re2.max_program_size.error_level": "1"})
            after = (await client.get("/runtime")).json()["entries"]["re2.max_program_size.error_level"]

        assert layers == ["static"]
        assert modified.status_code == 503
        assert after["final_value"] == "1000"

        if os.geteuid() == 0:
            assert connect_as(NOBODY, admin_socket) == "refused"

        assert (await agent.status())["envoy"]["pid"] == envoy  # nobody stopped it
