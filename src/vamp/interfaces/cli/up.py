"""``vamp up``: all of Vamp on this machine in one command, optionally with the sava demo deployed.

Runs the server in this process (SQLite and the local process driver under the home folder) and one
gateway agent as a child process (``vamp agent --server --all-namespaces``: it serves the gateways of
every namespace), which runs its own Envoy, or HAProxy with ``--proxy haproxy``. Logs go to
``HOME/logs/server.log`` and ``HOME/logs/agent.log`` (0600, in a home of mode 0700: the store, logs and
records are the user's alone); the screen shows a spinner while the parts start, then the addresses (and,
with ``--demo``, curl lines to try). Port 80, Vamp's shared virtual-host port, needs root, so ``vamp up``
uses 8081 unless told otherwise.

Ctrl-C or SIGTERM stops the agent by its PID (it stops its proxy), then the server, whose local driver
stops every service process. Should this process be killed outright, the agent gets SIGTERM from the
kernel (``PR_SET_PDEATHSIG``), and the next ``vamp up`` on the same home adopts the service processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from vamp import errors, settings
from vamp.adapters import private_files
from vamp.interfaces import credentials
from vamp.interfaces.agent import proxies
from vamp.interfaces.cli import client, demo, output, server
from vamp.services.access import tokens as token_service

SHARED_PORT = 8081
AGENT_START_SECONDS = 60.0
AGENT_STOP_SECONDS = 15.0
_PR_SET_PDEATHSIG = 1

log = logging.getLogger("vamp.up")


def up(
    home: server.Home = None,
    port: server.Port = 8080,
    with_demo: Annotated[
        bool,
        typer.Option("--demo", help="Deploy the sava demo: versions 1.0 and 1.1 behind port 9050 at 90/10."),
    ] = False,
    demo_port: Annotated[
        int,
        typer.Option(
            "--demo-port",
            min=1,
            max=65535,
            metavar="PORT",
            help="The demo's gateway port, when 9050 is taken (with --demo).",
        ),
    ] = demo.PORT,
    shared_port: Annotated[
        int,
        typer.Option(
            "--shared-port",
            min=1,
            max=65535,
            metavar="PORT",
            help="The virtual-host port every gateway is also served on by Host header (80 needs root).",
        ),
    ] = SHARED_PORT,
    gateway_ports: server.GatewayPorts = server.DEFAULT_GATEWAY_PORTS,
    cors_origins: server.CorsOrigins = [],  # noqa: B006 (Typer reads the default, never changes it)
    max_body: server.MaxBody = server.DEFAULT_MAX_BODY,
    proxy: Annotated[proxies.Proxy, typer.Option("--proxy", help=proxies.HELP)] = proxies.Proxy.ENVOY,
    sla_period: server.SlaPeriod = server.DEFAULT_SLA_PERIOD,
) -> None:
    """Start Vamp on this machine: server, reconciler, local driver and a gateway agent with Envoy or
    HAProxy (--proxy).

    Gateways are served on their own ports and, by Host header, on the shared virtual-host port: 8081
    here, since Vamp's usual port 80 needs root. Ctrl-C stops everything it started.
    """
    if proxy is proxies.Proxy.HAPROXY:
        try:
            proxies.haproxy_binary()
        except errors.DataPlaneError as exc:
            output.fail(str(exc))
    folder = settings.home(home).absolute()
    logs = folder / "logs"
    server.private_home(folder)
    try:
        private_files.folder(logs)
        private_files.append(logs / "server.log").close()  # 0600 before logging opens it
    except OSError as exc:
        output.fail(f"Cannot use {folder} as Vamp's home (--home): {exc.strerror}.")
    logging.basicConfig(
        filename=logs / "server.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    server.quiet_libraries()
    agent_port = _free_port()
    agent_token = _agent_token(folder)
    config = settings.Settings(
        home=folder,
        store=settings.store_address(folder, None),
        port=port,
        agents=(f"http://127.0.0.1:{agent_port}",),
        shared_port=shared_port,
        gateway_ports=server.gateway_ports_of(gateway_ports),
        agent_token=agent_token,
        allow_command_deployables=True,  # one machine, one user: its services are local processes
        cors_origins=tuple(cors_origins),
        max_body=server.max_body_of(max_body),
        sla_period=sla_period,
        gateway_driver=str(proxy),
    )
    server.run(lambda stop: _up(config, agent_port, proxy, demo_port if with_demo else None, stop))


def _agent_token(home: Path) -> str:
    """The token of this home's gateway agent: kept in ``HOME/agent-token``, made the first time."""
    path = home / credentials.AGENT_TOKEN
    try:
        found = credentials.read_secret(path)
        if found is None:
            found = token_service.mint()
            credentials.write_private(path, found + "\n")
    except errors.VampError as exc:
        output.fail(str(exc))
    return found


async def _up(
    config: settings.Settings,
    agent_port: int,
    proxy: proxies.Proxy,
    demo_port: int | None,
    stop: asyncio.Event,
) -> None:
    from vamp.interfaces import wiring

    started = asyncio.Event()
    async with asyncio.TaskGroup() as group:
        serving = group.create_task(wiring.serve(config, stop, ready=started.set), name="server")
        with output.stderr.status(f"Starting the Vamp server on {config.url}…"):
            await _first(started.wait(), serving)
        if serving.done():
            return
        try:
            await _with_agent(config, agent_port, proxy, demo_port, stop)
        finally:
            stop.set()
            await asyncio.wait([serving])  # a clean shutdown, before the task group would cancel it


async def _with_agent(
    config: settings.Settings,
    agent_port: int,
    proxy: proxies.Proxy,
    demo_port: int | None,
    stop: asyncio.Event,
) -> None:
    workdir = config.home / "agent"
    await _previous_agent_gone(workdir)
    agent = await _start_agent(config, agent_port, workdir, proxy)
    try:
        with output.stderr.status(f"Starting the gateway agent and {proxy.product}…"):
            await _first(_agent_healthy(agent_port, config.home, proxy), agent.wait())
        if agent.returncode is not None:
            raise errors.VampError(_agent_ended(agent.returncode, config.home))
        if demo_port is not None:
            admin = credentials.read_secret(config.home / credentials.ADMIN_TOKEN)
            with client.Client(config.url, token=admin) as api:
                await asyncio.to_thread(demo.deploy, api, port=demo_port)
        _print_addresses(config, agent_port, proxy, demo_port)
        await _first(stop.wait(), agent.wait())
        if agent.returncode is not None and not stop.is_set():
            raise errors.VampError(_agent_ended(agent.returncode, config.home))
    finally:
        await _stop(agent)


async def _first(*awaitables: Awaitable[Any]) -> None:
    """Wait until the first of ``awaitables`` (coroutines or tasks) is done, and raise what it raised.

    The coroutines still running then are cancelled and waited for; a task given goes on, and what it
    raises is for its owner to see.
    """
    tasks = [asyncio.ensure_future(item) for item in awaitables]
    ours = {task for task, given in zip(tasks, awaitables, strict=True) if task is not given}
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in ours:
            task.cancel()
        if ours:
            await asyncio.wait(ours)
    for task in done & ours:
        task.result()


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when ``vamp up`` dies, however it dies."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def _start_agent(
    config: settings.Settings, agent_port: int, workdir: Path, proxy: proxies.Proxy
) -> asyncio.subprocess.Process:
    log_file = config.home / "logs" / "agent.log"
    with private_files.append(log_file) as stream:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "vamp",
            "agent",
            "--server",
            config.url,
            "--all-namespaces",
            "--workdir",
            str(workdir),
            "--token-file",
            str(config.home / credentials.AGENT_TOKEN),
            "--listen",
            str(agent_port),
            "--concurrency",
            "2",
            "--proxy",
            str(proxy),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stream,
            stderr=stream,
            preexec_fn=_die_with_parent,
        )


async def _agent_healthy(port: int, home: Path, proxy: proxies.Proxy = proxies.Proxy.ENVOY) -> None:
    """Return once the agent's proxy runs (``/health`` answers 200).

    Raises:
        errors.VampError: it did not within ``AGENT_START_SECONDS``.
    """
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2.0, trust_env=False) as http:
        try:
            async with asyncio.timeout(AGENT_START_SECONDS):
                while True:
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get("/health")).status_code == 200:
                            return
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise errors.VampError(
                f"The gateway agent's {proxy.product} did not start within {AGENT_START_SECONDS:g} s; "
                f"see {home / 'logs' / 'agent.log'}."
            ) from None


async def _stop(agent: asyncio.subprocess.Process) -> None:
    """Stop the agent by its PID: SIGTERM (it stops its Envoy), SIGKILL if it does not end in time."""
    if agent.returncode is not None:
        return
    agent.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(AGENT_STOP_SECONDS):
            await agent.wait()
    except TimeoutError:
        agent.kill()
        await agent.wait()


async def _previous_agent_gone(workdir: Path) -> None:
    """Wait for the agent of an earlier ``vamp up`` on this home to end (its parent's death ends it)."""
    pid = _lock_holder(workdir / "agent.lock")
    if pid is None:
        return
    for _ in range(int(AGENT_STOP_SECONDS * 10)):
        if not _is_agent(pid):
            return
        await asyncio.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _lock_holder(lock: Path) -> int | None:
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _is_agent(pid: int) -> bool:
    """Whether ``pid`` is a running ``vamp agent`` (and not some process that reuses its number)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"vamp" in arguments and b"agent" in arguments


def _agent_ended(returncode: int, home: Path) -> str:
    return f"The gateway agent ended (exit code {returncode}); see {home / 'logs' / 'agent.log'}."


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _print_addresses(
    config: settings.Settings, agent_port: int, proxy: proxies.Proxy, demo_port: int | None
) -> None:
    shared = config.shared_port
    lines = [
        "[bold green]Vamp is up.[/]",
        f"  API       {config.url}/api/v1   (OpenAPI docs: {config.url}/api/docs)",
        f"  Web UI    {config.url}/   (sign in with the admin token)",
        f"  Gateways  on {config.gateway_host}: each on its own port, and by Host header on port {shared}"
        + (" (80 needs root: --shared-port)" if shared != 80 else ""),
        f"  Agent     http://127.0.0.1:{agent_port}/status and /metrics.json   (on {proxy.product})",
        f"  Home      {config.home}   (logs in {config.home / 'logs'})",
        f"  Token     {config.home / credentials.ADMIN_TOKEN}   (the admin token: `vamp` run here finds it; "
        "elsewhere `vamp login`)",
    ]
    if demo_port is not None:
        lines += [
            "",
            f"The sava demo runs: versions 1.0 and 1.1 behind gateway port {demo_port}, 90 % / 10 %. Try:",
            f"  curl http://127.0.0.1:{demo_port}/json",
            f"  curl -H 'Host: {demo_port}.sava.vamp' http://127.0.0.1:{shared}/json",
            "  vamp list deployments",
            f"  vamp update-gateway {demo.INTERNAL_GATEWAY} --weights sava:1.0.0@50%,sava:1.1.0@50%",
            f"  vamp update-gateway {demo.INTERNAL_GATEWAY} --route sava:1.1.0 "
            "--condition 'user-agent == Firefox' --strength 100%",
            f"  curl -A Firefox http://127.0.0.1:{demo_port}/json",
            f"  vamp metrics gateway sava/{demo_port} --watch",
        ]
    lines += ["", "Press Ctrl-C to stop Vamp and everything it started."]
    for line in lines:
        output.stdout.print(line)
