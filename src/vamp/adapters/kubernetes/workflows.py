"""Workflows on Kubernetes (``ports.workflows.WorkflowRuntime``): daemons as Deployments, event runs as Jobs,
time schedules as CronJobs, in the Namespace of the workflow's Vamp namespace.

The objects are built by ``workflow_manifests`` and applied server-side; the runtime keeps nothing in memory,
so a restarted server finds everything it scheduled (``workflows`` lists it back, with the digests).

* ``schedule`` applies the token Secret, the script ConfigMap (JavaScript breeds) and the Deployment or
  CronJob, unless the one there has the same spec digest and token already. A changed digest replaces
  them: the Deployment rolls (``Recreate``), the runs of the earlier spec are stopped, and an object of
  another schedule kind (a daemon become a time schedule) is deleted.
* ``execute`` makes one Job from the event workflow's suspended CronJob, the event in
  ``VAMP_WORKFLOW_DATA``.
* A time schedule's start and repeat count are kept by ``workflows``, which the workflow controller calls
  on every pass: it suspends the CronJob until the start, and again, for good, once the CronJob has
  started ``repeat`` Jobs (counted from the Jobs it owns of the current digest: a restarted workflow is a
  new CronJob and counts from 0, as Vamp's workflow agent did). So a run may start up to one controller
  pass late after the start, and, in principle, one extra run could start if a whole period went by
  without a pass. Its history limits are raised to the repeat count so that no counted Job is pruned.
* ``unschedule`` deletes the Deployment (its Pods go with it), the CronJob (keeping its Jobs), the Secret
  and the ConfigMap, and stops every Job still running by suspending it (its Pods go; the Job stays, as
  the record of a ``stopped`` execution).
* ``executions`` reads the workflow's Jobs and a daemon's Pods (``workflow_executions``), with the last
  lines of each Pod's log when the API server can give them (not under kwok, which runs no containers:
  then the output is empty). Finished event Jobs beyond the kept ones are deleted after each ``execute``
  and ``unschedule``, and within a day anyway (``ttlSecondsAfterFinished``); a CronJob's own are pruned
  by its history limits. ``forget`` deletes every Job left.

What runs: a JavaScript breed in the ``script_image`` (``node /vamp/workflow.js``, the script mounted from
its ConfigMap), an image breed as its image; a command breed is refused, as the driver refuses it for
services (a command runs on the local runtime only). Whether scripts and images may run at all is the
workflow controller's to decide (``--allow-command-deployables``): this runtime runs what it is given.

A daemon's timeout is not enforced on Kubernetes (a Deployment's Pods cannot have a deadline), and the
kubelet restarts a daemon whose script exits with its own back-off (10 s doubling to 5 min): both are in
the script's environment (``VAMP_WORKFLOW_EXECUTION_TIMEOUT``, ``…_PERIOD``) for it to honour. Every
failure is an ``errors.DriverError`` naming the workflow. The runtime does not own its client.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import dataclasses
import json
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from lightkube.models import meta_v1
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.batch_v1 import CronJob, Job
from lightkube.resources.core_v1 import ConfigMap, Pod, Secret

from vamp import errors
from vamp.adapters.kubernetes import client as kube_client
from vamp.adapters.kubernetes import manifests, observed, workflow_executions, workflow_manifests
from vamp.adapters.kubernetes import namespaces as kube_namespaces
from vamp.core.workflows import runs

_STOP_ATTEMPTS = 3


class KubernetesWorkflows:
    """Workflows run as Deployments, Jobs and CronJobs.

    Args:
        kube: the API client; the runtime uses it but does not close it.
        identity: who applies the objects (the server's identity in the leader election), noted on each.
        script_image: the image that runs ``application/javascript`` breeds: it must have ``node`` and
            ``vamp-node-client`` (resolvable by ``require``).
    """

    name = "kubernetes"

    def __init__(self, kube: kube_client.KubernetesClient, *, identity: str, script_image: str) -> None:
        self._kube = kube
        self._identity = identity
        self._script_image = script_image
        self._namespaces = kube_namespaces.Namespaces(kube)

    async def workflows(self, namespace: str) -> Sequence[runs.WorkflowState]:
        """Every workflow with a Deployment or CronJob in ``namespace``, with the first problem of its Pods
        (an image that cannot be pulled…); time schedules' CronJobs suspended or resumed as their start and
        repeat count say."""
        everything = workflow_manifests.every_workflow()
        try:
            deployments = await self._kube.list(Deployment, namespace=namespace, labels=everything)
            crons = await self._kube.list(CronJob, namespace=namespace, labels=everything)
            jobs = await self._kube.list(Job, namespace=namespace, labels=everything)
            pods = await self._kube.list(Pod, namespace=namespace, labels=everything)
            problems: dict[str, str] = {}
            for pod in pods.items:
                record = observed.pod(pod)
                name = workflow_executions.workflow_name(_annotations(pod))
                if record is not None and record.problem is not None and name is not None:
                    problems.setdefault(name, record.problem)
            states: list[runs.WorkflowState] = []
            for deployment in deployments.items:
                name = workflow_executions.workflow_name(_annotations(deployment))
                if name is None:
                    continue
                ready = (deployment.status.readyReplicas if deployment.status else None) or 0
                failure = observed.deployment_failure(deployment) or problems.get(name)
                states.append(
                    runs.WorkflowState(runs.WorkflowKey(namespace, name), _digest(deployment), ready, failure)
                )
            for cron in crons.items:
                name = workflow_executions.workflow_name(_annotations(cron))
                if name is None:
                    continue
                mine = [
                    job for job in jobs.items if workflow_executions.workflow_name(_annotations(job)) == name
                ]
                running = sum(1 for job in mine if not workflow_executions.finished(job))
                if _schedule(cron) == runs.ScheduleKind.TIME:
                    await self._keep_time(cron, mine)
                key = runs.WorkflowKey(namespace, name)
                states.append(runs.WorkflowState(key, _digest(cron), running, problems.get(name)))
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflows of namespace '{namespace}': {exc}") from exc
        return sorted(states, key=lambda state: state.key.name)

    async def schedule(self, spec: runs.WorkflowSpec, token: str) -> None:
        """Apply what runs the workflow, unless it runs with this digest and token already.

        Raises:
            errors.DriverError: the spec cannot run on Kubernetes (a command, a period no cron schedule
                can express…) or the API server refused.
        """
        key = spec.key
        name = workflow_manifests.object_name(key.name)
        applied_by = self._identity
        if spec.schedule is runs.ScheduleKind.DAEMON:
            kind: type[Deployment | CronJob] = Deployment
            other: type[Deployment | CronJob] = CronJob
            wanted = workflow_manifests.daemon(
                spec, token, script_image=self._script_image, applied_by=applied_by
            )
        else:
            kind, other = CronJob, Deployment
            wanted = workflow_manifests.cron_job(
                spec, token, script_image=self._script_image, now=datetime.now(UTC), applied_by=applied_by
            )
        script = workflow_manifests.script(spec, applied_by=applied_by)
        try:
            current = await self._kube.get(kind, name, namespace=key.namespace)
            if current is not None:
                owner = workflow_executions.workflow_name(_annotations(current))
                if owner != key.name:
                    whose = f"belongs to workflow '{owner}'" if owner else "is not a workflow's"
                    raise errors.DriverError(
                        f"its {kind.__name__} {key.namespace}/{name} exists already and {whose}: "
                        "rename the workflow or remove that object."
                    )
                if _same(current, wanted):
                    return
                if isinstance(current, CronJob) and current.spec and _digest(current) == spec.digest:
                    # A new token only: stay suspended if the start or repeat count said so.
                    wanted["spec"]["suspend"] = bool(current.spec.suspend) or wanted["spec"]["suspend"]
            await self._namespaces.apply(Secret, workflow_manifests.secret(key, token, applied_by=applied_by))
            if script is None:
                await self._kube.delete(ConfigMap, name, namespace=key.namespace)
            else:
                await self._namespaces.apply(ConfigMap, script)
            await self._delete_own(other, key)
            await self._stop_runs(key, keep=spec.digest)
            await self._namespaces.apply(kind, wanted)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflow '{key}': {exc}") from exc

    async def unschedule(self, key: runs.WorkflowKey) -> None:
        """Delete what runs the workflow and stop its running Jobs (kept, as stopped executions)."""
        name = workflow_manifests.object_name(key.name)
        namespace = key.namespace
        try:
            await self._delete_own(Deployment, key)
            await self._delete_own(CronJob, key)
            await self._stop_runs(key, keep=None)
            await self._kube.delete(Secret, workflow_manifests.secret_name(key.name), namespace=namespace)
            await self._kube.delete(ConfigMap, name, namespace=namespace)
            await self._prune(key)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflow '{key}': {exc}") from exc

    async def execute(self, key: runs.WorkflowKey, data: str) -> None:
        """Create one Job of the event workflow, ``data`` in ``VAMP_WORKFLOW_DATA``.

        Raises:
            errors.DriverError: the workflow is not scheduled for events here, or the API server refused.
        """
        name = workflow_manifests.object_name(key.name)
        try:
            cron = await self._kube.get(CronJob, name, namespace=key.namespace)
            mine = cron is not None and workflow_executions.workflow_name(_meta(cron).annotations) == key.name
            if cron is None or not mine or _schedule(cron) != runs.ScheduleKind.EVENT:
                raise errors.DriverError(
                    f"it is not scheduled for events on Kubernetes (no CronJob {key.namespace}/{name} of an "
                    "event workflow): schedule it before running it."
                )
            job = workflow_manifests.event_job(
                cron.to_dict(), f"{name}-{secrets.token_hex(5)}", data, f"event:{_event_id(data)}"
            )
            await self._kube.create(cast(Job, Job.from_dict(job)))
            await self._prune(key)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflow '{key}': {exc}") from exc

    async def executions(self, key: runs.WorkflowKey) -> Sequence[runs.Execution]:
        """The workflow's Jobs and its daemon's Pods, newest first, with their logs if the API gives them."""
        try:
            jobs = await self._jobs(key)
            pods = await self._pods(key)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflow '{key}': {exc}") from exc
        by_job = workflow_executions.pods_of_jobs(pods)
        daemons = {
            _meta(pod).name or "": pod
            for pod in pods
            if (_meta(pod).labels or {}).get(workflow_manifests.LABEL_SCHEDULE) == runs.ScheduleKind.DAEMON
            and _meta(pod).deletionTimestamp is None
        }
        found = [workflow_executions.of_job(job, by_job.get(_meta(job).name or "")) for job in jobs]
        found += [workflow_executions.of_daemon_pod(pod) for pod in daemons.values()]
        chosen = workflow_executions.kept(found)
        pod_of: dict[str, str] = {name: name for name in daemons}
        pod_of |= {job: _meta(pod).name or "" for job, pod in by_job.items()}
        outputs = await asyncio.gather(*(self._output(pod_of.get(each.id), key.namespace) for each in chosen))
        return [
            dataclasses.replace(each, output=workflow_executions.output_of(lines)) if lines else each
            for each, lines in zip(chosen, outputs, strict=True)
        ]

    async def forget(self, key: runs.WorkflowKey) -> None:
        """Delete every Job left of the workflow (their Pods go in the background)."""
        try:
            for job in await self._jobs(key):
                await self._kube.delete(Job, _meta(job).name or "", namespace=key.namespace)
        except errors.DriverError as exc:
            raise errors.DriverError(f"Workflow '{key}': {exc}") from exc

    async def close(self) -> None:
        """Nothing to release: the client is whoever made it's to close."""

    async def _delete_own(self, kind: type[Deployment | CronJob], key: runs.WorkflowKey) -> None:
        """Delete the workflow's Deployment (its Pods go) or CronJob (its Jobs stay), if there is one.

        An object of that name that is not the workflow's (a service's Deployment may be called
        ``workflow-<id>``) is left alone. The Secret and ConfigMap are deleted by name: nothing else of
        Vamp's makes any, and reading Secrets is what the ClusterRole does not allow.
        """
        name = workflow_manifests.object_name(key.name)
        found = await self._kube.get(kind, name, namespace=key.namespace)
        if found is not None and workflow_executions.workflow_name(_annotations(found)) == key.name:
            await self._kube.delete(kind, name, namespace=key.namespace, keep_dependents=kind is CronJob)

    async def _jobs(self, key: runs.WorkflowKey) -> list[Job]:
        listed = await self._kube.list(Job, namespace=key.namespace, labels=workflow_manifests.selector(key))
        return [
            job for job in listed.items if workflow_executions.workflow_name(_annotations(job)) == key.name
        ]

    async def _pods(self, key: runs.WorkflowKey) -> list[Pod]:
        listed = await self._kube.list(Pod, namespace=key.namespace, labels=workflow_manifests.selector(key))
        return [
            pod for pod in listed.items if workflow_executions.workflow_name(_annotations(pod)) == key.name
        ]

    async def _output(self, pod: str | None, namespace: str) -> tuple[str, ...]:
        """The last lines of the Pod's log; none without a Pod, or when the API server cannot give its log."""
        if pod is None:
            return ()
        try:
            return await self._kube.log(pod, namespace=namespace, tail_lines=runs.KEPT_OUTPUT_LINES)
        except errors.DriverError:  # no kubelet to ask (kwok), a Pod not started yet or gone
            return ()

    async def _stop_runs(self, key: runs.WorkflowKey, *, keep: str | None) -> None:
        """Suspend every running Job of the workflow but those of digest ``keep``: the Job controller deletes
        their Pods, the Jobs stay as the record of stopped runs."""
        for job in await self._jobs(key):
            labels = _meta(job).labels or {}
            if workflow_executions.finished(job) or (
                keep is not None and labels.get(workflow_manifests.LABEL_DIGEST) == keep
            ):
                continue
            current: Job | None = job
            for _ in range(_STOP_ATTEMPTS):
                if current is None or current.spec is None or current.spec.suspend:
                    break
                current.spec.suspend = True
                try:
                    await self._kube.replace(current)
                    break
                except kube_client.Conflict:
                    current = await self._kube.get(Job, _meta(job).name or "", namespace=key.namespace)

    async def _prune(self, key: runs.WorkflowKey) -> None:
        """Delete the finished Jobs no CronJob owns beyond the kept ones (the last, and the last failed)."""
        loose = [job for job in await self._jobs(key) if not _meta(job).ownerReferences]
        done = {_meta(job).name: job for job in loose if workflow_executions.finished(job)}
        kept = {
            each.id
            for each in workflow_executions.kept(
                workflow_executions.of_job(job, None) for job in done.values()
            )
        }
        for name in done.keys() - kept:
            await self._kube.delete(Job, name or "", namespace=key.namespace)

    async def _keep_time(self, cron: CronJob, jobs: Sequence[Job]) -> None:
        """Suspend or resume a time schedule's CronJob as its start and repeat count say."""
        uid = _meta(cron).uid
        digest = _digest(cron)
        started = sum(
            1
            for job in jobs
            if any(owner.uid == uid for owner in _meta(job).ownerReferences or ())
            and (_meta(job).labels or {}).get(workflow_manifests.LABEL_DIGEST) == digest
        )
        wanted = workflow_manifests.suspended(_annotations(cron), runs_started=started, now=datetime.now(UTC))
        if cron.spec is None or bool(cron.spec.suspend) == wanted:
            return
        cron.spec.suspend = wanted
        with contextlib.suppress(kube_client.Conflict):  # changed meanwhile: the next pass decides again
            await self._kube.replace(cron)


def _meta(obj: Any) -> meta_v1.ObjectMeta:
    """An object's metadata (the typed models allow none)."""
    return cast(meta_v1.ObjectMeta, obj.metadata or meta_v1.ObjectMeta())


def _annotations(obj: Any) -> dict[str, str]:
    return dict(_meta(obj).annotations or {})


def _digest(obj: Deployment | CronJob) -> str | None:
    return _annotations(obj).get(manifests.ANNOTATION_SPEC_DIGEST)


def _schedule(obj: CronJob) -> str | None:
    return ((obj.metadata.labels if obj.metadata else None) or {}).get(workflow_manifests.LABEL_SCHEDULE)


def _same(current: Deployment | CronJob, wanted: dict[str, Any]) -> bool:
    """Whether the object there runs the wanted workflow, spec and token."""
    annotations = _annotations(current)
    keys = (
        workflow_manifests.ANNOTATION_WORKFLOW,
        manifests.ANNOTATION_SPEC_DIGEST,
        workflow_manifests.ANNOTATION_TOKEN_DIGEST,
    )
    return all(annotations.get(each) == wanted["metadata"]["annotations"][each] for each in keys)


def _event_id(data: str) -> str:
    """The id of the event in ``data`` (base64 JSON), or ``?`` when it has none."""
    try:
        event = json.loads(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        return "?"
    found = event.get("id") if isinstance(event, dict) else None
    return str(found) if found is not None else "?"
