"""One HAProxy as the gateway agent's data plane: render a plan, deliver it, verify it, keep HAProxy running.

``HaproxyDataPlane`` implements ``vamp.ports.gateway_agent.DataPlane``, the twin of
``vamp.adapters.envoy.dataplane``:

* ``apply`` renders the plan (the renderer is passed in; the data plane fills in the options it needs:
  the runtime API socket and the weight maps' folder) and refuses, before HAProxy sees anything, a plan
  that listens where another process does (``listening_ports``). It then delivers it the cheapest way
  ``delivery.change`` allows: weights and instances through the runtime API (``runtime_delivery``), with
  no reload; anything else by writing the candidate, having ``haproxy -c`` check it (a configuration it
  refuses never replaces the running one; the gateways its complaints point at are named,
  ``refusals``), and reloading the master, which hands the listening sockets to the new worker. The plan
  is active once HAProxy reports it: the new worker's ``VAMP_PLAN_VERSION`` (``show env``) after a
  reload, the new map entries (``show map``) after a runtime change. Only then is it kept as the last
  good plan (``plan.json``). When a delivery fails, the last good files are put back and
  ``errors.PublishError`` says why;
* the ``supervisor`` keeps HAProxy running, and restarts it on the files in place (the last good plan)
  when the master or the worker dies;
* ``traffic`` reads ``show stat`` and the latency buckets (``show table``; their map is kept with the
  weight maps) and adds them up per route and gateway (``traffic``).

Work directory::

    plan.json   the last good plan (RoutingPlan.to_data)
    haproxy/    the configuration, maps, sockets and log (``files``)
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from vamp import errors
from vamp.adapters import listening_ports, private_files
from vamp.adapters.haproxy import (
    delivery,
    files,
    refusals,
    render_latency,
    runtime,
    runtime_delivery,
    supervisor,
    traffic,
)
from vamp.adapters.haproxy.render import VERSION_VARIABLE, Rendering, RenderOptions
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent

Renderer = Callable[[routing_plan.RoutingPlan, RenderOptions], Rendering]

_POLL_SECONDS = 0.005
CLOSE_SPREAD_SECONDS = 1.0
"""How long the old worker of a reload takes to close its keep-alive client connections: closing idle ones
all at once fails requests clients send at that moment (2 of 4,000 requests over 10 reloads, measured),
spread over a second it failed none in five such runs."""
_EMPTY = f"""# No routing plan yet.
global
    stats socket {{socket}} mode 600 level admin expose-fd listeners
    setenv {VERSION_VARIABLE} none

defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server 50s
"""


class HaproxyDataPlane:
    """The data plane of one agent: one HAProxy (master and workers) and its last good plan, under
    ``workdir``. Use as an async context manager, or call ``start`` and ``stop``.

    Args:
        render: turns a plan into HAProxy configuration, given the options this data plane needs (it may
            change others, e.g. ``listen_host``, with ``dataclasses.replace``).
        haproxy: the ``haproxy`` executable.
        publish_timeout: seconds HAProxy has to check, load and report a new configuration.
    """

    def __init__(
        self,
        workdir: Path,
        render: Renderer,
        *,
        haproxy: str = "haproxy",
        publish_timeout: float = 30.0,
    ) -> None:
        root = workdir.resolve()
        self._root = root
        self._plan_path = root / "plan.json"
        self.files = files.Layout(root / "haproxy")
        self._render = render
        self._haproxy = haproxy
        self._publish_timeout = publish_timeout
        self._supervisor = supervisor.Supervisor(
            self.files.config,
            self.files.root,
            runtime_socket=self.files.runtime_socket,
            executable=haproxy,
            ready_timeout=publish_timeout,
        )
        self._runtime = runtime.Runtime(self.files.runtime_socket, timeout=publish_timeout)
        self._options = RenderOptions(
            stats_socket=str(self.files.runtime_socket),
            maps_folder=str(self.files.maps),
            latency_map=str(self.files.map(render_latency.MAP_NAME)),
            close_spread_s=CLOSE_SPREAD_SECONDS,
        )
        self._rendering: Rendering | None = None
        """What the files in place hold, and HAProxy serves."""
        self._lock = asyncio.Lock()

    @property
    def log_path(self) -> Path:
        """HAProxy's log."""
        return self._supervisor.log_path

    @property
    def supervisor(self) -> supervisor.Supervisor:
        return self._supervisor

    async def start(self) -> None:
        """Put the kept plan's configuration in place (or an empty one), start HAProxy on it, and wait
        until it serves.

        Raises:
            errors.DataPlaneError: HAProxy did not start; the message says why.
        """
        try:
            private_files.folder(self._root)
        except OSError as exc:
            raise errors.DataPlaneError(
                f"Cannot make the agent's folder {self._root}: {exc.strerror}."
            ) from exc
        self.files.make()
        self._rendering = self._kept_rendering()
        if self._rendering is not None:
            files.install(self.files, self._rendering.text, self._rendering.maps)
            try:
                await self._supervisor.start()
                return
            # The kept plan no longer starts (a port taken meanwhile): HAProxy starts empty, and the
            # agent, resuming, applies the kept plan and reports why it is refused.
            except errors.DataPlaneError:
                self._rendering = None
        files.install(self.files, _EMPTY.format(socket=self.files.runtime_socket), {})
        await self._supervisor.start()

    async def stop(self) -> None:
        """Stop HAProxy (master and workers) by their PIDs."""
        await self._supervisor.stop()

    async def __aenter__(self) -> HaproxyDataPlane:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        """Render, deliver and verify ``plan``, then keep it as the last good plan; return its version."""
        async with self._lock:
            rendering = self._rendered(plan)
            if self._supervisor.pid is None:
                raise errors.DataPlaneError("HAProxy is not running right now (it is being restarted).")
            held = delivery.binds(self._rendering.text) if self._rendering is not None else set()
            listening_ports.refuse_taken(plan, delivery.binds(rendering.text) - held, "HAProxy")
            change = delivery.change(self._rendering, rendering)
            if change.reload:
                await self._reload(plan, rendering)
            elif not change.nothing:
                await self._change_at_runtime(plan, rendering, change)
            self._keep(plan)
            self._rendering = rendering
            return plan.version

    def last_good(self) -> routing_plan.RoutingPlan | None:
        """The plan last applied, read back from ``plan.json``; ``None`` when there is none."""
        try:
            text = self._plan_path.read_text()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise errors.RoutingError([f"The kept plan {self._plan_path} is not JSON: {exc}."]) from exc
        return routing_plan.RoutingPlan.from_data(data)

    def health(self) -> gateway_agent.Health:
        process = self._supervisor
        return gateway_agent.Health(
            pid=process.pid,
            restarts=process.restarts,
            exits=tuple(exit.reason for exit in process.exits),
            admin_url=f"unix:{self.files.runtime_socket}",
        )

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        """Each gateway's and route's traffic under the last applied plan; nothing before the first."""
        if self._rendering is None:
            return ()
        return await traffic.read(self._runtime, self._rendering.backends)

    async def _reload(self, plan: routing_plan.RoutingPlan, rendering: Rendering) -> None:
        """Check the candidate, put it in place, reload, and wait for the new worker to report it."""
        objections = await files.check(self._haproxy, self.files, rendering.text, rendering.maps)
        if objections is not None:
            raise refusals.refused(plan, rendering, objections)
        saved = files.save(self.files)
        files.install(self.files, rendering.text, rendering.maps)
        logged = self._supervisor.log_size()
        try:
            if not await self._supervisor.reload():
                raise refusals.refused(plan, rendering, self._supervisor.log_tail(logged))
            await self._await_version(plan.version)
        except (errors.PublishError, errors.DataPlaneError):
            files.restore(self.files, saved)
            raise

    async def _change_at_runtime(
        self, plan: routing_plan.RoutingPlan, rendering: Rendering, change: delivery.Change
    ) -> None:
        """Change maps and servers through the runtime API, then put the files in place to match; fall
        back to a reload if HAProxy refuses (the files in place are the last good ones until then).

        The files follow the change rather than precede it, so no fsync delays the new weights. HAProxy
        restarted meanwhile (on the last good files) is reloaded on the new ones.
        """
        exits = len(self._supervisor.exits)
        try:
            await runtime_delivery.deliver(self._runtime, self.files, change, timeout=self._publish_timeout)
        except errors.DataPlaneError:
            # What the runtime API would not do (a server still busy), a reload does.
            await self._reload(plan, rendering)
            return
        files.install(self.files, rendering.text, rendering.maps)
        if len(self._supervisor.exits) != exits:
            await self._reload(plan, rendering)

    async def _await_version(self, version: str) -> None:
        expected = f"{VERSION_VARIABLE}={version}"
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._publish_timeout
        answer = ""
        while True:
            try:
                answer = (await self._runtime.command(f"show env {VERSION_VARIABLE}")).strip()
            except errors.DataPlaneError:
                answer = "no answer"
            if answer == expected:
                return
            if loop.time() >= deadline:
                raise errors.DataPlaneError(
                    f"HAProxy does not report routing plan {version} as active within "
                    f"{self._publish_timeout:g} s: its worker says {answer!r}."
                )
            await asyncio.sleep(_POLL_SECONDS)

    def _rendered(self, plan: routing_plan.RoutingPlan) -> Rendering:
        try:
            return self._render(plan, self._options)
        # Whatever the renderer cannot handle is a plan HAProxy will not get, never a reason to stop
        # serving the last good one: the error is reported as a refused plan.
        except Exception as exc:
            raise errors.PublishError(
                f"Routing plan {plan.version} cannot be rendered for HAProxy: {exc}"
            ) from exc

    def _kept_rendering(self) -> Rendering | None:
        """The kept plan's rendering, for HAProxy to start on; ``None`` if there is none that renders.

        Why a kept plan cannot be read is the agent's to report, when it resumes.
        """
        try:
            kept = self.last_good()
            return None if kept is None else self._render(kept, self._options)
        except Exception:  # whatever it is, HAProxy starts empty and the agent says why
            return None

    def _keep(self, plan: routing_plan.RoutingPlan) -> None:
        """Write ``plan.json`` in one rename, so a crash never leaves half a plan."""
        content = json.dumps(plan.to_data(), separators=(",", ":")).encode()
        descriptor, temporary = tempfile.mkstemp(dir=self._root)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, self._plan_path)
