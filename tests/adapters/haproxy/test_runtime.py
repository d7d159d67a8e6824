"""The runtime API client against a real HAProxy 2.6 (Debian's ``haproxy``): counters that match the
traffic sent, a weight of 0 that moves every new request, server states, dynamic servers, and HAProxy's
refusals as the project's own error. A fake socket checks the timeout and the size bound."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.backends import HOST, Backends, Connection, free_port
from vamp import errors
from vamp.adapters.haproxy import runtime as haproxy_runtime
from vamp.adapters.haproxy.runtime import Runtime, StatRow

pytestmark = [pytest.mark.anyio, pytest.mark.e2e]

CONFIG = """\
global
    stats socket {socket} mode 600 level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind {host}:{port}
    default_backend app
backend app
    balance roundrobin
    server one {host}:{one} weight 10
    server two {host}:{two} weight 10
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Proxy:
    runtime: Runtime
    port: int
    backends: Backends


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A directory with a short path: a UNIX socket's path must fit in 108 bytes."""
    with tempfile.TemporaryDirectory(prefix="vamp-haproxy-") as name:
        yield Path(name)


@pytest.fixture
async def proxy(short_dir: Path) -> AsyncIterator[Proxy]:
    if shutil.which("haproxy") is None:
        pytest.fail("haproxy is missing: `make haproxy` installs Debian's haproxy")
    with Backends("one", "two") as backends:
        port = free_port()
        socket = short_dir / "haproxy.sock"
        config = short_dir / "haproxy.cfg"
        config.write_text(
            CONFIG.format(
                socket=socket, host=HOST, port=port, one=backends.ports["one"], two=backends.ports["two"]
            )
        )
        process = await asyncio.create_subprocess_exec(
            "haproxy", "-f", str(config), stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        try:
            runtime = Runtime(socket)
            await until(lambda: answers(runtime), what="HAProxy's stats socket answers")
            yield Proxy(runtime, port, backends)
        finally:
            if process.returncode is None:
                process.terminate()
            await asyncio.wait_for(process.wait(), 10)


async def answers(runtime: Runtime) -> bool:
    try:
        await runtime.info()
    except errors.DataPlaneError:
        return False
    return True


async def until(condition: Callable[[], Awaitable[bool]], *, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting until {what}")
        await asyncio.sleep(0.02)


async def send(port: int, count: int) -> Counter[str]:
    """``count`` requests over one keep-alive connection; how many each backend answered."""
    connection = Connection(port)
    seen: Counter[str] = Counter()
    try:
        for _ in range(count):
            seen[(await connection.request()).backend] += 1
    finally:
        await connection.close()
    return seen


async def rows(runtime: Runtime) -> dict[tuple[str, str], StatRow]:
    return {(row.proxy, row.server): row for row in await runtime.stat()}


async def test_show_stat_counts_what_was_sent_per_server_and_status_class(proxy: Proxy):
    proxy.backends.status["two"] = 503

    seen = await send(proxy.port, 40)

    async def counted() -> bool:
        return (await rows(proxy.runtime))["app", "BACKEND"].requests == 40

    await until(counted, what="the backend counted 40 requests")
    stat = await rows(proxy.runtime)
    assert seen == {"one": 20, "two": 20}
    assert (stat["app", "one"].requests, stat["app", "one"].responses["2xx"]) == (20, 20)
    assert (stat["app", "two"].requests, stat["app", "two"].responses["5xx"]) == (20, 20)
    assert stat["app", "BACKEND"].responses == {"1xx": 0, "2xx": 20, "3xx": 0, "4xx": 0, "5xx": 20}
    assert (stat["app", "one"].weight, stat["app", "one"].status) == (10, "no check")
    assert stat["web", "FRONTEND"].requests == 40
    info = await proxy.runtime.info()
    assert info["Name"] == "HAProxy"
    assert info["Version"].startswith("2.")


async def test_a_weight_of_zero_sends_every_new_request_to_the_other_server(proxy: Proxy):
    await proxy.runtime.set_weight("app", "one", 0)

    seen = await send(proxy.port, 200)

    assert seen == {"two": 200}
    assert (await rows(proxy.runtime))["app", "one"].weight == 0
    await proxy.runtime.set_weight("app", "one", 10)
    assert (await send(proxy.port, 20)) == {"one": 10, "two": 10}


async def test_a_server_in_maintenance_gets_nothing_until_ready_again(proxy: Proxy):
    await proxy.runtime.set_state("app", "two", "maint")

    assert (await send(proxy.port, 20)) == {"one": 20}
    assert (await rows(proxy.runtime))["app", "two"].status == "MAINT"

    await proxy.runtime.set_state("app", "two", "ready")
    assert (await send(proxy.port, 20)) == {"one": 10, "two": 10}


async def test_a_server_added_at_runtime_serves_once_ready_and_can_be_deleted(proxy: Proxy):
    await proxy.runtime.set_state("app", "one", "maint")
    await proxy.runtime.add_server("app", "three", f"{HOST}:{proxy.backends.ports['one']}", weight=10)
    assert (await rows(proxy.runtime))["app", "three"].status == "MAINT"

    await proxy.runtime.set_state("app", "three", "ready")
    assert (await send(proxy.port, 20)) == {"one": 10, "two": 10}
    assert (await rows(proxy.runtime))["app", "three"].requests == 10

    await proxy.runtime.set_state("app", "three", "maint")
    await proxy.runtime.del_server("app", "three")
    assert ("app", "three") not in await rows(proxy.runtime)


async def test_a_server_added_with_health_checks_that_refuses_is_marked_down_and_gets_nothing(proxy: Proxy):
    checks = ("check", "inter", "100ms", "fall", "2", "rise", "1")
    await proxy.runtime.add_server("app", "three", f"{HOST}:{free_port()}", weight=10, checks=checks)
    await proxy.runtime.enable_health("app", "three")
    await proxy.runtime.set_state("app", "three", "ready")

    async def down() -> bool:
        return (await rows(proxy.runtime))["app", "three"].status == "DOWN"

    await until(down, what="the refusing server fails its checks")
    assert (await send(proxy.port, 20)) == {"one": 10, "two": 10}
    with pytest.raises(errors.DataPlaneError, match="letters, digits"):
        await proxy.runtime.add_server("app", "four", f"{HOST}:1", checks=("check;", "show"))


async def test_many_commands_at_once_wait_their_turn_instead_of_being_reset(proxy: Proxy):
    weights = [1 + i % 50 for i in range(200)]

    await asyncio.gather(*(proxy.runtime.set_weight("app", "two", weight) for weight in weights))

    assert (await rows(proxy.runtime))["app", "two"].weight in weights


async def test_haproxys_refusals_are_data_plane_errors_in_its_own_words(proxy: Proxy):
    with pytest.raises(
        errors.DataPlaneError, match=r"refused 'set server app/nine weight 5': No such server"
    ):
        await proxy.runtime.set_weight("app", "nine", 5)
    with pytest.raises(errors.DataPlaneError, match="Only servers in maintenance mode can be deleted"):
        await proxy.runtime.del_server("app", "one")
    with pytest.raises(errors.DataPlaneError, match="Already exists a server with the same name in backend"):
        await proxy.runtime.add_server("app", "one", f"{HOST}:1")
    with pytest.raises(errors.DataPlaneError, match="from 0 to 256"):
        await proxy.runtime.set_weight("app", "one", 257)
    with pytest.raises(errors.DataPlaneError, match="must be letters, digits"):
        await proxy.runtime.set_weight("app", "one; shutdown frontend web", 1)
    assert (await send(proxy.port, 2)) == {"one": 1, "two": 1}


async def test_a_socket_nobody_listens_on_is_a_data_plane_error(short_dir: Path):
    with pytest.raises(errors.DataPlaneError, match="cannot be reached for 'show info'"):
        await Runtime(short_dir / "none.sock").info()


async def test_an_answer_is_bounded_in_time_and_size(short_dir: Path):
    release = asyncio.Event()
    open_handlers = Counter[str]()

    async def fake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        open_handlers["fake"] += 1
        if (await reader.readline()).startswith(b"show stat"):
            writer.write(b"# pxname,svname," + b"x" * 5000)
        else:
            await release.wait()
        writer.close()
        await writer.wait_closed()
        open_handlers["fake"] -= 1

    socket = short_dir / "fake.sock"
    server = await asyncio.start_unix_server(fake, str(socket))
    try:
        with pytest.raises(errors.DataPlaneError, match=r"did not answer 'show info' within 0.2 s"):
            await Runtime(socket, timeout=0.2).info()
        with pytest.raises(errors.DataPlaneError, match="longer than 1000 bytes"):
            await Runtime(socket, max_bytes=1000).stat()
    finally:
        release.set()
        await until(lambda: _none_open(open_handlers), what="the fake socket's handlers are done")
        server.close()
        await server.wait_closed()
    assert haproxy_runtime.url_of(socket) == f"unix://{socket}"


async def _none_open(handlers: Counter[str]) -> bool:
    return handlers["fake"] == 0
