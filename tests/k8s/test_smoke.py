"""The test cluster behaves like a cluster: Deployments get scheduled, running, Ready Pods with loopback IPs
that a test can serve, garbage collection removes them again, Services stay on loopback too, and RBAC is
enforced.

Everything later tests build on is checked here first; if this file fails, read it before anything else.
"""

import contextlib
import http.server
import ipaddress
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import yaml

from tests.e2e.backends import free_port
from tests.k8s import controlplane, processes

_KUBE_GO_MOD = Path(__file__).parents[2] / "tools" / "k8s" / "kube" / "go.mod"
_TIMEOUT = 60.0  # seconds for the cluster to reach a state a test waits for
T = TypeVar("T")


def test_the_api_server_reports_the_built_version(k8s_api):
    built = re.search(r"^\s*k8s\.io/kubernetes (v\S+)", _KUBE_GO_MOD.read_text(), re.MULTILINE)
    assert built is not None, f"{_KUBE_GO_MOD} requires no k8s.io/kubernetes version"

    version = k8s_api.get("/version").raise_for_status().json()

    assert version["gitVersion"] == built.group(1)


@pytest.mark.parametrize(("node", "pod_cidr"), list(controlplane.NODES.items()))
def test_fake_nodes_are_ready_schedulable_and_own_a_loopback_pod_cidr(k8s_api, node, pod_cidr):
    found = k8s_api.get(f"/api/v1/nodes/{node}").raise_for_status().json()

    assert _condition(found, "Ready") == "True"
    assert found["spec"].get("taints") is None
    assert found["spec"]["podCIDRs"] == [pod_cidr]


def test_a_deployment_runs_ready_pods_with_loopback_ips_until_it_is_deleted(
    k8s_cluster, k8s_api, k8s_namespace
):
    port = free_port()
    apps = f"/apis/apps/v1/namespaces/{k8s_namespace}"
    pods = f"/api/v1/namespaces/{k8s_namespace}/pods"
    k8s_api.post(f"{apps}/deployments", json=_deployment("smoke", replicas=2, port=port)).raise_for_status()

    running = _wait_for(
        k8s_cluster,
        "two Running and Ready pods of Deployment smoke",
        lambda: _items(k8s_api, pods, "app=smoke"),
        lambda found: len(found) == 2 and all(_condition(pod, "Ready") == "True" for pod in found),
    )

    replica_sets = _items(k8s_api, f"{apps}/replicasets", "app=smoke")
    assert [owner["name"] for rs in replica_sets for owner in rs["metadata"]["ownerReferences"]] == ["smoke"]
    for pod in running:
        node, pod_ip = pod["spec"]["nodeName"], pod["status"]["podIP"]
        assert pod["status"]["phase"] == "Running"
        assert ipaddress.ip_address(pod_ip) in ipaddress.ip_network(controlplane.NODES[node]), (node, pod_ip)
    pod_ip = running[0]["status"]["podIP"]
    with _serving(pod_ip, port, b"hello from a pod"), httpx.Client(trust_env=False) as client:
        assert client.get(f"http://{pod_ip}:{port}/").text == "hello from a pod"

    k8s_api.request(
        "DELETE", f"{apps}/deployments/smoke", json={"propagationPolicy": "Background"}
    ).raise_for_status()

    _wait_for(
        k8s_cluster,
        "the ReplicaSet and pods of Deployment smoke to be deleted",
        lambda: _items(k8s_api, pods, "app=smoke") + _items(k8s_api, f"{apps}/replicasets", "app=smoke"),
        lambda remaining: remaining == [],
    )


def test_services_get_loopback_cluster_ips(k8s_api, k8s_namespace):
    service = {"metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}], "selector": {"app": "web"}}}

    created = k8s_api.post(f"/api/v1/namespaces/{k8s_namespace}/services", json=service).raise_for_status()

    assert re.fullmatch(r"127\.2\.0\.\d+", created.json()["spec"]["clusterIP"])


def test_a_user_without_role_bindings_is_authenticated_but_forbidden(k8s_cluster, k8s_namespace):
    user = k8s_cluster.add_user("vamp-controller")

    with k8s_cluster.client(user) as client:
        response = client.get(f"/api/v1/namespaces/{k8s_namespace}/pods")

    assert response.status_code == httpx.codes.FORBIDDEN
    assert response.json()["message"] == (
        f'pods is forbidden: User "vamp-controller" cannot list resource "pods" in API group "" '
        f'in the namespace "{k8s_namespace}"'
    )
    config = yaml.safe_load(user.kubeconfig.read_text())
    assert (config["users"][0]["name"], config["clusters"][0]["cluster"]["server"]) == (
        "vamp-controller",
        k8s_cluster.server,
    )


def _deployment(name: str, *, replicas: int, port: int) -> dict[str, Any]:
    labels = {"app": name}
    container = {"name": name, "image": f"vamp.invalid/{name}:1", "ports": [{"containerPort": port}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def _items(api: httpx.Client, path: str, label_selector: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        api.get(path, params={"labelSelector": label_selector}).raise_for_status().json()["items"]
    )
    return items


def _condition(obj: dict[str, Any], kind: str) -> str | None:
    return next((c["status"] for c in obj["status"].get("conditions", []) if c["type"] == kind), None)


def _wait_for(
    cluster: controlplane.Cluster, description: str, observe: Callable[[], T], done: Callable[[T], bool]
) -> T:
    """Poll ``observe`` until ``done`` holds for what it returned; return that."""
    seen: list[T] = []

    def reached() -> bool:
        seen[:] = [observe()]
        return done(seen[0])

    processes.wait_until(description, reached, timeout=_TIMEOUT, watched=cluster.processes)
    return seen[0]


@contextlib.contextmanager
def _serving(host: str, port: int, body: bytes) -> Iterator[None]:
    """Serve ``body`` to every GET on ``host:port`` while the block runs."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Keep the test output quiet."""

    with http.server.ThreadingHTTPServer((host, port), Handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            thread.join()
