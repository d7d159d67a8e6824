"""The control plane of the Kubernetes benches, sized for the pods a run needs.

Owns the bench's control plane (the tests' harness, ``tests/k8s/controlplane``, with higher client rates
for the controller manager and the scheduler, so that thousands of pods roll out in seconds rather than
minutes), the fake kwok Nodes a run's pods need beyond the harness's two, and the run's Namespaces. Each
extra Node holds ``PODS_PER_NODE`` pods and takes its pod IPs from its own ``127.1.N.0/24`` (loopback,
like the harness's Nodes; ``127.1.255.0/24`` stays kwok's fallback). Kubernetes' part stays honest: only
client rates, sync concurrency, kwok's parallelism and the range of Service IPs are raised, as a cluster
sized for this many pods and gateways would have them.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from lightkube.resources.core_v1 import Namespace, Node
from tests.k8s import controlplane

from vamp.adapters.kubernetes import client

ROOT = Path(__file__).parents[1]
PODS_PER_NODE = 250
"""Pods one extra Node takes: its /24 has 254 addresses."""
HEADROOM = 1.1
"""Room made for this many times the pods a run needs (pods of a rollout overlap, the scheduler spreads)."""
FIRST_EXTRA = 2
"""The harness's Nodes are kwok-node-0 and kwok-node-1, on 127.1.0.0/24 and 127.1.1.0/24."""
LAST_EXTRA = 254
"""127.1.255.0/24 is kwok's own fallback range."""
HARNESS_PODS = sum(110 for _ in controlplane.NODES)


SERVICE_RANGE = "--service-cluster-ip-range=127.2.0.0/16"
"""Cluster IPs for 65,534 Services (each gateway has one), still on loopback, beside the pods' 127.1/16."""
KWOK_PARALLELISM = 64
"""Pods kwok moves through their stages at once (its default, 4, makes ~5 pods Ready a second here)."""


class BenchCluster(controlplane.Cluster):
    """The tests' control plane with client rates for thousands of Deployments (the defaults, 20 and 50
    requests per second, would take minutes to create their pods), and kwok making that many pods Ready
    ``KWOK_PARALLELISM`` at a time."""

    _RATES = ("--kube-api-qps=1000", "--kube-api-burst=2000")

    def _apiserver_argv(self) -> list[str]:
        # A Service for every gateway: the harness's 127.2.0.0/24 holds 254, so 1,000 gateways need more.
        return [
            SERVICE_RANGE if flag.startswith("--service-cluster-ip-range=") else flag
            for flag in super()._apiserver_argv()
        ]

    def _kwok_argv(self) -> list[str]:
        options = self.run_dir / "kwok-bench.yaml"
        options.write_text(
            "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\n"
            f"options:\n  podPlayStageParallelism: {KWOK_PARALLELISM}\n"
            # A KwokConfiguration replaces kwok's defaults: these are its own.
            "  nodePlayStageParallelism: 4\n  nodeLeaseParallelism: 4\n  podsOnNodeSyncParallelism: 4\n"
        )
        return [*super()._kwok_argv(), f"--config={options}"]

    def _controller_manager_argv(self) -> list[str]:
        syncs = ("--concurrent-deployment-syncs=50", "--concurrent-replicaset-syncs=50")
        return [*super()._controller_manager_argv(), *self._RATES, *syncs]

    def _scheduler_argv(self) -> list[str]:
        return [*super()._scheduler_argv(), *self._RATES]


def extra_nodes(pods: int) -> dict[str, str]:
    """The Nodes (name → pod CIDR) that, beside the harness's two, make room for ``pods`` pods.

    Raises:
        SystemExit: more pods than 253 extra Nodes can hold.
    """
    needed = max(0, math.ceil((math.ceil(pods * HEADROOM) - HARNESS_PODS) / PODS_PER_NODE))
    available = LAST_EXTRA - FIRST_EXTRA
    if needed > available:
        most = HARNESS_PODS + available * PODS_PER_NODE
        raise SystemExit(f"{pods} pods need {needed} extra Nodes; at most {available} fit ({most} pods)")
    return {f"kwok-node-{n}": f"127.1.{n}.0/24" for n in range(FIRST_EXTRA, FIRST_EXTRA + needed)}


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


async def prepare(
    kube: client.KubernetesClient, nodes: dict[str, str], namespaces: int, deadline: float
) -> None:
    """The extra ``nodes`` (kwok makes them Ready) and the Namespaces ``bench-0`` … ``bench-{namespaces-1}``.

    Raises:
        SystemExit: the Nodes were not Ready and untainted within ``deadline`` seconds.
    """
    for name, cidr in nodes.items():
        await kube.apply(Node, controlplane.node(name, cidr, pods=PODS_PER_NODE))
    for number in range(namespaces):
        await kube.apply(
            Namespace, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"bench-{number}"}}
        )
    until = time.monotonic() + deadline
    while not all([await _schedulable(kube, name) for name in nodes]):
        if time.monotonic() > until:
            raise SystemExit(f"the {len(nodes)} extra Nodes did not become Ready in {deadline:.0f} s")
        await asyncio.sleep(0.2)


async def _schedulable(kube: client.KubernetesClient, name: str) -> bool:
    node = await kube.get(Node, name)
    if node is None or node.status is None or node.spec is None:
        return False
    ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
    return ready and not node.spec.taints
