"""The Kubernetes runtime driver (``ports.runtime.RuntimeDriver``): deployment services as Deployments.

Each deployment service is an ``apps/v1`` Deployment (``manifests.deployment``) in the Namespace of its
Vamp namespace (``namespaces``), applied server-side; undeploying deletes it, its Pods in the background.

What the driver reports comes from memory, never from a request: informers (``informer``) keep lean
records (``observed``) of every Pod and Service it may see, and of the Deployments Vamp made, current by
list-then-watch (the Pods of Vamp's Deployments also kept apart, so ``services`` never goes through
thousands of other Pods). So ``services`` and ``instances`` are cheap, and ``changes`` wakes its reader within
milliseconds of a watch event (a Pod turning Ready, a Deployment scaled). Instances come from Pods
(``status.podIP`` and the Ready condition), not EndpointSlices, and include everything the driver can
see, Vamp's or not (vamp.md §1.10, §5). Every failure is an ``errors.DriverError`` naming the service.
The driver does not own its client: whoever made the client closes it.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from typing import Any

from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.core_v1 import Pod, Service

from vamp import errors
from vamp.adapters import tasks, wakeups
from vamp.adapters.kubernetes import client as kube
from vamp.adapters.kubernetes import informer, manifests, names, observed
from vamp.adapters.kubernetes import namespaces as kube_namespaces
from vamp.core import model, runtime


class KubernetesDriver:
    """Deployment services as Kubernetes Deployments; instances from every Pod and Service in sight.

    Args:
        client: the API client; the driver uses it but does not close it.
        namespaces: the Namespaces the driver may see; ``None`` for all of them (the ClusterRole of
            ``deploy/kubernetes`` allows that). Services of other namespaces can be neither deployed
            nor observed.
        server_timeout: seconds after which the API server is asked to end each watch request.
        identity: who applies the Deployments (the server's identity in the leader election), noted on
            each (``io.vamp/applied-by``).
    """

    name = "kubernetes"

    def __init__(
        self,
        client: kube.KubernetesClient,
        *,
        namespaces: Sequence[str] | None = None,
        server_timeout: int = 240,
        identity: str | None = None,
    ) -> None:
        self._client = client
        self._identity = identity
        self._namespaces = kube_namespaces.Namespaces(client)
        self._scope = frozenset(namespaces) if namespaces is not None else None
        scopes: Sequence[str | None] = sorted(namespaces) if namespaces is not None else [None]
        self._wakeups = wakeups.Wakeups()
        watch = functools.partial(
            informer.Informer, client, on_change=self._wakeups.notify, server_timeout=server_timeout
        )
        self._pods = [watch(Pod, observed.pod, namespace=ns, marked=_vamps) for ns in scopes]
        self._services = [watch(Service, observed.service, namespace=ns) for ns in scopes]
        vamps = manifests.managed_by_vamp()
        self._deployments = [
            watch(Deployment, observed.deployment, namespace=ns, labels=vamps) for ns in scopes
        ]
        self._tasks: list[asyncio.Task[None]] = []
        self._opening = asyncio.Lock()
        self._closed = False
        self._instances: tuple[int, tuple[model.ObservedInstance, ...]] = (-1, ())

    async def services(self, namespace: str) -> Sequence[runtime.ServiceState]:
        await self._open()
        pods: defaultdict[str, list[observed.PodRecord]] = defaultdict(list)
        for pod_informer in self._pods:
            for (pod_namespace, _), pod in pod_informer.marked_records.items():
                if pod_namespace == namespace and pod.deployment is not None:
                    pods[pod.deployment].append(pod)
        states = [
            observed.state(record, pods.get(record.name, ()))
            for deployment_informer in self._deployments
            for (deployment_namespace, _), record in deployment_informer.records.items()
            if deployment_namespace == namespace
        ]
        return sorted(states, key=lambda state: str(state.key))

    async def deploy(self, spec: runtime.ServiceSpec) -> None:
        """Apply the service's Deployment, unless one with the same digest and replicas is there already.

        Raises:
            errors.DriverError: the spec cannot run on Kubernetes (a command, a port without a number…),
                its namespace is out of the driver's sight, or the API server refused.
        """
        manifest = manifests.deployment(spec, applied_by=self._identity)
        self._check_scope(spec.key)
        await self._open()
        running = self._deployment(spec.key.namespace, manifest["metadata"]["name"])
        if running is not None and (running.digest, running.replicas) == (spec.digest, spec.scale.instances):
            return
        try:
            await self._namespaces.apply(Deployment, manifest)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Service '{spec.key}': {exc}") from exc

    async def undeploy(self, key: runtime.ServiceKey) -> None:
        """Delete the service's Deployment (its Pods go in the background); nothing to do when it is gone."""
        self._check_scope(key)
        self._check_open()
        name = names.deployment_name(key.deployment, key.service)
        try:
            await self._client.delete(Deployment, name, namespace=key.namespace)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Service '{key}': {exc}") from exc

    async def instances(self) -> Sequence[model.ObservedInstance]:
        """Every container of every running Pod with an IP and every Service with a cluster IP, in order."""
        await self._open()
        version, cached = self._instances
        if version != self._wakeups.version:
            containers = (
                instance
                for pod_informer in self._pods
                for pod in pod_informer.records.values()
                if not pod.terminating
                for instance in pod.instances
                if instance.ip
            )
            services = (service for found in self._services for service in found.records.values())
            cached = tuple(sorted((*containers, *services), key=lambda i: (i.namespace, i.kind, i.name)))
            self._instances = (self._wakeups.version, cached)
        return cached

    def changes(self) -> AsyncIterator[None]:
        """Yields after any Pod, Service or Vamp Deployment changed; ends when the driver closes."""
        return self._wakeups.follow()

    async def close(self) -> None:
        """Stop watching; what runs in the cluster keeps running."""
        if self._closed:
            return
        self._closed = True
        self._wakeups.end()
        await tasks.cancel(*self._tasks)

    async def __aenter__(self) -> KubernetesDriver:
        await self._open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def _open(self) -> None:
        """Start the informers the first time; return once each has listed its objects.

        Raises:
            errors.DriverError: an informer could not list (it keeps trying; a later call may succeed).
        """
        self._check_open()
        everything: list[informer.Informer[Any, Any]] = [*self._pods, *self._services, *self._deployments]
        async with self._opening:
            if not self._tasks:
                self._tasks = [asyncio.create_task(each.run()) for each in everything]
        for each in everything:
            await each.synced()

    def _check_open(self) -> None:
        if self._closed:
            raise errors.DriverError("The kubernetes driver is closed: create a new one.")

    def _check_scope(self, key: runtime.ServiceKey) -> None:
        if self._scope is not None and key.namespace not in self._scope:
            raise errors.DriverError(
                f"Service '{key}' is in namespace '{key.namespace}', which this kubernetes driver does not "
                f"watch; it watches {', '.join(sorted(self._scope))}."
            )

    def _deployment(self, namespace: str, name: str) -> observed.DeploymentRecord | None:
        for deployment_informer in self._deployments:
            found = deployment_informer.records.get((namespace, name))
            if found is not None:
                return found
        return None


def _vamps(pod: observed.PodRecord) -> bool:
    """Whether a Pod is of a Deployment Vamp made (kept apart: ``services`` reads only those)."""
    return pod.deployment is not None
