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

Run alone (``.venv/bin/python -m bench.dataplane_scale``, ``--help`` for the knobs), it measures the vamp
gateway on Envoy at two scales side by side, the large one (1,000 × 10) and a baseline (100 × 10), each on
an agent of its own started on a one-gateway plan, and prints for each: the first publish active, a change
on every gateway active, and ONE gateway's weight change → the first request routed by the new weights
(``one_gateway_changes``: p50/p99 over ``--changes`` changes, each moving all of the gateway's traffic
between two backends whose answer names them, seen by keep-alive clients on that gateway's port), and
the memory of the agent and of Envoy; then the large-to-baseline ratios. It needs nginx for the backends
(``apt-get install -y nginx``). Every process it starts listens on 127.0.0.1 and is stopped by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import proxies
from bench.gateway_agents import GatewayAgent
from bench.plans import consecutive_free_ports, gateway, large_gateways, large_plan, split_plan
from bench.proxies import Processes, free_port
from vamp.adapters.envoy import layout
from vamp.adapters.envoy import render as envoy_render
from vamp.adapters.haproxy import files, render_latency
from vamp.adapters.haproxy import render as haproxy_render
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan
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
    first_port: int = 0
    """The port of gateway ``g0``; ``g<i>`` listens on ``first_port + i``."""


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
    measured = Scale(
        agent.name, gateways, routes, compile_seconds, render_seconds, rendered, first_port=first
    )
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


def one_gateway_changes(
    agent: GatewayAgent, backends: list[int], first: int, gateways: int, routes: int, changes: int
) -> list[float]:
    """Seconds from ``changes`` plan files, each moving all of gateway ``g0``'s traffic between its first
    two backends (the other gateways as ``large_plan`` makes them), to the first request routed by each,
    seen by two keep-alive clients on ``g0``'s port; the plan is compiled and written under a hidden
    name before the clock starts, so the time is the agent's and Envoy's."""
    others = large_gateways(first, backends, gateways, routes)[1:]

    def plan(to_second: bool) -> routing_plan.RoutingPlan:
        weights = ["0%"] * routes
        weights[1 if to_second else 0] = "100%"
        one = gateway("g0", first, dict(zip(backends[:routes], weights, strict=True)))
        return compile_plan([one, *others], [], shared_port=None)

    start = plan(to_second=False)
    agent.write(start)
    agent.wait_active(start.version, timeout=_TIMEOUT_SECONDS)
    return asyncio.run(_first_routed(agent, first, [plan(to_second=i % 2 == 0) for i in range(changes)]))


async def _first_routed(agent: GatewayAgent, port: int, plans: list[routing_plan.RoutingPlan]) -> list[float]:
    seen: list[tuple[float, str]] = []
    stop = asyncio.Event()
    clients = [asyncio.create_task(proxies.backends_seen(port, seen, stop)) for _ in range(2)]
    times = []
    hidden = agent.plan_file.with_name(f".{agent.plan_file.name}.writing")
    for index, plan in enumerate(plans):
        name = "b1" if index % 2 == 0 else "b0"
        hidden.write_text(plan.to_text())  # as the server writes it
        written = time.monotonic()
        hidden.replace(agent.plan_file)
        deadline = written + _TIMEOUT_SECONDS
        while not any(t > written and backend == name for t, backend in seen[-20:]):
            if time.monotonic() > deadline:
                raise RuntimeError(f"no request routed by plan {plan.version} in {_TIMEOUT_SECONDS:g} s")
            await asyncio.sleep(0.001)
        times.append(next(t for t, backend in seen if t > written and backend == name) - written)
        await asyncio.to_thread(agent.wait_active, plan.version, _TIMEOUT_SECONDS)
    stop.set()
    await asyncio.gather(*clients)
    return times


@dataclass(frozen=True, slots=True)
class Measured:
    """One scale on Envoy: ``measure``'s figures and one gateway's changes to the first routed request."""

    scale: Scale
    routed: list[float] = field(default_factory=list)
    failure: str = ""


def measure_envoy(backends: list[int], gateways: int, routes: int, changes: int, workdir: Path) -> Measured:
    """A new agent on Envoy through ``measure`` and ``one_gateway_changes``, stopped by its PID after."""
    workdir.mkdir()
    with _stopping(workdir) as processes:
        agent = GatewayAgent(processes, Proxy.ENVOY)
        agent.start(split_plan(free_port(), {backends[0]: "100%"}))
        scale = measure(agent, backends, gateways, routes, workdir)
        _progress(f"{gateways:,} × {routes}: {scale}")
        if scale.failure:
            return Measured(scale)
        try:
            routed = one_gateway_changes(agent, backends, scale.first_port, gateways, routes, changes)
        except RuntimeError as exc:
            return Measured(scale, failure=str(exc))
        _progress(f"{gateways:,} × {routes}: one gateway's changes routed after {routed} s")
        return Measured(dataclasses.replace(scale, memory=agent.memory()), routed)


def _progress(line: str) -> None:
    """Say what was measured as soon as it is (a run at scale takes minutes), on stderr."""
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--baseline-gateways", type=int, default=100)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--changes", type=int, default=30, help="one gateway's weight changes timed")
    options = parser.parse_args()
    if not proxies.tool("nginx"):
        raise SystemExit("The backends need nginx: apt-get install -y nginx")
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory, _stopping(Path(directory)) as shared:
        backends = [free_port() for _ in range(max(options.routes, 2))]
        proxies.start_backends(shared, backends)
        results = [
            measure_envoy(backends, count, options.routes, options.changes, Path(directory) / f"at-{count}")
            for count in (options.baseline_gateways, options.gateways)
        ]
    report(results, options.changes)
    print("  load average (1, 5, 15 min) at the end: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))


def report(results: list[Measured], changes: int) -> None:
    """Each scale's figures side by side, then the ratios of the last to the first."""
    print(
        f"\nvamp gateway on Envoy ({', '.join(f'{m.scale.gateways:,} × {m.scale.routes}' for m in results)}):"
    )
    rows: list[tuple[str, list[float], str]] = [
        ("compile (s)", [m.scale.compile_seconds for m in results], ""),
        ("render (s)", [m.scale.render_seconds for m in results], ""),
        ("first publish → active (s)", [m.scale.to_active for m in results], "target < 10 s"),
        ("change on every gateway → active (s)", [m.scale.change_to_active for m in results], "target < 5 s"),
        (f"one gateway's change → routed p50 (ms), {changes}×", [_cut(m.routed, 49) for m in results], ""),
        (
            f"one gateway's change → routed p99 (ms), {changes}×",
            [_cut(m.routed, 98) for m in results],
            "target < 100 ms",
        ),
        ("max (ms)", [max(m.routed, default=float("nan")) * 1000 for m in results], ""),
    ]
    for name in ("agent", "Envoy"):
        rows.append(
            (f"{name} memory (RSS, MiB)", [m.scale.memory.get(name, float("nan")) for m in results], "")
        )
    width = max(len(name) for name, _, _ in rows)
    print(f"  {'':<{width}} " + " ".join(f"{f'{m.scale.gateways:,} gw':>10}" for m in results) + "   ratio")
    for name, values, target in rows:
        ratio = values[-1] / values[0] if values[0] else float("nan")
        cells = " ".join(f"{value:>10.2f}" for value in values)
        print(f"  {name:<{width}} {cells}   {ratio:5.1f}×  {target}")
    for m in results:
        print(f"  {m.scale.gateways:,} gateways: {m.scale.rendered}")
        for failure in (m.scale.failure, m.failure):
            if failure:
                print(f"  not served at {m.scale.gateways:,} gateways: {failure}")
        if m.scale.restarts:
            print(
                f"  Envoy died and was restarted {m.scale.restarts} time(s) at {m.scale.gateways:,} gateways"
            )


def _cut(times: list[float], index: int) -> float:
    if len(times) < 2:
        return float("nan")
    return statistics.quantiles(times, n=100, method="inclusive")[index] * 1000


@contextlib.contextmanager
def _stopping(workdir: Path) -> Iterator[Processes]:
    processes = Processes(workdir)
    try:
        yield processes
    finally:
        processes.stop_all()


if __name__ == "__main__":
    main()
