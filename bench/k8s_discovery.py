"""Benchmark of selector discovery on Kubernetes at a scale given by flags (by default 1,000 Deployments).

Starts its own control plane (``bench.k8s_cluster``: the tests' harness with higher client rates and as
many more fake kwok Nodes as the pods need), then ``vamp server --driver kubernetes`` as a subprocess, one
selector gateway per app ``label(app)(appN) && label(version)((.*))`` through its API, created in timed
batches, and ``--apps`` × ``--versions`` plain Deployments of ``--replicas`` pods each, spread over
``--namespaces`` Namespaces, through the Kubernetes API. It prints, side by side:

* Kubernetes alone: the time from creating the Deployments until a plain list-watch of the pods has seen
  every pod Ready — the floor;
* Vamp: the time until the routing plan (read by long-polling ``/api/v1/vga/plan``, as agents do) routes
  to every pod, and so what Vamp adds after the last pod is Ready (target < 15 s);
* the delay from one new Deployment's pods being Ready (seen by the list-watch) to its route being in the
  plan, over 30 Deployments created one at a time: p50 and p99 (target p99 < 1 s), beside Kubernetes'
  own time from creating each Deployment to its pods being Ready;
* the burst: a second, new server (its own store) once every pod is Ready, and the time from creating
  its gateways (in the same batches) to all routes in its plan (target < 30 s);
* each server's peak memory (VmHWM of the ``vamp server`` process, target < 500 MB).

Each batch of gateways prints its time as it is created. The gateways' routes are also checked through
``/api/v1/gateways``. Everything it starts is stopped by PID at the end. Benchmarks are never tests.
Run: ``.venv/bin/python -m bench.k8s_discovery`` (today's scale), or e.g. ``.venv/bin/python -m
bench.k8s_discovery --namespaces 50 --apps 1000 --versions 10`` (10,000 pods); ``--help`` for the flags.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from lightkube.resources.apps_v1 import Deployment

from bench import k8s_cluster, k8s_seen, vamp_servers
from vamp import errors
from vamp.adapters.kubernetes import client, config

SAMPLES = 30
CREATING_AT_ONCE = 50
FIRST_GATEWAY_PORT = 42000
TARGETS = {"routes": 15.0, "p99": 1.0, "cold": 30.0, "memory": 500.0}


@dataclass(frozen=True)
class Scale:
    """What one run creates: ``apps`` × ``versions`` Deployments over ``namespaces``; a gateway per app."""

    namespaces: int = 10
    apps: int = 100
    versions: int = 10
    replicas: int = 1
    gateway_batch: int = 100

    @property
    def deployments(self) -> int:
        return self.apps * self.versions

    @property
    def pods(self) -> int:
        """Every pod the run makes: the bulk's and the samples'."""
        return (self.deployments + SAMPLES) * self.replicas

    @property
    def deadline(self) -> float:
        """Seconds any one wait may take before the bench gives up: 300, and 0.3 more for each pod."""
        return 300.0 + 0.3 * self.pods

    def namespace(self, app: str) -> str:
        return f"bench-{int(app.removeprefix('app')) * self.namespaces // self.apps}"


def parse(argv: list[str] | None = None) -> Scale:
    defaults = Scale()
    parser = argparse.ArgumentParser(
        prog="python -m bench.k8s_discovery",
        description=(
            "Measures how fast Vamp's Kubernetes driver turns pods into routes: on its own control plane "
            "(etcd, kube-apiserver, controller manager, scheduler, kwok), it creates one selector gateway "
            "per app (in timed batches) and apps × versions Deployments, and prints, beside Kubernetes' "
            "own time to make the pods Ready, the time until every route is in the plan (target < 15 s "
            "after the last pod Ready), the p99 from one pod Ready to its route (target < 1 s), a new "
            "server's time from its gateways to every route (target < 30 s), and each server's peak "
            "memory (target < 500 MB)."
        ),
    )
    parser.add_argument(
        "--namespaces", type=int, default=defaults.namespaces, help="Namespaces (%(default)s)"
    )
    parser.add_argument(
        "--apps", type=int, default=defaults.apps, help="apps, one gateway each (%(default)s)"
    )
    parser.add_argument(
        "--versions",
        type=int,
        default=defaults.versions,
        help="versions of each app, one Deployment each (%(default)s)",
    )
    parser.add_argument(
        "--replicas", type=int, default=defaults.replicas, help="pods per Deployment (%(default)s)"
    )
    parser.add_argument(
        "--gateway-batch", type=int, default=defaults.gateway_batch,
        help="gateways per POST /api/v1/gateways, each batch timed (%(default)s)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for name in ("namespaces", "apps", "versions", "replicas", "gateway_batch"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be 1 or more, not {getattr(args, name)}")
    if args.namespaces > args.apps:
        parser.error(f"--namespaces ({args.namespaces}) must not exceed --apps ({args.apps})")
    return Scale(args.namespaces, args.apps, args.versions, args.replicas, args.gateway_batch)


def deployment(scale: Scale, app: str, version: str) -> dict[str, Any]:
    """A plain Deployment of ``app`` at ``version`` in its namespace: ``replicas`` pods, port 8080."""
    labels = {"app": app, "version": version, **k8s_seen.LABEL}
    container = {"name": app, "image": f"example.invalid/{app}:{version}", "ports": [{"containerPort": 8080}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"{app}-v{version.replace('.', '-')}",
            "namespace": scale.namespace(app),
            "labels": labels,
        },
        "spec": {
            "replicas": scale.replicas,
            "selector": {"matchLabels": {"app": app, "version": version}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


@contextlib.asynccontextmanager
async def vamp_server(
    kubeconfig: Path, folder: Path, scale: Scale
) -> AsyncIterator[tuple[subprocess.Popen[bytes], httpx.AsyncClient]]:
    """``vamp server --driver kubernetes`` (its own store in ``folder``, a gateway port for each app) and
    a client for its API, once it answers; stopped by its PID on exit."""
    last_port = FIRST_GATEWAY_PORT + max(1000, scale.apps) - 1
    options = [
        "--driver=kubernetes",
        f"--kubeconfig={kubeconfig}",
        f"--gateway-ports={FIRST_GATEWAY_PORT}-{last_port}",
    ]
    async with vamp_servers.vamp_server(folder, options, timeout=scale.deadline) as found:
        yield found


async def create_all(kube: client.KubernetesClient, manifests: list[dict[str, Any]]) -> None:
    limit = asyncio.Semaphore(CREATING_AT_ONCE)

    async def create(manifest: dict[str, Any]) -> None:
        async with limit:
            await kube.apply(Deployment, manifest)

    await asyncio.gather(*(create(manifest) for manifest in manifests))


async def create_gateways(api: httpx.AsyncClient, scale: Scale, server: str) -> list[float]:
    """A selector gateway per app, ``gateway_batch`` per request; each batch's seconds, printed as it ends."""
    times = []
    for first in range(0, scale.apps, scale.gateway_batch):
        apps = range(first, min(scale.apps, first + scale.gateway_batch))
        documents = "---\n".join(
            f"name: app{a}\nselector: label(app)(app{a}) && label(version)((.*))\n" for a in apps
        )
        started = time.monotonic()
        answer = await api.post(
            "/api/v1/gateways", content=documents, headers={"content-type": "application/x-yaml"}
        )
        if answer.status_code >= httpx.codes.BAD_REQUEST:
            raise SystemExit(
                f"{server}: creating gateways app{apps[0]}-app{apps[-1]} failed: {answer.text[:500]}"
            )
        times.append(time.monotonic() - started)
        print(f"  {server}: gateways app{apps[0]}-app{apps[-1]} ({len(apps)}) created in {times[-1]:.2f} s",
              flush=True)  # fmt: skip
    return times


async def routes_with_targets(api: httpx.AsyncClient) -> int:
    """Routes with targets over every gateway, read through ``/api/v1/gateways`` (30 per page, the most)."""
    total, page = 0, 1
    while True:
        found = (await api.get("/api/v1/gateways", params={"page": page, "per_page": 30})).json()
        total += sum(1 for gateway in found for route in gateway["routes"].values() if route["targets"])
        if len(found) < 30:
            return total
        page += 1


async def gateway_passes(api: httpx.AsyncClient) -> tuple[int, float]:
    """The gateway synchroniser's passes so far and their seconds in all (the server's ``/metrics``)."""
    count, seconds = 0, 0.0
    for line in (await api.get("/metrics")).text.splitlines():
        if line.startswith('vamp_reconcile_pass_duration_seconds_count{loop="gateways"}'):
            count = int(float(line.split()[-1]))
        elif line.startswith('vamp_reconcile_pass_duration_seconds_sum{loop="gateways"}'):
            seconds = float(line.split()[-1])
    return count, seconds


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident set size (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no VmHWM for pid {pid}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Figures:
    k8s_ready: float = 0.0
    """Deployments created → all their pods Ready (list-watch)."""
    vamp_routed: float = 0.0
    """Deployments created → all their routes in the plan."""
    cold: float = 0.0
    """A fresh server, everything Ready: gateways created → all routes in the plan."""
    batches: tuple[list[float], list[float]] = field(default_factory=lambda: ([], []))
    """Seconds of each POST of gateways, on each server."""
    routes_shown: tuple[int, int] = (0, 0)
    """Routes with targets through /api/v1/gateways, on each server."""
    rollouts: list[float] = field(default_factory=list)
    """One Deployment created → its pods Ready."""
    delays: list[float] = field(default_factory=list)
    """One Deployment's pods Ready → its route in the plan."""
    memory: tuple[float, float] = (0.0, 0.0)
    """Peak RSS of each server, MB."""
    passes: tuple[int, float] = (0, 0.0)
    """The live server's gateway passes from the first Deployment sent to all routes: count, seconds."""


async def live(
    kube: client.KubernetesClient, kubeconfig: Path, folder: Path, scale: Scale, figures: Figures
) -> None:
    """Gateways first, then every Deployment, then 30 more one at a time, with the server running."""
    seen = k8s_seen.Seen(scale.replicas, scale.deadline)
    bulk = {(f"app{a}", f"{v}.0.0") for a in range(scale.apps) for v in range(1, scale.versions + 1)}
    async with (
        vamp_server(kubeconfig, folder / "live", scale) as (process, api),
        k8s_seen.watching(kube, api, seen),
    ):
        batches = await create_gateways(api, scale, "live server")
        passes_before = await gateway_passes(api)
        started = time.monotonic()
        await create_all(kube, [deployment(scale, app, version) for app, version in sorted(bulk)])
        print(f"  {len(bulk)} Deployments created in {time.monotonic() - started:.2f} s", flush=True)
        all_ready = await seen.until(f"{len(bulk)} Deployments Ready", lambda: seen.covers(seen.ready, bulk))
        print(f"  all pods Ready {all_ready - started:.2f} s after the first Deployment was sent", flush=True)
        all_routed = await seen.until(
            f"{len(bulk)} routes in the plan", lambda: seen.covers(seen.routed, bulk)
        )
        figures.k8s_ready, figures.vamp_routed = all_ready - started, all_routed - started
        passes_after = await gateway_passes(api)
        figures.passes = (passes_after[0] - passes_before[0], passes_after[1] - passes_before[1])
        print(f"  all routes in the plan {all_routed - all_ready:.2f} s after the last pod Ready", flush=True)
        shown = await routes_with_targets(api)
        for sample in range(SAMPLES):
            key = (f"app{sample * 3 % scale.apps}", f"{scale.versions + 1 + sample}.0.0")
            created = time.monotonic()
            await kube.apply(Deployment, deployment(scale, *key))
            await seen.until(f"{key} Ready and routed", functools.partial(seen.ready_and_routed, key))
            figures.rollouts.append(seen.ready[key] - created)
            figures.delays.append(seen.routed[key] - seen.ready[key])
            print(f"  sample {sample + 1}: Ready after {figures.rollouts[-1]:.2f} s, routed "
                  f"{figures.delays[-1]:.2f} s later", flush=True)  # fmt: skip
        figures.batches = (batches, [])
        figures.routes_shown = (shown, 0)
        figures.memory = (peak_memory_mb(process.pid), 0.0)


async def cold(
    kube: client.KubernetesClient, kubeconfig: Path, folder: Path, scale: Scale, figures: Figures
) -> None:
    """A fresh server (its own store) finds every pod Ready; then its gateways are created."""
    seen = k8s_seen.Seen(scale.replicas, scale.deadline)
    expected = scale.deployments + SAMPLES
    async with (
        vamp_server(kubeconfig, folder / "cold", scale) as (process, api),
        k8s_seen.watching(kube, api, seen),
    ):
        started = time.monotonic()
        batches = await create_gateways(api, scale, "new server")
        routed = await seen.until(f"{expected} routes in the plan", lambda: len(seen.routed) >= expected)
        figures.cold = routed - started
        figures.batches = (figures.batches[0], batches)
        figures.routes_shown = (figures.routes_shown[0], await routes_with_targets(api))
        figures.memory = (figures.memory[0], peak_memory_mb(process.pid))


def report(scale: Scale, figures: Figures) -> None:
    delays, rollouts = figures.delays, figures.rollouts
    added = figures.vamp_routed - figures.k8s_ready
    deployments, apps = f"{scale.deployments:,}", f"{scale.apps:,}"

    def ok(value: float, target: float) -> str:
        return "ok" if value < target else "MISSED"

    def p50_p99(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} / {percentile(values, 0.99) * 1000:.0f} ms"

    def batches(times: list[float]) -> str:
        return f"{sum(times):.2f} s ({len(times)} × ≤ {scale.gateway_batch}, slowest {max(times):.2f} s)"

    rows = [
        (f"{deployments} Deployments created → all pods Ready", f"{figures.k8s_ready:.2f} s", "", "", ""),
        (f"{deployments} Deployments created → all routes in the plan", "", f"{figures.vamp_routed:.2f} s",
         "", ""),
        (f"all pods Ready → all {deployments} routes (what Vamp adds)", "", f"{added:.2f} s", "< 15 s",
         ok(added, TARGETS["routes"])),
        (f"POST {apps} gateways, live server", "", batches(figures.batches[0]), "", ""),
        (f"POST {apps} gateways, new server", "", batches(figures.batches[1]), "", ""),
        (f"all Ready, new server: {apps} gateways → all routes", "", f"{figures.cold:.2f} s", "< 30 s",
         ok(figures.cold, TARGETS["cold"])),
        (f"one Deployment created → Ready, p50 / p99 (n={len(rollouts)})", p50_p99(rollouts), "", "", ""),
        (f"one Deployment Ready → its route in the plan, p50 / p99 (n={len(delays)})", "", p50_p99(delays),
         "p99 < 1 s", ok(percentile(delays, 0.99), TARGETS["p99"])),
        ("live server's gateway passes until all routes: count, mean", "",
         f"{figures.passes[0]}, {figures.passes[1] / max(1, figures.passes[0]):.2f} s", "", ""),
        ("server peak memory (VmHWM), live / new server", "",
         f"{figures.memory[0]:.0f} / {figures.memory[1]:.0f} MB", "< 500 MB",
         ok(max(figures.memory), TARGETS["memory"])),
    ]  # fmt: skip
    print(
        f"\nSelector discovery on Kubernetes: {scale.namespaces} namespaces, {apps} apps × {scale.versions} "
        f"versions ({scale.replicas} replica{'s' if scale.replicas > 1 else ''} each, {scale.pods:,} pods "
        f"with the samples) and {apps} selector gateways; routes with targets through /api/v1/gateways: "
        f"{figures.routes_shown[0]} (live), {figures.routes_shown[1]} (new server); load average "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())}\n"
    )
    header = ("", "Kubernetes alone", "Vamp", "target", "")
    widths = [max(len(row[i]) for row in (*rows, header)) for i in range(5)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


async def main(scale: Scale) -> None:
    nodes = k8s_cluster.extra_nodes(scale.pods)
    print(f"{scale.pods:,} pods: {len(nodes)} fake Nodes beside the harness's two", flush=True)
    with k8s_cluster.cluster() as running, tempfile.TemporaryDirectory(prefix="vamp-bench-") as folder:
        kubeconfig = running.admin.kubeconfig
        figures = Figures()
        async with client.KubernetesClient(config.from_kubeconfig(kubeconfig)) as kube:
            try:
                await k8s_cluster.prepare(kube, nodes, scale.namespaces, scale.deadline)
                await live(kube, kubeconfig, Path(folder), scale, figures)
                await cold(kube, kubeconfig, Path(folder), scale, figures)
            except errors.DriverError as exc:
                raise SystemExit(f"the Kubernetes API refused: {exc}") from exc
        report(scale, figures)


if __name__ == "__main__":
    asyncio.run(main(parse()))
