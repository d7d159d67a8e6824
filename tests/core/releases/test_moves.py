"""What the moves of a release keep: the judge's figures in a decision, the verdict of a step paused past
its timeout, a selector route's promotion, moves of a release without weights, when a pass judges, and
the routing of its own step a release keeps while it does not move (paused, held, asking its gates): a
canary whose status lacks the candidate's weight keeps its step's weights, and records them; a blue-green
preview keeps its preview condition."""

from __future__ import annotations

import pytest

from tests.core.releases.test_progress import (
    BASELINE,
    CANDIDATE,
    FAILING,
    HEALTHY,
    NOW,
    Phase,
    action,
    blue_green,
    decide,
    gate,
    pct,
    policy,
    running,
    sample,
    webhook,
)
from tests.core.releases.test_progress_records import BASELINE_SHORT, FAILED_ERRORS, at
from vamp.core import model
from vamp.core.releases import progress
from vamp.core.releases.judge import Outcome
from vamp.core.releases.moves import Inputs, Plan, Served
from vamp.core.releases.traffic import Routes
from vamp.core.units import Duration

Moment = model.WebhookMoment


def test_a_decision_keeps_every_figure_of_the_judges_findings() -> None:
    plan = decide(running(1), at=31, served=FAILING)
    assert plan.decision is not None
    (found,) = plan.decision.findings
    assert dict(found) == {
        "check": "errors",
        "outcome": "fail",
        "baseline": 0.001,
        "candidate": 0.1,
        "statistic": pytest.approx(plan.verdict.findings[0].statistic) if plan.verdict else None,
        "p_value": 0.0,
        "level": pytest.approx(0.05 * (4 - 1) / 9),
        "samples": [4000, 2000],
        "reason": FAILED_ERRORS,
    }
    assert found["statistic"] > 10


def test_a_step_waiting_on_the_judge_past_its_timeout_pauses_with_the_verdict() -> None:
    plan = decide(running(phase=Phase.WAITING), at=121, served=BASELINE_SHORT)
    assert plan.status.phase is Phase.PAUSED
    assert plan.verdict is not None
    assert plan.verdict.outcome.value == "wait"


def test_promoting_a_selector_route_with_undeploy_keeps_the_whole_reason_and_slices_nothing() -> None:
    selector = Routes("foo-ingress", "(1.0.3)", "(2.0.1)")
    status = running(2, gateway="foo-ingress", baseline="(1.0.3)", candidate="(2.0.1)")
    status = status.model_copy(update={"weights": {"(1.0.3)": pct(0), "(2.0.1)": pct(100)}})
    plan = progress.decide(Inputs(policy(undeploy=True), 1, selector, at(31), HEALTHY), status)
    assert plan.undeploy is False
    assert plan.status.reason == (
        "Every check passes at look 3 of 3. Every step passed: promoted. "
        "Nothing to undeploy: the baseline (1.0.3) is a selector route."
    )


def test_moves_of_a_release_without_weights_record_none() -> None:
    # A release stopped before its first step set weights (a failed pre-step gate, paused on failure).
    release = policy(on_failure=model.OnFailure.PAUSE, webhooks=(webhook("pre-step"),))
    plan = decide(
        model.ReleaseStatus(since=NOW), at=0, release=release, gates={Moment.PRE_STEP: gate(Outcome.FAIL)}
    )
    assert plan.decision is not None
    assert (plan.status.phase, plan.decision.weights, plan.routing) == (Phase.PAUSED, {}, None)
    unweighted = running(0, weights={}, requested=model.Requested.RUNNING)
    resumed = decide(unweighted, at=5)
    assert resumed.decision is not None
    assert (resumed.decision.action.value, resumed.decision.weights, resumed.routing) == ("resumed", {}, None)


def test_a_pass_judges_only_a_running_step_past_its_interval_or_a_watched_switch() -> None:
    assert not progress.judging(policy(), running(), at(29))
    assert progress.judging(policy(), running(), at(30))
    assert progress.judging(policy(), running(phase=Phase.WAITING), at(31))
    assert not progress.judging(policy(), running(phase=Phase.PAUSED), at(500))
    assert not progress.judging(policy(), model.ReleaseStatus(since=NOW), at(500))
    switched = running(1, since=30)
    assert progress.judging(blue_green(rollback_window=Duration(60)), switched, at(31))
    assert not progress.judging(blue_green(rollback_window=Duration(60)), running(0), at(29))


def test_asking_for_gates_keeps_the_weights_on_the_gateway_and_the_verdict() -> None:
    release = policy(webhooks=(webhook("post-step"),))
    asked = decide(running(), at=31, served=HEALTHY, release=release)
    assert asked.routing is not None
    assert (str(asked.routing.baseline), str(asked.routing.candidate)) == ("90%", "10%")
    assert asked.verdict is not None
    assert asked.verdict.outcome is Outcome.PASS
    failed = decide(
        running(), at=31, served=HEALTHY, release=release, gates={Moment.POST_STEP: gate(Outcome.FAIL)}
    )
    assert failed.decision is not None
    assert [f"{found['check']}:{found['outcome']}" for found in failed.decision.findings] == [
        "errors:pass",
        "webhook:smoke:fail",
    ]
    assert failed.verdict is not None
    promote = policy(webhooks=(webhook("promote"),))
    asked_last = decide(running(2), at=31, served=HEALTHY, release=promote)
    assert asked_last.routing is not None
    assert (str(asked_last.routing.candidate), asked_last.verdict is not None) == ("100%", True)
    refused = decide(
        running(2), at=31, served=HEALTHY, release=promote, gates={Moment.PROMOTE: gate(Outcome.FAIL)}
    )
    assert refused.status.phase is Phase.ROLLED_BACK
    assert refused.verdict is not None


def test_a_step_with_exactly_its_samples_is_judged() -> None:
    plan = decide(running(), at=31, served=Served(sample(4000, 4), sample(200), 200))
    assert (plan.status.phase, plan.status.step) == (Phase.PROGRESSING, 1)


def test_blue_green_watches_until_its_window_is_over_and_not_a_moment_longer() -> None:
    release = blue_green(rollback_window=Duration(60))
    switched = running(1, since=30, weights={BASELINE: pct(0), CANDIDATE: pct(100)})
    watching = decide(switched, at=89, served=HEALTHY, release=release)
    assert watching.routing is not None
    assert (str(watching.routing.candidate), watching.verdict is not None) == ("100%", True)
    assert decide(switched, at=90, served=HEALTHY, release=release).status.phase is Phase.PROMOTED
    assert progress.baseline_until(policy(), running()) is None


def test_blue_green_without_a_rollback_window_promotes_after_its_preview() -> None:
    preview = running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)})
    assert decide(preview, at=31, served=HEALTHY, release=blue_green()).status.phase is Phase.PROMOTED


def test_a_policy_stored_again_keeps_a_blue_green_step_and_starts_a_canary_without_weights_at_its_first() -> (
    None
):
    release = blue_green(rollback_window=Duration(60))
    switched = running(1, since=30, weights={BASELINE: pct(0), CANDIDATE: pct(100)})
    assert decide(switched, at=31, release=release, revision=2).status.reason == (
        "Policy revision 2 taken at step 2 of 2."
    )
    preview = running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)})
    assert decide(preview, at=31, release=release, revision=2).status.step == 0
    assert decide(running(1, weights={}), at=5, revision=2).status.step == 0


def test_starting_records_the_routes_and_revision_and_a_restart_keeps_the_history() -> None:
    started = decide(model.ReleaseStatus(since=NOW), at=0, revision=3).status
    assert (started.gateway, started.baseline, started.candidate, started.policy_revision) == (
        "sava/sava/webport",
        BASELINE,
        CANDIDATE,
        3,
    )
    assert started.started == NOW
    history = decide(running(), at=30, served=HEALTHY).status.decisions
    moved = running(1, candidate="sava/sava/sava:1.2.0/webport", decisions=history)
    assert decide(moved, at=40, revision=2).status.decisions == history


def test_hand_requests_on_a_release_not_yet_stepping() -> None:
    paused_early = model.ReleaseStatus(since=NOW, phase=Phase.PAUSED, requested=model.Requested.RUNNING)
    plan = decide(paused_early, at=5)
    assert (plan.status.phase, plan.status.step, plan.status.requested) == (Phase.PROGRESSING, 0, None)
    again = decide(running(1, phase=Phase.PAUSED, requested=model.Requested.PAUSED), at=5)
    assert again.routing is not None
    assert (again.status.requested, str(again.routing.candidate), again.decision) == (None, "50%", None)
    unweighted = decide(running(0, phase=Phase.PAUSED, weights={}), at=5)
    assert unweighted.routing is None
    unstarted = decide(running(0, started=None), at=5)
    assert (unstarted.status.started, unstarted.status.step) == (at(5), 0)


def test_a_restart_keeps_the_decisions_and_the_count_of_those_dropped() -> None:
    earlier = model.Decision(
        at=NOW, step=0, action=model.DecisionAction.STEP, reason="Step 1 of 3.", weights={}
    )
    moved = running(1, candidate="sava/sava/sava:1.2.0/webport", decisions=(earlier,), dropped=7)
    restarted = decide(moved, at=40, revision=2).status
    assert (restarted.decisions, restarted.dropped) == ((earlier,), 7)


def test_a_release_paused_before_it_started_stays_paused() -> None:
    paused = model.ReleaseStatus(since=NOW, phase=Phase.PAUSED)
    plan = decide(paused, at=50)
    assert (plan.status.phase, plan.decision, plan.routing) == (Phase.PAUSED, None, None)
    pending = decide(model.ReleaseStatus(since=NOW, requested=model.Requested.RUNNING), at=5)
    assert (pending.status.phase, pending.status.requested, pending.decision) == (Phase.PENDING, None, None)


def test_a_blue_green_switch_stored_again_as_an_ab_release_goes_to_its_only_step() -> None:
    switched = running(1, since=30, weights={BASELINE: pct(0), CANDIDATE: pct(100)})
    ab = policy(strategy=model.Strategy.AB, condition="user-agent == Firefox")
    assert (
        decide(switched, at=31, release=ab, revision=2).status.reason
        == "Policy revision 2 taken at step 1 of 1."
    )


def test_a_switch_without_a_rollback_window_is_watched_for_the_default_minute() -> None:
    switched = running(1, since=30, weights={BASELINE: pct(0), CANDIDATE: pct(100)})
    watching = decide(switched, at=60, served=HEALTHY, release=blue_green())
    assert (watching.status.phase, watching.decision) == (Phase.PROGRESSING, None)
    assert decide(switched, at=90, served=HEALTHY, release=blue_green()).status.phase is Phase.PROMOTED


def test_a_pre_step_gate_keeps_the_current_weights_while_asked_and_when_it_fails() -> None:
    release = policy(webhooks=(webhook("pre-step"),), on_failure=model.OnFailure.PAUSE)
    asked = decide(running(), at=31, served=HEALTHY, release=release)
    assert asked.routing is not None
    assert (str(asked.routing.baseline), str(asked.routing.candidate)) == ("90%", "10%")
    failed = decide(
        running(), at=31, served=HEALTHY, release=release, gates={Moment.PRE_STEP: gate(Outcome.FAIL)}
    )
    assert failed.routing is not None
    assert (failed.status.phase, str(failed.routing.candidate)) == (Phase.PAUSED, "10%")


def test_an_ab_verdict_joins_the_cohorts_and_every_checks_figures() -> None:
    release = policy(strategy=model.Strategy.AB, condition="user-agent == Firefox")
    won = decide(
        running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)}), at=31, served=HEALTHY, release=release
    )
    assert won.status.reason.startswith(
        "Cohorts: the baseline served 4000 requests, the candidate (user-agent == Firefox) 2000. "
        "The candidate's 5xx rate 0.10 % against the baseline's 0.10 % is within the 1 % more allowed. "
    )


PREVIEW = "header X-Preview == true"


def lacking_candidate(
    step: int, baseline: int, requested: model.Requested | None = None
) -> model.ReleaseStatus:
    """A canary at ``step`` whose status lacks the candidate route's weight: it keeps its step's routing."""
    return running(step, weights={BASELINE: pct(baseline)}, requested=requested)


def routed(plan: Plan) -> tuple[str, str, str | None]:
    """What the gateway is asked to carry: the baseline's and candidate's weights, the condition."""
    assert plan.routing is not None
    return (str(plan.routing.baseline), str(plan.routing.candidate), plan.routing.condition)


def recorded(plan: Plan) -> tuple[str, str]:
    """The weights the plan's decision records (baseline, candidate), as ``vamp release history`` shows."""
    assert plan.decision is not None
    return (str(plan.decision.weights[BASELINE]), str(plan.decision.weights[CANDIDATE]))


def test_a_canary_lacking_a_weight_pauses_on_failure_recording_its_steps_weights() -> None:
    release = policy(on_failure=model.OnFailure.PAUSE)
    paused = decide(lacking_candidate(1, 50), at=31, served=FAILING, release=release)
    assert paused.status.phase is Phase.PAUSED
    assert routed(paused) == ("50%", "50%", None)
    assert recorded(paused) == ("50%", "50%")


def test_a_canary_lacking_a_weight_keeps_its_own_steps_weights_when_resumed_or_revised() -> None:
    resumed = decide(lacking_candidate(1, 50, requested=model.Requested.RUNNING), at=5)
    assert action(resumed) == "resumed"
    assert (routed(resumed), recorded(resumed)) == (("50%", "50%", None), ("50%", "50%"))
    # Stored again without the candidate's weight, a canary goes back to its first step.
    revised = decide(lacking_candidate(1, 50), at=5, revision=2)
    assert (revised.status.step, routed(revised), recorded(revised)) == (
        0,
        ("90%", "10%", None),
        ("90%", "10%"),
    )


def test_a_canary_lacking_a_weight_keeps_its_steps_weights_while_gates_are_asked() -> None:
    pre_step = decide(
        lacking_candidate(1, 50), at=31, served=HEALTHY, release=policy(webhooks=(webhook("pre-step"),))
    )
    assert (pre_step.gates, routed(pre_step)) == (Moment.PRE_STEP, ("50%", "50%", None))
    promote = decide(
        lacking_candidate(2, 0), at=31, served=HEALTHY, release=policy(webhooks=(webhook("promote"),))
    )
    assert (promote.gates, routed(promote)) == (Moment.PROMOTE, ("0%", "100%", None))


def test_a_canary_lacking_a_weight_holds_at_its_last_steps_weights() -> None:
    held = decide(
        lacking_candidate(2, 0), at=31, served=HEALTHY, release=policy(on_success=model.OnSuccess.HOLD)
    )
    assert held.status.phase is Phase.PAUSED
    assert (routed(held), recorded(held)) == (("0%", "100%", None), ("0%", "100%"))


def previewing(requested: model.Requested | None = None) -> model.ReleaseStatus:
    """A blue-green release at its preview: the candidate at 0 %, reached only by the preview condition."""
    return running(0, weights={BASELINE: pct(100), CANDIDATE: pct(0)}, requested=requested)


def test_a_blue_green_preview_paused_by_hand_keeps_its_preview_condition() -> None:
    paused = decide(previewing(requested=model.Requested.PAUSED), at=5, release=blue_green())
    assert (paused.status.phase, action(paused)) == (Phase.PAUSED, "paused")
    assert routed(paused) == ("100%", "0%", PREVIEW)


def test_a_blue_green_preview_keeps_its_condition_while_the_switchs_pre_step_gates_are_asked() -> None:
    release = blue_green(rollback_window=Duration(60), webhooks=(webhook("pre-step"),))
    asked = decide(previewing(), at=31, served=HEALTHY, release=release)
    assert (asked.gates, routed(asked)) == (Moment.PRE_STEP, ("100%", "0%", PREVIEW))


def test_a_blue_green_preview_without_a_window_keeps_its_condition_when_held_or_gated() -> None:
    held = decide(previewing(), at=31, served=HEALTHY, release=blue_green(on_success=model.OnSuccess.HOLD))
    assert held.status.phase is Phase.PAUSED
    assert (routed(held), recorded(held)) == (("100%", "0%", PREVIEW), ("100%", "0%"))
    gated = decide(previewing(), at=31, served=HEALTHY, release=blue_green(webhooks=(webhook("promote"),)))
    assert (gated.gates, routed(gated)) == (Moment.PROMOTE, ("100%", "0%", PREVIEW))
