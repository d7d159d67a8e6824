"""The ``runs.WorkflowSpec`` of a stored workflow: what a runtime is asked to run for it (vamp.md §1.15, §7).

Pure: the caller looks up what the workflow refers to (its breed, a scale by name) and passes it in, with
the API's URL its runs call and the time the workflow was stored. Decisions, where Vamp left room:

* environment: the breed's variables (each under its alias, if it has one), overridden by the
  workflow's; then ``VAMP_URL``, ``VAMP_NAMESPACE`` and the execution period and timeout, which the
  server sets (a workflow cannot point its runs at another API or namespace). A workflow may set
  variables its breed does not declare: they are added, as Vamp's runtime merged them (its canary recipe
  sets ``GATEWAY`` and ``PERIOD`` on a breed that declares neither). Vamp's reader also refused, for an
  inline breed only, a variable the breed does not declare; that check is not made here (a spec is made
  of a workflow already stored: refusing it now would only keep it from running) and not yet when
  workflows are stored. A variable with no value anywhere is an error;
* period and timeout: from those two variables, seconds as a number ≥ 0 (0: run once; no timeout);
* time schedules: the ISO-8601 period in weeks, days, hours, minutes and seconds; years and months are
  refused (they have no fixed length: say ``P30D``). A schedule with no start starts when the workflow
  was stored (``created``), not "now", so the spec — and its digest — stays the same from pass to pass.
  Its ticks count from then: a workflow suspended and resumed goes on with the ticks left (those missed
  meanwhile are lost), as a paused schedule would; one created again starts counting anew;
* scale: the workflow's, else ``DEFAULT_SCALE`` (one instance, 0.1 CPU, 64MB, Vamp's workflow default);
* arguments: the workflow's, else the breed's; labels: the breed's, then ``workflow`` and
  ``io.vamp/workflow`` (the workflow's name), never ``app`` (gateway selectors must not find workflow
  runs as service instances); dialects: the workflow's.

Every problem is an ``errors.DslError`` issue whose path names the field, all of them at once, each
message naming the workflow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

from vamp import errors
from vamp.core import model
from vamp.core.units import Cpu, Memory
from vamp.core.workflows import runs

PERIOD_VARIABLE = "VAMP_WORKFLOW_EXECUTION_PERIOD"
TIMEOUT_VARIABLE = "VAMP_WORKFLOW_EXECUTION_TIMEOUT"
URL_VARIABLE = "VAMP_URL"
NAMESPACE_VARIABLE = "VAMP_NAMESPACE"
WORKFLOW_LABEL = "workflow"
VAMP_WORKFLOW_LABEL = "io.vamp/workflow"

DEFAULT_SCALE = model.Scale(cpu=Cpu(10), memory=Memory(6400), instances=1)
"""A workflow's scale when it gives none: one instance of 0.1 CPU and 64MB."""

_PERIOD = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
_SECONDS = {"weeks": 7 * 86400, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def workflow_spec(
    workflow: model.Workflow,
    breed: model.Breed,
    *,
    namespace: str,
    api_url: str,
    created: datetime,
    scale: model.Scale | None = None,
) -> runs.WorkflowSpec:
    """How to run ``workflow`` of ``namespace``, whose breed is ``breed`` (resolved by the caller).

    Args:
        api_url: the API its runs call (``VAMP_URL``).
        created: when the workflow was stored: a time schedule without a start starts then.
        scale: the workflow's scale when it names a stored one (resolved by the caller); ignored when the
            workflow's scale is inline.

    Raises:
        errors.DslError: every problem found, each naming the workflow and the field.
    """
    issues: list[errors.Issue] = []
    name = workflow.name
    environment = _environment(workflow, breed, issues)
    environment[URL_VARIABLE] = api_url
    environment[NAMESPACE_VARIABLE] = namespace
    environment.setdefault(PERIOD_VARIABLE, "0")
    environment.setdefault(TIMEOUT_VARIABLE, "0")
    period = _seconds(workflow, environment, PERIOD_VARIABLE, issues)
    timeout = _seconds(workflow, environment, TIMEOUT_VARIABLE, issues)
    kind, tags, timing = _schedule(workflow, created, issues)
    if isinstance(workflow.scale, model.Scale):
        scale = workflow.scale
    elif workflow.scale is not None and scale is None:
        issues.append(
            errors.Issue(
                f"Workflow '{name}': the scale '{workflow.scale.name}' it names is not stored.", "scale"
            )
        )
    if issues:
        raise errors.DslError(issues)
    labels = {**breed.labels, WORKFLOW_LABEL: name, VAMP_WORKFLOW_LABEL: name}
    return runs.WorkflowSpec(
        key=runs.WorkflowKey(namespace, name),
        schedule=kind,
        deployable=breed.deployable,
        environment=environment,
        scale=scale or DEFAULT_SCALE,
        period=period,
        timeout=timeout,
        timing=timing,
        tags=tags,
        arguments=workflow.arguments or breed.arguments,
        labels=labels,
        dialects=dict(workflow.dialects),
    )


def period_seconds(text: str) -> float:
    """The seconds of an ISO-8601 period (``PT1M`` → 60).

    Raises:
        ValueError: not such a period, one with years or months (no fixed length), or one of no time.
    """
    found = _PERIOD.match(text)
    if found is None or text in ("P", "PT") or text.endswith("T"):
        raise ValueError(f"{text!r} is not an ISO-8601 period such as PT1M, PT30S or P1D.")
    if found["years"] or found["months"]:
        raise ValueError(
            f"{text!r} counts years or months, which have no fixed length: give it in weeks, days, hours, "
            "minutes or seconds (P30D, P1W, PT12H)."
        )
    seconds = sum(float(found[part]) * factor for part, factor in _SECONDS.items() if found[part])
    if seconds <= 0:
        raise ValueError(f"{text!r} is no time at all: a time schedule needs a period longer than 0.")
    return seconds


def _environment(workflow: model.Workflow, breed: model.Breed, issues: list[errors.Issue]) -> dict[str, str]:
    name = workflow.name
    declared = {var.name: var for var in breed.environment_variables}
    by_key = {var.key: var for var in breed.environment_variables}
    given: dict[str, str] = {}
    for key, value in workflow.environment_variables.items():
        var = declared.get(key) or by_key.get(key)
        path = f"environment_variables.{key}"
        if value is None:
            issues.append(errors.Issue(f"Workflow '{name}': the variable {key} needs a value.", path))
            continue
        given[var.injected_name if var is not None else key] = value
    environment: dict[str, str] = {}
    for var in breed.environment_variables:
        value = given.get(var.injected_name, var.value)
        if value is None:
            issues.append(
                errors.Issue(
                    f"Workflow '{name}': the variable {var.name} of breed '{breed.name}' has no value; "
                    "give it one in the workflow's environment_variables.",
                    f"environment_variables.{var.name}",
                )
            )
            continue
        environment[var.injected_name] = value
    for key, value in given.items():
        environment.setdefault(key, value)
    return environment


def _seconds(
    workflow: model.Workflow, environment: Mapping[str, str], variable: str, issues: list[errors.Issue]
) -> float:
    text = environment[variable]
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not math.isfinite(seconds) or seconds < 0:
        issues.append(
            errors.Issue(
                f"Workflow '{workflow.name}': {variable} is {text!r}; give a number of seconds, 0 or more.",
                f"environment_variables.{variable}",
            )
        )
        return 0.0
    return seconds


def _schedule(
    workflow: model.Workflow, created: datetime, issues: list[errors.Issue]
) -> tuple[runs.ScheduleKind, tuple[str, ...], runs.Timing | None]:
    schedule = workflow.schedule
    if isinstance(schedule, model.EventSchedule):
        return runs.ScheduleKind.EVENT, schedule.tags, None
    if isinstance(schedule, model.TimeSchedule):
        try:
            seconds = period_seconds(schedule.period)
        except ValueError as exc:
            issues.append(errors.Issue(f"Workflow '{workflow.name}': {exc}", "schedule.time.period"))
            return runs.ScheduleKind.TIME, (), None
        start = schedule.start or created
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        timing = runs.Timing(start, seconds, schedule.period, schedule.repeat)
        return runs.ScheduleKind.TIME, (), timing
    return runs.ScheduleKind.DAEMON, (), None
