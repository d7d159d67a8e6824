"""What a workflow's Jobs and Pods say of its runs, as ``runs.Execution``: pure, no I/O.

An event or time run is a Job: its status comes from the Job's conditions (``Complete``: succeeded;
``Failed``: failed, or timed out when the reason is ``DeadlineExceeded``; ``Suspended``: stopped, which is
how the runtime stops a run when it unschedules the workflow, keeping the Job as the record), its exit
code from its Pod. A daemon's runs are its Deployment's Pods (one execution per Pod, ``running`` while the
Pod is, gone with the Pod). Kubernetes interleaves a container's stdout and stderr in one log, so the
output reads as ``stdout``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from lightkube.resources.batch_v1 import Job
from lightkube.resources.core_v1 import Pod

from vamp.adapters.kubernetes import workflow_manifests
from vamp.core.workflows import runs

JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
"""The label the Job controller puts on a Job's Pods."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def of_job(job: Job, pod: Pod | None, output: Sequence[str] = ()) -> runs.Execution:
    """The execution one Job is, with its Pod (``None`` when it has none, or none any more)."""
    metadata = job.metadata
    status = job.status
    annotations = (metadata.annotations if metadata else None) or {}
    conditions = {
        condition.type: condition
        for condition in (status.conditions if status else None) or ()
        if condition.status == "True"
    }
    exit_code = _exit_code(pod)
    reason: str | None = None
    finished: datetime | None = status.completionTime if status else None
    if "Complete" in conditions:
        state = runs.ExecutionStatus.SUCCEEDED
    elif "Failed" in conditions:
        failed = conditions["Failed"]
        timed_out = failed.reason == "DeadlineExceeded"
        state = runs.ExecutionStatus.TIMED_OUT if timed_out else runs.ExecutionStatus.FAILED
        finished = failed.lastTransitionTime
        reason = failed.message or failed.reason
    elif "Suspended" in conditions:
        state = runs.ExecutionStatus.STOPPED
        finished = conditions["Suspended"].lastTransitionTime
        reason = "stopped: the workflow was unscheduled"
    else:
        state = runs.ExecutionStatus.RUNNING
    created = metadata.creationTimestamp if metadata else None
    started = (status.startTime if status else None) or created or _EPOCH
    return runs.Execution(
        id=(metadata.name if metadata else None) or "?",
        trigger=annotations.get(workflow_manifests.ANNOTATION_TRIGGER, "event"),
        started=started,
        status=state,
        finished=finished,
        exit_code=exit_code,
        output=output_of(output),
        reason=reason,
    )


def of_daemon_pod(pod: Pod, output: Sequence[str] = ()) -> runs.Execution:
    """The execution a daemon's Pod is: running until the Pod is gone (the kubelet restarts its script)."""
    metadata = pod.metadata
    status = pod.status
    phase = status.phase if status else None
    state = {"Succeeded": runs.ExecutionStatus.SUCCEEDED, "Failed": runs.ExecutionStatus.FAILED}.get(
        phase or "", runs.ExecutionStatus.RUNNING
    )
    created = metadata.creationTimestamp if metadata else None
    return runs.Execution(
        id=(metadata.name if metadata else None) or "?",
        trigger="daemon",
        started=(status.startTime if status else None) or created or _EPOCH,
        status=state,
        exit_code=_exit_code(pod),
        output=output_of(output),
    )


def output_of(lines: Sequence[str]) -> tuple[runs.OutputLine, ...]:
    """The last ``runs.KEPT_OUTPUT_LINES`` lines of a log, as output (stdout: Kubernetes interleaves both)."""
    return tuple(runs.OutputLine("stdout", line) for line in lines[-runs.KEPT_OUTPUT_LINES :])


def pods_of_jobs(pods: Iterable[Pod]) -> dict[str, Pod]:
    """Each Job's (latest) Pod, by the Job's name."""
    found: dict[str, Pod] = {}
    for pod in sorted(pods, key=_created):
        job = ((pod.metadata.labels if pod.metadata else None) or {}).get(JOB_NAME_LABEL)
        if job is not None:
            found[job] = pod
    return found


def kept(executions: Iterable[runs.Execution]) -> list[runs.Execution]:
    """The last ``runs.KEPT_EXECUTIONS`` executions and the last as many failed ones, newest first."""
    newest = sorted(executions, key=lambda execution: execution.started, reverse=True)
    last = newest[: runs.KEPT_EXECUTIONS]
    failed = [execution for execution in newest if execution.status.failed][: runs.KEPT_EXECUTIONS]
    chosen = {execution.id for execution in (*last, *failed)}
    return [execution for execution in newest if execution.id in chosen]


def finished(job: Job) -> bool:
    """Whether the Job ran to its end (or was stopped): its Pods are gone or will not run again."""
    conditions = (job.status.conditions if job.status else None) or ()
    return any(
        condition.type in ("Complete", "Failed", "Suspended") and condition.status == "True"
        for condition in conditions
    )


def workflow_name(annotations: Mapping[str, str] | None) -> str | None:
    return (annotations or {}).get(workflow_manifests.ANNOTATION_WORKFLOW)


def _exit_code(pod: Pod | None) -> int | None:
    statuses = (pod.status.containerStatuses if pod is not None and pod.status else None) or ()
    for container in statuses:
        if container.name == workflow_manifests.CONTAINER:
            terminated = container.state.terminated if container.state else None
            return terminated.exitCode if terminated else None
    return None


def _created(pod: Pod) -> datetime:
    return (pod.metadata.creationTimestamp if pod.metadata else None) or _EPOCH
