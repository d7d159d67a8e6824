"""Workflows on a real control plane (``KubernetesWorkflows``): a daemon becomes a Deployment, an event run a
Job, a time schedule a CronJob, each in the Namespace of its environment with the run environment (the token
from its Secret); ``workflows`` reports their digests; a changed digest replaces them; unscheduling removes
them and stops the runs; executions come from the Jobs' conditions.

kwok runs no containers, so no Pod ever exits by itself: where a test needs a run to end, it plays the
kubelet and writes the Pod's status (terminated, with an exit code) as a kubelet would. A timed-out run
needs nothing of the sort: the Job controller enforces the deadline. No log can be read under kwok, so the
executions have no output here.
"""

import base64
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lightkube.resources.apps_v1 import Deployment
from lightkube.resources.batch_v1 import CronJob, Job
from lightkube.resources.core_v1 import ConfigMap, Namespace, Pod, Secret

from tests.k8s import eventually
from vamp import errors
from vamp.adapters.kubernetes import workflows as kube_workflows
from vamp.core import model
from vamp.core.units import Cpu, Memory
from vamp.core.workflows import runs

pytestmark = pytest.mark.anyio
IMAGE = "magneticio/vamp-workflow-agent:1.0"
TOKEN = "vamp_token_of_the_workflow"
SCRIPT = "const vamp = require('vamp-node-client'); new vamp.Api().get('gateways')"


@pytest.fixture
async def namespace(kube) -> AsyncIterator[str]:
    """An environment's namespace (``<organisation>-<environment>``), not made yet; deleted after."""
    name = f"wf{uuid.uuid4().hex[:8]}-prod"
    yield name
    await kube.delete(Namespace, name)


@pytest.fixture
def runtime(kube) -> kube_workflows.KubernetesWorkflows:
    return kube_workflows.KubernetesWorkflows(kube, identity="vamp-0", script_image=IMAGE)


def spec(
    namespace: str, schedule: runs.ScheduleKind = runs.ScheduleKind.DAEMON, **changes: Any
) -> runs.WorkflowSpec:
    fields: dict[str, Any] = {
        "key": runs.WorkflowKey(namespace, "canary"),
        "schedule": schedule,
        "deployable": model.Deployable(type=runs.JAVASCRIPT, definition=SCRIPT),
        "environment": {
            "VAMP_URL": "http://vamp.vamp-system:8080",
            "VAMP_NAMESPACE": namespace,
            "VAMP_WORKFLOW_EXECUTION_PERIOD": "5",
            "VAMP_WORKFLOW_EXECUTION_TIMEOUT": "30",
            "STEP": "10",
        },
        "scale": model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=1),
        "period": 5.0,
        "timeout": 30.0,
        "labels": {"team": "blue"},
    }
    if schedule is runs.ScheduleKind.TIME:
        fields["timing"] = runs.Timing(
            start=datetime.now(UTC) - timedelta(hours=1), period=900, period_text="PT15M"
        )
    if schedule is runs.ScheduleKind.EVENT:
        fields["tags"] = ("deployments:sava", "deployed")
    return runs.WorkflowSpec(**(fields | changes))


def event(identifier: str) -> str:
    return base64.b64encode(json.dumps({"id": identifier, "tags": ["deployed"]}).encode()).decode()


def environment_of(container: Any) -> dict[str, Any]:
    """A container's variables: values as they are (an empty one is stored without its value), a Secret's
    as ``secret:<name>/<key>``."""
    found: dict[str, Any] = {}
    for variable in container.env:
        reference = variable.valueFrom.secretKeyRef if variable.valueFrom else None
        found[variable.name] = (
            f"secret:{reference.name}/{reference.key}" if reference else variable.value or ""
        )
    return found


def run_environment(namespace: str, data: str = "") -> dict[str, str]:
    return {
        "VAMP_URL": "http://vamp.vamp-system:8080",
        "VAMP_NAMESPACE": namespace,
        "VAMP_WORKFLOW_EXECUTION_PERIOD": "5",
        "VAMP_WORKFLOW_EXECUTION_TIMEOUT": "30",
        "STEP": "10",
        "VAMP_API_TOKEN": "secret:workflow-canary-token/token",
        "VAMP_WORKFLOW_DATA": data,
    }


async def states(runtime, namespace: str) -> dict[str, runs.WorkflowState]:
    return {state.key.name: state for state in await runtime.workflows(namespace)}


async def jobs(kube, namespace: str):
    return (await kube.list(Job, namespace=namespace)).items


async def finish(kube, k8s_api, namespace: str, job: str, exit_code: int) -> None:
    """Play the kubelet: the Job's Pod ran and its container exited with ``exit_code``."""

    async def pods():
        return (await kube.list(Pod, namespace=namespace, labels={"batch.kubernetes.io/job-name": job})).items

    (pod,) = await eventually.until(f"the Pod of Job {job}", pods, lambda found: len(found) == 1)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    terminated = {
        "exitCode": exit_code,
        "reason": "Completed" if exit_code == 0 else "Error",
        "finishedAt": now,
    }
    status = {
        "phase": "Succeeded" if exit_code == 0 else "Failed",
        "containerStatuses": [
            {
                "name": "workflow",
                "image": IMAGE,
                "imageID": "",
                "ready": False,
                "restartCount": 0,
                "state": {"terminated": {**terminated, "startedAt": now}},
            }
        ],
    }
    k8s_api.patch(
        f"/api/v1/namespaces/{namespace}/pods/{pod.metadata.name}/status",
        json={"status": status},
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()


async def test_a_daemon_runs_as_a_deployment_in_its_environments_namespace(kube, runtime, namespace):
    daemon = spec(namespace, scale=model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=2))

    await runtime.schedule(daemon, TOKEN)

    deployment = await kube.get(Deployment, "workflow-canary", namespace=namespace)
    (container,) = deployment.spec.template.spec.containers
    assert deployment.spec.replicas == 2
    assert (container.image, container.command) == (IMAGE, ["node", "/vamp/workflow.js"])
    assert environment_of(container) == run_environment(namespace)
    assert container.resources.requests == {"cpu": "100m", "memory": "64Mi"}
    labels = deployment.metadata.labels
    assert labels["app.kubernetes.io/managed-by"] == "vamp"
    assert (labels["io.vamp/workflow"], labels["team"]) == ("canary", "blue")
    secret = await kube.get(Secret, "workflow-canary-token", namespace=namespace)
    assert base64.b64decode(secret.data["token"]).decode() == TOKEN
    script = await kube.get(ConfigMap, "workflow-canary", namespace=namespace)
    assert script.data == {"workflow.js": SCRIPT}
    (volume,) = deployment.spec.template.spec.volumes
    assert volume.configMap.name == "workflow-canary"
    created = await kube.get(Namespace, namespace)
    assert created.metadata.labels["io.vamp/environment"] == "prod"

    running = await eventually.until(
        "two running daemons", lambda: states(runtime, namespace), lambda found: found["canary"].running == 2
    )
    assert running["canary"].digest == daemon.digest
    executions = await runtime.executions(daemon.key)
    assert [(each.trigger, each.status) for each in executions] == [
        ("daemon", runs.ExecutionStatus.RUNNING)
    ] * 2
    assert all(each.output == () for each in executions)  # kwok has no logs to give


async def test_scheduling_again_changes_nothing_unless_the_spec_or_the_token_changed(
    kube, runtime, namespace
):
    daemon = spec(namespace)
    await runtime.schedule(daemon, TOKEN)
    first = await kube.get(Deployment, "workflow-canary", namespace=namespace)

    await runtime.schedule(daemon, TOKEN)
    again = await kube.get(Deployment, "workflow-canary", namespace=namespace)
    await runtime.schedule(daemon, "a_new_token")
    new_token = await kube.get(Deployment, "workflow-canary", namespace=namespace)
    changed = spec(namespace, environment={**daemon.environment, "STEP": "20"})
    await runtime.schedule(changed, "a_new_token")
    new_spec = await kube.get(Deployment, "workflow-canary", namespace=namespace)

    assert again.metadata.generation == first.metadata.generation == 1
    assert new_token.metadata.generation == 2
    secret = await kube.get(Secret, "workflow-canary-token", namespace=namespace)
    assert base64.b64decode(secret.data["token"]).decode() == "a_new_token"
    # The Pods hold the token in their environment: a new one rolls them, without reading as a new spec.
    assert new_token.spec.template.metadata.annotations != first.spec.template.metadata.annotations
    assert environment_of(new_spec.spec.template.spec.containers[0])["STEP"] == "20"
    assert (await states(runtime, namespace))["canary"].digest == changed.digest


async def test_a_daemon_that_cannot_run_says_why(runtime, namespace):
    nowhere = {"kubernetes": {"nodeSelector": {"disk": "none-such"}}}  # no Node has it

    await runtime.schedule(spec(namespace, dialects=nowhere), TOKEN)

    found = await eventually.until(
        "the reason it cannot run",
        lambda: states(runtime, namespace),
        lambda found: found["canary"].failure is not None,
    )
    assert "cannot be scheduled" in str(found["canary"].failure)
    assert found["canary"].running == 0


async def test_an_object_of_the_same_name_that_is_not_the_workflows_is_left_alone(kube, runtime, namespace):
    await kube.apply(Namespace, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    labels = {"app": "other"}
    other = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "workflow-canary", "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "x", "image": "x"}]},
            },
        },
    }
    await kube.apply(Deployment, other)

    with pytest.raises(errors.DriverError) as refused:
        await runtime.schedule(spec(namespace), TOKEN)

    assert str(refused.value) == (
        f"Workflow '{namespace}/canary': its Deployment {namespace}/workflow-canary exists already and is "
        "not a workflow's: rename the workflow or remove that object."
    )
    await runtime.schedule(spec(namespace, runs.ScheduleKind.EVENT), TOKEN)  # a CronJob: no Deployment
    await runtime.unschedule(runs.WorkflowKey(namespace, "canary"))
    kept = await kube.get(Deployment, "workflow-canary", namespace=namespace)
    assert kept.spec.template.spec.containers[0].image == "x"


async def test_an_event_run_is_a_job_with_the_event_in_its_environment(kube, k8s_api, runtime, namespace):
    workflow = spec(namespace, runs.ScheduleKind.EVENT)
    await runtime.schedule(workflow, TOKEN)
    scheduled = await states(runtime, namespace)

    await runtime.execute(workflow.key, event("41"))
    await runtime.execute(workflow.key, event("42"))

    assert (scheduled["canary"].digest, scheduled["canary"].running) == (workflow.digest, 0)
    made = sorted(await jobs(kube, namespace), key=lambda job: job.metadata.annotations["io.vamp/trigger"])
    assert [job.metadata.annotations["io.vamp/trigger"] for job in made] == ["event:41", "event:42"]
    first = made[0]
    (container,) = first.spec.template.spec.containers
    assert environment_of(container) == run_environment(namespace, event("41"))
    assert (first.spec.backoffLimit, first.spec.activeDeadlineSeconds) == (0, 30)
    assert first.spec.ttlSecondsAfterFinished > 0
    assert first.spec.template.spec.restartPolicy == "Never"
    assert (await states(runtime, namespace))["canary"].running == 2

    await finish(kube, k8s_api, namespace, made[0].metadata.name, 0)
    await finish(kube, k8s_api, namespace, made[1].metadata.name, 3)

    def ended(executions: list[runs.Execution]) -> bool:
        return all(each.status is not runs.ExecutionStatus.RUNNING for each in executions)

    executions = await eventually.until(
        "both runs to end", lambda: runtime.executions(workflow.key), ended, timeout=60
    )
    by_trigger = {each.trigger: each for each in executions}
    assert (by_trigger["event:41"].status, by_trigger["event:41"].exit_code) == (
        runs.ExecutionStatus.SUCCEEDED,
        0,
    )
    assert (by_trigger["event:42"].status, by_trigger["event:42"].exit_code) == (
        runs.ExecutionStatus.FAILED,
        3,
    )
    assert all(each.finished is not None and each.finished >= each.started for each in executions)


async def test_a_run_past_its_timeout_is_timed_out(runtime, namespace):
    workflow = spec(namespace, runs.ScheduleKind.EVENT, timeout=1.0)
    await runtime.schedule(workflow, TOKEN)

    await runtime.execute(workflow.key, event("43"))

    (execution,) = await eventually.until(
        "the run to time out",
        lambda: runtime.executions(workflow.key),
        lambda found: len(found) == 1 and found[0].status is runs.ExecutionStatus.TIMED_OUT,
        timeout=60,
    )
    assert execution.reason


async def test_an_event_run_of_a_workflow_not_scheduled_for_events_is_refused(runtime, namespace):
    await runtime.schedule(spec(namespace), TOKEN)

    with pytest.raises(errors.DriverError) as refused:
        await runtime.execute(runs.WorkflowKey(namespace, "canary"), event("1"))

    assert str(refused.value) == (
        f"Workflow '{namespace}/canary': it is not scheduled for events on Kubernetes (no CronJob "
        f"{namespace}/workflow-canary of an event workflow): schedule it before running it."
    )


async def test_a_time_schedule_is_a_cron_job_suspended_until_its_start(kube, runtime, namespace):
    start = datetime.now(UTC) + timedelta(seconds=3)
    timing = runs.Timing(start=start, period=900, period_text="PT15M", repeat=4)
    workflow = spec(namespace, runs.ScheduleKind.TIME, timing=timing)

    await runtime.schedule(workflow, TOKEN)

    cron = await kube.get(CronJob, "workflow-canary", namespace=namespace)
    assert cron.spec.schedule == f"{start.minute % 15}-59/15 * * * *"
    assert (cron.spec.concurrencyPolicy, cron.spec.timeZone) == ("Forbid", "Etc/UTC")
    assert cron.spec.startingDeadlineSeconds > 0
    assert cron.spec.suspend is True
    template = cron.spec.jobTemplate.spec
    assert environment_of(template.template.spec.containers[0]) == run_environment(namespace)
    assert (template.backoffLimit, template.activeDeadlineSeconds) == (0, 30)
    assert (await states(runtime, namespace))["canary"].digest == workflow.digest

    async def suspended():
        await runtime.workflows(namespace)  # the controller's pass keeps the start
        return (await kube.get(CronJob, "workflow-canary", namespace=namespace)).spec.suspend

    await eventually.until("the CronJob resumed at the start", suspended, lambda still: not still)


async def test_a_time_schedule_stops_after_its_repeat_count(kube, runtime, namespace):
    """The CronJob controller starts the first run at the next whole minute: up to a minute's wait."""
    timing = runs.Timing(start=datetime.now(UTC), period=60, period_text="PT1M", repeat=1)
    workflow = spec(namespace, runs.ScheduleKind.TIME, timing=timing)
    await runtime.schedule(workflow, TOKEN)

    async def suspended() -> tuple[int, bool]:
        await runtime.workflows(namespace)
        cron = await kube.get(CronJob, "workflow-canary", namespace=namespace)
        return len(await jobs(kube, namespace)), cron.spec.suspend

    found = await eventually.until("one run, then suspended", suspended, lambda seen: seen[1], timeout=120)
    assert found == (1, True)
    (execution,) = await runtime.executions(workflow.key)
    assert execution.trigger == "time"


async def test_a_period_a_cron_job_cannot_express_is_refused(kube, runtime, namespace):
    timing = runs.Timing(start=datetime.now(UTC), period=2, period_text="PT2S", repeat=3)

    with pytest.raises(errors.DriverError) as refused:
        await runtime.schedule(spec(namespace, runs.ScheduleKind.TIME, timing=timing), TOKEN)

    assert "runs every PT2S (2 s), which a Kubernetes CronJob cannot express" in str(refused.value)
    assert "every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes" in str(refused.value)
    assert await kube.get(Namespace, namespace) is None  # nothing made


async def test_another_schedule_replaces_the_objects_of_the_first(kube, runtime, namespace):
    await runtime.schedule(spec(namespace), TOKEN)
    timed = spec(namespace, runs.ScheduleKind.TIME)

    await runtime.schedule(timed, TOKEN)

    assert await kube.get(Deployment, "workflow-canary", namespace=namespace) is None
    assert await kube.get(CronJob, "workflow-canary", namespace=namespace) is not None
    assert [(state.key.name, state.digest) for state in await runtime.workflows(namespace)] == [
        ("canary", timed.digest)
    ]


async def test_unscheduling_removes_everything_and_stops_the_runs(kube, runtime, namespace):
    workflow = spec(namespace, runs.ScheduleKind.EVENT)
    daemon = spec(namespace, key=runs.WorkflowKey(namespace, "watcher"))
    await runtime.schedule(workflow, TOKEN)
    await runtime.schedule(daemon, TOKEN)
    await runtime.execute(workflow.key, event("7"))

    await runtime.unschedule(workflow.key)
    await runtime.unschedule(daemon.key)
    await runtime.unschedule(daemon.key)  # gone already: nothing to do

    for kind in (Deployment, CronJob, ConfigMap):
        assert await kube.get(kind, "workflow-canary", namespace=namespace) is None
        assert await kube.get(kind, "workflow-watcher", namespace=namespace) is None
    assert await kube.get(Secret, "workflow-canary-token", namespace=namespace) is None
    assert await runtime.workflows(namespace) == []
    (stopped,) = await eventually.until(
        "the run stopped",
        lambda: runtime.executions(workflow.key),
        lambda found: [each.status for each in found] == [runs.ExecutionStatus.STOPPED],
    )
    assert stopped.trigger == "event:7"

    async def pods():
        return (await kube.list(Pod, namespace=namespace)).items

    await eventually.until("every Pod gone", pods, lambda found: found == [])
    await runtime.forget(workflow.key)
    assert await runtime.executions(workflow.key) == []
