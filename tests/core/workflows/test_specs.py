"""The spec a stored workflow runs with (``core.workflows.specs``): what its runs see and when they run."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from vamp import errors
from vamp.core import dsl, model
from vamp.core.units import Cpu, Memory
from vamp.core.workflows import runs, specs

NS = "acme-prod"
URL = "http://127.0.0.1:8080"
CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SCRIPT = model.Deployable(type=runs.JAVASCRIPT, definition="console.log('hi')")


def workflow(text: str) -> model.Workflow:
    found = dsl.read_one(text, kind="workflows")
    assert isinstance(found, model.Workflow)
    return found


def breed(*variables: model.EnvironmentVariable, labels: dict[str, str] | None = None) -> model.Breed:
    return model.Breed(name="canary", deployable=SCRIPT, environment_variables=variables, labels=labels or {})


def spec_of(
    text: str, found_breed: model.Breed | None = None, *, scale: model.Scale | None = None
) -> runs.WorkflowSpec:
    return specs.workflow_spec(
        workflow(text), found_breed or breed(), namespace=NS, api_url=URL, created=CREATED, scale=scale
    )


def problems(text: str, found_breed: model.Breed | None = None) -> list[str]:
    with pytest.raises(errors.DslError) as raised:
        spec_of(text, found_breed)
    return [str(issue) for issue in raised.value.issues]


def test_a_daemon_runs_its_breed_with_the_api_url_namespace_and_no_period_or_timeout() -> None:
    found = spec_of("name: canary\nbreed: canary\n")
    assert found.key == runs.WorkflowKey(NS, "canary")
    assert found.schedule is runs.ScheduleKind.DAEMON
    assert found.deployable == SCRIPT
    assert found.environment == {
        "VAMP_URL": URL,
        "VAMP_NAMESPACE": NS,
        "VAMP_WORKFLOW_EXECUTION_PERIOD": "0",
        "VAMP_WORKFLOW_EXECUTION_TIMEOUT": "0",
    }
    assert (found.period, found.timeout, found.timing, found.tags) == (0.0, 0.0, None, ())
    assert found.scale == specs.DEFAULT_SCALE
    assert found.scale.instances == 1
    assert found.labels == {"workflow": "canary", "io.vamp/workflow": "canary"}


def test_variables_of_a_referenced_breed_are_overridden_and_added_as_vamps_recipes_set_them() -> None:
    found = spec_of(
        "name: canary\nbreed: canary\nenvironment_variables:\n  PERIOD: 5\n  GATEWAY: sava/sava/web\n"
        "  VAMP_WORKFLOW_EXECUTION_PERIOD: 60\n  VAMP_WORKFLOW_EXECUTION_TIMEOUT: 2.5\n",
        breed(
            model.EnvironmentVariable(name="PERIOD", value="10"),
            model.EnvironmentVariable(name="LEVEL", value="1"),
        ),
    )
    assert found.environment["PERIOD"] == "5"
    assert found.environment["LEVEL"] == "1"
    assert found.environment["GATEWAY"] == "sava/sava/web"
    assert (found.period, found.timeout) == (60.0, 2.5)


def test_the_server_sets_the_api_url_and_namespace_whatever_the_workflow_says() -> None:
    found = spec_of("name: w\nbreed: canary\nenvironment_variables:\n  VAMP_URL: http://elsewhere\n")
    assert found.environment["VAMP_URL"] == URL


def test_a_variable_with_an_alias_is_injected_under_the_alias() -> None:
    found = spec_of(
        "name: w\nbreed: canary\nenvironment_variables:\n  PORT: 81\n",
        breed(model.EnvironmentVariable(name="PORT", alias="HTTP_PORT", value="80")),
    )
    assert found.environment["HTTP_PORT"] == "81"
    assert "PORT" not in found.environment


def test_an_inline_breed_runs_with_variables_it_does_not_declare_too() -> None:
    text = """\
name: w
breed:
  name: inline
  deployable: {type: command, definition: "true"}
  environment_variables: {LEVEL: "1"}
environment_variables:
  LEVEL: 2
  GREETING: hello
"""
    parsed = workflow(text)
    assert isinstance(parsed.breed, model.Breed)
    found = specs.workflow_spec(parsed, parsed.breed, namespace=NS, api_url=URL, created=CREATED)
    assert (found.environment["LEVEL"], found.environment["GREETING"]) == ("2", "hello")


def test_a_breed_variable_without_a_value_must_be_given_one() -> None:
    (found,) = problems("name: w\nbreed: canary\n", breed(model.EnvironmentVariable(name="GATEWAY")))
    assert found.startswith("environment_variables.GATEWAY: Workflow 'w': the variable GATEWAY")


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_period_or_timeout_that_is_no_number_of_seconds_is_refused_by_name(value: str) -> None:
    found = problems(
        f"name: w\nbreed: canary\nenvironment_variables:\n  VAMP_WORKFLOW_EXECUTION_PERIOD: '{value}'\n"
        f"  VAMP_WORKFLOW_EXECUTION_TIMEOUT: '{value}'\n"
    )
    assert [issue.split(":")[0] for issue in found] == [
        "environment_variables.VAMP_WORKFLOW_EXECUTION_PERIOD",
        "environment_variables.VAMP_WORKFLOW_EXECUTION_TIMEOUT",
    ]
    assert "give a number of seconds, 0 or more" in found[0]


def test_an_event_schedule_carries_its_tags() -> None:
    found = spec_of("name: w\nbreed: canary\nschedule:\n  event: [deployments:sava, synchronization]\n")
    assert found.schedule is runs.ScheduleKind.EVENT
    assert found.tags == ("deployments:sava", "synchronization")


def test_a_time_schedule_without_a_start_starts_when_the_workflow_was_stored() -> None:
    found = spec_of("name: w\nbreed: canary\nschedule:\n  time: {period: PT1M30S, repeat: 3}\n")
    assert found.schedule is runs.ScheduleKind.TIME
    assert found.timing == runs.Timing(CREATED, 90.0, "PT1M30S", 3)
    again = spec_of("name: w\nbreed: canary\nschedule:\n  time: {period: PT1M30S, repeat: 3}\n")
    assert again.digest == found.digest, "the same workflow makes the same spec at every pass"


def test_a_time_schedule_with_a_start_keeps_it() -> None:
    found = spec_of(
        "name: w\nbreed: canary\nschedule:\n  time: {period: P1D, start: '2026-04-01T00:00:00Z'}\n"
    )
    assert found.timing == runs.Timing(datetime(2026, 4, 1, tzinfo=UTC), 86400.0, "P1D", None)


@pytest.mark.parametrize(
    ("text", "seconds"), [("PT2S", 2.0), ("PT0.5S", 0.5), ("P1W", 604800.0), ("P1DT1H1M1S", 90061.0)]
)
def test_periods_in_weeks_days_hours_minutes_and_seconds(text: str, seconds: float) -> None:
    assert specs.period_seconds(text) == seconds


def test_a_period_of_months_or_years_is_refused_with_what_to_give_instead() -> None:
    (found,) = problems("name: w\nbreed: canary\nschedule:\n  time: {period: P1M}\n")
    assert found.startswith("schedule.time.period: Workflow 'w': 'P1M' counts years or months")
    assert "P30D" in found
    with pytest.raises(ValueError, match="no time at all"):
        specs.period_seconds("PT0S")


def test_scale_arguments_labels_and_dialects() -> None:
    text = """\
name: w
breed: canary
scale: {cpu: 0.5, memory: 256MB, instances: 2}
arguments: [{privileged: "true"}]
dialects: {kubernetes: {serviceAccountName: robot}}
"""
    found = spec_of(text, breed(labels={"team": "a", "workflow": "other"}))
    assert found.scale.instances == 2
    assert found.arguments == (model.Argument(key="privileged", value="true"),)
    assert found.dialects == {"kubernetes": {"serviceAccountName": "robot"}}
    assert found.labels == {"team": "a", "workflow": "w", "io.vamp/workflow": "w"}


def test_a_named_scale_is_the_one_the_caller_found_or_an_issue() -> None:
    large = model.Scale(name="large", cpu=Cpu(100), memory=Memory(25600), instances=4)
    assert spec_of("name: w\nbreed: canary\nscale: large\n", scale=large).scale.instances == 4
    (found,) = problems("name: w\nbreed: canary\nscale: large\n")
    assert found == "scale: Workflow 'w': the scale 'large' it names is not stored."


def test_a_changed_breed_changes_the_digest() -> None:
    before = spec_of("name: w\nbreed: canary\n")
    changed = model.Breed(name="canary", deployable=SCRIPT.model_copy(update={"definition": "x"}))
    after = spec_of("name: w\nbreed: canary\n", changed)
    assert before.digest != after.digest


def test_the_default_scale_is_one_instance_of_a_tenth_of_a_cpu_and_64mb() -> None:
    found = spec_of("name: w\nbreed: canary\n").scale
    assert (found.cpu, found.memory, found.instances) == (Cpu.parse("0.1"), Memory.parse("64MB"), 1)


def test_an_inline_scale_wins_over_a_stored_one_the_caller_found() -> None:
    large = model.Scale(name="large", cpu=Cpu(100), memory=Memory(25600), instances=4)
    found = spec_of("name: w\nbreed: canary\nscale: {cpu: 0.5, memory: 256MB, instances: 2}\n", scale=large)
    assert found.scale.instances == 2


def test_without_arguments_of_its_own_a_workflow_runs_with_its_breeds() -> None:
    with_arguments = breed().model_copy(
        update={"arguments": (model.Argument(key="privileged", value="true"),)}
    )
    found = spec_of("name: w\nbreed: canary\n", with_arguments)
    assert found.arguments == (model.Argument(key="privileged", value="true"),)


def test_a_variable_named_by_its_key_with_the_alias_is_injected_under_the_alias() -> None:
    found = spec_of(
        "name: w\nbreed: canary\nenvironment_variables:\n  PORT[HTTP_PORT]: 81\n",
        breed(model.EnvironmentVariable(name="PORT", alias="HTTP_PORT", value="80")),
    )
    assert found.environment["HTTP_PORT"] == "81"
    assert "PORT[HTTP_PORT]" not in found.environment


def test_every_variable_without_a_value_is_named_with_what_to_do() -> None:
    found = problems(
        "name: w\nbreed: canary\nenvironment_variables:\n  A: null\n  B: null\n",
        breed(model.EnvironmentVariable(name="GATEWAY"), model.EnvironmentVariable(name="LEVEL")),
    )
    assert found == [
        "environment_variables.A: Workflow 'w': the variable A needs a value.",
        "environment_variables.B: Workflow 'w': the variable B needs a value.",
        "environment_variables.GATEWAY: Workflow 'w': the variable GATEWAY of breed 'canary' has no value; "
        "give it one in the workflow's environment_variables.",
        "environment_variables.LEVEL: Workflow 'w': the variable LEVEL of breed 'canary' has no value; "
        "give it one in the workflow's environment_variables.",
    ]


def test_a_period_that_is_no_number_is_refused_with_its_exact_message() -> None:
    (found,) = problems(
        "name: w\nbreed: canary\nenvironment_variables:\n  VAMP_WORKFLOW_EXECUTION_PERIOD: soon\n"
    )
    assert found == (
        "environment_variables.VAMP_WORKFLOW_EXECUTION_PERIOD: Workflow 'w': VAMP_WORKFLOW_EXECUTION_PERIOD "
        "is 'soon'; give a number of seconds, 0 or more."
    )


def test_a_period_or_timeout_of_0_runs_once_without_a_timeout() -> None:
    found = spec_of(
        "name: w\nbreed: canary\nenvironment_variables:\n  VAMP_WORKFLOW_EXECUTION_PERIOD: 0\n"
        "  VAMP_WORKFLOW_EXECUTION_TIMEOUT: 0.5\n"
    )
    assert (found.period, found.timeout) == (0.0, 0.5)


@pytest.mark.parametrize("text", ["P", "PT", "P1DT", "1D", "PT1H2", "P-1D", ""])
def test_what_is_no_iso_8601_period_is_refused_with_examples(text: str) -> None:
    expected = f"{text!r} is not an ISO-8601 period such as PT1M, PT30S or P1D."
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        specs.period_seconds(text)


@pytest.mark.parametrize("text", ["P1Y", "P2M", "P1Y2M3D"])
def test_a_period_of_years_or_months_says_what_to_give_instead(text: str) -> None:
    expected = (
        f"{text!r} counts years or months, which have no fixed length: give it in weeks, days, hours, "
        "minutes or seconds (P30D, P1W, PT12H)."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        specs.period_seconds(text)


@pytest.mark.parametrize(
    ("text", "seconds"), [("PT1S", 1.0), ("PT1M", 60.0), ("PT1H", 3600.0), ("P2D", 172800.0)]
)
def test_each_part_of_a_period_counts_its_own_seconds(text: str, seconds: float) -> None:
    assert specs.period_seconds(text) == seconds


@pytest.mark.parametrize("text", ["PT0S", "P0D", "P0W", "PT0H0M0.0S"])
def test_a_period_of_no_time_is_refused(text: str) -> None:
    expected = f"{text!r} is no time at all: a time schedule needs a period longer than 0."
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        specs.period_seconds(text)


def test_a_time_schedule_whose_start_has_no_zone_starts_in_utc() -> None:
    found = spec_of(
        "name: w\nbreed: canary\nschedule:\n  time: {period: PT1H, start: '2026-04-01T08:30:00'}\n"
    )
    assert found.timing == runs.Timing(datetime(2026, 4, 1, 8, 30, tzinfo=UTC), 3600.0, "PT1H", None)


def test_a_time_schedule_with_a_period_refused_names_the_field_and_the_workflow() -> None:
    (found,) = problems("name: w\nbreed: canary\nschedule:\n  time: {period: PT0S}\n")
    assert found == (
        "schedule.time.period: Workflow 'w': 'PT0S' is no time at all: a time schedule needs a period "
        "longer than 0."
    )
