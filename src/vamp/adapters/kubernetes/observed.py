"""What the driver keeps of Pods, Services and Deployments, and how they read as Vamp's instances and states.

Pure: each function takes one typed Kubernetes object and returns a small frozen record, or ``None``
when nothing of it is wanted. The informers keep only these records (k8s-test-cluster.md §5.2).

* A Pod gives one ``ObservedInstance`` per container (kind ``container``, ip = ``status.podIP``, ready =
  the Ready condition), with its labels, namespace and image: the routing groups selectors see
  (vamp.md §1.10). The Pods of Vamp's Deployments say, through the annotations ``manifests`` wrote,
  which deployment, cluster and service they run, their exact labels and their ports' breed names.
* A Service with a cluster IP gives one instance of kind ``service`` with the Service's ports.
* A Vamp Deployment gives the service it runs, the digests of its spec and pod template, and why it fails.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from lightkube.models import core_v1, meta_v1
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Pod, Service

from vamp.adapters.kubernetes import manifests
from vamp.core import model, runtime

_STOPPED = frozenset({"Succeeded", "Failed"})
_PULL_FAILURES = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"})
_START_FAILURES = frozenset(
    {"CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}
)
_NO_CLUSTER_IP = frozenset({"", "None"})


@dataclass(frozen=True, slots=True)
class PodRecord:
    """A Pod: one instance per container (the Vamp service's own container first), and what is wrong."""

    instances: tuple[model.ObservedInstance, ...]
    deployment: str | None
    """The name of the Vamp Deployment the Pod belongs to, ``None`` for any other Pod."""
    digest: str | None
    """The spec digest the Pod was started with (Vamp's Pods only)."""
    terminating: bool
    problem: str | None


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    """A Deployment Vamp made: the service it runs, its spec digest, replicas, and why it fails."""

    key: runtime.ServiceKey
    name: str
    digest: str | None
    """The digest of the spec the Deployment was applied from."""
    pod_digest: str | None
    """The digest on its pod template: Pods with another one belong to an earlier spec."""
    replicas: int
    failure: str | None


def pod(obj: Pod) -> PodRecord | None:
    """The record of a Pod; ``None`` for a Pod that has stopped for good (Succeeded or Failed)."""
    metadata, spec, status = obj.metadata, obj.spec, obj.status or core_v1.PodStatus()
    if metadata is None or spec is None or status.phase in _STOPPED:
        return None
    labels = metadata.labels or {}
    annotations = metadata.annotations or {}
    owner = labels.get(manifests.LABEL_DEPLOYMENT_SERVICE)
    vamp = owner is not None and manifests.ANNOTATION_SERVICE in annotations
    exact_labels = {**labels, **_json_map(annotations.get(manifests.ANNOTATION_LABELS))} if vamp else labels
    breed_ports = _json_map(annotations.get(manifests.ANNOTATION_PORTS)) if vamp else {}
    containers = sorted(spec.containers, key=lambda container: container.name != owner)
    terminating = metadata.deletionTimestamp is not None
    pod_name = metadata.name or ""
    common = {
        "ip": status.podIP or "",
        "namespace": metadata.namespace or "default",
        "labels": exact_labels,
        "ready": not terminating and _condition(status.conditions, "Ready") == "True",
    }
    instances = []
    for position, container in enumerate(containers):
        own = vamp and position == 0
        names = breed_ports if own else {}
        identity = (
            {
                "deployment": annotations.get(manifests.ANNOTATION_DEPLOYMENT),
                "cluster": annotations.get(manifests.ANNOTATION_CLUSTER),
                "service": annotations.get(manifests.ANNOTATION_SERVICE),
            }
            if own
            else {}
        )
        instances.append(
            model.ObservedInstance(
                name=pod_name if len(containers) == 1 else f"{pod_name}/{container.name}",
                kind="container",
                image=container.image,
                ports=tuple(
                    model.ObservedPort(number=port.containerPort, name=names.get(port.name or "", port.name))
                    for port in container.ports or ()
                ),
                **common,
                **identity,
            )
        )
    return PodRecord(
        instances=tuple(instances),
        deployment=owner if vamp else None,
        digest=annotations.get(manifests.ANNOTATION_DIGEST) if vamp else None,
        terminating=terminating,
        problem=_pod_problem(obj, status),
    )


def service(obj: Service) -> model.ObservedInstance | None:
    """The routing group of a Service with a cluster IP; ``None`` for headless and ExternalName Services."""
    metadata, spec = obj.metadata, obj.spec
    if metadata is None or spec is None or (spec.clusterIP or "") in _NO_CLUSTER_IP:
        return None
    return model.ObservedInstance(
        name=metadata.name or "",
        ip=spec.clusterIP,
        kind="service",
        namespace=metadata.namespace or "default",
        labels=metadata.labels or {},
        ports=tuple(model.ObservedPort(number=port.port, name=port.name) for port in spec.ports or ()),
    )


def deployment(obj: Deployment) -> DeploymentRecord | None:
    """The record of a Deployment Vamp made; ``None`` for any other (its annotations say which)."""
    metadata, spec = obj.metadata, obj.spec
    if metadata is None or spec is None:
        return None
    annotations = metadata.annotations or {}
    names = [
        annotations.get(key)
        for key in (
            manifests.ANNOTATION_DEPLOYMENT,
            manifests.ANNOTATION_CLUSTER,
            manifests.ANNOTATION_SERVICE,
        )
    ]
    deployment_name, cluster, service_name = names
    if deployment_name is None or cluster is None or service_name is None:
        return None
    template = spec.template.metadata or meta_v1.ObjectMeta()
    key = runtime.ServiceKey(metadata.namespace or "default", deployment_name, cluster, service_name)
    return DeploymentRecord(
        key=key,
        name=metadata.name or "",
        digest=annotations.get(manifests.ANNOTATION_SPEC_DIGEST),
        pod_digest=(template.annotations or {}).get(manifests.ANNOTATION_DIGEST),
        replicas=spec.replicas if spec.replicas is not None else 1,
        failure=deployment_failure(obj),
    )


def state(record: DeploymentRecord, pods: Iterable[PodRecord]) -> runtime.ServiceState:
    """The state of a Vamp service: its Deployment's digest, its running Pods, the first failure seen.

    While the Deployment rolls to a new digest, Pods of another digest still run (and serve) but do not
    count as ready for this one, so the service reads as complete only once the rollout is.
    """
    running = [found for found in pods if not found.terminating]
    problems = (found.problem for found in running if found.problem is not None)
    instances = (
        found.instances[0]
        if found.digest == record.pod_digest
        else found.instances[0].model_copy(update={"ready": False})
        for found in running
    )
    return runtime.ServiceState(
        key=record.key,
        digest=record.digest,
        instances=tuple(sorted(instances, key=lambda instance: instance.name)),
        failure=record.failure or next(problems, None),
    )


def _pod_problem(obj: Pod, status: core_v1.PodStatus) -> str | None:
    """Why a Pod cannot run, in a sentence naming the image: unschedulable, image pull, crash loop."""
    name = obj.metadata.name if obj.metadata else "?"
    for condition in status.conditions or ():
        if condition.type == "PodScheduled" and condition.status == "False":
            return f"Pod {name} cannot be scheduled ({condition.reason}): {condition.message}"
    images = {container.name: container.image for container in obj.spec.containers} if obj.spec else {}
    for container in status.containerStatuses or ():
        waiting = container.state.waiting if container.state else None
        if waiting is None or waiting.reason is None:
            continue
        image = images.get(container.name, container.image)
        detail = f": {waiting.message}" if waiting.message else ""
        if waiting.reason in _PULL_FAILURES:
            return f"Pod {name} cannot pull image '{image}' ({waiting.reason}){detail}"
        if waiting.reason in _START_FAILURES:
            exited = _last_exit(container)
            return (
                f"Container '{container.name}' of pod {name} (image '{image}') cannot keep running "
                f"({waiting.reason}){exited}{detail}"
            )
    return None


def _last_exit(container: core_v1.ContainerStatus) -> str:
    terminated = container.lastState.terminated if container.lastState else None
    if terminated is None:
        return ""
    return f", its command last exited with code {terminated.exitCode} ({terminated.reason or 'no reason'})"


def deployment_failure(obj: Deployment) -> str | None:
    """Why a Deployment cannot run its Pods: a ReplicaSet refused (quota, policy) or a stalled rollout."""
    conditions = obj.status.conditions if obj.status else None
    name = obj.metadata.name if obj.metadata else "?"
    for condition in conditions or ():
        if condition.type == "ReplicaFailure" and condition.status == "True":
            return f"Deployment {name} cannot create its pods ({condition.reason}): {condition.message}"
        if condition.type == "Progressing" and condition.status == "False":
            return f"Deployment {name} stopped rolling out ({condition.reason}): {condition.message}"
    return None


def _condition(conditions: Iterable[core_v1.PodCondition] | None, kind: str) -> str | None:
    return next((condition.status for condition in conditions or () if condition.type == kind), None)


def _json_map(text: str | None) -> dict[str, str]:
    """A JSON object of strings from an annotation; an annotation edited into anything else counts as none."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items()}
