"""The gateway agent process: builds its parts from ``Settings`` and runs them until told to stop.

``serve`` checks everything a user can get wrong before anything starts (the plan source, the proxy's
binary, the work directory, the ports), so those errors end the process at once as one ``VampError``;
afterwards a bad plan is only reported. Then it starts the data plane ``Settings.proxy`` names (Envoy or
HAProxy, ``_data_plane``) on the last good plan, and runs three things side by side: the agent's loop,
the traffic meter, and the HTTP endpoint on ``bind``:``listen`` (the gateway ports' address, so in a Pod
the server and Prometheus reach it too). SIGTERM or SIGINT stops the endpoint and the loops, then the
proxy by its PID.

Work directory (one agent each; a lock file keeps a second one out; mode 0700, so only the agent's user
reaches the proxy's admin socket, the plan and the logs)::

    agent.lock  held while the agent runs, holds its PID
    plan.json   the last good plan          } ``adapters.envoy.dataplane`` or
    the proxy's sockets, configuration, log  } ``adapters.haproxy.dataplane``
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fcntl
import gc
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import uvicorn

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.envoy import dataplane as envoy_dataplane
from vamp.adapters.envoy import layout
from vamp.adapters.envoy import render as envoy_render
from vamp.adapters.haproxy import dataplane as haproxy_dataplane
from vamp.adapters.haproxy import render as haproxy_render
from vamp.adapters.plans import files as plan_files
from vamp.adapters.plans import server as plan_server
from vamp.core.routing import plan as routing_plan
from vamp.interfaces import http_server, stopping
from vamp.interfaces.agent import endpoint, proxies
from vamp.ports import gateway_agent
from vamp.services import agent as agent_service
from vamp.services import traffic

log = logging.getLogger("vamp.agent")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything ``vamp agent`` is told. Exactly one of ``plan`` and ``server`` is given."""

    workdir: Path
    plan: Path | None = None
    server: str | None = None
    token: str | None = field(default=None, repr=False)
    """The agent token sent to the server (``--token-file``, ``$VAMP_TOKEN``)."""
    namespaces: tuple[str, ...] = ()
    """The namespaces whose plans a ``server`` agent serves (none: the server's default)."""
    all_namespaces: bool = False
    """Whether a ``server`` agent serves every namespace of the server."""
    listen: int = 9090
    bind: str = "127.0.0.1"
    """The address the gateway ports and the endpoint listen on."""
    concurrency: int = 2
    metrics_interval: float = 2.0
    proxy: proxies.Proxy = proxies.Proxy.ENVOY
    """The data plane that serves the gateways."""


class RunningDataPlane(gateway_agent.DataPlane, Protocol):
    """A data plane the agent starts and stops: ``EnvoyDataPlane`` or ``HaproxyDataPlane``."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class SystemClock:
    """The real clock (``ports.gateway_agent.Clock``)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return asyncio.get_running_loop().time()


async def serve(settings: Settings) -> None:
    """Run the agent until SIGTERM or SIGINT, then stop its proxy and return.

    Raises:
        errors.VampError: something given cannot work (a plan file that cannot be read, a missing proxy
            binary, a port in use, a work directory another agent uses, the proxy failing to start); the
            message says what.
    """
    # From the very start: a signal while the proxy starts stops it too.
    with stopping.stopped_by_signals() as stop:
        source = _source(settings)
        source.check()
        with _locked(settings.workdir), _bound(settings.bind, settings.listen, "--listen") as listening:
            data_plane = _data_plane(settings)
            await data_plane.start()
            try:
                await _run(settings, source, data_plane, listening, stop)
            finally:
                await data_plane.stop()


def _data_plane(settings: Settings) -> RunningDataPlane:
    """The data plane ``settings.proxy`` names, not started yet.

    Raises:
        errors.DataPlaneError: the proxy's binary is missing; the message says how to install it.
    """
    if settings.proxy is proxies.Proxy.HAPROXY:
        return _haproxy(settings)
    options = envoy_render.RenderOptions(listen_host=settings.bind)
    reuse = envoy_render.Reuse()  # a plan that changes one gateway renders that gateway's resources only

    def rendered(plan: routing_plan.RoutingPlan, files: layout.Layout) -> envoy_render.Rendering:
        rendering = envoy_render.render(plan, files, options=options, reuse=reuse)
        # The plan and its rendering live until the next plan, and mostly on in it: out of the way of
        # full collections, which would walk them all (a second at 10,000 clusters) while it is sent.
        gc.freeze()
        return rendering

    return envoy_dataplane.EnvoyDataPlane(
        settings.workdir,
        rendered,
        node_id=f"{socket.gethostname()}-{os.getpid()}",
        base_id=os.getpid(),
        concurrency=settings.concurrency,
    )


def _haproxy(settings: Settings) -> RunningDataPlane:
    binary = proxies.haproxy_binary()

    def rendered(
        plan: routing_plan.RoutingPlan, options: haproxy_render.RenderOptions
    ) -> haproxy_render.Rendering:
        return haproxy_render.render(plan, options=dataclasses.replace(options, listen_host=settings.bind))

    return haproxy_dataplane.HaproxyDataPlane(settings.workdir, rendered, haproxy=binary)


async def _run(
    settings: Settings,
    source: gateway_agent.PlanSource,
    data_plane: RunningDataPlane,
    listening: socket.socket,
    stop: asyncio.Event,
) -> None:
    clock = SystemClock()
    agent = agent_service.Agent(source, data_plane, clock)
    meter = traffic.TrafficMeter(data_plane, clock, interval=settings.metrics_interval)
    app = endpoint.create_app(endpoint.Parts(agent, meter, data_plane, settings.proxy))
    http = http_server.Server(
        uvicorn.Config(app, log_config=None, log_level="warning", access_log=False, lifespan="off")
    )
    await agent.resume()
    health = data_plane.health()
    log.info(
        "vamp agent (pid %d): status and metrics on http://%s:%d, %s (pid %s) admin on %s, "
        "work directory %s.",
        os.getpid(),
        settings.bind,
        settings.listen,
        settings.proxy.product,
        health.pid,
        health.admin_url,
        settings.workdir,
    )
    # What the start loaded lives as long as the agent: out of the way of full collections, which
    # would otherwise walk it all and hold up a plan's delivery for tens of milliseconds.
    gc.freeze()
    async with asyncio.TaskGroup() as tasks:
        loops = [
            tasks.create_task(agent.run(), name="agent"),
            tasks.create_task(meter.run(), name="traffic meter"),
        ]
        serving = tasks.create_task(http.serve(sockets=[listening]), name="http endpoint")
        await stop.wait()
        log.info("vamp agent: stopping.")
        http.should_exit = True
        await serving
        for task in loops:
            task.cancel()


def _source(settings: Settings) -> plan_files.PlanFiles | plan_server.PlanServer:
    if (settings.plan is None) == (settings.server is None):
        raise errors.PlanSourceError(
            "Give the agent exactly one source of routing plans: --plan FILE|DIR or --server URL."
        )
    if settings.plan is not None:
        if settings.namespaces or settings.all_namespaces:
            raise errors.PlanSourceError(
                "--namespace and --all-namespaces choose the plans of a Vamp server: "
                "use them with --server URL, not with --plan."
            )
        return plan_files.PlanFiles(settings.plan)
    assert settings.server is not None
    return plan_server.PlanServer(
        settings.server,
        namespaces=settings.namespaces,
        all_namespaces=settings.all_namespaces,
        token=settings.token,
    )


@contextlib.contextmanager
def _locked(workdir: Path) -> Iterator[None]:
    """Hold ``agent.lock`` in ``workdir``: two agents there would fight over one socket and one plan."""
    try:
        private_files.folder(workdir)
        lock = (workdir / "agent.lock").open("a+")
    except OSError as exc:
        raise errors.VampError(
            f"Cannot use the work directory {workdir} (--workdir): {exc.strerror}."
        ) from exc
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            lock.seek(0)
            holder = lock.read().strip() or "?"
            raise errors.VampError(
                f"Another agent (pid {holder}) uses the work directory {workdir}: give each agent its "
                "own --workdir."
            ) from exc
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def _bound(host: str, port: int, option: str) -> contextlib.AbstractContextManager[socket.socket]:
    """A socket listening on ``host``:``port``, closed on exit; the error names ``option``."""
    return http_server.listening(
        host,
        port,
        lambda exc: f"Cannot listen on {host}:{port} ({option}): {exc.strerror}. Choose a free port.",
        backlog=128,
    )
