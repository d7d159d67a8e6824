"""Benchmark of selector discovery on Kubernetes: 1,000 Deployments, 100 selector gateways, one server.

Starts its own control plane with the tests' harness (``tests/k8s/controlplane``: etcd, kube-apiserver,
kube-controller-manager, kube-scheduler and kwok, the binaries from ``scripts/k8s-env.sh build``), with
six more fake Nodes and higher client rates for the controller manager and the scheduler, so that 1,000
pods fit and roll out in seconds. Then ``vamp server --driver kubernetes`` as a subprocess, 100 gateways
``label(app)(appN) && label(version)((.*))`` through its API, and 1,000 plain Deployments (10 namespaces,
100 apps × 10 versions, 1 replica each) through the Kubernetes API. It prints, side by side:

* Kubernetes alone: the time from creating the Deployments until a plain list-watch of the pods has seen
  all 1,000 Ready — the floor;
* Vamp: the time until the routing plan (read by long-polling ``/api/v1/vga/plan``, as agents do) routes
  to all 1,000 pods, and so what Vamp adds after the last pod is Ready (target < 15 s);
* the delay from one new Deployment's pod being Ready (seen by the list-watch) to its route being in the
  plan, over 30 Deployments created one at a time: p50 and p99 (target p99 < 1 s), beside Kubernetes'
  own time from creating each Deployment to its pod being Ready;
* the burst: a second, new server (its own store) once every pod is Ready, and the time from creating
  the 100 gateways to all 1,030 routes in its plan (the same target);
* each server's peak memory (VmHWM of the ``vamp server`` process, target < 300 MB).

The gateways' routes are also checked through ``/api/v1/gateways``. Everything it starts is stopped by
PID at the end. Run: ``.venv/bin/python -m bench.k8s_discovery``. Benchmarks are never tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Node, Pod
from tests.e2e.backends import free_port
from tests.k8s import controlplane

from vamp import errors
from vamp.adapters.kubernetes import client, config

ROOT = Path(__file__).parents[1]
NAMESPACES = 10
APPS = 100
VERSIONS = 10
SAMPLES = 30
EXTRA_NODES = {f"kwok-node-{n}": f"127.1.{n}.0/24" for n in range(2, 8)}
"""With the harness's two Nodes (110 pods each), room for 1,720 pods."""
LABEL = {"vamp-bench": "true"}
CREATING_AT_ONCE = 50
ADMIN_TOKEN = "vamp_bench-admin-token-made-up-for-this-run-only"
"""The admin token the bench gives its server (``$VAMP_ADMIN_TOKEN``) and sends."""
DEADLINE = 300.0
TARGETS = {"routes": 15.0, "p99": 1.0, "memory": 300.0}


class BenchCluster(controlplane.Cluster):
    """The tests' control plane with client rates for 1,000 Deployments (the defaults, 20 and 50 requests
    per second, would take minutes to create their pods)."""

    _RATES = ("--kube-api-qps=1000", "--kube-api-burst=2000")

    def _controller_manager_argv(self) -> list[str]:
        syncs = ("--concurrent-deployment-syncs=50", "--concurrent-replicaset-syncs=50")
        return [*super()._controller_manager_argv(), *self._RATES, *syncs]

    def _scheduler_argv(self) -> list[str]:
        return [*super()._scheduler_argv(), *self._RATES]


@contextlib.contextmanager
def cluster() -> Iterator[controlplane.Cluster]:
    """The control plane, its binaries built first if needed (tens of minutes the very first time)."""
    built = subprocess.run(
        ["bash", str(ROOT / "scripts" / "k8s-env.sh"), "build"], capture_output=True, text=True, check=False
    )
    if built.returncode != 0:
        raise SystemExit(f"scripts/k8s-env.sh build failed:\n{built.stderr}")
    run_dir = Path(
        tempfile.mkdtemp(prefix="vamp-bench-k8s-", dir="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    )
    running = BenchCluster(Path(built.stdout.strip()), run_dir)
    try:
        running.start()
        yield running
    finally:
        running.stop()
        shutil.rmtree(run_dir, ignore_errors=True)


@dataclass
class Seen:
    """When this process first saw each pod Ready (list-watch) and each route served (long poll)."""

    ready: dict[tuple[str, str], float] = field(default_factory=dict)
    """(app, version) → monotonic time its pod was first seen Ready."""
    routed: dict[tuple[str, str], float] = field(default_factory=dict)
    """(app, version) → monotonic time the plan first had an endpoint for its route."""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def ready_and_routed(self, key: tuple[str, str]) -> bool:
        return key in self.ready and key in self.routed

    def note(self, table: dict[tuple[str, str], float], key: tuple[str, str]) -> None:
        if key not in table:
            table[key] = time.monotonic()
            self.changed.set()

    async def until(self, description: str, done: Callable[[], bool]) -> float:
        """Wait until ``done()`` holds; the time it first did."""
        deadline = time.monotonic() + DEADLINE
        while not done():
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SystemExit(f"gave up waiting for {description}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), remaining)
        return time.monotonic()


async def watch_pods(kube: client.KubernetesClient, seen: Seen) -> None:
    """A plain list-watch of the benchmark's pods (the Kubernetes baseline), relisting on 410."""
    while True:
        listing = await kube.list(Pod, labels=LABEL)
        for pod in listing.items:
            _note_pod(seen, pod)
        version = listing.resource_version
        with contextlib.suppress(client.Gone):
            while True:
                async for event in kube.watch(Pod, resource_version=version, server_timeout=60, labels=LABEL):
                    version = event.resource_version
                    if event.object is not None:  # not a bookmark
                        _note_pod(seen, event.object)


def _note_pod(seen: Seen, pod: Pod) -> None:
    labels = (pod.metadata.labels if pod.metadata else None) or {}
    conditions = (pod.status.conditions if pod.status else None) or []
    if any(c.type == "Ready" and c.status == "True" for c in conditions):
        seen.note(seen.ready, (labels["app"], labels["version"]))


async def watch_plan(api: httpx.AsyncClient, seen: Seen) -> None:
    """Long-poll the routing plan as an agent does; note each route the first time it has an endpoint."""
    version = ""
    while True:
        answer = await api.get("/api/v1/vga/plan", params={"version": version, "wait": 30})
        if answer.status_code != httpx.codes.OK:
            continue
        plan = answer.json()
        version = plan["version"]
        for target in plan["clusters"]:
            gateway, _, route = target["name"].partition("//")
            if target["endpoints"]:
                seen.note(seen.routed, (gateway, route.strip("()")))


def deployment(app: str, version: str) -> dict[str, Any]:
    """A plain Deployment of ``app`` at ``version`` in its namespace: 1 replica, container port 8080."""
    labels = {"app": app, "version": version, **LABEL}
    container = {"name": app, "image": f"example.invalid/{app}:{version}", "ports": [{"containerPort": 8080}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": f"{app}-v{version.replace('.', '-')}",
            "namespace": f"bench-{int(app.removeprefix('app')) * NAMESPACES // APPS}",
            "labels": labels,
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": app, "version": version}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


async def prepare(kube: client.KubernetesClient) -> None:
    """Six more Nodes (kwok makes them Ready) and the benchmark's Namespaces."""
    for name, cidr in EXTRA_NODES.items():
        await kube.apply(Node, controlplane.node(name, cidr, pods=250))
    for number in range(NAMESPACES):
        await kube.apply(
            Namespace, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{number}"}}
        )
    deadline = time.monotonic() + DEADLINE
    while not all([await _schedulable(kube, name) for name in EXTRA_NODES]):
        if time.monotonic() > deadline:
            raise SystemExit("the extra Nodes did not become Ready")
        await asyncio.sleep(0.2)


async def _schedulable(kube: client.KubernetesClient, name: str) -> bool:
    node = await kube.get(Node, name)
    if node is None or node.status is None or node.spec is None:
        return False
    ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
    return ready and not node.spec.taints


@contextlib.asynccontextmanager
async def vamp_server(
    kubeconfig: Path, folder: Path
) -> AsyncIterator[tuple[subprocess.Popen[bytes], httpx.AsyncClient]]:
    """``vamp server --driver kubernetes`` (its own store in ``folder``) and a client for its API, once it
    answers; stopped by its PID on exit."""
    port = free_port()
    folder.mkdir(parents=True)
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "vamp", "server", "--driver=kubernetes", f"--kubeconfig={kubeconfig}",
             f"--home={folder}", f"--port={port}", f"--shared-port={free_port()}",
             "--gateway-ports=42000-42999"],
            stdin=subprocess.DEVNULL, stdout=output, stderr=output,
            env={**os.environ, "VAMP_ADMIN_TOKEN": ADMIN_TOKEN},
        )  # fmt: skip
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            timeout=60.0,
            trust_env=False,
            headers={"authorization": f"Bearer {ADMIN_TOKEN}"},
        ) as api:
            deadline = time.monotonic() + 60
            while not await _answers(api, "/healthz"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"vamp server did not come up:\n{log.read_text(errors='replace')}")
                await asyncio.sleep(0.1)
            yield process, api
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _answers(probe: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await probe.get(url)).status_code == httpx.codes.OK
    except httpx.TransportError:
        return False


async def create_all(kube: client.KubernetesClient, manifests: list[dict[str, Any]]) -> None:
    limit = asyncio.Semaphore(CREATING_AT_ONCE)

    async def create(manifest: dict[str, Any]) -> None:
        async with limit:
            await kube.apply(Deployment, manifest)

    await asyncio.gather(*(create(manifest) for manifest in manifests))


async def create_gateways(api: httpx.AsyncClient) -> None:
    documents = "---\n".join(
        f"name: app{a}\nselector: label(app)(app{a}) && label(version)((.*))\n" for a in range(APPS)
    )
    answer = await api.post(
        "/api/v1/gateways", content=documents, headers={"content-type": "application/x-yaml"}
    )
    answer.raise_for_status()


async def routes_with_targets(api: httpx.AsyncClient) -> int:
    """Routes with targets over every gateway, read through ``/api/v1/gateways`` (30 per page)."""
    total, page = 0, 1
    while True:
        found = (await api.get("/api/v1/gateways", params={"page": page, "per_page": 30})).json()
        total += sum(1 for gateway in found for route in gateway["routes"].values() if route["targets"])
        if len(found) < 30:
            return total
        page += 1


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
    """Deployments created → all 1,000 pods Ready (list-watch)."""
    vamp_routed: float = 0.0
    """Deployments created → all 1,000 routes in the plan."""
    cold: float = 0.0
    """A fresh server, everything Ready: gateways created → all routes in the plan."""
    routes_shown: tuple[int, int] = (0, 0)
    """Routes with targets through /api/v1/gateways, on each server."""
    rollouts: list[float] = field(default_factory=list)
    """One Deployment created → its pod Ready."""
    delays: list[float] = field(default_factory=list)
    """One pod Ready → its route in the plan."""
    memory: tuple[float, float] = (0.0, 0.0)
    """Peak RSS of each server, MB."""


@contextlib.asynccontextmanager
async def watching(kube: client.KubernetesClient, api: httpx.AsyncClient, seen: Seen) -> AsyncIterator[None]:
    watchers = [asyncio.create_task(watch_pods(kube, seen)), asyncio.create_task(watch_plan(api, seen))]
    try:
        yield
    finally:
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)


async def live(kube: client.KubernetesClient, kubeconfig: Path, folder: Path, figures: Figures) -> None:
    """Gateways first, then 1,000 Deployments, then 30 more one at a time, with the server running."""
    seen = Seen()
    bulk = {(f"app{a}", f"{v}.0.0") for a in range(APPS) for v in range(1, VERSIONS + 1)}
    async with vamp_server(kubeconfig, folder / "live") as (process, api), watching(kube, api, seen):
        await create_gateways(api)
        started = time.monotonic()
        await create_all(kube, [deployment(app, version) for app, version in sorted(bulk)])
        all_ready = await seen.until("1,000 pods Ready", lambda: bulk <= seen.ready.keys())
        all_routed = await seen.until("1,000 routes in the plan", lambda: bulk <= seen.routed.keys())
        figures.k8s_ready, figures.vamp_routed = all_ready - started, all_routed - started
        shown = await routes_with_targets(api)
        for sample in range(SAMPLES):
            key = (f"app{sample * 3 % APPS}", f"{VERSIONS + 1 + sample}.0.0")
            created = time.monotonic()
            await kube.apply(Deployment, deployment(*key))
            await seen.until(f"{key} Ready and routed", functools.partial(seen.ready_and_routed, key))
            figures.rollouts.append(seen.ready[key] - created)
            figures.delays.append(seen.routed[key] - seen.ready[key])
        figures.routes_shown = (shown, 0)
        figures.memory = (peak_memory_mb(process.pid), 0.0)


async def cold(kube: client.KubernetesClient, kubeconfig: Path, folder: Path, figures: Figures) -> None:
    """A fresh server (its own store) finds every pod Ready; then the 100 gateways are created."""
    seen = Seen()
    expected = APPS * VERSIONS + SAMPLES
    async with vamp_server(kubeconfig, folder / "cold") as (process, api), watching(kube, api, seen):
        started = time.monotonic()
        await create_gateways(api)
        routed = await seen.until(f"{expected} routes in the plan", lambda: len(seen.routed) >= expected)
        figures.cold = routed - started
        figures.routes_shown = (figures.routes_shown[0], await routes_with_targets(api))
        figures.memory = (figures.memory[0], peak_memory_mb(process.pid))


def report(figures: Figures) -> None:
    delays, rollouts = figures.delays, figures.rollouts
    added = figures.vamp_routed - figures.k8s_ready

    def ok(value: float, target: float) -> str:
        return "ok" if value < target else "MISSED"

    def p50_p99(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} / {percentile(values, 0.99) * 1000:.0f} ms"

    rows = [
        ("1,000 Deployments created → all pods Ready", f"{figures.k8s_ready:.2f} s", "", "", ""),
        ("1,000 Deployments created → all routes in the plan", "", f"{figures.vamp_routed:.2f} s", "", ""),
        ("all pods Ready → all 1,000 routes (what Vamp adds)", "", f"{added:.2f} s", "< 15 s",
         ok(added, TARGETS["routes"])),
        ("all Ready, new server: 100 gateways → all routes", "", f"{figures.cold:.2f} s", "< 15 s",
         ok(figures.cold, TARGETS["routes"])),
        (f"one Deployment created → Ready, p50 / p99 (n={len(rollouts)})", p50_p99(rollouts), "", "", ""),
        (f"one pod Ready → its route in the plan, p50 / p99 (n={len(delays)})", "", p50_p99(delays),
         "p99 < 1 s", ok(percentile(delays, 0.99), TARGETS["p99"])),
        ("server peak memory (VmHWM), live / new server", "",
         f"{figures.memory[0]:.0f} / {figures.memory[1]:.0f} MB", "< 300 MB",
         ok(max(figures.memory), TARGETS["memory"])),
    ]  # fmt: skip
    print(
        f"\nSelector discovery on Kubernetes: {NAMESPACES} namespaces, {APPS} apps × {VERSIONS} versions "
        f"(1 replica each) and {APPS} selector gateways; routes with targets through /api/v1/gateways: "
        f"{figures.routes_shown[0]} (live), {figures.routes_shown[1]} (new server)\n"
    )
    header = ("", "Kubernetes alone", "Vamp", "target", "")
    widths = [max(len(row[i]) for row in (*rows, header)) for i in range(5)]
    for row in (header, *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


async def main() -> None:
    with cluster() as running, tempfile.TemporaryDirectory(prefix="vamp-bench-") as folder:
        kubeconfig = running.admin.kubeconfig
        figures = Figures()
        async with client.KubernetesClient(config.from_kubeconfig(kubeconfig)) as kube:
            try:
                await prepare(kube)
                await live(kube, kubeconfig, Path(folder), figures)
                await cold(kube, kubeconfig, Path(folder), figures)
            except errors.DriverError as exc:
                raise SystemExit(f"the Kubernetes API refused: {exc}") from exc
        report(figures)


if __name__ == "__main__":
    asyncio.run(main())
