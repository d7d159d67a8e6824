"""Releases (issue 11): the policy read from the DSL, written back, and every wrong field reported."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.core.dsl.outcomes import messages, one
from vamp.core import dsl, model
from vamp.core.units import Duration, Percentage

BASE = "name: sava-1.1\ngateway: sava/sava/webport\nfrom: sava:1.0.0\nto: sava:1.1.0\n"


def release(text: str = "") -> model.Release:
    found = one(BASE + text, "releases")
    assert isinstance(found, model.Release)
    return found


def refused(text: str) -> list[tuple[str, str]]:
    return messages(BASE + text, "releases")


def percents(*weights: int | str) -> tuple[Percentage, ...]:
    return tuple(Percentage.of(weight) for weight in weights)


def test_the_common_canary_takes_the_defaults() -> None:
    found = release()
    assert found.from_ == "sava:1.0.0"
    assert found.to == "sava:1.1.0"
    assert found.strategy is model.Strategy.CANARY
    assert found.steps == percents(5, 10, 25, 50, 100)
    assert found.interval == Duration(60)
    assert found.samples == 200
    assert found.confidence == Percentage.of(95)
    assert found.checks == model.Checks(errors=model.ErrorsCheck(max_increase=Percentage.of(1)))
    assert (found.on_failure, found.on_success, found.undeploy) == (
        model.OnFailure.ROLLBACK,
        model.OnSuccess.PROMOTE,
        False,
    )


def test_the_issue_s_example_reads_with_every_field() -> None:
    found = release(
        """\
strategy: canary
steps: [5%, 10%, 25%, 50%, 100%]
interval: 30s
samples: 500
timeout: 20m
checks:
  errors:  {max_increase: 1%, max: 5%}
  latency: {percentile: 99.9, max_increase: 20%, max: 500ms}
confidence: 99%
on_failure: pause
on_success: hold
undeploy: true
webhooks: [{name: smoke, url: "http://127.0.0.1:9000/ok", on: pre-step, timeout: 3s}]
metadata: {team: web}
"""
    )
    assert found.interval == Duration(30)
    assert found.timeout == Duration(1200)
    assert found.effective_timeout == Duration(1200)
    assert found.checks.errors == model.ErrorsCheck(max_increase=Percentage.of(1), max=Percentage.of(5))
    assert found.checks.latency == model.LatencyCheck(
        percentile=99.9, max_increase=Percentage.of(20), max=500.0
    )
    assert found.webhooks == (
        model.Webhook(
            name="smoke", url="http://127.0.0.1:9000/ok", on=model.WebhookMoment.PRE_STEP, timeout=Duration(3)
        ),
    )
    assert (found.on_failure, found.on_success, found.undeploy) == (
        model.OnFailure.PAUSE,
        model.OnSuccess.HOLD,
        True,
    )
    assert found.metadata == {"team": "web"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("step: 10%\nmax: 50%", percents(10, 20, 30, 40, 50)),
        ("step: 30\nmax: 100", percents(30, 60, 90, 100)),
        ("steps: [5, '10%', 100]", percents(5, 10, 100)),
        ("steps: [2.5%]", percents("2.5")),
    ],
)
def test_steps_are_a_list_or_a_step_up_to_a_max(text: str, expected: tuple[Percentage, ...]) -> None:
    assert release(text).steps == expected


@pytest.mark.parametrize(("interval", "expected"), [("5s", 300), ("30s", 300), ("1m", 600), ("5m", 3000)])
def test_without_a_timeout_a_step_waits_ten_intervals_and_at_least_five_minutes(
    interval: str, expected: int
) -> None:
    assert release(f"interval: {interval}").effective_timeout == Duration(expected)


def test_latency_limits_read_in_milliseconds_or_seconds() -> None:
    for given, expected in (("250", 250.0), ("250ms", 250.0), ("0.5s", 500.0), ("'1.5 s'", 1500.0)):
        found = release(f"checks: {{latency: {{max: {given}}}}}")
        assert found.checks.latency == model.LatencyCheck(max=expected)


def test_a_blue_green_release_previews_and_an_ab_release_has_a_cohort() -> None:
    blue_green = release("strategy: blue-green\npreview: header X-Preview == true\nrollback_window: 10m")
    assert (blue_green.preview, blue_green.rollback_window) == ("header X-Preview == true", Duration(600))
    ab = release("strategy: ab\ncondition: user-agent == Firefox\ncondition_strength: 50%")
    assert (ab.condition, ab.condition_strength) == ("user-agent == Firefox", Percentage.of(50))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "step: 10%\nmax: 45%\ninterval: 5m\ntimeout: 1h\nsamples: 1\nundeploy: true\nconfidence: 99.99%",
        "checks: {}",
        "checks: {errors: {}, latency: {percentile: 50}}",
        "checks: {latency: {max_increase: 20%, max: 0.25s}}",
        "strategy: blue-green\npreview: header X-Preview == true\nrollback_window: 1m",
        "strategy: ab\ncondition: user-agent == Firefox\ncondition_strength: 12.5%",
        "webhooks: [{name: a, url: 'https://gate.example/x?y=1', on: promote}, {name: b, url: "
        "'http://[::1]:80/', "
        "on: post-step, timeout: 1m}]\nmetadata: {a: [1]}",
    ],
)
def test_a_release_written_reads_back_to_the_same_release(text: str) -> None:
    found = release(text)
    written = dsl.write([found])
    assert dsl.read(written) == [found]
    assert dsl.read_data(dsl.to_data(found)) == [found]


def test_a_document_with_from_and_steps_but_no_kind_is_a_release() -> None:
    (found,) = dsl.read(BASE + "steps: [50%, 100%]", infer=True)
    assert isinstance(found, model.Release)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "strategy: rolling",
            (
                "strategy",
                "Unknown release strategy the string 'rolling'; valid values are: canary, blue-green, ab.",
            ),
        ),
        (
            "steps: [10%, 5%]",
            ("steps[1]", "The steps must increase: step 2 (5%) must be more than the step before (10%)."),
        ),
        ("steps: [0%, 5%]", ("steps[0]", "The steps must increase: step 1 (0%) must be more than 0%.")),
        (
            "steps: [10%, 10%]",
            ("steps[1]", "The steps must increase: step 2 (10%) must be more than the step before (10%)."),
        ),
        ("steps: [5%, 120%]", ("steps[1]", "A percentage must be between 0% and 100%, not '120%'.")),
        ("steps: [5%, -1]", ("steps[1]", "A percentage must be between 0% and 100%, not -1.")),
        (
            "steps: ['5', 10%]",
            ("steps[0]", "Expected a percentage such as '5%' (or the number 5), not '5': add the '%'."),
        ),
        (
            "steps: []",
            (
                "steps",
                "Expected a list of the candidate's weights, such as [5%, 10%, 25%, 50%, 100%], not a list.",
            ),
        ),
        (
            "steps: 5%",
            (
                "steps",
                "Expected a list of the candidate's weights, such as [5%, 10%, 25%, 50%, "
                "100%], not the string '5%'.",
            ),
        ),
        (
            "step: 10%",
            ("max", "Missing required key 'max' in release (with 'step', e.g. step: 10%, max: 50%)."),
        ),
        (
            "max: 50%",
            ("step", "Missing required key 'step' in release (with 'max', e.g. step: 10%, max: 50%)."),
        ),
        ("step: 60%\nmax: 50%", ("step", "A step must be more than 0% and at most max (50%), not 60%.")),
        ("step: 0\nmax: 50%", ("step", "A step must be more than 0% and at most max (50%), not 0%.")),
        ("steps: [50%]\nstep: 10%\nmax: 50%", ("step", "Give either 'steps' or 'step' and 'max', not both.")),
        (
            "interval: 30 seconds later",
            ("interval", "Expected a time such as 10, '10s', '5m', '5min' or '1h', not '30 seconds later'."),
        ),
        ("interval: 0s", ("interval", "Expected a time longer than zero, such as '30s' or '5m', not 0.")),
        (
            "interval: 5m\ntimeout: 1m",
            (
                "timeout",
                "A release's timeout (60s) must be at least its interval (300s): a step lasts "
                "at least one interval.",
            ),
        ),
        ("samples: 0", ("samples", "Expected a whole number of at least 1, not 0.")),
        (
            "confidence: 50%",
            ("confidence", "A release's confidence must be more than 50% and at most 99.99%, not 50%."),
        ),
        (
            "confidence: 100",
            ("confidence", "A release's confidence must be more than 50% and at most 99.99%, not 100%."),
        ),
        (
            "confidence: '95'",
            ("confidence", "Expected a percentage such as '5%' (or the number 5), not '95': add the '%'."),
        ),
        (
            "on_failure: retry",
            ("on_failure", "Unknown on_failure the string 'retry'; valid values are: rollback, pause."),
        ),
        (
            "on_success: keep",
            ("on_success", "Unknown on_success the string 'keep'; valid values are: promote, hold."),
        ),
        ("undeploy: yes please", ("undeploy", "Expected true or false, not the string 'yes please'.")),
        (
            "checks: {errors: {max_increase: lots}}",
            (
                "checks.errors.max_increase",
                "Expected a percentage such as '5%' (or the number 5), not 'lots': add the '%'.",
            ),
        ),
        (
            "checks: {latency: {percentile: 100}}",
            (
                "checks.latency.percentile",
                "A percentile is more than 0 and less than 100 (such as 50, 99 or 99.9), not 100.",
            ),
        ),
        (
            "checks: {latency: {max: 2 minutes}}",
            (
                "checks.latency.max",
                "Expected a latency such as 500 (milliseconds), '500ms' or '0.5s', not the "
                "string '2 minutes'.",
            ),
        ),
        (
            "checks: {latency: {max: 0}}",
            ("checks.latency.max", "Expected a latency longer than zero, not the number 0."),
        ),
        (
            "checks: {cpu: {max: 1}}",
            ("checks.cpu", "Unexpected key 'cpu' in release checks; valid keys are: errors, latency."),
        ),
        ("checks: [errors]", ("checks", "Expected a map of checks: errors and latency, not a list.")),
        (
            "preview: header X-Preview == true",
            ("preview", "'preview' applies only to blue-green releases, not to a canary release."),
        ),
        (
            "rollback_window: 5m",
            (
                "rollback_window",
                "'rollback_window' applies only to blue-green releases, not to a canary release.",
            ),
        ),
        (
            "condition: user-agent == Firefox",
            ("condition", "'condition' applies only to ab releases, not to a canary release."),
        ),
        (
            "strategy: blue-green",
            (
                "preview",
                "Missing required key 'preview' in release: a blue-green release sends the "
                "candidate only the requests it matches.",
            ),
        ),
        (
            "strategy: ab",
            (
                "condition",
                "Missing required key 'condition' in release: a ab release sends the candidate "
                "only the requests it matches.",
            ),
        ),
        (
            "strategy: ab\ncondition: user-agent == Firefox\nsteps: [10%]",
            (
                "steps",
                "'steps' applies only to canary releases; a ab release sets no steps (remove "
                "it, or use strategy: canary).",
            ),
        ),
        (
            "webhooks: [{name: a, url: 'ftp://x/y', on: pre-step}]",
            (
                "webhooks[0].url",
                "Expected an http:// or https:// URL such as 'http://127.0.0.1:9000/gate', not 'ftp://x/y'.",
            ),
        ),
        (
            "webhooks: [{name: a, url: 'http://x/', on: later}]",
            (
                "webhooks[0].on",
                "Unknown webhook moment the string 'later'; valid values are: pre-step, post-step, promote.",
            ),
        ),
        (
            "webhooks: [{name: a, url: 'http://x/'}]",
            ("webhooks[0].on", "Missing required key 'on' in webhook."),
        ),
        (
            "webhooks: [{name: a, url: 'http://x/', on: promote}, {name: a, url: 'http://y/', on: promote}]",
            ("webhooks[1]", "Two webhooks are named 'a'; give each its own name."),
        ),
        (
            "speed: fast",
            (
                "speed",
                "Unexpected key 'speed' in release; valid keys are: checks, condition, "
                "condition_strength, confidence, from, gateway, interval, max, metadata, name, "
                "on_failure, on_success, preview, rollback_window, samples, step, steps, "
                "strategy, timeout, to, undeploy, webhooks.",
            ),
        ),
    ],
)
def test_every_wrong_field_is_named_with_what_is_valid(text: str, expected: tuple[str, str]) -> None:
    assert refused(text) == [expected]


def test_a_wrong_condition_is_explained_by_the_condition_language() -> None:
    ((path, message),) = refused("strategy: blue-green\npreview: header ==")
    assert path == "preview"
    assert "header" in message


def test_a_release_goes_from_one_route_to_another() -> None:
    text = "name: r\ngateway: g\nfrom: sava:1.0.0\nto: sava:1.0.0\n"
    assert messages(text, "releases") == [
        ("to", "A release goes from one route to another: 'from' and 'to' are both 'sava:1.0.0'.")
    ]
    assert sorted(messages("name: r\nfrom: a\n", "releases")) == [
        ("gateway", "Missing required key 'gateway' in release."),
        ("to", "Missing required key 'to' in release."),
    ]


def test_a_status_keeps_the_newest_decisions_and_counts_the_dropped_ones() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    status = model.ReleaseStatus(since=at)
    for step in range(5):
        status = status.with_decision(
            model.Decision(at=at, step=step, action=model.DecisionAction.STEP, reason=f"step {step}"), keep=3
        )
    assert [decision.step for decision in status.decisions] == [2, 3, 4]
    assert status.dropped == 2
    assert model.ReleaseStatus.model_validate(status.model_dump(mode="json")) == status
