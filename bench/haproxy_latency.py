"""Benchmark of what HAProxy's latency buckets cost: the rendered 90/10 plan with and without them.

Two HAProxy processes serve the same 90/10 plan over two nginx backends, rendered by
``vamp.adapters.haproxy.render``: one without latency buckets, one with them (``RenderOptions.latency_map``:
per request a ``date(0,us)`` on the way in, and on the response a map lookup, a stick-table entry and a
counter, ``render_latency``). wrk measures each (same threads, connections and duration, after a
warm-up), round after round, and the best round of each counts; the run prints requests/s and p50/p99
side by side and the ratio with/without (target ≥ 0.95). Because neighbours on a shared machine move
requests/s by tens of percent from round to round, it also prints what is far steadier: HAProxy's CPU
time per request (``/proc/<pid>/stat`` user + system over the requests ``show stat`` counted in the
round, warm-up included), the median over the rounds, and its ratio. Then it reads the instrumented HAProxy's
traffic through ``vamp.adapters.haproxy.traffic`` and prints the requests ``show stat`` counted beside the
responses the latency buckets counted (equal when no count is lost under two threads' load), and the
p50/p99 HAProxy measured. Last, for 1,000 gateways × 10 routes (``bench.dataplane.large_plan``): the
time ``haproxy -c`` takes to check the rendered text with and without buckets (what a start or a reload
adds).

It needs wrk, HAProxy and nginx (installed from Debian when missing, as ``bench/dataplane.py`` does).
Every process listens on 127.0.0.1 only and is stopped by its PID. Run from the repository:
``.venv/bin/python -m bench.haproxy_latency`` (``--help`` for the knobs). Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import proxies
from bench.dataplane import Measured, wrk
from bench.plans import consecutive_free_ports, large_plan, split_plan
from bench.proxies import HOST, Processes, free_port
from vamp.adapters.haproxy import render_latency, traffic
from vamp.adapters.haproxy.render import Rendering, RenderOptions, render
from vamp.adapters.haproxy.runtime import Runtime
from vamp.ports.gateway_agent import Traffic

PLAIN = "plain"
"""The rendered plan without latency buckets."""
BUCKETS = "latency-buckets"
"""The same plan rendered with them."""


@dataclass(frozen=True, slots=True)
class Target:
    """One HAProxy under test: its port, PID, runtime API and what it serves."""

    name: str
    port: int
    pid: int
    runtime: Runtime
    rendering: Rendering

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def requests(self) -> int:
        """The requests its frontend has counted so far."""
        rows = asyncio.run(self.runtime.stat())
        return sum(row.requests for row in rows if row.server == "FRONTEND")


def start(processes: Processes, name: str, a: int, b: int, latency_map: Path | None) -> Target:
    """HAProxy serving the 90/10 plan on a free port, with latency buckets if ``latency_map`` is given."""
    port = free_port()
    socket = processes.workdir / f"{name}.sock"
    options = RenderOptions(
        listen_host=HOST, stats_socket=str(socket), latency_map=str(latency_map) if latency_map else None
    )
    rendering = render(split_plan(port, {a: "90%", b: "10%"}), options=options)
    config = processes.workdir / f"{name}.cfg"
    config.write_text(rendering.text)
    process = processes.start(name, proxies.tool("haproxy"), "-f", str(config), "-db")
    proxies.wait_listening(port)
    return Target(name, port, process.pid, Runtime(socket), rendering)


def measure(target: Target, options: argparse.Namespace) -> tuple[Measured, float]:
    """One wrk round against ``target``, and the CPU microseconds HAProxy spent per request in it."""
    cpu, requests = target.cpu_seconds(), target.requests()
    measured = wrk(target.name, target.port, options)
    served = target.requests() - requests
    return measured, (target.cpu_seconds() - cpu) * 1e6 / max(1, served)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds wrk measures each target")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over both targets; the best counts")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    options = parser.parse_args()

    installed = proxies.ensure_tools()
    print("Tools:", "; ".join(installed) if installed else "wrk, haproxy and nginx were installed already")
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory:
        processes = Processes(Path(directory))
        try:
            a, b = free_port(), free_port()
            proxies.start_backends(processes, [a, b])
            latency_map = Path(directory) / "latency.map"
            latency_map.write_text(render_latency.bucket_map())
            targets = [start(processes, PLAIN, a, b, None), start(processes, BUCKETS, a, b, latency_map)]
            rounds = [[measure(target, options) for target in targets] for _ in range(options.rounds)]
            results = [
                (max((m for m, _ in per), key=lambda m: m.per_second), statistics.median(c for _, c in per))
                for per in zip(*rounds, strict=True)
            ]
            served = asyncio.run(traffic.read(targets[1].runtime, targets[1].rendering.backends))
        finally:
            processes.stop_all()
        checks = check_seconds(Path(directory), latency_map, options.gateways, options.routes)
    report(options, results, served)
    print(
        f"  haproxy -c of {options.gateways:,} gateways × {options.routes} routes: "
        f"{checks[0]:.2f} s without latency buckets, {checks[1]:.2f} s with them"
    )


def check_seconds(directory: Path, latency_map: Path, gateways: int, routes: int) -> tuple[float, float]:
    """How long ``haproxy -c`` takes on a large plan rendered without and with latency buckets.

    Raises:
        RuntimeError: HAProxy refused one of the two configurations.
    """
    plan = large_plan(
        consecutive_free_ports(gateways), [free_port() for _ in range(routes)], gateways, routes
    )
    seconds = []
    for name, path in (("large-plain", None), ("large-buckets", str(latency_map))):
        config = directory / f"{name}.cfg"
        config.write_text(render(plan, options=RenderOptions(latency_map=path)).text)
        started = time.perf_counter()
        checked = subprocess.run(
            [proxies.tool("haproxy"), "-c", "-f", str(config)], capture_output=True, text=True
        )
        seconds.append(time.perf_counter() - started)
        if checked.returncode != 0:
            raise RuntimeError(f"HAProxy refused {config}: {(checked.stderr or checked.stdout)[-500:]}")
    return seconds[0], seconds[1]


def report(
    options: argparse.Namespace, results: list[tuple[Measured, float]], served: tuple[Traffic, ...]
) -> None:
    print(
        f"\nwrk -t{options.threads} -c{options.connections} -d{options.duration}s, best of {options.rounds} "
        f"rounds, HAProxy {proxies.version('haproxy')} serving a 90/10 plan over two nginx backends:"
    )
    print(f"  {'':32} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11}  errors")
    for measured, cpu in results:
        print(
            f"  {measured.name:32} {measured.per_second:10,.0f} {measured.p50_ms:8.2f} "
            f"{measured.p99_ms:8.2f} {cpu:11.2f}  {measured.errors}"
        )
    (plain, plain_cpu), (buckets, buckets_cpu) = results
    print(
        f"  with / without latency buckets, req/s:       {buckets.per_second / plain.per_second:.3f} (≥ 0.95)"
    )
    print(f"  with / without latency buckets, CPU per req: {buckets_cpu / plain_cpu:.3f} (≤ 1.05)")
    gateway = next(item for item in served if item.route is None)
    counted = gateway.latency.counts[-1] if gateway.latency.counts else 0
    print(
        f"  instrumented HAProxy, every wrk run: show stat counted {gateway.requests:,} requests, the "
        f"latency buckets {counted:,} responses ({'equal' if counted == gateway.requests else 'NOT equal'}); "
        f"p50 {gateway.latency.p50 or 0:.3f} ms, p99 {gateway.latency.p99 or 0:.3f} ms as HAProxy measured"
    )


if __name__ == "__main__":
    main()
