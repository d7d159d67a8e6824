"""The manifests of deploy/kubernetes against a real API server: they apply as they are (server-side
apply, and ``kubectl apply -k --dry-run=server`` where kubectl is installed, with the token files README.md
says to write, and refused without them), the tokens reach the server and the agents from their Secrets,
and the ClusterRole is exactly enough: under a user bound to it, and nothing else, the driver deploys,
observes, scales and undeploys, exposes gateways, makes and deletes environments' Namespaces, elects a
leader and runs workflows (daemon, event and time), while anything outside the role is forbidden.
"""

import asyncio
import contextlib
import dataclasses
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from lightkube.codecs import resource_registry
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Node, Pod, Secret, Service
from lightkube.resources.rbac_authorization_v1 import ClusterRole, ClusterRoleBinding

from tests.k8s import controlplane, eventually
from vamp import errors
from vamp.adapters.kubernetes import client as kube_client
from vamp.adapters.kubernetes import config, environments, lease, manifests
from vamp.adapters.kubernetes import driver as kube_driver
from vamp.adapters.kubernetes import services as gateway_services
from vamp.adapters.kubernetes import workflows as kube_workflows
from vamp.core import model, runtime
from vamp.core.units import Cpu, Memory
from vamp.core.workflows import runs
from vamp.ports import exposure

pytestmark = pytest.mark.anyio
DEPLOY = Path(__file__).parents[2] / "deploy" / "kubernetes"


def documents(*files: str) -> list[dict[str, Any]]:
    """The objects of ``files`` (all of kustomization.yaml's resources if none), in order."""
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    chosen = files or kustomization["resources"]
    return [doc for name in chosen for doc in yaml.safe_load_all((DEPLOY / name).read_text()) if doc]


async def apply_all(kube, objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        await kube.apply(resource_registry.load(obj["apiVersion"], obj["kind"]), obj)


@contextlib.asynccontextmanager
async def installed(kube) -> AsyncIterator[None]:
    """Vamp's manifests applied; removed again afterwards, so other tests see a clean cluster."""
    objects = documents()
    await apply_all(kube, objects)
    try:
        yield
    finally:
        await kube.delete(Namespace, "vamp-system")
        await kube.delete(ClusterRoleBinding, "vamp")
        await kube.delete(ClusterRole, "vamp")


async def test_the_manifests_apply_as_they_are(kube):
    async with installed(kube):
        server = await kube.get(Deployment, "vamp", namespace="vamp-system")
        agent = await kube.get(Deployment, "vamp-gateway-agent", namespace="vamp-system")
        shared = await kube.get(Service, "vamp-gateway-agent", namespace="vamp-system")
        pods = await kube.get(Service, "vamp-gateway-agent-metrics", namespace="vamp-system")

    assert server.spec.replicas == 2
    container = server.spec.template.spec.containers[0]
    assert container.args == [
        "server",
        "--driver",
        "kubernetes",
        "--store",
        "$(VAMP_STORE)",
        "--bind",
        "0.0.0.0",
        "--agents-dns",
        "vamp-gateway-agent-metrics:9090",
        "--workflow-api-url",
        "http://vamp.vamp-system:8080",
    ]
    assert container.readinessProbe.httpGet.path == "/healthz"  # the one route that needs no token
    assert _secrets_of(container) == {
        "VAMP_ADMIN_TOKEN": "vamp-admin-token",
        "VAMP_AGENT_TOKEN": "vamp-agent-token",
        "VAMP_STORE": "vamp-store",
    }
    assert _secrets_of(agent.spec.template.spec.containers[0]) == {"VAMP_TOKEN": "vamp-agent-token"}
    assert server.spec.template.spec.serviceAccountName == "vamp"
    assert agent.spec.template.metadata.labels["io.vamp"] == "vamp-gateway-agent"
    assert agent.spec.template.spec.containers[0].args[:3] == ["agent", "--server", "http://vamp:8080"]
    assert shared.spec.type == "LoadBalancer"
    assert shared.spec.selector == {"io.vamp": "vamp-gateway-agent"}
    assert [port.port for port in shared.spec.ports] == [80]
    # Each agent pod by its own address, for the server's metrics collector: headless, on the metrics port.
    assert (pods.spec.clusterIP, pods.spec.selector) == ("None", {"io.vamp": "vamp-gateway-agent"})
    assert [(port.port, port.targetPort) for port in pods.spec.ports] == [(9090, "metrics")]


def _secrets_of(container: Any) -> dict[str, str]:
    """The container's environment variables taken from Secrets (key ``token``, or ``url`` for the store)."""
    found = {}
    for variable in container.env:
        reference = variable.valueFrom.secretKeyRef if variable.valueFrom else None
        if reference is not None:
            assert reference.key == ("url" if reference.name == "vamp-store" else "token"), variable
            found[variable.name] = reference.name
    return found


def test_the_kustomization_makes_the_token_secrets_from_files_that_are_never_committed():
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    generated = {secret["name"]: secret["files"] for secret in kustomization["secretGenerator"]}
    ignored = (DEPLOY / ".gitignore").read_text().split()

    assert generated == {"vamp-admin-token": ["token=admin-token"], "vamp-agent-token": ["token=agent-token"]}
    assert {"admin-token", "agent-token"} <= set(ignored)


def test_the_cluster_role_names_every_verb_and_resource():
    (role,) = [doc for doc in documents("rbac.yaml") if doc["kind"] == "ClusterRole"]

    for rule in role["rules"]:
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"], rule


def _kubectl_apply(folder: Path, kubeconfig: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["kubectl", "apply", "-k", str(folder), "--dry-run=server", "--kubeconfig", str(kubeconfig)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextlib.asynccontextmanager
async def vamp_system(kube) -> AsyncIterator[None]:
    """The Namespace vamp-system, as README.md has the user create it first (after the one an earlier test
    deleted is gone); deleted again on exit."""

    async def terminating() -> bool:
        found = await kube.get(Namespace, "vamp-system")
        return found is not None and found.metadata.deletionTimestamp is not None

    await eventually.until("an earlier vamp-system gone", terminating, lambda still: not still, timeout=60)
    await apply_all(kube, documents("namespace.yaml"))
    try:
        yield
    finally:
        await kube.delete(Namespace, "vamp-system")


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
@pytest.mark.parametrize("components", [[], ["components/haproxy"]], ids=["envoy", "haproxy"])
async def test_kubectl_accepts_the_kustomization_once_the_tokens_are_written(
    k8s_cluster, kube, tmp_path, components
):
    folder = tmp_path / "kubernetes"
    shutil.copytree(DEPLOY, folder)
    if components:  # as README.md says to choose HAProxy for the agents
        kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
        (folder / "kustomization.yaml").write_text(
            yaml.safe_dump({**kustomization, "components": components})
        )
    async with vamp_system(kube):
        without_tokens = _kubectl_apply(folder, k8s_cluster.admin.kubeconfig)
        for name in ("admin-token", "agent-token"):  # as README.md says: the token and a newline
            (folder / name).write_text(f"vamp_{uuid.uuid4().hex}\n")
        checked = _kubectl_apply(folder, k8s_cluster.admin.kubeconfig)

    assert without_tokens.returncode != 0
    assert "admin-token" in without_tokens.stderr
    assert checked.returncode == 0, checked.stderr
    for applied in (
        "namespace/vamp-system",
        "clusterrole.rbac.authorization.k8s.io/vamp",
        "deployment.apps/vamp",
        "deployment.apps/vamp-gateway-agent",
        "secret/vamp-admin-token-[a-z0-9]+",
        "secret/vamp-agent-token-[a-z0-9]+",
    ):
        assert re.search(
            rf"^{applied.replace('.', '[.]')} (created|configured|unchanged) \(server dry run\)$",
            checked.stdout,
            re.M,
        ), checked.stdout


async def test_the_cluster_role_is_enough_for_the_driver_and_no_more(k8s_cluster, kube, k8s_namespace):
    await apply_all(kube, documents("rbac.yaml"))
    user = k8s_cluster.add_user(f"vamp-{uuid.uuid4().hex[:8]}")
    await kube.apply(ClusterRoleBinding, _binding(user.name))
    namespace = f"rbac{uuid.uuid4().hex[:8]}-prod"
    environment = f"rbac{uuid.uuid4().hex[:8]}-test"
    try:
        async with kube_client.KubernetesClient(config.from_kubeconfig(user.kubeconfig)) as client:
            await _authorized(client)
            await _drive(client, namespace)
            await _run_workflows(client, namespace)
            await _expose(client, namespace)
            await _elect(client, k8s_namespace)
            await _environment(client, kube, environment)
            with pytest.raises(errors.DriverError) as listing_secrets:
                await client.list(Secret)
            with pytest.raises(errors.DriverError) as reading_a_node:
                await client.get(Node, next(iter(controlplane.NODES)))
    finally:
        await kube.delete(ClusterRoleBinding, user.name)
        await kube.delete(Namespace, namespace)
        await kube.delete(Namespace, environment)

    assert str(listing_secrets.value) == (
        "Kubernetes forbids Vamp to list secrets in all Namespaces: secrets is forbidden: "
        f'User "{user.name}" cannot list resource "secrets" in API group "" at the cluster scope. '
        "Grant it in Vamp's ClusterRole (deploy/kubernetes/rbac.yaml)."
    )
    assert 'cannot get resource "nodes" in API group ""' in str(reading_a_node.value)


async def _authorized(client) -> None:
    """Wait until the API server's authorizer has seen the new binding."""

    async def pods() -> bool:
        try:
            await client.list(Pod, namespace="default")
        except errors.DriverError:
            return False
        return True

    await eventually.until("the binding to take effect", pods, bool)


async def _drive(client, namespace: str) -> None:
    spec = runtime.ServiceSpec(
        key=runtime.ServiceKey(namespace, "sava", "sava", "sava:1.0.0"),
        deployable=model.Deployable(definition="magneticio/sava:1.0.0"),
        ports=(model.Port(name="webport", number=8080),),
        environment={},
        scale=model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=1),
    )
    async with kube_driver.KubernetesDriver(client) as driver:

        async def ready() -> int:
            states = await driver.services(namespace)
            return states[0].ready if states else 0

        for instances in (1, 2):
            await driver.deploy(_scaled(spec, instances))
            await eventually.until(f"{instances} ready", ready, instances.__eq__, changes=driver.changes)
        assert any(i.namespace == namespace for i in await driver.instances())
        await driver.undeploy(spec.key)


async def _run_workflows(client, namespace: str) -> None:
    """Workflows of each schedule scheduled, run, read, unscheduled and forgotten under the role."""
    running = kube_workflows.KubernetesWorkflows(client, identity="rbac", script_image="vamp/workflow:1")
    script = model.Deployable(type=runs.JAVASCRIPT, definition="console.log('hi')")
    scale = model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=1)
    later = runs.Timing(start=datetime.now(UTC) + timedelta(hours=1), period=60, period_text="PT1M", repeat=2)
    schedules = {
        "daemon": (runs.ScheduleKind.DAEMON, None),
        "event": (runs.ScheduleKind.EVENT, None),
        "time": (runs.ScheduleKind.TIME, later),
    }
    specs = [
        runs.WorkflowSpec(runs.WorkflowKey(namespace, name), kind, script, {}, scale, timing=timing)
        for name, (kind, timing) in schedules.items()
    ]
    for spec in specs:
        await running.schedule(spec, "t0ken")
        await running.schedule(spec, "t0ken")  # read back: the same digest
    await running.execute(specs[1].key, "")
    assert len(await running.workflows(namespace)) == 3
    assert len(await running.executions(specs[1].key)) == 1
    for spec in specs:
        await running.unschedule(spec.key)
        await running.forget(spec.key)
    assert await running.workflows(namespace) == []


async def _environment(client, kube, namespace: str) -> None:
    """An environment's Namespace made (twice: idempotent) and deleted under the role."""
    organisation, environment = namespace.split("-")
    made = environments.KubernetesEnvironments(client)
    for _ in range(2):
        await made.environment_created(namespace, organisation, environment)
    labels = (await kube.get(Namespace, namespace)).metadata.labels
    assert labels["io.vamp/organisation"] == organisation
    assert labels["io.vamp/environment"] == environment
    await made.environment_removed(namespace)
    found = await kube.get(Namespace, namespace)
    assert found is None or found.metadata.deletionTimestamp is not None


async def _expose(client, namespace: str) -> None:
    exposing = gateway_services.GatewayServices(client)
    gateway = exposure.ExposedGateway("foo-ingress", 40001, model.Protocol.HTTP, "foo")
    assert "foo-ingress" in await exposing.sync(namespace, [gateway])
    assert await exposing.sync(namespace, []) == {}


async def _elect(client, namespace: str) -> None:
    election = lease.LeaderElection(
        client, namespace, identity="rbac", lease_duration=3, renew_deadline=2, retry_period=0.25
    )
    running = asyncio.create_task(election.run())
    await asyncio.wait_for(election.wait_until_leader(), 10)
    election.stop()
    await running
    assert not election.is_leader


def _scaled(spec: runtime.ServiceSpec, instances: int) -> runtime.ServiceSpec:
    return dataclasses.replace(spec, scale=spec.scale.model_copy(update={"instances": instances}))


def _binding(user: str) -> dict[str, Any]:
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": user, "labels": manifests.managed_by_vamp()},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "vamp"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
    }
