"""A stand-in for ``HaproxyDataPlane`` (branch haproxy-delivery) until that lands: the data-plane port
(``vamp.ports.gateway_agent.DataPlane``) on one HAProxy 2.6, just enough for the end-to-end suite.

``apply`` renders the plan with ``vamp.adapters.haproxy.render`` (the runtime API socket in the work
directory), has ``haproxy -c`` check it, and starts a new HAProxy on it that takes the listening sockets
of the running one over the runtime socket (``-x``) and tells it to finish its connections and leave
(``-sf``): the classic seamless reload, so no connection is refused. The plan is active once the runtime
API answers from the new process. A plan HAProxy refuses (``haproxy -c`` or at start) leaves the old
process serving. A process that dies by itself is started again on the last good configuration.
``traffic`` reads ``show stat`` and adds the backends up per route and gateway (no latency histogram).

The real ``HaproxyDataPlane`` changes weights through the runtime API without a reload; this stand-in
only has to serve the same plans, and is dropped once it is merged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from vamp import errors
from vamp.adapters.haproxy import runtime
from vamp.adapters.haproxy.render import Rendering, RenderOptions
from vamp.core.routing import plan as routing_plan
from vamp.ports import gateway_agent

Renderer = Callable[[routing_plan.RoutingPlan, RenderOptions], Rendering]
CODE_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
_NO_LATENCY = gateway_agent.Latency((float("inf"),), (0,), 0.0, None, None, None)


class HaproxyStandIn:
    """One HAProxy under ``workdir`` serving the plans given to ``apply``; async context manager."""

    def __init__(
        self, workdir: Path, render: Renderer, *, haproxy: str = "haproxy", publish_timeout: float = 30.0
    ) -> None:
        self.workdir = workdir.resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.socket = self.workdir / "haproxy.sock"
        self.log_path = self.workdir / "haproxy.log"
        self._render = render
        self._haproxy = haproxy
        self._timeout = publish_timeout
        self._runtime = runtime.Runtime(self.socket)
        self._process: asyncio.subprocess.Process | None = None
        self._rendering: Rendering | None = None
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self._started: list[asyncio.subprocess.Process] = []
        self._retiring: set[int] = set()
        """The processes told to leave (``-sf``) for a new one: their exit is no death."""
        self.restarts = 0
        self.exits: list[str] = []

    async def __aenter__(self) -> HaproxyStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        """Nothing to run before the first plan: HAProxy starts with it."""
        self._stopping = False

    async def stop(self) -> None:
        """Stop every HAProxy started here, by its PID (SIGTERM: at once, connections and all)."""
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        for process in self._started:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), 10.0)
                except TimeoutError:
                    process.kill()
                    await process.wait()

    async def apply(self, plan: routing_plan.RoutingPlan) -> str:
        options = RenderOptions(stats_socket=str(self.socket))
        try:
            rendering = self._render(plan, options)
        except errors.VampError as exc:
            raise errors.PublishError(
                f"Routing plan {plan.version} cannot be rendered for HAProxy: {exc}"
            ) from exc
        candidate = self.workdir / "candidate.cfg"
        candidate.write_text(rendering.text)
        checked = await asyncio.create_subprocess_exec(
            self._haproxy, "-c", "-q", "-f", str(candidate),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        said, _ = await checked.communicate()
        if checked.returncode != 0:
            raise errors.PublishError(f"HAProxy refused routing plan {plan.version}: {said.decode()}")
        config = self.workdir / "haproxy.cfg"
        previous = config.read_text() if config.exists() else None
        candidate.replace(config)
        try:
            await self._launch(config)
        except errors.DataPlaneError:
            if previous is not None:
                config.write_text(previous)
            raise
        (self.workdir / "plan.json").write_text(json.dumps(plan.to_data()))
        self._rendering = rendering
        return plan.version

    def last_good(self) -> routing_plan.RoutingPlan | None:
        kept = self.workdir / "plan.json"
        if not kept.exists():
            return None
        return routing_plan.RoutingPlan.from_data(json.loads(kept.read_text()))

    def health(self) -> gateway_agent.Health:
        running = self._process is not None and self._process.returncode is None
        return gateway_agent.Health(
            pid=self._process.pid if running and self._process is not None else None,
            restarts=self.restarts,
            exits=tuple(self.exits),
            admin_url=runtime.url_of(self.socket),
        )

    async def traffic(self) -> tuple[gateway_agent.Traffic, ...]:
        if self._rendering is None:
            return ()
        rows = {row.proxy: row for row in await self._runtime.stat() if row.type is runtime.ProxyType.BACKEND}
        routes: dict[tuple[str, str], list[runtime.StatRow]] = defaultdict(list)
        for backend, origin in self._rendering.backends.items():
            routes[origin.gateway, origin.route] += [rows[backend]] if backend in rows else []
        gateways: dict[str, list[runtime.StatRow]] = defaultdict(list)
        for (gateway, _), parts in routes.items():
            gateways[gateway] += parts
        found = []
        for gateway in sorted(gateways):
            found.append(_traffic(gateway, None, gateways[gateway]))
            found += [_traffic(g, r, routes[g, r]) for g, r in sorted(routes) if g == gateway]
        return tuple(found)

    async def _launch(self, config: Path) -> None:
        """Start HAProxy on ``config``, taking over from the running one; wait until it answers."""
        old = self._process if self._process is not None and self._process.returncode is None else None
        command = [self._haproxy, "-db", "-f", str(config)]
        if old is not None:
            command += ["-x", str(self.socket), "-sf", str(old.pid)]
            self._retiring.add(old.pid)
        with self.log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(*command, stdout=log, stderr=log)
        self._started = [*(started for started in self._started if started.returncode is None), process]
        deadline = asyncio.get_running_loop().time() + self._timeout
        while True:
            if process.returncode is not None:
                self._retiring.discard(old.pid if old is not None else -1)
                raise errors.PublishError(
                    f"HAProxy exited at start ({process.returncode}); see {self.log_path}."
                )
            with contextlib.suppress(errors.DataPlaneError):
                if (await self._runtime.info()).get("Pid") == str(process.pid):
                    break
            if asyncio.get_running_loop().time() >= deadline:
                process.kill()
                self._retiring.discard(old.pid if old is not None else -1)
                raise errors.DataPlaneError(f"HAProxy did not answer within {self._timeout:g} s.")
            await asyncio.sleep(0.02)
        self._process = process
        if self._watch is None or self._watch.done():
            self._watch = asyncio.create_task(self._supervise())

    async def _supervise(self) -> None:
        """Start HAProxy again on the last good configuration whenever the current process dies."""
        while not self._stopping:
            process = self._process
            assert process is not None
            code = await process.wait()
            if process.pid in self._retiring:
                while process is self._process and not self._stopping:
                    await asyncio.sleep(0.02)  # the new process is not in place yet
                continue
            if self._stopping or process is not self._process:
                continue
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exited with {code}"
            self.exits.append(f"HAProxy (pid {process.pid}) {how}")
            self._process = None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.socket)
            await self._launch(self.workdir / "haproxy.cfg")
            self.restarts += 1


def _traffic(gateway: str, route: str | None, rows: list[runtime.StatRow]) -> gateway_agent.Traffic:
    return gateway_agent.Traffic(
        gateway=gateway,
        route=route,
        requests=sum(row.requests for row in rows),
        codes={code: sum(row.responses.get(code, 0) for row in rows) for code in CODE_CLASSES},
        latency=_NO_LATENCY,
    )
