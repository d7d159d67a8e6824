"""A real Kubernetes control plane on 127.0.0.1 for the tests: etcd, kube-apiserver (RBAC on),
kube-controller-manager, kube-scheduler and kwok (a stand-in kubelet), plus two fake Nodes.

Owns the components' command lines, their start order and health checks, and the fake Nodes. The binaries
come from ``scripts/k8s-env.sh build``; certificates from ``pki``; process supervision from ``processes``.
Pod IPs come from each Node's podCIDR in 127.1.0.0/16, so a test can serve a pod's traffic on loopback;
Services' cluster IPs come from 127.2.0.0/24.
EndpointSlices cannot hold loopback addresses, so the endpoint controllers are off: read backends from Pods.
"""

from __future__ import annotations

import collections.abc
import contextlib
import os
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from tests.k8s import kubeconfig, pki, processes

NODES = {"kwok-node-0": "127.1.0.0/24", "kwok-node-1": "127.1.1.0/24"}
STAGES = Path(__file__).with_name("kwok-stages.yaml")
_LOCALHOST = "127.0.0.1"
_FRONT_PROXY = "front-proxy-client"  # the only client certificate the API server takes identity headers from
_STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL
_START_TIMEOUT = {"etcd": 30.0, "kube-apiserver": 90.0, "nodes": 60.0}
_DEFAULT_START_TIMEOUT = 45.0


class Cluster:
    """A control plane that ``running`` starts and stops; its files live under ``run_dir``."""

    def __init__(self, bin_dir: Path, run_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.run_dir = run_dir
        self.processes: list[processes.Process] = []
        self.timings: dict[str, float] = {}
        self._pki = run_dir / "pki"
        self._pki.mkdir()
        # HOME of every component, so none of them reads the developer's ~/.kube or ~/.kwok.
        self._home = run_dir / "home"
        self._home.mkdir()
        self._ports = dict(zip(_PORT_NAMES, _free_ports(len(_PORT_NAMES)), strict=True))
        self.server = f"https://{_LOCALHOST}:{self._ports['kube-apiserver']}"
        self.etcd = f"http://{_LOCALHOST}:{self._ports['etcd']}"
        """etcd's client URL, for tests that act on storage directly (compaction, to force 410 Gone)."""
        self.ca = pki.create_ca(self._pki, "vamp-test-ca")
        self._serving = pki.issue(
            self.ca, self._pki, "serving", common_name="vamp-test-serving", hosts=("localhost", _LOCALHOST)
        )
        self._service_accounts = pki.create_service_account_keys(self._pki)
        self._front_proxy = pki.issue(self.ca, self._pki, "front-proxy", common_name=_FRONT_PROXY)
        self.admin = self.add_user("vamp-admin", groups=("system:masters",))
        self._probe = kubeconfig.client(self.server, ca=self.ca.cert, credentials=self.admin.credentials)

    def add_user(self, name: str, groups: collections.abc.Sequence[str] = ()) -> kubeconfig.User:
        """Mint a client certificate for user ``name`` in ``groups`` and write a kubeconfig for it.

        The API server authenticates the user from the certificate; what the user may do is up to RBAC.
        """
        folder = self.run_dir / "users"
        folder.mkdir(exist_ok=True)
        credentials = pki.issue(self.ca, folder, name, common_name=name, organizations=groups)
        path = kubeconfig.write(
            folder / f"{name}.kubeconfig",
            server=self.server,
            ca=self.ca.cert,
            user=name,
            credentials=credentials,
        )
        return kubeconfig.User(name=name, credentials=credentials, kubeconfig=path)

    def client(self, user: kubeconfig.User | None = None) -> httpx.Client:
        """An HTTP client for the API server as ``user`` (the admin by default); close it after use."""
        return kubeconfig.client(self.server, ca=self.ca.cert, credentials=(user or self.admin).credentials)

    def start(self) -> None:
        """Start every component in order, each once the one before is healthy; then add the Nodes."""
        started = time.monotonic()
        self._start("etcd", self._etcd_argv(), f"http://{_LOCALHOST}:{self._ports['etcd']}/health")
        self._start("kube-apiserver", self._apiserver_argv(), f"{self.server}/readyz")
        self._start("kube-controller-manager", self._controller_manager_argv(), self._healthz("kcm"))
        self._start("kube-scheduler", self._scheduler_argv(), self._healthz("scheduler"))
        self._start("kwok", self._kwok_argv(), f"http://{_LOCALHOST}:{self._ports['kwok']}/healthz")
        for name, cidr in NODES.items():
            self._probe.post("/api/v1/nodes", json=node(name, cidr)).raise_for_status()
        self.timings["nodes"] = processes.wait_until(
            f"Nodes {', '.join(NODES)} to be Ready and untainted",
            lambda: all(_ready_and_untainted(self._get(f"/api/v1/nodes/{name}")) for name in NODES),
            timeout=_START_TIMEOUT["nodes"],
            watched=self.processes,
        )
        self.timings["total"] = time.monotonic() - started

    def stop(self) -> None:
        """Stop every component, last started first, each by its own PID."""
        self._probe.close()
        for process in reversed(self.processes):
            process.stop(_STOP_GRACE)

    def log_tails(self, lines: int = 25) -> str:
        """The last ``lines`` lines of each component's log, for failure reports."""
        return "\n".join(f"----- {process.name} -----\n{process.tail(lines)}" for process in self.processes)

    def _start(self, name: str, argv: list[str], health_url: str) -> None:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self._home)}
        process = processes.Process.start(name, argv, log=self.run_dir / f"{name}.log", env=env)
        self.processes.append(process)
        self.timings[name] = processes.wait_until(
            f"{name} to be healthy at {health_url}",
            lambda: self._get(health_url) is not None,
            timeout=_START_TIMEOUT.get(name, _DEFAULT_START_TIMEOUT),
            watched=[process],
        )

    def _get(self, url: str) -> dict[str, Any] | None:
        """GET ``url`` as the admin: the JSON body (``{}`` if not JSON) on 200, None on anything else."""
        try:
            response = self._probe.get(url)
        except httpx.TransportError:
            return None
        if response.status_code != httpx.codes.OK:
            return None
        is_json = response.headers.get("content-type", "").startswith("application/json")
        return response.json() if is_json else {}

    def _healthz(self, component: str) -> str:
        return f"https://{_LOCALHOST}:{self._ports[component]}/healthz"

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _etcd_argv(self) -> list[str]:
        client, peer = (f"http://{_LOCALHOST}:{self._ports[port]}" for port in ("etcd", "etcd-peer"))
        return [
            self._bin("etcd"),
            "--name=node0",
            f"--data-dir={self.run_dir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=node0={peer}",
            "--unsafe-no-fsync=true",
            "--auto-compaction-retention=1",
        ]

    def _apiserver_argv(self) -> list[str]:
        return [
            self._bin("kube-apiserver"),
            f"--etcd-servers=http://{_LOCALHOST}:{self._ports['etcd']}",
            f"--bind-address={_LOCALHOST}",
            f"--advertise-address={_LOCALHOST}",
            f"--secure-port={self._ports['kube-apiserver']}",
            f"--tls-cert-file={self._serving.cert}",
            f"--tls-private-key-file={self._serving.key}",
            f"--client-ca-file={self.ca.cert}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={self._service_accounts.cert}",
            f"--service-account-signing-key-file={self._service_accounts.key}",
            # Services' cluster IPs on loopback too, so no test can ever dial a private-range address.
            "--service-cluster-ip-range=127.2.0.0/24",
            # The front proxy's (requestheader) settings: the controller manager and the scheduler read
            # them to authenticate requests, and log errors in a loop while they are missing.
            f"--requestheader-client-ca-file={self.ca.cert}",
            f"--requestheader-allowed-names={_FRONT_PROXY}",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={self._front_proxy.cert}",
            f"--proxy-client-key-file={self._front_proxy.key}",
            # Without it every Pod is refused until the controller manager has made the namespace's
            # `default` ServiceAccount; tests create Pods right after their namespace.
            "--disable-admission-plugins=ServiceAccount",
            # The `kubernetes` Service's Endpoints cannot hold a loopback address.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true",
            # Watches end after 60-120 s instead of 30-60 min, so clients' reconnect paths run in tests.
            "--min-request-timeout=60",
            # ConfigMaps are watched straight from etcd, not the watch cache: after a test compacts etcd,
            # resuming a ConfigMap watch from an older resourceVersion really answers 410 Gone.
            "--watch-cache-sizes=configmaps#0",
        ]

    def _controller_manager_argv(self) -> list[str]:
        return [
            self._bin("kube-controller-manager"),
            *self._component_flags("kcm"),
            f"--root-ca-file={self.ca.cert}",
            f"--service-account-private-key-file={self._service_accounts.key}",
            # Endpoints and EndpointSlices cannot hold the loopback pod IPs; these controllers would only
            # log errors in a loop.
            "--controllers=*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller",
        ]

    def _scheduler_argv(self) -> list[str]:
        return [self._bin("kube-scheduler"), *self._component_flags("scheduler")]

    def _component_flags(self, component: str) -> list[str]:
        """Flags the controller manager and the scheduler share: the admin's kubeconfig and a TLS port."""
        return [
            f"--kubeconfig={self.admin.kubeconfig}",
            f"--authentication-kubeconfig={self.admin.kubeconfig}",
            f"--authorization-kubeconfig={self.admin.kubeconfig}",
            "--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics",
            "--leader-elect=false",
            f"--bind-address={_LOCALHOST}",
            f"--secure-port={self._ports[component]}",
            f"--tls-cert-file={self._serving.cert}",
            f"--tls-private-key-file={self._serving.key}",
        ]

    def _kwok_argv(self) -> list[str]:
        return [
            self._bin("kwok"),
            f"--kubeconfig={self.admin.kubeconfig}",
            f"--config={STAGES}",
            "--manage-all-nodes=true",
            f"--node-ip={_LOCALHOST}",
            # Pods on a Node without a podCIDR get these IPs: loopback too, never a private range.
            "--cidr=127.1.255.0/24",
            "--node-lease-duration-seconds=40",
            f"--server-address={_LOCALHOST}:{self._ports['kwok']}",
        ]


@contextlib.contextmanager
def running(bin_dir: Path, run_dir: Path) -> collections.abc.Iterator[Cluster]:
    """Start a control plane with files under ``run_dir``; stop every component on exit.

    Raises:
        processes.StartupError: a component did not start; the message ends with each component's log tail.
    """
    cluster = Cluster(bin_dir, run_dir)
    try:
        try:
            cluster.start()
        except (processes.StartupError, httpx.HTTPError) as error:
            raise processes.StartupError(
                f"the test cluster did not start: {error}\n{cluster.log_tails()}"
            ) from error
        yield cluster
    finally:
        cluster.stop()


_PORT_NAMES = ("etcd", "etcd-peer", "kube-apiserver", "kcm", "scheduler", "kwok")


def _free_ports(count: int) -> list[int]:
    """Ports the kernel reports free on 127.0.0.1 (all held open together, so they are distinct)."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind((_LOCALHOST, 0))
        return [sock.getsockname()[1] for sock in sockets]


def node(name: str, pod_cidr: str, *, pods: int = 110) -> dict[str, Any]:
    """A fake Node for kwok to manage, with room for ``pods``: no taints, so Pods need no tolerations."""
    resources = {"cpu": "32", "memory": "256Gi", "pods": str(pods)}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": pod_cidr, "podCIDRs": [pod_cidr]},
        "status": {"allocatable": resources, "capacity": resources},
    }


def _ready_and_untainted(node: dict[str, Any] | None) -> bool:
    if node is None:
        return False
    conditions = node.get("status", {}).get("conditions", [])
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    return ready and not node["spec"].get("taints")
