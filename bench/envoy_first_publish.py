"""What Envoy's stats matcher (``bootstrap.stats_config``) saves on a large plan: first publish, change,
memory, and the agent's two reads of Envoy's stats.

Each round starts two Envoys one after the other, each on an ADS server of its own in this process, as
the agent runs them (``--concurrency 2``, the agent's render options, health checks on, nginx backends):
the baseline from the bootstrap without its ``stats_matcher`` (every stat Envoy makes), then the
bootstrap as it is. For each it measures:

* the first publish of ``--gateways`` × ``--routes`` (``bench.plans.large_plan``) until Envoy acknowledged
  every step, and the seconds of each step (clusters, their load assignments, route configurations,
  listeners, the new listeners' route configurations, clusters again); what is left is the conversion of
  the snapshot to protocol buffers;
* the verification read after it (``files.accepted``) and the meter's read (``stats.read`` used-only,
  after requests to one gateway), each the median of 5;
* a change on every gateway (1 % moved between two routes), until acknowledged;
* Envoy's resident memory after all that, and how many stats it holds.

Then the medians over ``--rounds`` rounds side by side with their ratios (matcher / every stat), and the
load average before and after: figures on a shared machine are noisy, the ratios less so.

Run: ``.venv/bin/python -m bench.envoy_first_publish`` (``--help`` for the knobs; needs nginx). Every
process it starts listens on 127.0.0.1 or on a Unix domain socket and is stopped by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

import httpx

from bench import proxies
from bench.gateway_agents import rss_mib
from bench.plans import consecutive_free_ports, large_plan
from bench.proxies import HOST, Processes, free_port
from vamp.adapters.envoy import admin, bootstrap, files, layout, stats, supervisor, xds
from vamp.adapters.envoy import render as envoy_render
from vamp.adapters.envoy.layout import ResourceType

_TIMEOUT = 600.0
_STEPS = ("clusters", "endpoints", "routes", "listeners", "new routes", "clusters again")


class _TimedServer(xds.XdsServer):
    """The agent's ADS server, noting how long each step of a delivery waited for Envoy."""

    def __init__(self, socket_path: Path) -> None:
        super().__init__(socket_path)
        self.steps: list[float] = []

    async def _step(
        self, kind: ResourceType, timeout: float, since: int, names: Collection[str] | None = None
    ) -> None:
        started = time.perf_counter()
        await super()._step(kind, timeout, since, names)
        self.steps.append(time.perf_counter() - started)


async def _one(
    matcher: bool, workdir: Path, first: int, backends: list[int], gateways: int, routes: int
) -> dict[str, float]:
    """One Envoy through the first publish, the reads and a change; the figures by name."""
    workdir.mkdir()
    files_at = layout.Layout(workdir / "xds")
    large = large_plan(first, backends, gateways, routes)
    changed = large_plan(first, backends, gateways, routes, shift=1)
    options = envoy_render.RenderOptions(listen_host=HOST)
    snapshot = envoy_render.render(large, files_at, options=options).snapshot
    change = envoy_render.render(changed, files_at, options=options).snapshot
    server = _TimedServer(workdir / "ads.sock")
    await server.start()
    await server.publish(files.Snapshot("empty"))
    config = bootstrap.bootstrap_ads(
        node_id=workdir.name, admin_socket=workdir / "admin.sock", socket_path=server.socket_path
    )
    if not matcher:
        del config["stats_config"]["stats_matcher"]
    envoy = supervisor.Supervisor(config, workdir / "envoy", base_id=os.getpid() % 1000 * 10 + int(matcher))
    await envoy.start()
    measured: dict[str, float] = {}
    try:
        async with admin.Admin(envoy.admin_socket, timeout=60.0) as endpoint:
            server.steps.clear()
            started = time.perf_counter()
            await server.publish(snapshot, timeout=_TIMEOUT)
            measured["first publish (s)"] = time.perf_counter() - started
            for name, seconds in zip(_STEPS, server.steps, strict=False):
                measured[f"  step: {name} (s)"] = seconds
            measured["  conversion and the rest (s)"] = measured["first publish (s)"] - sum(server.steps)
            measured["verification read (s)"] = await _median(lambda: files.accepted(endpoint))
            await _requests(first, 20)
            measured["meter read (s)"] = await _median(lambda: stats.read(endpoint, used_only=True))
            server.steps.clear()
            started = time.perf_counter()
            await server.publish(change, timeout=_TIMEOUT)
            measured["change on every gateway (s)"] = time.perf_counter() - started
            assert envoy.pid is not None
            measured["Envoy memory (RSS, MiB)"] = rss_mib(envoy.pid)
            every = await endpoint.stats(histogram_buckets="none")
            measured["stats Envoy holds"] = len(every.get("stats", []))
    finally:
        await envoy.stop()
        await server.stop()
    return measured


async def _median(read: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def _requests(port: int, count: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}", trust_env=False, timeout=10.0) as client:
        for _ in range(count):
            await client.get("/")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    if not proxies.tool("nginx"):
        raise SystemExit("The backends need nginx: apt-get install -y nginx")
    load_before = os.getloadavg()
    results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="vamp-bench-") as directory:
        processes = Processes(Path(directory))
        try:
            backends = [free_port() for _ in range(max(options.routes, 2))]
            proxies.start_backends(processes, backends)
            first = consecutive_free_ports(options.gateways)
            for round_ in range(options.rounds):
                for matcher in (False, True):
                    workdir = Path(directory) / f"round-{round_}-{'matcher' if matcher else 'every'}"
                    figures = asyncio.run(
                        _one(matcher, workdir, first, backends, options.gateways, options.routes)
                    )
                    results[matcher].append(figures)
                    print(
                        f"round {round_ + 1}, {'matcher' if matcher else 'every stat'}: {figures}", flush=True
                    )
        finally:
            processes.stop_all()
    load_after = os.getloadavg()
    print(
        f"\nEnvoy at {options.gateways:,} gateways × {options.routes} routes, median of {options.rounds} "
        f"round(s); load average {load_before[0]:.2f} before, {load_after[0]:.2f} after:"
    )
    names = list(results[False][0])
    width = max(map(len, names))
    print(f"  {'':<{width}} {'every stat':>12} {'matcher':>12}   ratio")
    for name in names:
        every = statistics.median(r.get(name, float("nan")) for r in results[False])
        kept = statistics.median(r.get(name, float("nan")) for r in results[True])
        ratio = kept / every if every else float("nan")
        print(f"  {name:<{width}} {every:>12.3f} {kept:>12.3f}   {ratio:5.2f}×")


if __name__ == "__main__":
    main()
