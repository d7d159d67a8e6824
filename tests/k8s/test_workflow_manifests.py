"""The objects a workflow becomes on Kubernetes, checked without a cluster: the cron schedule a time
schedule's period and start become (and the periods a CronJob cannot express, refused in words), when a time
schedule's CronJob is suspended, an event's Job made from its template, and what cannot run refused.
"""

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from vamp import errors
from vamp.adapters.kubernetes import workflow_manifests
from vamp.core import model
from vamp.core.units import Cpu, Memory
from vamp.core.workflows import runs

KEY = runs.WorkflowKey("acme-prod", "canary")
START = datetime(2026, 12, 6, 10, 7, 30, tzinfo=UTC)  # a Sunday


def timing(period: float, text: str, start: datetime = START, repeat: int | None = None) -> runs.Timing:
    return runs.Timing(start=start, period=period, period_text=text, repeat=repeat)


def spec(**changes: Any) -> runs.WorkflowSpec:
    fields: dict[str, Any] = {
        "key": KEY,
        "schedule": runs.ScheduleKind.TIME,
        "deployable": model.Deployable(type=runs.JAVASCRIPT, definition="console.log('tick')"),
        "environment": {"VAMP_URL": "http://vamp:8080", "STEP": "10"},
        "scale": model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=1),
        "timeout": 30.0,
        "timing": timing(900, "PT15M"),
    }
    return runs.WorkflowSpec(**(fields | changes))


@pytest.mark.parametrize(
    ("seconds", "text", "cron"),
    [
        (60, "PT1M", "* * * * *"),
        (300, "PT5M", "2-59/5 * * * *"),
        (900, "PT15M", "7-59/15 * * * *"),
        (1800, "PT30M", "7-59/30 * * * *"),
        (3600, "PT1H", "7 * * * *"),
        (3 * 3600, "PT3H", "7 1-23/3 * * *"),
        (12 * 3600, "PT12H", "7 10-23/12 * * *"),
        (86_400, "P1D", "7 10 * * *"),
        (7 * 86_400, "P1W", "7 10 * * 0"),
    ],
)
def test_a_period_a_cron_job_can_express_runs_at_the_minutes_of_the_start(seconds, text, cron):
    assert workflow_manifests.cron_schedule(KEY, timing(seconds, text)) == cron


def test_the_start_is_read_in_utc():
    start = datetime(2026, 12, 7, 1, 30, tzinfo=timezone(timedelta(hours=2)))  # Sunday 23:30 UTC

    assert workflow_manifests.cron_schedule(KEY, timing(7 * 86_400, "P1W", start)) == "30 23 * * 0"
    assert workflow_manifests.cron_schedule(KEY, timing(86_400, "P1D", start.replace(tzinfo=None))) == (
        "30 1 * * *"
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(2, "PT2S"), (90, "PT1M30S"), (7 * 60, "PT7M"), (5 * 3600, "PT5H"), (2 * 86_400, "P2D"), (0, "PT0S")],
)
def test_a_period_a_cron_job_cannot_express_is_refused_with_the_periods_it_can(seconds, text):
    with pytest.raises(errors.DriverError) as refused:
        workflow_manifests.cron_schedule(KEY, timing(seconds, text))

    assert str(refused.value) == (
        f"Workflow 'acme-prod/canary' runs every {text} ({seconds} s), which a Kubernetes CronJob cannot "
        "express. On Kubernetes a time schedule runs every 1, 2, 3, 4, 5, 6, 10, 12, 15, 20 or 30 minutes "
        "(PT1M…PT30M), every 1, 2, 3, 4, 6, 8 or 12 hours (PT1H…PT12H), every day (P1D) or every week (P1W)."
    )


def test_a_time_schedule_is_a_cron_job_that_skips_a_tick_while_a_run_goes_on():
    cron = workflow_manifests.cron_job(spec(), "t0ken", script_image="vamp/workflow:1", now=START)

    assert cron["metadata"]["name"] == "workflow-canary"
    assert cron["spec"]["schedule"] == "7-59/15 * * * *"
    assert cron["spec"]["timeZone"] == "Etc/UTC"
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["startingDeadlineSeconds"] == 300
    assert cron["spec"]["suspend"] is False  # the start (10:07:30) has come
    job = cron["spec"]["jobTemplate"]["spec"]
    assert (job["backoffLimit"], job["activeDeadlineSeconds"]) == (0, 30)
    assert "ttlSecondsAfterFinished" not in job  # the CronJob's history limits prune its Jobs
    assert job["template"]["spec"]["restartPolicy"] == "Never"


def test_a_time_schedule_waits_for_its_start_and_stops_after_its_repeat_count():
    later = spec(timing=timing(60, "PT1M", repeat=3))
    cron = workflow_manifests.cron_job(
        later, "t0ken", script_image="vamp/workflow:1", now=START - timedelta(1)
    )
    annotations = cron["metadata"]["annotations"]

    assert cron["spec"]["suspend"] is True
    assert not workflow_manifests.suspended(annotations, runs_started=0, now=START)
    assert not workflow_manifests.suspended(annotations, runs_started=2, now=START + timedelta(minutes=5))
    assert workflow_manifests.suspended(annotations, runs_started=3, now=START + timedelta(minutes=5))
    assert cron["spec"]["successfulJobsHistoryLimit"] == runs.KEPT_EXECUTIONS  # ≥ repeat: every run counted
    many = spec(timing=timing(60, "PT1M", repeat=40))
    kept = workflow_manifests.cron_job(many, "t", script_image="i", now=START)["spec"]
    assert (kept["successfulJobsHistoryLimit"], kept["failedJobsHistoryLimit"]) == (40, 40)


def test_an_event_run_is_a_job_from_the_template_with_the_event():
    event = spec(schedule=runs.ScheduleKind.EVENT, timing=None, tags=("deployed",))
    cron = workflow_manifests.cron_job(event, "t0ken", script_image="vamp/workflow:1", now=START)
    data = base64.b64encode(b'{"id": "42", "tags": ["deployed"]}').decode()

    job = workflow_manifests.event_job(cron, "workflow-canary-0123456789", data, "event:42")

    assert (cron["spec"]["suspend"], cron["spec"]["schedule"]) == (True, workflow_manifests.NEVER)
    assert job["kind"] == "Job"
    assert job["metadata"]["name"] == "workflow-canary-0123456789"
    assert job["metadata"]["namespace"] == "acme-prod"
    assert job["metadata"]["annotations"][workflow_manifests.ANNOTATION_TRIGGER] == "event:42"
    assert job["spec"]["ttlSecondsAfterFinished"] == workflow_manifests.EVENT_JOB_TTL
    (container,) = job["spec"]["template"]["spec"]["containers"]
    variables = {item["name"]: item.get("value", item.get("valueFrom")) for item in container["env"]}
    assert variables == {
        "STEP": "10",
        "VAMP_URL": "http://vamp:8080",
        "VAMP_API_TOKEN": {"secretKeyRef": {"name": "workflow-canary-token", "key": "token"}},
        "VAMP_WORKFLOW_DATA": data,
    }
    assert container["command"] == ["node", "/vamp/workflow.js"]
    assert container["image"] == "vamp/workflow:1"


def test_the_token_is_in_the_secret_only():
    secret = workflow_manifests.secret(KEY, "t0ken")
    daemon = workflow_manifests.daemon(spec(schedule=runs.ScheduleKind.DAEMON), "t0ken", script_image="i")

    assert base64.b64decode(secret["data"]["token"]) == b"t0ken"
    assert "t0ken" not in str(daemon)
    assert daemon["spec"]["strategy"] == {"type": "Recreate"}


def test_an_image_runs_as_it_is_and_a_command_is_refused():
    image = spec(deployable=model.Deployable(definition="acme/canary:2"))
    command = spec(deployable=model.Deployable(type="command", definition="echo hi"))

    cron = workflow_manifests.cron_job(image, "t", script_image="vamp/workflow:1", now=START)
    (container,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "acme/canary:2"
    assert "command" not in container
    assert workflow_manifests.script(image) is None
    with pytest.raises(errors.DriverError, match="on Kubernetes a workflow runs a script"):
        workflow_manifests.cron_job(command, "t", script_image="i", now=START)
