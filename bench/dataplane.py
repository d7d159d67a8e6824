"""Benchmark of the data plane: the vamp gateway on Envoy and on HAProxy, beside a minimal Envoy, a
hand-written HAProxy and nginx, and at scale.

Prints, in one run on this machine:

* requests/s and p50/p99 latency measured by wrk (same threads, connections and duration for each, after
  a warm-up; the best of three rounds over all targets) for: a backend directly; the vamp gateway on
  Envoy (``vamp agent --proxy envoy``) and on HAProxy (``vamp agent --proxy haproxy``: its latency
  buckets included, as it really serves), both serving a 90/10 plan compiled by ``compile_plan``; a
  minimal hand-written static Envoy with the same 90/10 split; a hand-written HAProxy (weights 9:1);
  nginx (upstream weights 9:1); and the ratios vamp-on-Envoy/minimal-Envoy (target ≥ 0.95),
  vamp-on-Envoy/HAProxy, vamp-on-HAProxy/HAProxy (target ≥ 0.95) and vamp-on-HAProxy/vamp-on-Envoy.
  Because neighbours on a shared machine move requests/s by tens of percent from round to round, it
  also prints what is far steadier: each Envoy's and HAProxy's CPU time per request while wrk measured
  (``/proc/<pid>/stat``, HAProxy's worker; the median over the rounds) and its ratios, vamp on HAProxy
  to HAProxy and vamp on Envoy to the minimal Envoy. The two backends are one nginx serving a static
  answer on two ports;
* for each vamp gateway, the time from writing a new plan file to the first response routed by it, p50
  and p99 over 50 weight changes (target p99 < 100 ms), seen by a keep-alive client;
* for each vamp gateway, with 1,000 gateways × 10 routes (``dataplane_scale``): compile and render time
  (render target < 1 s; on HAProxy also the configuration's size and its ``haproxy -c`` time), the time
  until the agent reports the plan active (its proxy verified it), the same for a weight change on every
  gateway (on HAProxy, with the reloads each took: none means the runtime API delivered it), and the
  memory of the agent and its proxy's processes (RSS from /proc); if that scale cannot be served, why,
  and the same figures for a smaller one (``--fallback-gateways``).

It needs wrk, HAProxy and nginx, and installs them from Debian when missing (``apt-get install -y wrk
haproxy nginx``, after ``apt-get update`` if that fails), saying what it ran; ``proxies`` starts them,
``gateway_agents`` the vamp agents. Every process it starts listens on 127.0.0.1 only and is stopped by
its PID. Run as root, from the repository: ``.venv/bin/python -m bench.dataplane`` (``--help`` for the
knobs). Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import math
import os
import re
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import dataplane_scale, proxies
from bench.dataplane_scale import Scale
from bench.gateway_agents import GatewayAgent
from bench.plans import split_plan
from bench.proxies import HOST, Processes, free_port
from vamp.interfaces.agent.proxies import Proxy

BACKENDS = 10
"""Ports the backend nginx answers on: two for the split, all ten for the large plan's routes."""
ON_ENVOY = f"vamp gateway on {Proxy.ENVOY.product}"
ON_HAPROXY = f"vamp gateway on {Proxy.HAPROXY.product}"


@dataclass(frozen=True, slots=True)
class Measured:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: str
    cpu_us: float = float("nan")
    """CPU time (user + system) the proxy spent per request while wrk measured, in microseconds."""


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(name: str, port: int, options: argparse.Namespace, proxy_pid: int | None = None) -> Measured:
    """wrk's figures for ``port``, and the CPU time per request of the process ``proxy_pid`` if given."""
    base = [proxies.tool("wrk"), f"-t{options.threads}", f"-c{options.connections}"]
    url = f"http://{HOST}:{port}/"
    subprocess.run([*base, f"-d{options.warmup}s", url], check=True, capture_output=True)
    cpu_before = cpu_seconds(proxy_pid)
    output = subprocess.run(
        [*base, f"-d{options.duration}s", "--latency", url], check=True, capture_output=True, text=True
    ).stdout
    cpu = cpu_seconds(proxy_pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output)[1])  # type: ignore[index]
    latency = {percent: float(value) * _UNITS[unit] for percent, value, unit in _LATENCY.findall(output)}
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    errors = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", output)
    return Measured(
        name, per_second, latency["50"], latency["99"], "; ".join(errors) or "none", cpu / requests * 1e6
    )


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads) from ``/proc``; NaN without one."""
    if pid is None:
        return float("nan")
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def first_response_times(agent: GatewayAgent, port: int, a: int, b: int, changes: int) -> list[float]:
    """Write ``changes`` plans flipping all traffic between ``a`` and ``b``; seconds to the first response
    routed by each, seen by two keep-alive clients sending about 500 requests/s each."""
    seen: list[tuple[float, str]] = []
    stop = asyncio.Event()
    clients = [asyncio.create_task(proxies.backends_seen(port, seen, stop)) for _ in range(2)]
    times = []
    for change in range(changes):
        target, name = (b, "b1") if change % 2 == 0 else (a, "b0")
        plan = split_plan(port, {a: "100%" if target == a else "0%", b: "100%" if target == b else "0%"})
        written = time.monotonic()
        agent.write(plan)
        while not any(t > written and backend == name for t, backend in seen[-20:]):
            await asyncio.sleep(0.001)
        times.append(next(t for t, backend in seen if t > written and backend == name) - written)
        await asyncio.to_thread(agent.wait_active, plan.version, 10.0)
    stop.set()
    await asyncio.gather(*clients)
    return times


def plan_changes(agent: GatewayAgent, a: int, b: int, changes: int) -> tuple[list[float], int]:
    """``first_response_times`` on a gateway of its own, and the HAProxy reloads meanwhile (0 on Envoy)."""
    port = free_port()
    plan = split_plan(port, {a: "100%", b: "0%"})
    agent.write(plan)
    agent.wait_active(plan.version, 30.0)
    before = agent.reloads()
    times = asyncio.run(first_response_times(agent, port, a, b, changes))
    return times, agent.reloads() - before


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds wrk measures each target")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all targets; the best counts")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument(
        "--fallback-gateways", type=int, default=300, help="a smaller scale to measure if the large one fails"
    )
    options = parser.parse_args()

    installed = proxies.ensure_tools()
    print("Tools:", "; ".join(installed) if installed else "wrk, haproxy and nginx were installed already")
    with (
        tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory,
        _stopping(Path(directory)) as processes,
    ):
        backends = [free_port() for _ in range(BACKENDS)]
        a, b = backends[:2]
        proxies.start_backends(processes, backends)
        agents = [GatewayAgent(processes, Proxy.ENVOY), GatewayAgent(processes, Proxy.HAPROXY)]
        ports = {name: free_port() for name in (ON_ENVOY, ON_HAPROXY, "envoy", "haproxy", "nginx")}
        for agent in agents:
            agent.start(split_plan(ports[agent.name], {a: "90%", b: "10%"}))
        envoy = proxies.start_minimal_envoy(
            processes, ports["envoy"], a, b, base_id=os.getpid() % 100_000 * 100 + 99
        )
        haproxy = proxies.start_haproxy(processes, ports["haproxy"], a, b)
        proxies.start_nginx(processes, ports["nginx"], a, b)

        # Each target's port, and the proxy process whose CPU time is counted (Envoy, HAProxy's worker).
        targets: dict[str, tuple[int, int | None]] = {
            "direct (backend a)": (a, None),
            ON_ENVOY: (ports[ON_ENVOY], agents[0].proxy_pid()),
            ON_HAPROXY: (ports[ON_HAPROXY], agents[1].haproxy_processes().current),
            "minimal Envoy": (ports["envoy"], envoy),
            f"HAProxy {proxies.version('haproxy')}": (ports["haproxy"], haproxy),
            f"nginx {proxies.version('nginx')}": (ports["nginx"], None),
        }
        # Round after round over all targets, keeping each one's best requests/s: a neighbour's burst of
        # CPU then spoils one round of one target, not the comparison. CPU per request, which neighbours
        # move far less, is the median over the rounds.
        rounds = [
            [wrk(name, port, options, pid) for name, (port, pid) in targets.items()]
            for _ in range(options.rounds)
        ]
        results = [
            dataclasses.replace(
                max(measured, key=lambda m: m.per_second),
                cpu_us=statistics.median(m.cpu_us for m in measured),
            )
            for measured in zip(*rounds, strict=True)
        ]
        changes = {agent.name: plan_changes(agent, a, b, options.changes) for agent in agents}

        scales = []
        for agent in agents:
            scales.append(
                dataplane_scale.measure(agent, backends, options.gateways, options.routes, Path(directory))
            )
            if scales[-1].failure and options.fallback_gateways < options.gateways:
                scales.append(
                    dataplane_scale.measure(
                        agent, backends, options.fallback_gateways, options.routes, Path(directory)
                    )
                )
            # Back to the 90/10 plan, so its proxy and its metrics readings of the large plan leave the
            # machine to the next agent's measurement.
            small = split_plan(ports[agent.name], {a: "90%", b: "10%"})
            agent.write(small)
            agent.wait_active(small.version, timeout=300.0)

    report(options, results, changes, scales)


@contextlib.contextmanager
def _stopping(workdir: Path) -> Iterator[Processes]:
    processes = Processes(workdir)
    try:
        yield processes
    finally:
        processes.stop_all()


def report(
    options: argparse.Namespace,
    results: list[Measured],
    changes: dict[str, tuple[list[float], int]],
    scales: list[Scale],
) -> None:
    by_name = {result.name: result for result in results}
    print(
        f"\nThroughput, 90/10 split over two nginx backends on 127.0.0.1 (wrk -t{options.threads} "
        f"-c{options.connections} -d{options.duration}s after {options.warmup} s of warm-up, best of "
        f"{options.rounds} rounds):"
    )
    print(f"  {'target':<26} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11}  errors")
    for result in results:
        cpu = "" if math.isnan(result.cpu_us) else f"{result.cpu_us:.1f}"
        print(
            f"  {result.name:<26} {result.per_second:>10.0f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f} "
            f"{cpu:>11}  {result.errors}"
        )
    on_envoy = by_name[ON_ENVOY].per_second
    on_haproxy = by_name[ON_HAPROXY].per_second
    by_haproxy = next(result for name, result in by_name.items() if name.startswith("HAProxy"))
    haproxy = by_haproxy.per_second
    minimal_envoy = by_name["minimal Envoy"]
    minimal = minimal_envoy.per_second
    print(f"  vamp on Envoy / minimal Envoy:   {on_envoy / minimal:.3f} (target ≥ 0.95)")
    print(f"  vamp on Envoy / HAProxy:         {on_envoy / haproxy:.3f}")
    print(f"  vamp on HAProxy / HAProxy:       {on_haproxy / haproxy:.3f} (target ≥ 0.95)")
    print(f"  vamp on HAProxy / vamp on Envoy: {on_haproxy / on_envoy:.3f}")
    print(
        "  CPU per request (median over the rounds), vamp on HAProxy / HAProxy: "
        f"{by_name[ON_HAPROXY].cpu_us / by_haproxy.cpu_us:.3f}; vamp on Envoy / minimal Envoy: "
        f"{by_name[ON_ENVOY].cpu_us / minimal_envoy.cpu_us:.3f} (lower is cheaper)"
    )
    for name, (times, reloads) in changes.items():
        cuts = statistics.quantiles(times, n=100, method="inclusive")
        print(
            f"\n{name}: plan file written → first response routed by it, {len(times)} weight changes: "
            f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, max {max(times) * 1000:.1f} ms "
            "(target p99 < 100 ms)" + (f"; HAProxy reloads: {reloads}" if "HAProxy" in name else "")
        )
    for scale in scales:
        print(f"\n{scale.agent}, {scale.gateways:,} gateways × {scale.routes} routes:")
        print(f"  compile                                      {scale.compile_seconds:8.2f} s")
        print(
            f"  render                                       {scale.render_seconds:8.2f} s (target < 1 s): "
            f"{scale.rendered}"
        )
        if scale.failure:
            print(f"  not served: {scale.failure}")
            continue
        print(
            f"  plan file written → active (proxy verified)  {scale.to_active:8.2f} s"
            f"{_reloads(scale.reloads)}"
        )
        print(
            f"  weight change on every gateway → active      {scale.change_to_active:8.2f} s"
            f"{_reloads(scale.change_reloads)}"
        )
        memory = ", ".join(f"{name} {mib:.0f} MiB" for name, mib in scale.memory.items())
        print(f"  memory (RSS): {memory}")
        if scale.restarts:
            print(f"  the proxy died and was restarted {scale.restarts} time(s) meanwhile")


def _reloads(count: int | None) -> str:
    if count is None:
        return ""
    return " (runtime API, no reload)" if count == 0 else f" ({count} HAProxy reload{'s' * (count != 1)})"


if __name__ == "__main__":
    main()
