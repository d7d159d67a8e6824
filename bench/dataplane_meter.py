"""What the agent's reads of Envoy's admin endpoint cost at 1,000 gateways × 10 routes (10,000 clusters).

The traffic meter reads every cluster's request counters and latency histogram every 2 s, and every
plan the agent applies is verified by reading Envoy's version stats. Envoy answers the admin endpoint on
its main thread, the thread that also takes xDS updates, so a slow read holds back every route change
meanwhile; and the agent parses what it reads on its event loop, which also serves the plans.

Run alone (``.venv/bin/python -m bench.dataplane_meter``, ``--help`` for the knobs), it starts Envoy
through the agent's data plane (``EnvoyDataPlane``, in this process) on a plan of ``--gateways`` ×
``--routes`` whose backends are nginx, sends a few requests to the first gateway, and times, side by side
over ``--rounds`` rounds each, the meter's reading of every stat it reads (``usedonly`` off: the
baseline) against its reading of the stats written to (``usedonly``), with the bytes Envoy sent and the
agent's parse time, and the verification read. It needs nginx (``apt-get install -y nginx``). Every
process it starts listens on 127.0.0.1 and is stopped by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from bench import proxies
from bench.plans import consecutive_free_ports, large_plan
from bench.proxies import HOST, Processes, free_port
from vamp.adapters.envoy import admin as admin_endpoint
from vamp.adapters.envoy import dataplane, files, layout, stats
from vamp.adapters.envoy import render as envoy_render
from vamp.core.routing import plan as routing_plan

_REQUESTS = 20
_BASELINE = "every stat (baseline)"


async def measure(backends: list[int], gateways: int, routes: int, rounds: int, workdir: Path) -> None:
    """Serve ``gateways`` × ``routes`` on Envoy, send the first gateway 20 requests, then time each read."""
    reuse = envoy_render.Reuse()

    def rendered(plan: routing_plan.RoutingPlan, place: layout.Layout) -> envoy_render.Rendering:
        return envoy_render.render(plan, place, reuse=reuse)

    first = consecutive_free_ports(gateways)
    plan = large_plan(first, backends, gateways, routes)
    data_plane = dataplane.EnvoyDataPlane(
        workdir, rendered, node_id="bench-meter", base_id=os.getpid() % 60_000, publish_timeout=120.0
    )
    rows: dict[str, list[float]] = {}
    sizes: dict[str, int] = {}
    async with data_plane, admin_endpoint.Admin(workdir.resolve() / "admin.sock", timeout=120.0) as admin:
        started = time.perf_counter()
        await data_plane.apply(plan)
        print(f"{gateways:,} × {routes} applied in {time.perf_counter() - started:.1f} s", flush=True)
        reader, writer = await asyncio.open_connection(HOST, first)
        for _ in range(_REQUESTS):
            writer.write(b"GET / HTTP/1.1\r\nhost: bench\r\n\r\n")
            await reader.readuntil(b"\r\n\r\n")
        writer.close()
        await _until_merged(admin, _REQUESTS)
        for _ in range(rounds):
            for label, used_only in ((_BASELINE, False), ("used only", True)):
                began = time.perf_counter()
                text = await admin.prometheus(stats.WANTED, used_only=used_only)
                read = time.perf_counter() - began
                began = time.perf_counter()
                stats.parse(text)
                rows.setdefault(f"meter read, {label} (s)", []).append(read)
                rows.setdefault(f"meter parse, {label} (s)", []).append(time.perf_counter() - began)
                sizes[label] = len(text.encode())
            for label, kind in ((_BASELINE, ""), ("text readouts only", "TextReadouts")):
                began = time.perf_counter()
                await admin.stats(r"version_text$", kind=kind)
                rows.setdefault(f"plan verification read, {label} (s)", []).append(
                    time.perf_counter() - began
                )
            began = time.perf_counter()
            await files.accepted(admin)
            rows.setdefault("files.accepted as the agent reads (s)", []).append(time.perf_counter() - began)
    print(f"\nEnvoy's admin endpoint at {gateways * routes:,} clusters, median of {rounds}:")
    width = max(len(name) for name in rows)
    for name, values in rows.items():
        print(f"  {name:<{width}} {statistics.median(values):8.3f}")
    for what, faster in (("meter read", "used only"), ("plan verification read", "text readouts only")):
        base, new = (statistics.median(rows[f"{what}, {k} (s)"]) for k in (_BASELINE, faster))
        print(f"  {what}: baseline / {faster} = {base / new:.1f}×")
    for label, size in sizes.items():
        print(f"  meter bytes, {label}: {size:,}")


async def _until_merged(admin: admin_endpoint.Admin, requests: int) -> None:
    """Return once Envoy's latency histograms hold ``requests`` requests (merged at a stats flush)."""
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        readings = await stats.read(admin, used_only=True)
        if sum(reading.latency.count for reading in readings.values()) >= requests:
            return
        await asyncio.sleep(0.1)
    raise SystemExit(f"Envoy's histograms did not hold the {requests} requests sent within 60 s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args()
    if not proxies.tool("nginx"):
        raise SystemExit("The backends need nginx: apt-get install -y nginx")
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory:
        shared = Processes(Path(directory))
        try:
            backends = [free_port() for _ in range(max(options.routes, 2))]
            proxies.start_backends(shared, backends)
            asyncio.run(
                measure(backends, options.gateways, options.routes, options.rounds, Path(directory) / "agent")
            )
        finally:
            shared.stop_all()


if __name__ == "__main__":
    main()
