"""What ``bench/dataplane.py`` measures of a vamp gateway serving a large plan (1,000 gateways × 10 routes).

``measure`` takes one ``GatewayAgent`` (on Envoy or on HAProxy) through the large plan and says, in a
``Scale``:

* the compile time, and the render time of the agent's proxy: Envoy's snapshot (its cluster count), or
  HAProxy's configuration rendered as the agent's data plane renders it (runtime API socket, weight maps
  in a folder, latency buckets), its size, and how long ``haproxy -c`` takes to check it with its maps
  (what every reload of the agent waits for first);
* the time from writing the plan file until the agent reports the plan active, and the same for a weight
  change on every gateway, with the reloads the HAProxy master went through for each (0 for the change
  means HAProxy served it through the runtime API);
* the memory (RSS) of the agent and its proxy's processes: Envoy, or HAProxy's master and workers; and
  how often the proxy died and was restarted meanwhile (should be never).

If the agent cannot serve the plan, ``Scale.failure`` says why.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import proxies
from bench.gateway_agents import GatewayAgent
from bench.plans import consecutive_free_ports, large_plan
from vamp.adapters.envoy import layout
from vamp.adapters.envoy import render as envoy_render
from vamp.adapters.haproxy import files, render_latency
from vamp.adapters.haproxy import render as haproxy_render
from vamp.core.routing import plan as routing_plan
from vamp.interfaces.agent.proxies import Proxy

_TIMEOUT_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class Scale:
    """One agent serving a large plan: how long each step took, what its processes hold, or why it failed."""

    agent: str
    gateways: int
    routes: int
    compile_seconds: float
    render_seconds: float
    rendered: str
    """What the render gave: Envoy's cluster count, or HAProxy's size and ``haproxy -c`` time."""
    to_active: float = float("nan")
    reloads: int | None = None
    """Reloads of the HAProxy master while the plan became active; ``None`` on Envoy."""
    change_to_active: float = float("nan")
    change_reloads: int | None = None
    """Reloads of the HAProxy master during the weight change; ``None`` on Envoy."""
    memory: dict[str, float] = field(default_factory=dict)
    restarts: int = 0
    """Restarts of the proxy after it died, while the large plan was served (0 unless it died)."""
    failure: str = ""


def measure(agent: GatewayAgent, backends: list[int], gateways: int, routes: int, workdir: Path) -> Scale:
    """``agent`` through a plan of ``gateways`` × ``routes`` on ports nothing listens on, then a weight
    change on every gateway."""
    first = consecutive_free_ports(gateways)
    large, compile_seconds = timed(lambda: large_plan(first, backends, gateways, routes))
    if agent.proxy is Proxy.HAPROXY:
        render_seconds, rendered = _render_haproxy(large, workdir / "haproxy-render")
    else:
        snapshot, render_seconds = timed(
            lambda: envoy_render.render(large, layout.Layout(workdir / "envoy-render")).snapshot
        )
        rendered = f"{len(snapshot.clusters):,} Envoy clusters"
    measured = Scale(agent.name, gateways, routes, compile_seconds, render_seconds, rendered)
    try:
        restarts = agent.restarts()
        before = agent.reloads()
        agent.write(large)
        to_active = agent.wait_active(large.version, timeout=_TIMEOUT_SECONDS)
        loaded = agent.reloads()
        changed = large_plan(first, backends, gateways, routes, shift=1)
        agent.write(changed)
        change_to_active = agent.wait_active(changed.version, timeout=_TIMEOUT_SECONDS)
        after = agent.reloads()
    except RuntimeError as exc:
        return dataclasses.replace(measured, failure=str(exc))
    on_haproxy = agent.proxy is Proxy.HAPROXY
    return dataclasses.replace(
        measured,
        to_active=to_active,
        reloads=loaded - before if on_haproxy else None,
        change_to_active=change_to_active,
        change_reloads=after - loaded if on_haproxy else None,
        memory=agent.memory(),
        restarts=agent.restarts() - restarts,
    )


def _render_haproxy(plan: routing_plan.RoutingPlan, folder: Path) -> tuple[float, str]:
    """Render ``plan`` as the agent's HAProxy data plane does, and have ``haproxy -c`` check it with its
    maps; the render's seconds, and what it gave."""
    place = files.Layout(folder.resolve())
    place.make()
    options = haproxy_render.RenderOptions(
        stats_socket=str(place.runtime_socket),
        maps_folder=str(place.maps),
        latency_map=str(place.map(render_latency.MAP_NAME)),
    )
    rendering, render_seconds = timed(lambda: haproxy_render.render(plan, options=options))
    objections, check_seconds = timed(
        lambda: asyncio.run(files.check(proxies.tool("haproxy"), place, rendering.text, rendering.maps))
    )
    lines = rendering.text.count("\n")
    said = f"{lines:,} lines, {len(rendering.text.encode()):,} bytes, {len(rendering.maps):,} maps; "
    said += f"haproxy -c {check_seconds:.2f} s"
    if objections is not None:
        said += f" (refused: {objections.strip()[-300:]})"
    return render_seconds, said


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """What ``function`` returns, and the seconds it took."""
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started
