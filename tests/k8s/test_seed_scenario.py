"""The seed scenario of vamp.md §1.10 against the real control plane, traffic included (issue 5, "Done when").

Plain Kubernetes Deployments of ``foo`` (made with the Kubernetes API, not through Vamp) are discovered by the
selector of gateway ``foo-ingress``, created through Vamp's REST API. ``vamp server --driver kubernetes`` runs
out of cluster as a user bound to deploy/kubernetes's ClusterRole, one ``vamp agent`` runs its proxy on
127.0.0.1 (the scenario runs once with Envoy and once with HAProxy, ``--proxy``), and small HTTP servers
answer on the pods' 127.1.x.y addresses. Asserted is what users see: the gateway's routes, weights, targets
and ``service`` through the API; the Services through the Kubernetes API; which pods answer requests sent
through the gateway. Discovery delays end when the change shows in ``GET /api/v1/gateways/foo-ingress`` and
start when this test saw the pods Ready, or at their Ready condition's ``lastTransitionTime`` (whole seconds,
so an upper bound): both must be under 2 s, and both are printed.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.backends import free_port
from tests.e2e.vamp_process import gateway_ports
from tests.k8s import controlplane, eventually, servers
from vamp.adapters.kubernetes import client as kube_client

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(240)]

GATEWAY = "foo-ingress"
SELECTOR = "label(app)(foo) && label(version)((.*))"
DISCOVERY_LIMIT = 2.0
"""Seconds from a Deployment's pods being Ready to its route (or targets) showing in the API."""
SAMPLES = 2000
"""Requests per traffic split: each share is then within ±5 points far beyond chance (σ ≈ 1.1 points)."""
AGENT_SELECTOR = {"io.vamp": "vamp-gateway-agent"}


class Foo:
    """The ``foo`` Deployments of one namespace, made and changed through the Kubernetes API as an admin."""

    def __init__(self, api: httpx.Client, namespace: str, container_port: int) -> None:
        self.port = container_port
        self._api = api
        self._namespace = namespace

    def create(self, version: str) -> None:
        labels = {"app": "foo", "version": version}
        container = {
            "name": "foo",
            "image": f"example.invalid/foo:{version}",
            "ports": [{"name": "http", "containerPort": self.port}],
        }
        deployment = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": _name(version), "labels": labels},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            },
        }
        self._api.post(self._deployments(), json=deployment).raise_for_status()

    def scale(self, version: str, replicas: int) -> None:
        self._api.patch(
            f"{self._deployments()}/{_name(version)}/scale",
            json={"spec": {"replicas": replicas}},
            headers={"content-type": "application/merge-patch+json"},
        ).raise_for_status()

    def delete(self, version: str) -> None:
        self._api.delete(f"{self._deployments()}/{_name(version)}").raise_for_status()

    def ready_pods(self, version: str) -> list[dict[str, Any]]:
        """The Ready pods of ``version`` that are not being deleted."""
        listed = self._api.get(
            f"/api/v1/namespaces/{self._namespace}/pods",
            params={"labelSelector": f"app=foo,version={version}"},
        )
        return [pod for pod in listed.raise_for_status().json()["items"] if _ready(pod)]

    async def ready(self, version: str, count: int) -> list[dict[str, Any]]:
        """Wait until ``count`` pods of ``version`` are Ready; those pods."""

        async def pods() -> list[dict[str, Any]]:
            return self.ready_pods(version)

        return await eventually.until(f"{count} Ready pods of foo {version}", pods, lambda p: len(p) == count)

    def _deployments(self) -> str:
        return f"/apis/apps/v1/namespaces/{self._namespace}/deployments"


def _name(version: str) -> str:
    return f"foo-{version.replace('.', '-')}"


def _ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
    return ready and "deletionTimestamp" not in pod["metadata"] and bool(pod["status"].get("podIP"))


def _ready_since(pod: dict[str, Any]) -> datetime:
    (ready,) = [c for c in pod["status"]["conditions"] if c["type"] == "Ready"]
    return datetime.fromisoformat(ready["lastTransitionTime"])


async def delay_to(
    description: str,
    ready: Callable[[], list[dict[str, Any]]],
    count: int,
    shown: Callable[[], Awaitable[bool]],
) -> tuple[float, float]:
    """Seconds from ``count`` pods being Ready to ``shown()`` holding: as this test observed the pods turn
    Ready (looking every 50 ms), and from their Ready conditions' ``lastTransitionTime`` (whole seconds,
    so up to one second too long)."""
    seen: list[tuple[float, datetime]] = []

    async def look() -> bool:
        if not seen and len(pods := ready()) >= count:
            seen.append((time.monotonic(), max(_ready_since(pod) for pod in pods)))
        return bool(seen) and await shown()

    await eventually.until(description, look, bool)
    observed, since = seen[0]
    return time.monotonic() - observed, (datetime.now(UTC) - since).total_seconds()


async def discovered_in_time(
    description: str,
    ready: Callable[[], list[dict[str, Any]]],
    count: int,
    shown: Callable[[], Awaitable[bool]],
) -> None:
    """Wait as ``delay_to`` does; print both delays, and fail unless each is under ``DISCOVERY_LIMIT``."""
    observed, since_condition = await delay_to(description, ready, count, shown)
    print(
        f"\nseed: pods Ready → {description} in the API: {observed:.3f} s observed, "
        f"{since_condition:.3f} s from lastTransitionTime"
    )
    assert observed < DISCOVERY_LIMIT
    assert since_condition < DISCOVERY_LIMIT


def targets(routes: dict[str, Any], route: str) -> set[str]:
    return {f"{target['host']}:{target['port']}" for target in routes.get(route, {}).get("targets", [])}


def addresses(pods: list[dict[str, Any]], port: int) -> set[str]:
    return {f"{pod['status']['podIP']}:{port}" for pod in pods}


def names(pods: list[dict[str, Any]]) -> set[str]:
    return {pod["metadata"]["name"] for pod in pods}


def shares(counts: Counter[str], groups: dict[str, set[str]]) -> dict[str, float]:
    """The share of all requests each group of pods answered."""
    total = sum(counts.values())
    return {group: sum(counts[pod] for pod in pods) / total for group, pods in groups.items()}


async def serve(backends: servers.PodBackends, pods: list[dict[str, Any]], port: int) -> None:
    for pod in pods:
        await backends.serve(pod["metadata"]["name"], pod["status"]["podIP"], port)


async def settled(server: servers.VampServer, agent: servers.VampAgent) -> None:
    """Wait until the agent's proxy serves the server's current routing plan."""
    api = server.api()

    async def versions() -> tuple[str | None, str | None]:
        return await api.plan_version(), await agent.version()

    await eventually.until(
        "the agent to serve the server's plan", versions, lambda v: v[0] is not None and v[0] == v[1]
    )


async def no_other_foo_pods(api: httpx.Client, namespace: str) -> None:
    """Wait until no other test's ``app=foo`` pods are left (their namespaces may still be going away)."""

    async def others() -> list[str]:
        listed = api.get("/api/v1/pods", params={"labelSelector": "app=foo"}).raise_for_status().json()
        return [p["metadata"]["name"] for p in listed["items"] if p["metadata"]["namespace"] != namespace]

    await eventually.until("no app=foo pods of other tests", others, lambda found: not found)


def service(api: httpx.Client, namespace: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (
        api.get(f"/api/v1/namespaces/{namespace}/services/{name}").raise_for_status().json()
    )
    return found


@pytest.mark.parametrize("proxy", ["envoy", "haproxy"])
async def test_the_seed_scenario_with_traffic(
    k8s_cluster: controlplane.Cluster,
    k8s_api: httpx.Client,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
    proxy: str,
) -> None:
    namespace = k8s_namespace
    await no_other_foo_pods(k8s_api, namespace)
    foo = Foo(k8s_api, namespace, free_port())
    shared_port = free_port()
    async with contextlib.AsyncExitStack() as stack:
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, namespace))
        server = await stack.enter_async_context(
            servers.running_server(
                identity,
                tmp_path,
                name="vamp-0",
                namespace=namespace,
                shared_port=shared_port,
                ports=gateway_ports(),
            )
        )
        agent = await stack.enter_async_context(servers.running_agent(server.url, tmp_path, proxy=proxy))
        backends = await stack.enter_async_context(contextlib.aclosing(servers.PodBackends()))
        api = server.api()

        async def routes() -> dict[str, Any]:
            return await api.routes(GATEWAY)

        # foo 1.0.3 runs before the gateway exists: the selector finds it, and it takes all the traffic.
        foo.create("1.0.3")
        v103 = await foo.ready("1.0.3", 1)
        await serve(backends, v103, foo.port)
        await api.send("POST", "gateways", f"name: {GATEWAY}\nselector: {SELECTOR}\n")
        found = await eventually.until(
            "route (1.0.3)", routes, lambda r: targets(r, "(1.0.3)") == addresses(v103, foo.port)
        )
        assert {path: route["weight"] for path, route in found.items()} == {"(1.0.3)": "100%"}
        gateway = await api.get(f"gateways/{GATEWAY}")
        port = int(gateway["port"].split("/")[0])
        await settled(server, agent)
        assert await servers.traffic(port, 200) == {names(v103).pop(): 200}

        # foo 2.0.1 appears: a new route at 0 %, within 2 s of its pod being Ready.
        foo.create("2.0.1")

        async def route_201_shown() -> bool:
            return "(2.0.1)" in await routes()

        await discovered_in_time("route (2.0.1)", lambda: foo.ready_pods("2.0.1"), 1, route_201_shown)
        found = await routes()
        assert {path: route["weight"] for path, route in found.items()} == {
            "(1.0.3)": "100%",
            "(2.0.1)": "0%",
        }
        v201 = foo.ready_pods("2.0.1")
        assert targets(found, "(2.0.1)") == addresses(v201, foo.port)
        await serve(backends, v201, foo.port)

        # 50/50 splits the traffic.
        await api.set_weights(GATEWAY, {"(1.0.3)": "50%", "(2.0.1)": "50%"})
        await settled(server, agent)
        split = shares(await servers.traffic(port, SAMPLES), {"1.0.3": names(v103), "2.0.1": names(v201)})
        assert abs(split["1.0.3"] - 0.5) <= 0.05, split
        assert abs(split["2.0.1"] - 0.5) <= 0.05, split

        # Scaling 2.0.1 to 3 replicas: the route's targets follow within 2 s, and all three take traffic.
        foo.scale("2.0.1", 3)

        async def three_targets() -> bool:
            return len(targets(await routes(), "(2.0.1)")) == 3

        await discovered_in_time(
            "3 targets of route (2.0.1)", lambda: foo.ready_pods("2.0.1"), 3, three_targets
        )
        v201 = foo.ready_pods("2.0.1")
        assert targets(await routes(), "(2.0.1)") == addresses(v201, foo.port)
        await serve(backends, v201, foo.port)
        await settled(server, agent)
        answered = await servers.traffic(port, SAMPLES)
        split = shares(answered, {"1.0.3": names(v103), "2.0.1": names(v201)})
        assert abs(split["1.0.3"] - 0.5) <= 0.05, split
        assert abs(split["2.0.1"] - 0.5) <= 0.05, split
        assert all(answered[pod] > 0 for pod in names(v201)), answered

        # The gateway's NodePort Service and the shared LoadBalancer Service select the agents; the
        # gateway shows its Service's address.
        exposed = service(k8s_api, namespace, GATEWAY)
        assert exposed["spec"]["type"] == "NodePort"
        assert exposed["spec"]["selector"] == AGENT_SELECTOR
        (exposed_port,) = exposed["spec"]["ports"]
        assert (exposed_port["port"], exposed_port["targetPort"]) == (port, port)
        shared = service(k8s_api, namespace, "vamp-gateway-agent")
        assert shared["spec"]["type"] == "LoadBalancer"
        assert shared["spec"]["selector"] == AGENT_SELECTOR
        assert [(p["port"], p["targetPort"]) for p in shared["spec"]["ports"]] == [(shared_port, shared_port)]
        gateway = await api.get(f"gateways/{GATEWAY}")
        assert gateway["service"] == {
            "host": exposed["spec"]["clusterIP"],
            "port": str(exposed_port["nodePort"]),
        }

        # Deleting 2.0.1 removes its route; 1.0.3 takes the traffic again.
        foo.delete("2.0.1")
        found = await eventually.until("route (2.0.1) gone", routes, lambda r: "(2.0.1)" not in r)
        assert list(found) == ["(1.0.3)"]
        await settled(server, agent)
        assert await servers.traffic(port, 200) == {names(v103).pop(): 200}

        assert server.stop() == 0, server.log()
