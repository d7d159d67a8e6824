"""One data plane under test, whichever it is: gateways compiled into a plan and applied through the
data-plane port (``vamp.ports.gateway_agent.DataPlane``), the backends behind them, and the process.

``Plane`` holds an ``EnvoyDataPlane`` or a ``HaproxyDataPlane``, each rendering with its adapter's
``render`` and default options, and the backends ``a`` … ``e`` of ``gateway_harness`` for a whole test
module (the ``data_plane`` fixture of ``conftest``). Every backend is the one ready instance of service
``shop/web/<name>`` at port ``http``, so a route to backend ``a`` is ``route("a")``. ``serve`` applies a
whole plan, which replaces what the previous test served.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tests.core.routing.build import instance
from tests.e2e.backends import HOST, Backends
from tests.e2e.conftest import base_id
from vamp.adapters.envoy import dataplane as envoy_dataplane
from vamp.adapters.envoy import layout
from vamp.adapters.envoy import render as envoy_render
from vamp.adapters.haproxy import dataplane as haproxy_dataplane
from vamp.adapters.haproxy import render as haproxy_render
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

KINDS = ("envoy", "haproxy")

DataPlane = envoy_dataplane.EnvoyDataPlane | haproxy_dataplane.HaproxyDataPlane


def render_envoy(plan: routing_plan.RoutingPlan, files: layout.Layout) -> envoy_render.Rendering:
    return envoy_render.render(plan, files)


def render_haproxy(
    plan: routing_plan.RoutingPlan, options: haproxy_render.RenderOptions
) -> haproxy_render.Rendering:
    return haproxy_render.render(plan, options=options)


def adapter_of(kind: str, workdir: Path) -> DataPlane:
    """A data plane of ``kind`` (``envoy`` or ``haproxy``) working in ``workdir``, not started yet."""
    if kind == "envoy":
        return envoy_dataplane.EnvoyDataPlane(workdir, render_envoy, node_id=workdir.name, base_id=base_id())
    return haproxy_dataplane.HaproxyDataPlane(workdir, render_haproxy)


@dataclass
class Plane:
    """A running data plane of ``kind`` and the backends behind it."""

    kind: str
    adapter: DataPlane
    """The adapter on the data-plane port."""
    backends: Backends

    def instances(self) -> list[model.ObservedInstance]:
        """One instance per backend: service ``shop/web/<backend>`` at port ``http``."""
        return [
            instance(name, HOST, {"http": port}, service=f"shop/web/{name}")
            for name, port in self.backends.ports.items()
        ]

    def compile(
        self,
        *gateways: model.Gateway,
        instances: Iterable[model.ObservedInstance] | None = None,
        shared_port: int | None = None,
    ) -> routing_plan.RoutingPlan:
        """The plan of ``gateways`` over the instances (``instances()`` by default); fails on any problem."""
        compiled = compile_plan(
            gateways, self.instances() if instances is None else instances, shared_port=shared_port
        )
        assert compiled.problems == (), compiled.problems
        return compiled

    async def serve(
        self,
        *gateways: model.Gateway,
        instances: Iterable[model.ObservedInstance] | None = None,
        shared_port: int | None = None,
    ) -> routing_plan.RoutingPlan:
        """Compile ``gateways`` and apply the plan through the data-plane port; return the plan."""
        compiled = self.compile(*gateways, instances=instances, shared_port=shared_port)
        assert await self.adapter.apply(compiled) == compiled.version
        return compiled

    def pid(self) -> int:
        """The proxy process serving right now."""
        pid = self.adapter.health().pid
        assert pid is not None, f"{self.kind} is down: {self.adapter.health()}"
        return pid

    def kill(self) -> int:
        """SIGKILL the proxy process; return its PID."""
        pid = self.pid()
        os.kill(pid, signal.SIGKILL)
        return pid
