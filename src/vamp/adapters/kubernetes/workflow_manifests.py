"""Kubernetes objects for Vamp's workflows, as plain data: pure, deterministic, every map's keys sorted.

A workflow ``<name>`` of namespace ``acme-prod`` lives in the Namespace ``acme-prod`` (as services do,
``namespaces``) as objects named ``workflow-<id>`` (``names.resource_id``):

* a ``Secret`` ``workflow-<id>-token`` holding the API token its runs use (``VAMP_API_TOKEN`` comes from
  it, never from a plain env value);
* a ``ConfigMap`` ``workflow-<id>`` holding the script of an ``application/javascript`` breed, mounted at
  ``/vamp`` and run as ``node /vamp/workflow.js`` in the runtime's script image — an image that must
  have ``node`` and the ``vamp-node-client`` package resolvable by ``require`` (the server's settings
  name it; nothing here builds it); an image breed (``container/docker``) runs its own image with its
  own entrypoint; a command breed is refused, as the kubernetes driver refuses it for services (use the
  local runtime, or an image);
* a daemon: a ``Deployment`` of ``scale.instances`` Pods (strategy ``Recreate``: runs of two versions
  never overlap), restarted by the kubelet when the script exits, with the kubelet's back-off;
* an event schedule: a suspended ``CronJob`` that never fires, whose job template each event's ``Job`` is
  made from (``event_job``, as ``kubectl create job --from=cronjob/…`` does): the API server checks the
  template when the workflow is scheduled, not at the first event;
* a time schedule: a ``CronJob`` (``cron_schedule``), ``concurrencyPolicy: Forbid`` (a tick is skipped
  while a run goes on, as Vamp's workflow agent did), in UTC.

Every object carries the labels the driver puts on its objects (``app.kubernetes.io/managed-by``…),
``app.kubernetes.io/component: workflow``, ``io.vamp/workflow`` and the spec's labels; annotations
carry the exact workflow name, the spec digest and a digest of the token (a new token rolls a daemon's
Pods, as their environment holds the old one).
Jobs run once (``backoffLimit: 0``), are stopped after the workflow's timeout
(``activeDeadlineSeconds``), and carry the spec's digest as a label. Nothing here does I/O; refusing
what Kubernetes cannot run raises ``errors.DriverError`` naming the workflow.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from vamp import errors
from vamp.adapters.kubernetes import manifests, names
from vamp.core.workflows import runs

Manifest = dict[str, Any]

LABEL_WORKFLOW = "io.vamp/workflow"
LABEL_COMPONENT = "app.kubernetes.io/component"
COMPONENT = "workflow"
LABEL_SCHEDULE = "io.vamp/workflow-schedule"
"""``daemon``, ``event`` or ``time``: which kind of schedule an object (or a run) belongs to."""
LABEL_DIGEST = "io.vamp/workflow-digest"
"""On Jobs and Pods: the spec digest they run, so runs of an earlier spec can be told apart."""
ANNOTATION_WORKFLOW = "io.vamp/workflow-name"
"""The exact workflow name (the label value is sanitised)."""
ANNOTATION_TOKEN_DIGEST = "io.vamp/token-digest"
ANNOTATION_TRIGGER = "io.vamp/trigger"
"""On Jobs: what started the run (``time``, or ``event:<id>``)."""
ANNOTATION_START = "io.vamp/start"
ANNOTATION_REPEAT = "io.vamp/repeat"

CONTAINER = "workflow"
SCRIPT_FOLDER = "/vamp"
SCRIPT_FILE = "workflow.js"
TOKEN_KEY = "token"
TOKEN_VARIABLE = "VAMP_API_TOKEN"
DATA_VARIABLE = "VAMP_WORKFLOW_DATA"
NEVER = "0 0 1 1 *"
"""The schedule of an event workflow's CronJob, which is suspended for good: it is a template only."""
EVENT_JOB_TTL = 86_400
"""Seconds a finished event Job is kept at most (the runtime also keeps only the last ones)."""
MINUTES = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)
HOURS = (1, 2, 3, 4, 6, 8, 12)
_DAY = 24 * 3600
_WEEK = 7 * _DAY


def object_name(workflow: str) -> str:
    """The name of a workflow's Deployment, CronJob and ConfigMap: ``workflow-<id>`` (≤ 40 characters)."""
    return f"workflow-{names.resource_id(workflow)}"


def secret_name(workflow: str) -> str:
    return f"{object_name(workflow)}-token"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def every_workflow() -> dict[str, str]:
    """The labels every object and run of every workflow carries."""
    return manifests.managed_by_vamp() | {LABEL_COMPONENT: COMPONENT}


def selector(key: runs.WorkflowKey) -> dict[str, str]:
    """The labels every object and run of the workflow carries (the exact name is in an annotation)."""
    return every_workflow() | {LABEL_WORKFLOW: names.label_value(key.name)}


def secret(key: runs.WorkflowKey, token: str, *, applied_by: str | None = None) -> Manifest:
    """The Secret the runs' ``VAMP_API_TOKEN`` comes from."""
    return manifests.sorted_keys(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": _metadata(key, secret_name(key.name), selector(key), applied_by),
            "type": "Opaque",
            "data": {TOKEN_KEY: base64.b64encode(token.encode()).decode()},
        }
    )


def script(spec: runs.WorkflowSpec, *, applied_by: str | None = None) -> Manifest | None:
    """The ConfigMap holding the script of a JavaScript breed; ``None`` for any other breed."""
    if spec.deployable.type != runs.JAVASCRIPT:
        return None
    return manifests.sorted_keys(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _metadata(spec.key, object_name(spec.key.name), _labels(spec), applied_by),
            "data": {SCRIPT_FILE: spec.deployable.definition},
        }
    )


def daemon(
    spec: runs.WorkflowSpec, token: str, *, script_image: str, applied_by: str | None = None
) -> Manifest:
    """The Deployment of a daemon workflow."""
    labels = _labels(spec)
    metadata = _metadata(spec.key, object_name(spec.key.name), labels, applied_by)
    metadata["annotations"] |= {manifests.ANNOTATION_SPEC_DIGEST: spec.digest}
    pods = {
        "metadata": {
            "labels": labels | {LABEL_DIGEST: spec.digest},
            "annotations": {ANNOTATION_TOKEN_DIGEST: token_digest(token), ANNOTATION_WORKFLOW: spec.key.name},
        },
        "spec": _pod_spec(spec, script_image, restart="Always"),
    }
    return manifests.sorted_keys(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": metadata | {"annotations": metadata["annotations"] | _token(token)},
            "spec": {
                "replicas": spec.scale.instances,
                "selector": {
                    "matchLabels": {LABEL_WORKFLOW: labels[LABEL_WORKFLOW], LABEL_SCHEDULE: "daemon"}
                },
                "strategy": {"type": "Recreate"},
                "template": pods,
            },
        }
    )


def cron_job(
    spec: runs.WorkflowSpec,
    token: str,
    *,
    script_image: str,
    now: datetime,
    applied_by: str | None = None,
) -> Manifest:
    """The CronJob of an event workflow (suspended: a template) or of a time workflow.

    A time workflow whose start is still to come is made suspended; ``suspended`` says, later, when it
    should run. It keeps as many finished Jobs as its repeat count needs to be counted.
    """
    labels = _labels(spec)
    metadata = _metadata(spec.key, object_name(spec.key.name), labels, applied_by)
    annotations = metadata["annotations"] | {manifests.ANNOTATION_SPEC_DIGEST: spec.digest} | _token(token)
    kept = runs.KEPT_EXECUTIONS
    if spec.schedule is runs.ScheduleKind.TIME:
        timing = _timing(spec)
        cron = cron_schedule(spec.key, timing)
        annotations[ANNOTATION_START] = _utc(timing.start).isoformat()
        if timing.repeat is not None:
            annotations[ANNOTATION_REPEAT] = str(timing.repeat)
            kept = max(kept, timing.repeat)
        timed: Manifest = {
            "schedule": cron,
            "timeZone": "Etc/UTC",
            "startingDeadlineSeconds": max(10, min(300, int(timing.period // 2))),
            "suspend": suspended(annotations, runs_started=0, now=now),
        }
    else:
        timed = {"schedule": NEVER, "suspend": True}
    job_labels = labels | {LABEL_DIGEST: spec.digest}
    job_annotations = {ANNOTATION_WORKFLOW: spec.key.name, ANNOTATION_TRIGGER: spec.schedule.value}
    job_spec: Manifest = {
        "backoffLimit": 0,
        "template": {
            "metadata": {"labels": job_labels, "annotations": job_annotations},
            "spec": _pod_spec(spec, script_image, restart="Never"),
        },
    }
    if spec.timeout > 0:
        job_spec["activeDeadlineSeconds"] = math.ceil(spec.timeout)
    if spec.schedule is runs.ScheduleKind.EVENT:
        job_spec["ttlSecondsAfterFinished"] = EVENT_JOB_TTL
    return manifests.sorted_keys(
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata | {"annotations": annotations},
            "spec": timed
            | {
                "concurrencyPolicy": "Forbid",
                "successfulJobsHistoryLimit": kept,
                "failedJobsHistoryLimit": kept,
                "jobTemplate": {
                    "metadata": {"labels": job_labels, "annotations": job_annotations},
                    "spec": job_spec,
                },
            },
        }
    )


def suspended(annotations: Mapping[str, str], *, runs_started: int, now: datetime) -> bool:
    """Whether a time workflow's CronJob should be suspended: before its start, or once it has started
    its ``repeat`` runs (counted by the runtime from the Jobs of its digest)."""
    start = annotations.get(ANNOTATION_START)
    if start is not None and _utc(now) < datetime.fromisoformat(start):
        return True
    repeat = annotations.get(ANNOTATION_REPEAT)
    return repeat is not None and runs_started >= int(repeat)


def event_job(cron: Mapping[str, Any], name: str, data: str, trigger: str) -> Manifest:
    """One run of an event workflow: a Job from its CronJob's template, ``data`` in ``VAMP_WORKFLOW_DATA``.

    Args:
        cron: the event workflow's CronJob as the API server stores it.
        name: the Job's name (unique: ``workflow-<id>-<random>``).
        trigger: ``event:<id>``, noted on the Job.
    """
    template = cron["spec"]["jobTemplate"]
    metadata = cron["metadata"]
    job_metadata = copy.deepcopy(template.get("metadata") or {})
    job_metadata["annotations"] = dict(job_metadata.get("annotations") or {}) | {ANNOTATION_TRIGGER: trigger}
    job_metadata |= {"name": name, "namespace": metadata["namespace"]}
    spec = copy.deepcopy(template["spec"])
    pod = spec["template"]
    pod["metadata"] = dict(pod.get("metadata") or {})
    pod["metadata"]["annotations"] = dict(pod["metadata"].get("annotations") or {}) | {
        ANNOTATION_TRIGGER: trigger
    }
    for container in pod["spec"]["containers"]:
        if container.get("name") == CONTAINER:
            others = [item for item in container.get("env") or () if item.get("name") != DATA_VARIABLE]
            container["env"] = [*others, {"name": DATA_VARIABLE, "value": data}]
    return manifests.sorted_keys(
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_metadata, "spec": spec}
    )


def cron_schedule(key: runs.WorkflowKey, timing: runs.Timing) -> str:
    """The cron schedule (UTC) of a time workflow's period, at the start's minute (and hour, and weekday).

    A CronJob fires at whole minutes, so a period must be a whole number of minutes dividing an hour, of
    hours dividing a day, a day or a week; anything else is refused. The start's seconds are dropped: a
    workflow starting at 10:07:30 every 15 minutes runs at 10:07, 10:22, 10:37… (10:07 only once the start
    has passed: the runtime keeps the CronJob suspended until then).

    Raises:
        errors.DriverError: the period cannot be written as a cron schedule.
    """
    start = _utc(timing.start)
    seconds = timing.period
    if seconds > 0 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        if minutes in MINUTES:
            return "* * * * *" if minutes == 1 else f"{start.minute % minutes}-59/{minutes} * * * *"
        if minutes % 60 == 0 and minutes // 60 in HOURS:
            hours = minutes // 60
            every = "*" if hours == 1 else f"{start.hour % hours}-23/{hours}"
            return f"{start.minute} {every} * * *"
        if seconds == _DAY:
            return f"{start.minute} {start.hour} * * *"
        if seconds == _WEEK:
            return f"{start.minute} {start.hour} * * {start.isoweekday() % 7}"
    raise errors.DriverError(
        f"Workflow '{key}' runs every {timing.period_text} ({seconds:g} s), which a Kubernetes CronJob "
        f"cannot express. On Kubernetes a time schedule runs every {', '.join(map(str, MINUTES[:-1]))} or "
        f"{MINUTES[-1]} minutes (PT{MINUTES[0]}M…PT{MINUTES[-1]}M), every "
        f"{', '.join(map(str, HOURS[:-1]))} or {HOURS[-1]} hours (PT{HOURS[0]}H…PT{HOURS[-1]}H), every day "
        "(P1D) or every week (P1W)."
    )


def _timing(spec: runs.WorkflowSpec) -> runs.Timing:
    if spec.timing is None:
        raise errors.DriverError(f"Workflow '{spec.key}' has a time schedule without a period: give one.")
    return spec.timing


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; one without a zone is taken to be in UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _labels(spec: runs.WorkflowSpec) -> dict[str, str]:
    """The spec's labels, sanitised, then Vamp's own."""
    return (
        names.labels(spec.labels)
        | selector(spec.key)
        | {manifests.LABEL_NAME: names.label_value(spec.key.name), LABEL_SCHEDULE: spec.schedule.value}
    )


def _metadata(key: runs.WorkflowKey, name: str, labels: dict[str, str], applied_by: str | None) -> Manifest:
    annotations = {ANNOTATION_WORKFLOW: key.name}
    if applied_by is not None:
        annotations[manifests.ANNOTATION_APPLIED_BY] = applied_by
    return {"name": name, "namespace": key.namespace, "labels": labels, "annotations": annotations}


def _token(token: str) -> dict[str, str]:
    return {ANNOTATION_TOKEN_DIGEST: token_digest(token)}


def _pod_spec(spec: runs.WorkflowSpec, script_image: str, *, restart: str) -> Manifest:
    container: Manifest = {
        "name": CONTAINER,
        "image": _image(spec, script_image),
        "env": _environment(spec),
    }
    resources = manifests.resources(spec.scale)
    if resources:
        container["resources"] = {"requests": resources, "limits": resources}
    if any(argument.key == "privileged" and argument.value.lower() == "true" for argument in spec.arguments):
        container["securityContext"] = {"privileged": True}
    pod: Manifest = {}
    if spec.deployable.type == runs.JAVASCRIPT:
        container["command"] = ["node", f"{SCRIPT_FOLDER}/{SCRIPT_FILE}"]
        container["volumeMounts"] = [{"name": "script", "mountPath": SCRIPT_FOLDER, "readOnly": True}]
        pod["volumes"] = [{"name": "script", "configMap": {"name": object_name(spec.key.name)}}]
    merged = manifests.pod_spec(spec.dialects, f"workflow '{spec.key}'", container)
    return merged | pod | {"restartPolicy": restart}


def _environment(spec: runs.WorkflowSpec) -> list[Manifest]:
    """The spec's variables, the token from the Secret, and ``VAMP_WORKFLOW_DATA`` (empty but for events)."""
    own = {TOKEN_VARIABLE, DATA_VARIABLE}
    variables: list[Manifest] = [
        {"name": name, "value": value} for name, value in sorted(spec.environment.items()) if name not in own
    ]
    token = {"secretKeyRef": {"name": secret_name(spec.key.name), "key": TOKEN_KEY}}
    return [*variables, {"name": TOKEN_VARIABLE, "valueFrom": token}, {"name": DATA_VARIABLE, "value": ""}]


def _image(spec: runs.WorkflowSpec, script_image: str) -> str:
    deployable = spec.deployable
    if deployable.type == runs.JAVASCRIPT:
        return script_image
    if deployable.is_command:
        raise errors.DriverError(
            f"Workflow '{spec.key}' has a {deployable.type} deployable ({deployable.definition!r}): on "
            f"Kubernetes a workflow runs a script ({runs.JAVASCRIPT}) or a container image. Use the local "
            "runtime for commands, or give an image."
        )
    if deployable.type not in manifests.IMAGE_TYPES:
        raise errors.DriverError(
            f"Workflow '{spec.key}' has a deployable of unsupported type '{deployable.type}': on Kubernetes "
            f"a workflow runs {runs.JAVASCRIPT} scripts and {' and '.join(sorted(manifests.IMAGE_TYPES))} "
            "images."
        )
    if not deployable.definition.strip():
        raise errors.DriverError(
            f"Workflow '{spec.key}' has an empty image: give the image as its deployable."
        )
    return deployable.definition
