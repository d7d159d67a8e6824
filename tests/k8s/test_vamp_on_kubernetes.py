"""Vamp deployments on Kubernetes through the REST API and the CLI, and servers that crash or stand by.

* A blueprint deployed through ``/acme-prod/api/v1/deployments`` (once the environment is created) makes
  one Deployment per service in the Namespace ``acme-prod`` (names and labels as vamp.md §5); merging a
  version, shifting weights (``vamp update-gateway``) and slicing work as on the local driver, the sliced
  Deployment disappearing.
* A server SIGKILLed in the middle of a deployment (the backend applied, its pods waiting for Nodes of a
  pool; the frontend, which depends on it, not yet) converges after a restart, once the pool has a Node:
  the deployment reaches Done, nothing lost, nothing doubled.
* Two servers on one PostgreSQL store: one leads (the Lease names it, every Deployment notes it applied
  it), both serve the API and routing plans (an agent long-polls the follower); SIGKILL the leader and the
  other takes over (the time is measured) and finishes the work that came meanwhile.

The servers run as a user bound to deploy/kubernetes's ClusterRole, their Lease in the test's Namespace.
Kubernetes objects are read as the admin; Vamp's state only through its API, never from its store.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.coordination_v1 import Lease
from lightkube.resources.core_v1 import Namespace, Pod, Service

from tests import postgres
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import gateway_ports
from tests.k8s import controlplane, eventually, servers
from vamp.adapters.kubernetes import client as kube_client

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]

LEASE = "vamp-server"
LEASE_DURATION = 8.0
RENEW_DEADLINE = 5.0
RETRY_PERIOD = 1.0
"""The election settings the two servers of the handover test are given (``--lease-duration`` …)."""
APPLIED_BY = "io.vamp/applied-by"


def breed(name: str, version: str, dependencies: str = "") -> str:
    return (
        f"      breed:\n        name: {name}:{version}\n"
        f"        deployable: example.invalid/{name}:{version}\n"
        f"        ports: {{webport: 8080/http}}\n{dependencies}"
        "      scale: {cpu: 0.1, memory: 64MB, instances: 1}\n"
    )


def sava(version: str) -> str:
    return f"name: sava\nkind: blueprints\nclusters:\n  sava:\n    services:\n{breed('sava', version)}"


POOL = "vamp-test/pool"
"""A Node label the test's backend pods need: until a Node has it, they stay Pending (never Ready)."""


def shop(pool: str) -> str:
    """Two clusters: the frontend is deployed once its backend is Done, whose pods need Nodes of ``pool``."""
    return (
        "name: shop\nkind: blueprints\nclusters:\n  backend:\n"
        f"    dialects: {{kubernetes: {{nodeSelector: {{{POOL}: {pool}}}}}}}\n    services:\n"
        + breed("backend", "1.0.0")
        + "  frontend:\n    services:\n"
        + breed("frontend", "1.0.0", "        dependencies: {api: backend:1.0.0}\n")
    )


def kubernetes_name(deployment: str, breed_name: str) -> str:
    """vamp.md §5: ``<id(deployment)>-<id(breed)>``; a name that is not a short DNS label becomes a hash."""
    breed_id = hashlib.sha1(breed_name.encode(), usedforsecurity=False).hexdigest()[:20]
    return f"{deployment}-{breed_id}"


async def phases(api: servers.Api, deployment: str) -> dict[str, str]:
    """Breed → phase of every service of the deployment ({} while there is none)."""
    found = await api.found(f"deployments/{deployment}")
    if found is None:
        return {}
    return {
        service["breed"]["name"]: service["status"]["phase"]["name"]
        for cluster in found["clusters"].values()
        for service in cluster["services"]
    }


async def done(api: servers.Api, deployment: str, breeds: set[str]) -> None:
    await eventually.until(
        f"deployment {deployment}: {', '.join(sorted(breeds))} Done",
        lambda: phases(api, deployment),
        lambda found: found == dict.fromkeys(breeds, "Done"),
        timeout=60.0,
    )


async def pod_ips(kube: kube_client.KubernetesClient, namespace: str, deployment: str) -> list[str]:
    """The pod IPs of one of Vamp's Deployments."""
    listing = await kube.list(Pod, namespace=namespace, labels={"io.vamp/deployment-service": deployment})
    return sorted(pod.status.podIP for pod in listing.items if pod.status and pod.status.podIP)


async def deployments(kube: kube_client.KubernetesClient, namespace: str) -> dict[str, Any]:
    """The Deployments Vamp manages in ``namespace`` as data, by name (none that is being deleted)."""
    listing = await kube.list(
        Deployment, namespace=namespace, labels={"app.kubernetes.io/managed-by": "vamp"}
    )
    found = (item.to_dict() for item in listing.items)
    return {item["metadata"]["name"]: item for item in found if "deletionTimestamp" not in item["metadata"]}


async def read(kube: kube_client.KubernetesClient, kind: Any, name: str, namespace: str | None = None) -> Any:
    """One object as data; fails the test when it does not exist."""
    found = await kube.get(kind, name, namespace=namespace)
    assert found is not None, f"{kind.__name__} {name} does not exist"
    return found.to_dict()


def cli(server: servers.VampServer, *arguments: str) -> str:
    """``vamp ARGUMENTS --server URL``, as a user types it; its output."""
    finished = subprocess.run(
        (*servers.COMMAND, *arguments, "--server", server.url),
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "VAMP_TOKEN": servers.ADMIN_TOKEN},
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr
    return finished.stdout


@contextlib.asynccontextmanager
async def removed_at_end(kube: kube_client.KubernetesClient, namespace: str) -> AsyncIterator[None]:
    """The Namespace Vamp makes for an environment goes when the test ends."""
    try:
        yield
    finally:
        await kube.delete(Namespace, namespace)


async def test_a_blueprint_deploys_merges_shifts_and_slices_in_its_environment_namespace(
    k8s_cluster: controlplane.Cluster,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(removed_at_end(kube, "acme-prod"))
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, k8s_namespace))
        server = await stack.enter_async_context(
            servers.running_server(
                identity,
                tmp_path,
                name="vamp-0",
                namespace=k8s_namespace,
                shared_port=free_port(),
                ports=gateway_ports(),
            )
        )
        api = server.api(await server.create_environment("acme", "prod"))

        await api.send("POST", "deployments", sava("1.0.0"))
        await done(api, "sava", {"sava:1.0.0"})
        labels = (await read(kube, Namespace, "acme-prod"))["metadata"]["labels"]
        assert {key: value for key, value in labels.items() if key.startswith("io.vamp")} == {
            "io.vamp/organisation": "acme",
            "io.vamp/environment": "prod",
        }
        v100 = kubernetes_name("sava", "sava:1.0.0")
        found = await deployments(kube, "acme-prod")
        assert list(found) == [v100]
        labels = found[v100]["metadata"]["labels"]
        assert {key: labels[key] for key in ("app", "version", "io.vamp/deployment", "io.vamp/cluster")} == {
            "app": "sava",
            "version": "1.0.0",
            "io.vamp/deployment": "sava",
            "io.vamp/cluster": "sava",
        }
        assert labels["app.kubernetes.io/managed-by"] == "vamp"
        assert found[v100]["spec"]["replicas"] == 1
        assert found[v100]["metadata"]["annotations"][APPLIED_BY] == "vamp-0"

        # Merging 1.1.0: a second Deployment, its route at 0 %, its targets the new pod.
        await api.send("POST", "deployments", sava("1.1.0"))
        await done(api, "sava", {"sava:1.0.0", "sava:1.1.0"})
        v110 = kubernetes_name("sava", "sava:1.1.0")
        assert sorted(await deployments(kube, "acme-prod")) == sorted([v100, v110])
        gateway = "sava/sava/webport"
        routes = await api.routes(gateway)
        assert {path: route["weight"] for path, route in routes.items()} == {
            "sava/sava/sava:1.0.0/webport": "100%",
            "sava/sava/sava:1.1.0/webport": "0%",
        }
        pods = await pod_ips(kube, "acme-prod", v110)
        assert [t["host"] for t in routes["sava/sava/sava:1.1.0/webport"]["targets"]] == pods

        # Shifting weights with the CLI, in the namespace.
        for weights in ("sava:1.0.0@50%,sava:1.1.0@50%", "sava:1.0.0@0%,sava:1.1.0@100%"):
            cli(server, "update-gateway", gateway, "--weights", weights, "--namespace", "acme-prod")
            expected = dict(pair.split("@") for pair in weights.split(","))
            routes = await api.routes(gateway)
            assert {path.split("/")[2]: route["weight"] for path, route in routes.items()} == expected

        # Slicing 1.0.0 out: its Deployment disappears.
        await api.send("DELETE", "deployments/sava", sava("1.0.0"))
        await done(api, "sava", {"sava:1.1.0"})
        await eventually.until(
            "the Deployment of sava 1.0.0 gone",
            lambda: deployments(kube, "acme-prod"),
            lambda found: sorted(found) == [v110],
        )
        assert server.stop() == 0, server.log()


@contextlib.contextmanager
def node_pool(api: httpx.Client, node: str, pool: str) -> Iterator[Callable[[], None]]:
    """A function that puts ``node`` in ``pool`` (a label); taken out again on exit."""

    def label(value: str | None) -> None:
        patch = {"metadata": {"labels": {POOL: value}}}
        headers = {"content-type": "application/merge-patch+json"}
        api.patch(f"/api/v1/nodes/{node}", json=patch, headers=headers).raise_for_status()

    try:
        yield lambda: label(pool)
    finally:
        label(None)


async def test_a_server_killed_in_the_middle_of_a_deployment_converges_after_a_restart(
    k8s_cluster: controlplane.Cluster,
    k8s_api: httpx.Client,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
) -> None:
    backend, frontend = kubernetes_name("shop", "backend:1.0.0"), kubernetes_name("shop", "frontend:1.0.0")
    pool = f"shop-{uuid.uuid4().hex[:8]}"
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(removed_at_end(kube, "acme-test"))
        add_node = stack.enter_context(node_pool(k8s_api, next(iter(controlplane.NODES)), pool))
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, k8s_namespace))
        server_in = functools.partial(
            servers.running_server,
            identity,
            tmp_path,
            name="vamp-0",
            namespace=k8s_namespace,
            shared_port=free_port(),
            ports=gateway_ports(),
        )
        async with server_in() as server:
            api = server.api(await server.create_environment("acme", "test"))
            await api.send("POST", "deployments", shop(pool))
            # The backend is applied; its pods wait for a Node of the pool, and the frontend for it.
            await eventually.until(
                "the backend's Deployment",
                lambda: deployments(kube, "acme-test"),
                lambda found: backend in found,
            )
            waiting = await phases(api, "shop")
            server.kill()
        at_kill = await deployments(kube, "acme-test")
        assert list(at_kill) == [backend]
        assert waiting["frontend:1.0.0"] == "Initiated"

        add_node()  # while no server runs
        restarted = await stack.enter_async_context(server_in())
        await done(restarted.api("acme-test"), "shop", {"backend:1.0.0", "frontend:1.0.0"})
        found = await deployments(kube, "acme-test")
        assert sorted(found) == sorted([backend, frontend])
        assert found[backend]["metadata"]["uid"] == at_kill[backend]["metadata"]["uid"]
        assert [found[name]["spec"]["replicas"] for name in (backend, frontend)] == [1, 1]
        assert restarted.stop() == 0, restarted.log()


@pytest.fixture(scope="module")
def store() -> Iterator[postgres.PostgresServer]:
    server = postgres.start()
    try:
        yield server
    finally:
        server.stop()


async def holder(kube: kube_client.KubernetesClient, namespace: str) -> str | None:
    lease = await kube.get(Lease, LEASE, namespace=namespace)
    return None if lease is None or lease.spec is None else lease.spec.holderIdentity


async def test_of_two_servers_one_leads_both_serve_and_the_other_takes_over_when_it_dies(
    k8s_cluster: controlplane.Cluster,
    kube: kube_client.KubernetesClient,
    k8s_namespace: str,
    tmp_path: Path,
    store: postgres.PostgresServer,
) -> None:
    namespace = k8s_namespace
    server_as = functools.partial(
        servers.running_server,
        store=store.url(store.create_database()),
        namespace=namespace,
        shared_port=free_port(),
        ports=gateway_ports(),
        lease=(LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD),
    )
    async with contextlib.AsyncExitStack() as stack:
        identity = await stack.enter_async_context(servers.vamp_identity(k8s_cluster, kube, namespace))
        first = await stack.enter_async_context(server_as(identity, tmp_path, name="vamp-a"))
        second = await stack.enter_async_context(server_as(identity, tmp_path, name="vamp-b"))
        by_name = {server.identity: server for server in (first, second)}
        leading = await eventually.until(
            "a leader", lambda: holder(kube, namespace), lambda found: found in by_name
        )
        leader = by_name[str(leading)]
        (follower,) = [server for server in by_name.values() if server is not leader]

        # Deployed through the follower's API; only the leader applies it.
        await follower.api().send("POST", "deployments", sava("1.0.0"))
        for server in (leader, follower):
            await done(server.api(), "sava", {"sava:1.0.0"})
        v100 = kubernetes_name("sava", "sava:1.0.0")
        found = await deployments(kube, namespace)
        assert [item["metadata"]["annotations"][APPLIED_BY] for item in found.values()] == [leader.identity]
        assert await holder(kube, namespace) == leader.identity

        # The follower holds the same routing plan, and serves it to an agent that long-polls it, with the
        # Service address the leader exposed.
        agent = await stack.enter_async_context(servers.running_agent(follower.url, tmp_path))

        async def versions() -> tuple[str | None, ...]:
            return (
                await leader.api().plan_version(),
                await follower.api().plan_version(),
                await agent.version(),
            )

        plans = await eventually.until(
            "one plan everywhere", versions, lambda v: v[0] is not None and len(set(v)) == 1
        )
        gateway = "sava/sava/webport"
        service_name = "hex" + hashlib.sha1(gateway.encode(), usedforsecurity=False).hexdigest()[:20]
        exposed = (await read(kube, Service, service_name, namespace))["spec"]
        address = {"host": exposed["clusterIP"], "port": str(exposed["ports"][0]["nodePort"])}

        async def addresses() -> list[Any]:
            return [
                (await server.api().get(f"gateways/{gateway}"))["service"] for server in (leader, follower)
            ]

        await eventually.until("both to show the Service's address", addresses, lambda a: a == [address] * 2)

        # The leader dies; work comes in meanwhile; the follower takes over and finishes it.
        leader.kill()
        killed = time.monotonic()
        await follower.api().send("POST", "deployments", sava("1.1.0"))
        await eventually.until(
            "the follower to hold the Lease",
            lambda: holder(kube, namespace),
            lambda found: found == follower.identity,
            timeout=3 * LEASE_DURATION,
        )
        takeover = time.monotonic() - killed
        print(
            f"\nleader election: the follower held the Lease {takeover:.1f} s after the leader was killed "
            f"(lease duration {LEASE_DURATION:g} s, retry period {RETRY_PERIOD:g} s)"
        )
        assert takeover <= LEASE_DURATION
        await done(follower.api(), "sava", {"sava:1.0.0", "sava:1.1.0"})
        found = await deployments(kube, namespace)
        v110 = kubernetes_name("sava", "sava:1.1.0")
        assert {name: item["metadata"]["annotations"][APPLIED_BY] for name, item in found.items()} == {
            v100: leader.identity,
            v110: follower.identity,
        }
        await eventually.until(
            "the agent to serve the new leader's plan",
            lambda: agent.version(),
            lambda version: version not in (None, plans[0]),
        )
        assert follower.stop() == 0, follower.log()


@pytest.mark.parametrize("proxy", ["envoy", "haproxy"])
async def test_the_agent_answers_on_the_address_it_binds_as_in_a_pod(tmp_path: Path, proxy: str) -> None:
    """deploy/kubernetes runs the agent with ``--bind 0.0.0.0``: its endpoint must follow, so that the server
    and Prometheus reach it through the ``vamp-gateway-agent-metrics`` Service (here: a pod-like address),
    on either proxy (components/haproxy)."""
    agent_yaml = (servers.DEPLOY / "agent.yaml").read_text()
    assert "--bind, 0.0.0.0" in agent_yaml
    pod_address = "127.1.250.1"
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with servers.running_agent(nowhere, tmp_path, bind=pod_address, proxy=proxy) as agent:
        assert (await agent.client.get("/health")).status_code == 200
        port = agent.client.base_url.port
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient(trust_env=False) as loopback:
                await loopback.get(f"http://127.0.0.1:{port}/health")
