"""A release's next move (``progress.decide``), transition by transition: which step is next, when a step
may be judged, waiting for samples and pausing past the timeout, failure and success as the policy says,
requests by hand, a policy stored again, webhook gates, and the blue-green and A/B strategies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vamp.core import model
from vamp.core.releases import progress
from vamp.core.releases.judge import Finding, Outcome, Sample
from vamp.core.releases.moves import Inputs, Plan, Served
from vamp.core.releases.traffic import Routes
from vamp.core.units import Duration, Percentage

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
BASELINE = "sava/sava/sava:1.0.0/webport"
CANDIDATE = "sava/sava/sava:1.1.0/webport"
ROUTES = Routes("sava/sava/webport", BASELINE, CANDIDATE)
BOUNDS = (10.0, 20.0, float("inf"))
Phase = model.ReleasePhase
Action = model.DecisionAction


def policy(**changes: Any) -> model.Release:
    fields: dict[str, Any] = {
        "name": "sava-1.1",
        "gateway": ROUTES.gateway,
        "from_": "sava:1.0.0",
        "to": "sava:1.1.0",
        "steps": tuple(Percentage.of(weight) for weight in (10, 50, 100)),
        "interval": Duration(30),
        "samples": 200,
        "timeout": Duration(120),
    }
    fields.update(changes)
    return model.Release(**fields)


def pct(weight: int) -> Percentage:
    return Percentage.of(weight)


def sample(requests: int, errors: int = 0) -> Sample:
    return Sample(requests, errors, BOUNDS, (requests * 9 // 10, requests, requests))


HEALTHY = Served(sample(4000, 4), sample(2000, 2), 2000)
FAILING = Served(sample(4000, 4), sample(2000, 200), 2000)
NOTHING = Served()


def running(
    step: int = 0, *, phase: Phase = Phase.PROGRESSING, since: float = 0, **changes: Any
) -> model.ReleaseStatus:
    """A release at ``step`` (0-based) of ``policy()``'s canary, begun ``since`` seconds after NOW."""
    weight = (10, 50, 100)[step]
    fields: dict[str, Any] = {
        "phase": phase,
        "step": step,
        "weights": {BASELINE: pct(100 - weight), CANDIDATE: pct(weight)},
        "since": NOW + timedelta(seconds=since),
        "started": NOW,
        "gateway": ROUTES.gateway,
        "baseline": BASELINE,
        "candidate": CANDIDATE,
        "policy_revision": 1,
    }
    fields.update(changes)
    return model.ReleaseStatus(**fields)


def decide(
    status: model.ReleaseStatus,
    *,
    at: float,
    served: Served = NOTHING,
    release: model.Release | None = None,
    revision: int = 1,
    gates: dict[model.WebhookMoment, tuple[Finding, ...]] | None = None,
) -> Plan:
    inputs = Inputs(release or policy(), revision, ROUTES, NOW + timedelta(seconds=at), served, gates or {})
    return progress.decide(inputs, status)


def weights(plan: Plan) -> tuple[str, str] | None:
    if plan.routing is None:
        return None
    return (str(plan.routing.baseline), str(plan.routing.candidate))


def action(plan: Plan) -> str | None:
    return None if plan.decision is None else plan.decision.action.value


@pytest.mark.parametrize(
    ("case", "status", "at", "served", "phase", "step", "recorded", "routed"),
    [
        (
            "pending starts step 1",
            model.ReleaseStatus(since=NOW),
            0,
            NOTHING,
            "Progressing",
            0,
            "step",
            ("90%", "10%"),
        ),
        ("within the interval nothing moves", running(), 29, HEALTHY, "Progressing", 0, None, ("90%", "10%")),
        (
            "past the interval a pass takes the next step",
            running(),
            30,
            HEALTHY,
            "Progressing",
            1,
            "step",
            ("50%", "50%"),
        ),
        ("no traffic waits", running(), 31, NOTHING, "Waiting", 0, "waiting", ("90%", "10%")),
        (
            "waiting is recorded once",
            running(phase=Phase.WAITING),
            60,
            NOTHING,
            "Waiting",
            0,
            None,
            ("90%", "10%"),
        ),
        (
            "a step short of samples waits",
            running(),
            31,
            Served(sample(4000), sample(199), 199),
            "Waiting",
            0,
            "waiting",
            ("90%", "10%"),
        ),
        (
            "past the timeout it pauses",
            running(phase=Phase.WAITING),
            121,
            NOTHING,
            "Paused",
            0,
            "paused",
            ("90%", "10%"),
        ),
        (
            "a failing candidate rolls back",
            running(),
            31,
            FAILING,
            "RolledBack",
            0,
            "rolled-back",
            ("100%", "0%"),
        ),
        ("the last step passed promotes", running(2), 31, HEALTHY, "Promoted", 2, "promoted", ("0%", "100%")),
        (
            "a paused release stays",
            running(phase=Phase.PAUSED),
            500,
            HEALTHY,
            "Paused",
            0,
            None,
            ("90%", "10%"),
        ),
    ],
)
def test_a_canary_moves_as_its_status_time_and_samples_say(
    case: str,
    status: model.ReleaseStatus,
    at: float,
    served: Served,
    phase: str,
    step: int,
    recorded: str | None,
    routed: tuple[str, str],
) -> None:
    plan = decide(status, at=at, served=served)
    assert (plan.status.phase.value, plan.status.step, action(plan), weights(plan)) == (
        phase,
        step,
        recorded,
        routed,
    ), case


def test_a_new_step_starts_its_window_and_keeps_when_the_release_started() -> None:
    plan = decide(running(), at=30, served=HEALTHY)
    assert plan.status.since == NOW + timedelta(seconds=30)
    assert plan.status.started == NOW
    assert plan.decision is not None
    assert plan.decision.weights == {BASELINE: pct(50), CANDIDATE: pct(50)}
    assert plan.decision.findings[0]["check"] == "errors"
    assert plan.decision.reason.startswith("Every check passes at look 1 of 3.")


def test_no_traffic_for_the_whole_timeout_pauses_and_never_rolls_back() -> None:
    status = running()
    for second in range(31, 121, 7):
        plan = decide(status, at=second, served=NOTHING)
        assert plan.status.phase is Phase.WAITING
        status = plan.status
    plan = decide(status, at=121, served=NOTHING)
    assert plan.status.phase is Phase.PAUSED
    assert "waited longer than its timeout of 120s" in plan.status.reason
    assert "0 of the 200" in plan.status.reason


def test_on_failure_pause_keeps_the_weights_and_says_why() -> None:
    plan = decide(running(1), at=31, served=FAILING, release=policy(on_failure=model.OnFailure.PAUSE))
    assert (plan.status.phase, action(plan), weights(plan)) == (Phase.PAUSED, "paused", ("50%", "50%"))
    assert "on_failure: pause" in plan.status.reason
    assert plan.decision is not None
    assert any(item["outcome"] == "fail" for item in plan.decision.findings)


def test_on_success_hold_stays_at_the_last_weights() -> None:
    release = policy(steps=(pct(10), pct(50)), on_success=model.OnSuccess.HOLD)
    plan = decide(running(1), at=31, served=HEALTHY, release=release)
    assert (plan.status.phase, action(plan), weights(plan)) == (Phase.PAUSED, "paused", ("50%", "50%"))
    assert "on_success: hold" in plan.status.reason


def test_promoting_with_undeploy_slices_a_service_but_not_a_selector_route() -> None:
    by_service = decide(running(2), at=31, served=HEALTHY, release=policy(undeploy=True))
    assert by_service.undeploy
    selector = Routes("foo-ingress", "(1.0.3)", "(2.0.1)")
    status = running(2, gateway="foo-ingress", baseline="(1.0.3)", candidate="(2.0.1)")
    status = status.model_copy(update={"weights": {"(1.0.3)": pct(0), "(2.0.1)": pct(100)}})
    inputs = Inputs(policy(undeploy=True), 1, selector, NOW + timedelta(seconds=31), HEALTHY)
    plan = progress.decide(inputs, status)
    assert plan.status.phase is Phase.PROMOTED
    assert not plan.undeploy
    assert "Nothing to undeploy: the baseline (1.0.3) is a selector route" in plan.status.reason


@pytest.mark.parametrize(
    ("requested", "phase", "recorded", "routed"),
    [
        ("paused", "Paused", "paused", ("50%", "50%")),
        ("promoted", "Promoted", "promoted", ("0%", "100%")),
        ("aborted", "Aborted", "aborted", ("100%", "0%")),
        ("running", "Progressing", "resumed", ("50%", "50%")),
    ],
)
def test_a_request_by_hand_is_acted_on_recorded_and_cleared(
    requested: str, phase: str, recorded: str, routed: tuple[str, str]
) -> None:
    status = running(1, requested=model.Requested(requested))
    plan = decide(status, at=5, served=HEALTHY)
    assert (plan.status.phase.value, action(plan), weights(plan), plan.status.requested) == (
        phase,
        recorded,
        routed,
        None,
    )


def test_resuming_a_paused_release_starts_its_step_again() -> None:
    status = running(1, phase=Phase.PAUSED, requested=model.Requested.RUNNING)
    plan = decide(status, at=300)
    assert (plan.status.phase, plan.status.step, action(plan)) == (Phase.PROGRESSING, 1, "resumed")
    assert plan.status.since == NOW + timedelta(seconds=300)


def test_a_policy_stored_again_continues_from_the_first_step_at_least_the_current_weight() -> None:
    release = policy(steps=(pct(5), pct(20), pct(60), pct(100)))
    plan = decide(running(1), at=5, served=HEALTHY, release=release, revision=2)
    assert (plan.status.step, plan.status.policy_revision, action(plan)) == (2, 2, "resumed")
    assert weights(plan) == ("50%", "50%"), "the weights it set are kept"
    assert "revision 2" in plan.status.reason


def test_a_policy_stored_again_with_other_routes_puts_the_old_ones_back_and_starts_again() -> None:
    status = running(1, candidate="sava/sava/sava:1.2.0/webport")
    plan = decide(status, at=5, revision=2)
    assert plan.routing is not None
    assert plan.routing.routes.candidate == "sava/sava/sava:1.2.0/webport"
    assert weights(plan) == ("100%", "0%")
    assert (plan.status.phase, action(plan), plan.status.step, plan.status.started) == (
        Phase.PENDING,
        "aborted",
        None,
        None,
    )


def webhook(on: str) -> model.Webhook:
    return model.Webhook(name="smoke", url="http://127.0.0.1:9/gate", on=model.WebhookMoment(on))


def gate(outcome: Outcome) -> tuple[Finding, ...]:
    reason = "The webhook http://127.0.0.1:9/gate answered 503: not yet." if outcome is Outcome.FAIL else "ok"
    return (Finding("webhook:smoke", outcome, None, None, None, None, (0, 0), reason),)


@pytest.mark.parametrize("moment", ["pre-step", "post-step"])
def test_a_step_asks_for_its_gates_and_a_failed_gate_is_a_failed_check(moment: str) -> None:
    release = policy(webhooks=(webhook(moment),))
    asked = decide(running(), at=31, served=HEALTHY, release=release)
    assert (asked.gates, asked.decision, asked.status.step) == (model.WebhookMoment(moment), None, 0)

    passed = decide(
        running(),
        at=31,
        served=HEALTHY,
        release=release,
        gates={model.WebhookMoment(moment): gate(Outcome.PASS)},
    )
    assert (passed.status.step, action(passed)) == (1, "step")
    failed = decide(
        running(),
        at=31,
        served=HEALTHY,
        release=release,
        gates={model.WebhookMoment(moment): gate(Outcome.FAIL)},
    )
    assert (failed.status.phase, action(failed), weights(failed)) == (
        Phase.ROLLED_BACK,
        "rolled-back",
        ("100%", "0%"),
    )
    assert failed.decision is not None
    assert failed.decision.findings[-1]["check"] == "webhook:smoke"
    assert "answered 503" in failed.status.reason


def test_a_promote_gate_is_asked_before_promoting() -> None:
    release = policy(webhooks=(webhook("promote"),))
    assert decide(running(2), at=31, served=HEALTHY, release=release).gates is model.WebhookMoment.PROMOTE
    plan = decide(
        running(2),
        at=31,
        served=HEALTHY,
        release=release,
        gates={model.WebhookMoment.PROMOTE: gate(Outcome.PASS)},
    )
    assert plan.status.phase is Phase.PROMOTED


def blue_green(**changes: Any) -> model.Release:
    return policy(strategy=model.Strategy.BLUE_GREEN, preview="header X-Preview == true", **changes)


def test_blue_green_previews_then_switches_at_once_then_promotes_after_its_window() -> None:
    release = blue_green(rollback_window=Duration(60))
    start = decide(model.ReleaseStatus(since=NOW), at=0, release=release)
    assert start.routing is not None
    assert (weights(start), start.routing.condition, str(start.routing.strength)) == (
        ("100%", "0%"),
        "header X-Preview == true",
        "100%",
    )
    preview = start.status
    switched = decide(preview, at=30, served=HEALTHY, release=release)
    assert (switched.status.step, weights(switched), action(switched)) == (1, ("0%", "100%"), "step")
    assert switched.routing is not None
    assert switched.routing.condition is None
    assert progress.baseline_until(release, switched.status) == NOW + timedelta(seconds=30)

    watching = decide(switched.status, at=60, served=HEALTHY, release=release)
    assert (watching.status.phase, watching.decision) == (Phase.PROGRESSING, None)
    done = decide(switched.status, at=91, served=HEALTHY, release=release)
    assert (done.status.phase, weights(done)) == (Phase.PROMOTED, ("0%", "100%"))


def test_blue_green_switches_back_when_a_check_fails_within_its_window() -> None:
    release = blue_green(rollback_window=Duration(600))
    switched = running(1, phase=Phase.PROGRESSING, since=30)
    switched = switched.model_copy(update={"weights": {BASELINE: pct(0), CANDIDATE: pct(100)}})
    plan = decide(switched, at=40, served=FAILING, release=release)
    assert (plan.status.phase, weights(plan)) == (Phase.ROLLED_BACK, ("100%", "0%"))


def test_blue_green_does_not_switch_while_the_preview_waits_for_samples() -> None:
    release = blue_green()
    plan = decide(
        running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)}), at=31, served=NOTHING, release=release
    )
    assert (plan.status.phase, weights(plan)) == (Phase.WAITING, ("100%", "0%"))
    assert plan.routing is not None
    assert plan.routing.condition == "header X-Preview == true"


def ab(**changes: Any) -> model.Release:
    return policy(
        strategy=model.Strategy.AB, condition="user-agent == Firefox", condition_strength=pct(50), **changes
    )


def test_ab_sends_a_cohort_and_promotes_the_winner_with_both_cohorts_figures() -> None:
    release = ab()
    start = decide(model.ReleaseStatus(since=NOW), at=0, release=release)
    assert start.routing is not None
    assert (weights(start), start.routing.condition, str(start.routing.strength)) == (
        ("100%", "0%"),
        "user-agent == Firefox",
        "50%",
    )
    won = decide(start.status, at=31, served=HEALTHY, release=release)
    assert won.status.phase is Phase.PROMOTED
    assert (
        "the baseline served 4000 requests, the candidate (user-agent == Firefox) 2000" in won.status.reason
    )
    assert "against the baseline's 0.10 %" in won.status.reason


def test_ab_holds_with_the_figures_when_asked_to() -> None:
    plan = decide(
        running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)}),
        at=31,
        served=HEALTHY,
        release=ab(on_success=model.OnSuccess.HOLD),
    )
    assert plan.status.phase is Phase.PAUSED
    assert "The candidate's 5xx rate 0.10 % against the baseline's 0.10 %" in plan.status.reason
    assert plan.routing is not None
    assert plan.routing.condition == "user-agent == Firefox"


def test_ab_rolls_back_when_the_baseline_wins() -> None:
    plan = decide(
        running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)}), at=31, served=FAILING, release=ab()
    )
    assert (plan.status.phase, weights(plan)) == (Phase.ROLLED_BACK, ("100%", "0%"))


def test_a_release_that_is_over_does_not_move() -> None:
    over = running(2, phase=Phase.PROMOTED)
    plan = decide(over, at=1000, served=FAILING)
    assert (plan.status, plan.decision, plan.routing) == (over, None, None)
