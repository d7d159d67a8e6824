"""What the moves of a release keep: the judge's figures in a decision, the verdict of a step paused past
its timeout, a selector route's promotion, moves of a release without weights, and when a pass judges."""

from __future__ import annotations

import pytest

from tests.core.releases.test_progress import (
    FAILING,
    HEALTHY,
    NOW,
    Phase,
    blue_green,
    decide,
    gate,
    pct,
    policy,
    running,
    webhook,
)
from tests.core.releases.test_progress_records import BASELINE_SHORT, FAILED_ERRORS, at
from vamp.core import model
from vamp.core.releases import progress
from vamp.core.releases.judge import Outcome
from vamp.core.releases.moves import Inputs
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
