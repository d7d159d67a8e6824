"""Benchmark of the data plane: the vamp gateway beside a minimal Envoy, HAProxy and nginx, and at scale.

Prints, in one run on this machine:

* requests/s and p50/p99 latency measured by wrk (same threads, connections and duration for each, after
  a warm-up; the best of three rounds over all targets) for: a backend directly; the vamp gateway
  (``vamp agent`` + Envoy, serving a 90/10 plan compiled by ``compile_plan``); a minimal hand-written
  static Envoy with the same 90/10 split; HAProxy (weights 9:1); nginx (upstream weights 9:1); "vamp on
  HAProxy (rendered)": HAProxy serving the text ``vamp.adapters.haproxy.render`` gives for the same 90/10
  plan (no HAProxy agent exists yet; ``haproxy_rendered``); and the ratios vamp/minimal-Envoy (target
  ≥ 0.95), vamp/HAProxy, vamp-on-HAProxy/HAProxy (target ≥ 0.95) and vamp-on-HAProxy/vamp-on-Envoy. The
  two backends are one nginx serving a static answer on two ports;
* the time from writing a new plan file to the first response routed by it, p50 and p99 over 50 changes
  (target p99 < 100 ms), seen by a keep-alive client;
* for 1,000 gateways × 10 routes: compile and render time (render target < 1 s), the time until the
  agent reports the plan active (Envoy verified it), the same for a weight change on every gateway, and
  the agent's and Envoy's memory (RSS from /proc); if that scale cannot be served, why, and the same
  figures for a smaller one (``--fallback-gateways``); beside them, the same plan rendered for HAProxy:
  render time, ``haproxy -c`` time, and the configuration's size in lines and bytes.

It needs wrk, HAProxy and nginx, and installs them from Debian when missing (``apt-get install -y wrk
haproxy nginx``, after ``apt-get update`` if that fails), saying what it ran; ``proxies`` starts them.
Every process it starts listens on 127.0.0.1 only and is stopped by its PID. Run as root, from the
repository: ``.venv/bin/python -m bench.dataplane`` (``--help`` for the knobs). Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import haproxy_rendered, proxies
from bench.proxies import HOST, Processes, free_port
from vamp.adapters.envoy import layout, render
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

BACKENDS = 10
RENDERED = "vamp on HAProxy (rendered)"
"""Ports the backend nginx answers on: two for the split, all ten for the large plan's routes."""


@dataclass(frozen=True, slots=True)
class Measured:
    name: str
    per_second: float
    p50_ms: float
    p99_ms: float
    errors: str


class Agent:
    """``vamp agent --plan FILE`` and a client for its endpoint."""

    def __init__(self, processes: Processes) -> None:
        self.plan_file = processes.workdir / "plan.json"
        self.listen = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._processes = processes
        self.client = httpx.Client(base_url=f"http://{HOST}:{self.listen}", timeout=10.0)

    def start(self, plan: routing_plan.RoutingPlan) -> None:
        self.write(plan)
        self.process = self._processes.start(
            "agent",
            sys.executable,
            "-m",
            "vamp",
            "agent",
            "--plan",
            str(self.plan_file),
            "--workdir",
            str(self._processes.workdir / "agent"),
            "--listen",
            str(self.listen),
            "--concurrency",
            "2",
        )
        self.wait_active(plan.version, timeout=30.0)

    def write(self, plan: routing_plan.RoutingPlan) -> None:
        hidden = self.plan_file.with_name(".plan.json.writing")
        hidden.write_text(json.dumps(plan.to_data()))
        hidden.replace(self.plan_file)

    def status(self) -> dict[str, Any]:
        try:
            return dict(self.client.get("/status").json())
        except httpx.TransportError:
            return {}

    def wait_active(self, version: str, timeout: float) -> float:
        """Seconds until the agent reports ``version`` active."""
        started = time.monotonic()
        while (status := self.status()).get("version") != version:
            if version in (status.get("last_error") or "") and "Refused" in status["last_error"]:
                raise RuntimeError(status["last_error"])
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"plan {version} not active after {timeout} s: {status}")
            time.sleep(0.005)
        return time.monotonic() - started


def split_plan(port: int, weights: Mapping[int, str], name: str = "split") -> routing_plan.RoutingPlan:
    return compile_plan([gateway(name, port, weights)], [], shared_port=None)


def gateway(name: str, port: int, weights: Mapping[int, str]) -> model.Gateway:
    routes = {f"[{HOST}:{backend}]": {"weight": weight} for backend, weight in weights.items()}
    return model.Gateway.model_validate({"name": name, "port": {"number": port}, "routes": routes})


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(name: str, port: int, options: argparse.Namespace) -> Measured:
    base = [proxies.tool("wrk"), f"-t{options.threads}", f"-c{options.connections}"]
    url = f"http://{HOST}:{port}/"
    subprocess.run([*base, f"-d{options.warmup}s", url], check=True, capture_output=True)
    output = subprocess.run(
        [*base, f"-d{options.duration}s", "--latency", url], check=True, capture_output=True, text=True
    ).stdout
    latency = {percent: float(value) * _UNITS[unit] for percent, value, unit in _LATENCY.findall(output)}
    per_second = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])  # type: ignore[index]
    errors = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", output)
    return Measured(name, per_second, latency["50"], latency["99"], "; ".join(errors) or "none")


async def first_response_times(agent: Agent, port: int, a: int, b: int, changes: int) -> list[float]:
    """Write ``changes`` plans flipping all traffic between ``a`` and ``b``; seconds to the first response
    routed by each, seen by two keep-alive clients sending about 500 requests/s each."""
    seen: list[tuple[float, str]] = []
    stop = asyncio.Event()

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        while not stop.is_set():
            writer.write(b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n")
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            length = int(re.search(r"content-length: (\d+)", head)[1])  # type: ignore[index]
            await reader.readexactly(length)
            seen.append((time.monotonic(), re.search(r"x-backend: (\w+)", head)[1]))  # type: ignore[index]
            await asyncio.sleep(0.002)
        writer.close()

    clients = [asyncio.create_task(client()) for _ in range(2)]
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


def large_plan(
    first_port: int, backends: list[int], gateways: int, routes: int, shift: int = 0
) -> routing_plan.RoutingPlan:
    """``gateways`` gateways of ``routes`` routes each; ``shift`` moves 1 % between the first two routes."""
    weights = [100 // routes] * routes
    weights[0] += 100 - sum(weights) - shift
    weights[1] += shift
    built = [
        gateway(
            f"g{index}",
            first_port + index,
            dict(zip(backends[:routes], (f"{w}%" for w in weights), strict=True)),
        )
        for index in range(gateways)
    ]
    return compile_plan(built, [], shared_port=None)


def consecutive_free_ports(count: int, start: int = 30_000) -> int:
    """The first of ``count`` consecutive ports on 127.0.0.1 that nothing listens on."""
    for base in range(start, 65_000 - count, count):
        if all(_free(port) for port in range(base, base + count)):
            return base
    raise RuntimeError(f"There are no {count} consecutive free ports.")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


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
        ports = {name: free_port() for name in ("vamp", "vamp-haproxy", "envoy", "haproxy", "nginx")}
        agent = Agent(processes)
        agent.start(split_plan(ports["vamp"], {a: "90%", b: "10%"}))
        proxies.start_minimal_envoy(processes, ports["envoy"], a, b, base_id=os.getpid() % 100_000 * 100 + 99)
        proxies.start_haproxy(processes, ports["haproxy"], a, b)
        haproxy_rendered.start(
            processes, split_plan(ports["vamp-haproxy"], {a: "90%", b: "10%"}), ports["vamp-haproxy"]
        )
        proxies.start_nginx(processes, ports["nginx"], a, b)

        targets = {
            "direct (backend a)": a,
            "vamp gateway": ports["vamp"],
            RENDERED: ports["vamp-haproxy"],
            "minimal Envoy": ports["envoy"],
            f"HAProxy {proxies.version('haproxy')}": ports["haproxy"],
            f"nginx {proxies.version('nginx')}": ports["nginx"],
        }
        # Round after round over all targets, keeping each one's best: a neighbour's burst of CPU then
        # spoils one round of one target, not the comparison.
        rounds = [[wrk(name, port, options) for name, port in targets.items()] for _ in range(options.rounds)]
        results = [max(measured, key=lambda m: m.per_second) for measured in zip(*rounds, strict=True)]
        change_port = free_port()
        agent.write(split_plan(change_port, {a: "100%", b: "0%"}))
        agent.wait_active(split_plan(change_port, {a: "100%", b: "0%"}).version, 10.0)
        changes = asyncio.run(first_response_times(agent, change_port, a, b, options.changes))

        scales = [measure_scale(agent, backends, options.gateways, options.routes, Path(directory))]
        if scales[-1].failure and options.fallback_gateways < options.gateways:
            scales.append(
                measure_scale(agent, backends, options.fallback_gateways, options.routes, Path(directory))
            )

    report(options, results, changes, scales)


@dataclass(frozen=True, slots=True)
class Scale:
    """A large plan served by the agent: how long each step took, or why it failed."""

    gateways: int
    routes: int
    clusters: int
    compile_seconds: float
    render_seconds: float
    haproxy: haproxy_rendered.RenderScale
    to_active: float = float("nan")
    change_to_active: float = float("nan")
    agent_mib: float = float("nan")
    envoy_mib: float = float("nan")
    failure: str = ""


def measure_scale(agent: Agent, backends: list[int], gateways: int, routes: int, workdir: Path) -> Scale:
    first = consecutive_free_ports(gateways)
    large, compile_seconds = timed(lambda: large_plan(first, backends, gateways, routes))
    rendering, render_seconds = timed(lambda: render.render(large, layout.Layout(workdir / "render")))
    on_haproxy = haproxy_rendered.measure_scale(large, workdir)
    measured = Scale(
        gateways, routes, len(rendering.snapshot.clusters), compile_seconds, render_seconds, on_haproxy
    )
    try:
        agent.write(large)
        to_active = agent.wait_active(large.version, timeout=300.0)
        changed = large_plan(first, backends, gateways, routes, shift=1)
        agent.write(changed)
        change_to_active = agent.wait_active(changed.version, timeout=300.0)
    except RuntimeError as exc:
        return dataclasses.replace(measured, failure=str(exc))
    assert agent.process is not None
    envoy = rss_mib(agent.status()["envoy"]["pid"])
    return dataclasses.replace(
        measured,
        to_active=to_active,
        change_to_active=change_to_active,
        agent_mib=rss_mib(agent.process.pid),
        envoy_mib=envoy,
    )


@contextlib.contextmanager
def _stopping(workdir: Path) -> Iterator[Processes]:
    processes = Processes(workdir)
    try:
        yield processes
    finally:
        processes.stop_all()


def report(
    options: argparse.Namespace, results: list[Measured], changes: list[float], scales: list[Scale]
) -> None:
    by_name = {result.name: result for result in results}
    print(
        f"\nThroughput, 90/10 split over two nginx backends on 127.0.0.1 (wrk -t{options.threads} "
        f"-c{options.connections} -d{options.duration}s after {options.warmup} s of warm-up, best of "
        f"{options.rounds} rounds):"
    )
    print(f"  {'target':<26} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for result in results:
        print(
            f"  {result.name:<26} {result.per_second:>10.0f} {result.p50_ms:>8.2f} {result.p99_ms:>8.2f}  "
            f"{result.errors}"
        )
    vamp = by_name["vamp gateway"].per_second
    haproxy = next(result for name, result in by_name.items() if name.startswith("HAProxy"))
    print(f"  vamp / minimal Envoy: {vamp / by_name['minimal Envoy'].per_second:.3f} (target ≥ 0.95)")
    print(f"  vamp / HAProxy:       {vamp / haproxy.per_second:.3f}")
    rendered = by_name[RENDERED].per_second
    print(f"  vamp on HAProxy / HAProxy:       {rendered / haproxy.per_second:.3f} (target ≥ 0.95)")
    print(f"  vamp on HAProxy / vamp on Envoy: {rendered / vamp:.3f}")
    cuts = statistics.quantiles(changes, n=100, method="inclusive")
    print(
        f"\nPlan file written → first response routed by it, {len(changes)} changes: "
        f"p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, max {max(changes) * 1000:.1f} ms "
        "(target p99 < 100 ms)"
    )
    for scale in scales:
        print(f"\n{scale.gateways:,} gateways × {scale.routes} routes ({scale.clusters:,} Envoy clusters):")
        print(f"  compile                                      {scale.compile_seconds:8.2f} s")
        print(f"  render                                       {scale.render_seconds:8.2f} s (target < 1 s)")
        on_haproxy = scale.haproxy
        print(f"  HAProxy render                               {on_haproxy.render_seconds:8.2f} s")
        print(
            f"  HAProxy haproxy -c                           {on_haproxy.check_seconds:8.2f} s"
            + (f" (refused: {on_haproxy.check_failure})" if on_haproxy.check_failure else "")
        )
        print(f"  HAProxy configuration: {on_haproxy.lines:,} lines, {on_haproxy.size_bytes:,} bytes")
        if scale.failure:
            print(f"  not served: {scale.failure}")
            continue
        print(f"  plan file written → active (Envoy verified)  {scale.to_active:8.2f} s")
        print(f"  weight change on every gateway → active      {scale.change_to_active:8.2f} s")
        print(f"  memory (RSS): agent {scale.agent_mib:.0f} MiB, Envoy {scale.envoy_mib:.0f} MiB")


if __name__ == "__main__":
    main()
