"""The Kubernetes runtime driver against a real control plane: Namespaces, Deployments, instances from
Pods with loopback IPs, scaling, rolling on a changed spec, undeploying, Deployments made without Vamp,
how fast changes are noticed, and failures reported in words.
"""

import asyncio
import ipaddress
import time
import uuid
from typing import Any

import pytest
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Namespace, Pod

from tests.k8s import eventually
from vamp import errors
from vamp.adapters.kubernetes import driver as kube_driver
from vamp.adapters.kubernetes import names
from vamp.core import model, runtime
from vamp.core.units import Cpu, Duration, Memory

pytestmark = pytest.mark.anyio
POD_NETWORK = ipaddress.ip_network("127.1.0.0/16")


@pytest.fixture
async def driver(kube):
    async with kube_driver.KubernetesDriver(kube) as running:
        yield running


def spec(namespace: str, *, instances: int = 1, **changes: Any) -> runtime.ServiceSpec:
    fields: dict[str, Any] = {
        "key": runtime.ServiceKey(namespace, "sava", "sava", "sava:1.0.0"),
        "deployable": model.Deployable(definition="magneticio/sava:1.0.0"),
        "ports": (model.Port(name="webport", number=8080),),
        "environment": {"GREETING": "hello"},
        "scale": model.Scale(cpu=Cpu(20), memory=Memory(6400), instances=instances),
        "labels": {"app": "sava", "version": "1.0.0"},
    }
    return runtime.ServiceSpec(**(fields | changes))


async def settled(driver, namespace: str, ready: int, *, digest: str | None = None) -> runtime.ServiceState:
    """The one service of ``namespace`` once exactly ``ready`` instances run, all ready (with ``digest``)."""

    async def observe() -> list[runtime.ServiceState]:
        return list(await driver.services(namespace))

    def done(states: list[runtime.ServiceState]) -> bool:
        return (
            len(states) == 1
            and len(states[0].instances) == states[0].ready == ready
            and (digest is None or states[0].digest == digest)
        )

    states = await eventually.until(
        f"{ready} ready instances in {namespace}", observe, done, changes=driver.changes
    )
    return states[0]


async def test_an_environment_gets_its_namespace_labelled_when_first_used(kube, driver):
    namespace = f"acme{uuid.uuid4().hex[:8]}-prod"
    try:
        await driver.deploy(spec(namespace))

        created = await kube.get(Namespace, namespace)
        assert created is not None
        assert created.metadata is not None
        assert created.metadata.labels == {
            "app.kubernetes.io/managed-by": "vamp",
            "io.vamp/organisation": namespace.partition("-")[0],
            "io.vamp/environment": "prod",
            "kubernetes.io/metadata.name": namespace,
        }
        assert await kube.get(Deployment, _name(spec(namespace)), namespace=namespace) is not None
    finally:
        await kube.delete(Namespace, namespace)


async def test_deploy_applies_a_deployment_with_labels_resources_probe_and_dialect(
    kube, driver, k8s_namespace
):
    check = model.HealthCheck(
        path="/health",
        port="webport",
        initial_delay=Duration(5),
        timeout=Duration(2),
        interval=Duration(10),
        failures=3,
    )
    wanted = spec(
        k8s_namespace,
        instances=2,
        health_checks=(check,),
        arguments=(model.Argument(key="privileged", value="true"),),
        dialects={
            "kubernetes": {"nodeSelector": {"type": "kwok"}, "containers": [{"imagePullPolicy": "Always"}]}
        },
    )

    await driver.deploy(wanted)

    found = await kube.get(Deployment, _name(wanted), namespace=k8s_namespace)
    assert found is not None
    applied = found.to_dict()
    template = applied["spec"]["template"]
    container = template["spec"]["containers"][0]
    assert applied["spec"]["replicas"] == 2
    assert {key: applied["metadata"]["labels"][key] for key in sorted(applied["metadata"]["labels"])} == {
        "app": "sava",
        "app.kubernetes.io/managed-by": "vamp",
        "app.kubernetes.io/name": "sava",
        "app.kubernetes.io/version": "1.0.0",
        "io.vamp/cluster": "sava",
        "io.vamp/deployment": "sava",
        "io.vamp/deployment-service": _name(wanted),
        "io.vamp/service": "sava_1.0.0",
        "version": "1.0.0",
    }
    assert applied["metadata"]["annotations"]["io.vamp/service-name"] == "sava:1.0.0"
    assert applied["metadata"]["annotations"]["io.vamp/spec-digest"] == wanted.digest
    assert template["metadata"]["annotations"]["io.vamp/digest"] == wanted.instance_digest
    assert container["image"] == "magneticio/sava:1.0.0"
    assert container["env"] == [{"name": "GREETING", "value": "hello"}]
    assert container["ports"] == [{"containerPort": 8080, "name": "webport", "protocol": "TCP"}]
    assert container["resources"] == {
        "limits": {"cpu": "200m", "memory": "64Mi"},
        "requests": {"cpu": "200m", "memory": "64Mi"},
    }
    assert container["readinessProbe"] == {
        "failureThreshold": 3,
        "httpGet": {"path": "/health", "port": "webport", "scheme": "HTTP"},
        "initialDelaySeconds": 5,
        "periodSeconds": 10,
        "successThreshold": 1,
        "timeoutSeconds": 2,
    }
    assert container["securityContext"] == {"privileged": True}
    assert container["imagePullPolicy"] == "Always"
    assert template["spec"]["nodeSelector"] == {"type": "kwok"}
    managers = [entry["manager"] for entry in applied["metadata"]["managedFields"]]
    assert "vamp" in managers


async def test_instances_are_ready_pods_with_loopback_ips_and_the_vamp_names(driver, k8s_namespace):
    wanted = spec(k8s_namespace, instances=2)

    await driver.deploy(wanted)
    state = await settled(driver, k8s_namespace, 2)

    assert state.key == wanted.key
    assert state.digest == wanted.digest
    assert state.failure is None
    for instance in state.instances:
        assert ipaddress.ip_address(instance.ip) in POD_NETWORK
        assert instance.ports == (model.ObservedPort(number=8080, name="webport"),)
        assert (instance.deployment, instance.cluster, instance.service) == ("sava", "sava", "sava:1.0.0")
        assert instance.labels["io.vamp/service"] == "sava:1.0.0"
        assert instance.labels["version"] == "1.0.0"
        assert (instance.kind, instance.namespace, instance.image) == (
            "container",
            k8s_namespace,
            "magneticio/sava:1.0.0",
        )
    everything = await driver.instances()
    assert {i.name for i in state.instances} <= {i.name for i in everything if i.namespace == k8s_namespace}


async def test_scaling_from_one_to_three_changes_the_instances(driver, k8s_namespace):
    await driver.deploy(spec(k8s_namespace, instances=1))
    one = await settled(driver, k8s_namespace, 1)

    await driver.deploy(spec(k8s_namespace, instances=3))
    three = await settled(driver, k8s_namespace, 3)

    assert {i.name for i in one.instances} < {i.name for i in three.instances}
    assert len({i.ip for i in three.instances}) == 3


async def test_a_changed_spec_rolls_the_pods(driver, k8s_namespace):
    first = spec(k8s_namespace)
    await driver.deploy(first)
    before = await settled(driver, k8s_namespace, 1)

    second = spec(k8s_namespace, environment={"GREETING": "bonjour"})
    await driver.deploy(second)
    after = await settled(driver, k8s_namespace, 1, digest=second.digest)

    assert first.digest != second.digest
    assert before.digest == first.digest
    assert {i.name for i in before.instances}.isdisjoint({i.name for i in after.instances})


async def test_deploying_the_same_spec_again_changes_nothing(kube, driver, k8s_namespace):
    wanted = spec(k8s_namespace)
    await driver.deploy(wanted)
    before = await settled(driver, k8s_namespace, 1)
    generation = (await kube.get(Deployment, _name(wanted), namespace=k8s_namespace)).metadata.generation

    await driver.deploy(wanted)

    again = await kube.get(Deployment, _name(wanted), namespace=k8s_namespace)
    assert again.metadata.generation == generation
    assert (await settled(driver, k8s_namespace, 1)).instances == before.instances


async def test_a_deployment_scaled_by_hand_is_scaled_back_by_the_next_deploy(driver, k8s_api, k8s_namespace):
    wanted = spec(k8s_namespace, instances=2)
    await driver.deploy(wanted)
    await settled(driver, k8s_namespace, 2)
    await asyncio.to_thread(  # as `kubectl scale --replicas=4` would
        lambda: k8s_api.patch(
            f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments/{_name(wanted)}",
            json={"spec": {"replicas": 4}},
            headers={"Content-Type": "application/merge-patch+json"},
        ).raise_for_status()
    )
    await settled(driver, k8s_namespace, 4)

    await driver.deploy(wanted)

    await settled(driver, k8s_namespace, 2)


async def test_undeploy_removes_the_deployment_and_its_pods(kube, driver, k8s_namespace):
    wanted = spec(k8s_namespace, instances=2)
    await driver.deploy(wanted)
    await settled(driver, k8s_namespace, 2)

    await driver.undeploy(wanted.key)
    await driver.undeploy(wanted.key)  # gone already: not an error

    async def observe() -> tuple[list[runtime.ServiceState], list[Pod]]:
        return list(await driver.services(k8s_namespace)), (
            await kube.list(Pod, namespace=k8s_namespace)
        ).items

    await eventually.until(
        "the service and its pods gone", observe, lambda seen: seen == ([], []), changes=driver.changes
    )


async def test_a_deployment_made_without_vamp_is_a_routing_group_with_its_labels(kube, driver, k8s_namespace):
    await kube.apply(
        Deployment, _plain_deployment(k8s_namespace, "foo-1-0-3", {"app": "foo", "version": "1.0.3"})
    )

    async def observe() -> list[model.ObservedInstance]:
        return [i for i in await driver.instances() if i.namespace == k8s_namespace and i.ready]

    found = await eventually.until(
        "foo 1.0.3 ready", observe, lambda seen: len(seen) == 1, changes=driver.changes
    )

    instance = found[0]
    assert instance.labels["app"] == "foo"
    assert instance.labels["version"] == "1.0.3"
    assert instance.kind == "container"
    assert instance.image == "example.invalid/foo:1.0.3"
    assert instance.ports == (model.ObservedPort(number=8080, name="http"),)
    assert ipaddress.ip_address(instance.ip) in POD_NETWORK
    assert (instance.deployment, instance.cluster, instance.service) == (None, None, None)
    assert await driver.services(k8s_namespace) == []


async def test_services_with_a_cluster_ip_are_routing_groups(kube, driver, k8s_namespace):
    from lightkube.resources.core_v1 import Service

    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": k8s_namespace, "labels": {"app": "web"}},
        "spec": {"ports": [{"name": "http", "port": 80}], "selector": {"app": "web"}},
    }
    await kube.apply(Service, service)

    async def observe() -> list[model.ObservedInstance]:
        return [i for i in await driver.instances() if i.namespace == k8s_namespace]

    found = await eventually.until(
        "Service web", observe, lambda seen: len(seen) == 1, changes=driver.changes
    )

    assert found[0].kind == "service"
    assert found[0].name == "web"
    assert found[0].labels == {"app": "web"}
    assert found[0].ports == (model.ObservedPort(number=80, name="http"),)
    assert ipaddress.ip_address(found[0].ip) in ipaddress.ip_network("127.2.0.0/24")


async def test_changes_come_within_a_second_of_a_pod_becoming_ready(kube, driver, k8s_api, k8s_namespace):
    """Pods on a Node without kubelet stay Pending: the test makes each Ready itself and times the wake-up."""
    delays = []
    for number in range(5):
        name = f"manual-{number}"
        await kube.create(Pod.from_dict(_unmanaged_pod(k8s_namespace, name)))

        async def observe(name: str = name) -> list[model.ObservedInstance]:
            return [
                i
                for i in await driver.instances()
                if i.namespace == k8s_namespace and i.name == name and i.ready
            ]

        started = time.monotonic()
        await asyncio.to_thread(_make_ready, k8s_api, k8s_namespace, name, f"127.1.255.{200 + number}")
        await eventually.until(f"pod {name} ready", observe, bool, changes=driver.changes, timeout=5)
        delays.append(time.monotonic() - started)

    print("pod Ready → driver change:", ", ".join(f"{delay * 1000:.0f} ms" for delay in delays))
    assert max(delays) < 1.0, delays


async def test_a_pod_that_cannot_pull_its_image_fails_the_service_in_words(
    kube, driver, k8s_api, k8s_namespace
):
    wanted = spec(k8s_namespace, deployable=model.Deployable(definition="magneticio/sava:9.9.9"))
    await driver.deploy(wanted)
    await settled(driver, k8s_namespace, 1)
    pod = (await kube.list(Pod, namespace=k8s_namespace)).items[0]
    waiting = {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "magneticio/sava:9.9.9"'}
    status = {
        "status": {
            "containerStatuses": [
                {
                    "name": _name(wanted),
                    "image": "magneticio/sava:9.9.9",
                    "imageID": "",
                    "ready": False,
                    "restartCount": 0,
                    "state": {"waiting": waiting},
                }
            ]
        }
    }

    await asyncio.to_thread(_patch_status, k8s_api, k8s_namespace, pod.metadata.name, status)

    async def observe() -> list[runtime.ServiceState]:
        return list(await driver.services(k8s_namespace))

    states = await eventually.until(
        "a failure", observe, lambda seen: bool(seen and seen[0].failure), changes=driver.changes
    )
    assert states[0].failure == (
        f"Pod {pod.metadata.name} cannot pull image 'magneticio/sava:9.9.9' (ImagePullBackOff): "
        'Back-off pulling image "magneticio/sava:9.9.9"'
    )


async def test_a_command_deployable_is_refused_naming_the_local_driver(driver, k8s_namespace):
    command = spec(
        k8s_namespace, deployable=model.Deployable(type="command", definition="python3 -m http.server")
    )

    with pytest.raises(errors.DriverError, match="Use the local driver for commands"):
        await driver.deploy(command)


async def test_a_closed_driver_says_so(kube):
    closed = kube_driver.KubernetesDriver(kube)
    await closed.close()

    with pytest.raises(errors.DriverError) as raised:
        await closed.instances()

    assert str(raised.value) == "The kubernetes driver is closed: create a new one."


def _name(wanted: runtime.ServiceSpec) -> str:
    return names.deployment_name(wanted.key.deployment, wanted.key.service)


def _plain_deployment(namespace: str, name: str, labels: dict[str, str]) -> dict[str, Any]:
    container = {
        "name": "foo",
        "image": f"example.invalid/foo:{labels['version']}",
        "ports": [{"name": "http", "containerPort": 8080}],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def _unmanaged_pod(namespace: str, name: str) -> dict[str, Any]:
    container = {"name": "app", "image": "example.invalid/app:1", "ports": [{"containerPort": 8080}]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": "manual"}},
        "spec": {"nodeName": "no-kubelet-here", "containers": [container]},
    }


def _make_ready(api, namespace: str, name: str, ip: str) -> None:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    conditions = [
        {"type": kind, "status": "True", "lastTransitionTime": now}
        for kind in ("Initialized", "ContainersReady", "Ready")
    ]
    _patch_status(
        api,
        namespace,
        name,
        {"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}], "conditions": conditions}},
    )


def _patch_status(api, namespace: str, name: str, patch: dict[str, Any]) -> None:
    api.patch(
        f"/api/v1/namespaces/{namespace}/pods/{name}/status",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
