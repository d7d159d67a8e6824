"""What each move of a release records, word for word: the status's phase, step, reason and start of its
window, the decision's action, step, weights, time and findings, and what the gateway is asked to carry —
what ``vamp release status`` and ``vamp release history`` show a user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.core.releases.test_progress import (
    FAILING,
    HEALTHY,
    NOTHING,
    NOW,
    Phase,
    blue_green,
    decide,
    pct,
    policy,
    running,
    sample,
)
from vamp.core import model
from vamp.core.releases import progress
from vamp.core.releases.judge import Criteria
from vamp.core.releases.moves import Plan, Served
from vamp.core.units import Duration

NEW_CANDIDATE = "sava/sava/sava:1.2.0/webport"
FAILED_ERRORS = (
    "The candidate's 5xx rate 10 % against the baseline's 0.10 % is more than 1 % more allowed: "
    "p = 0 <= 0.017 at look 2 of 3."
)
WAITING = "Waiting for samples at step 1 of 3: the candidate served 0 of the 200 requests this step needs."
Moment = model.WebhookMoment

BASELINE_SHORT = Served(sample(100), sample(2000, 2), 2000)
JUDGE_WAITS = "Step 1 of 3: Waiting for samples: the baseline has served 100 of the 200 requests needed."


def at(seconds: float) -> Any:
    return NOW + timedelta(seconds=seconds)


def record(plan: Plan) -> dict[str, Any]:
    """Everything a user can read of ``plan``, weights as text (baseline, candidate)."""
    decision = plan.decision
    routing = plan.routing
    return {
        "phase": plan.status.phase.value,
        "step": plan.status.step,
        "since": plan.status.since,
        "reason": plan.status.reason,
        "weights": tuple(str(weight) for weight in plan.status.weights.values()),
        "requested": plan.status.requested,
        "decision": None
        if decision is None
        else (
            decision.action.value,
            decision.step,
            tuple(f"{route}={weight}" for route, weight in decision.weights.items()),
            decision.reason,
            decision.at,
            tuple(f"{found['check']}:{found['outcome']}" for found in decision.findings),
        ),
        "routing": None if routing is None else (str(routing.baseline), str(routing.candidate)),
        "undeploy": plan.undeploy,
        "verdict": None if plan.verdict is None else plan.verdict.outcome.value,
    }


def expected(
    phase: str,
    step: int | None,
    since: float,
    reason: str,
    weights: tuple[str, ...],
    action: str | None,
    *,
    decided: float,
    decision_step: int | None = -1,
    decision_weights: tuple[str, ...] | None = None,
    findings: tuple[str, ...] = (),
    routing: tuple[str, str] | None = None,
    undeploy: bool = False,
    verdict: str | None = None,
) -> dict[str, Any]:
    routes = ("sava/sava/sava:1.0.0/webport", "sava/sava/sava:1.1.0/webport")
    shown = decision_weights if decision_weights is not None else weights
    return {
        "phase": phase,
        "step": step,
        "since": at(since),
        "reason": reason,
        "weights": weights,
        "requested": None,
        "decision": None
        if action is None
        else (
            action,
            step if decision_step == -1 else decision_step,
            tuple(f"{route}={weight}" for route, weight in zip(routes, shown, strict=False)),
            reason,
            at(decided),
            findings,
        ),
        "routing": routing if routing is not None else (weights[0], weights[1]) if weights else None,
        "undeploy": undeploy,
        "verdict": verdict,
    }


CASES = {
    "paused by hand": (
        lambda: decide(running(1, requested=model.Requested.PAUSED), at=5, served=HEALTHY),
        expected("Paused", 1, 5, "Paused by hand at step 2.", ("50%", "50%"), "paused", decided=5),
    ),
    "promoted by hand": (
        lambda: decide(running(1, requested=model.Requested.PROMOTED), at=5, served=HEALTHY),
        expected(
            "Promoted",
            1,
            5,
            "Promoted by hand: all traffic to the candidate.",
            ("0%", "100%"),
            "promoted",
            decided=5,
        ),
    ),
    "aborted by hand": (
        lambda: decide(running(1, requested=model.Requested.ABORTED), at=5, served=HEALTHY),
        expected(
            "Aborted",
            1,
            5,
            "Aborted by hand: all traffic back to the baseline.",
            ("100%", "0%"),
            "aborted",
            decided=5,
        ),
    ),
    "resume asked while running": (
        lambda: decide(running(1, requested=model.Requested.RUNNING), at=5, served=HEALTHY),
        expected(
            "Progressing",
            1,
            0,
            "Resume asked by hand at step 2; the release was already running.",
            ("50%", "50%"),
            "resumed",
            decided=5,
        ),
    ),
    "resumed by hand": (
        lambda: decide(running(1, phase=Phase.PAUSED, requested=model.Requested.RUNNING), at=5),
        expected(
            "Progressing",
            1,
            5,
            "Resumed by hand at step 2: the step starts again.",
            ("50%", "50%"),
            "resumed",
            decided=5,
        ),
    ),
    "paused by hand before it started": (
        lambda: decide(model.ReleaseStatus(since=NOW, requested=model.Requested.PAUSED), at=5),
        expected("Paused", None, 5, "Paused by hand.", (), "paused", decided=5),
    ),
    "rolled back": (
        lambda: decide(running(1), at=31, served=FAILING),
        expected(
            "RolledBack",
            1,
            31,
            f"{FAILED_ERRORS} Rolled back at step 2: all traffic to the baseline.",
            ("100%", "0%"),
            "rolled-back",
            decided=31,
            findings=("errors:fail",),
            verdict="fail",
        ),
    ),
    "paused on failure": (
        lambda: decide(running(1), at=31, served=FAILING, release=policy(on_failure=model.OnFailure.PAUSE)),
        expected(
            "Paused",
            1,
            31,
            f"{FAILED_ERRORS} Paused at step 2 (on_failure: pause).",
            ("50%", "50%"),
            "paused",
            decided=31,
            findings=("errors:fail",),
            verdict="fail",
        ),
    ),
    "waiting": (
        lambda: decide(running(), at=31, served=NOTHING),
        expected("Waiting", 0, 0, WAITING, ("90%", "10%"), "waiting", decided=31),
    ),
    "past the timeout": (
        lambda: decide(running(phase=Phase.WAITING), at=121, served=NOTHING),
        expected(
            "Paused",
            0,
            121,
            f"{WAITING} The step waited longer than its timeout of 120s.",
            ("90%", "10%"),
            "paused",
            decided=121,
        ),
    ),
    "at the timeout it still waits": (
        lambda: decide(running(phase=Phase.WAITING), at=120, served=NOTHING),
        {**expected("Waiting", 0, 0, WAITING, ("90%", "10%"), None, decided=120)},
    ),
    "the judge waits for the baseline": (
        lambda: decide(running(), at=31, served=BASELINE_SHORT),
        expected(
            "Waiting",
            0,
            0,
            JUDGE_WAITS,
            ("90%", "10%"),
            "waiting",
            decided=31,
            findings=("errors:wait",),
            verdict="wait",
        ),
    ),
    "the judge still waits: the reason is kept current, nothing recorded": (
        lambda: decide(running(phase=Phase.WAITING), at=31, served=BASELINE_SHORT),
        expected("Waiting", 0, 0, JUDGE_WAITS, ("90%", "10%"), None, decided=31, verdict="wait"),
    ),
    "the next step": (
        lambda: decide(running(), at=30, served=HEALTHY),
        expected(
            "Progressing",
            1,
            30,
            "Every check passes at look 1 of 3. Step 2 of 3: the candidate at 50%, the baseline at 50%.",
            ("50%", "50%"),
            "step",
            decided=30,
            findings=("errors:pass",),
            verdict="pass",
        ),
    ),
    "promoted": (
        lambda: decide(running(2), at=31, served=HEALTHY, release=policy(undeploy=True)),
        expected(
            "Promoted",
            2,
            31,
            "Every check passes at look 3 of 3. Every step passed: promoted. "
            "The baseline sava/sava/sava:1.0.0/webport is sliced out of its deployment.",
            ("0%", "100%"),
            "promoted",
            decided=31,
            findings=("errors:pass",),
            undeploy=True,
            verdict="pass",
        ),
    ),
    "held": (
        lambda: decide(
            running(1),
            at=31,
            served=HEALTHY,
            release=policy(steps=(pct(10), pct(50)), on_success=model.OnSuccess.HOLD),
        ),
        expected(
            "Paused",
            1,
            31,
            "Every check passes at look 2 of 2. "
            "Every step passed; holding at these weights (on_success: hold).",
            ("50%", "50%"),
            "paused",
            decided=31,
            findings=("errors:pass",),
            verdict="pass",
        ),
    ),
    "a policy stored again": (
        lambda: decide(
            running(1),
            at=5,
            served=HEALTHY,
            release=policy(steps=(pct(5), pct(20), pct(60), pct(100))),
            revision=2,
        ),
        expected(
            "Progressing",
            2,
            0,
            "Policy revision 2 taken at step 3 of 4.",
            ("50%", "50%"),
            "resumed",
            decided=5,
        ),
    ),
    "the first step": (
        lambda: decide(model.ReleaseStatus(since=NOW), at=0),
        expected(
            "Progressing",
            0,
            0,
            "Step 1 of 3: the candidate at 10%, the baseline at 90%.",
            ("90%", "10%"),
            "step",
            decided=0,
        ),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_move_records_what_a_user_reads(case: str) -> None:
    make, wanted = CASES[case]
    assert record(make()) == wanted


def test_a_policy_naming_other_routes_records_the_old_routes_back_on_the_baseline() -> None:
    plan = decide(running(1, candidate=NEW_CANDIDATE), at=5, revision=2)
    reason = (
        "Policy revision 2 names other routes (sava/sava/webport: sava/sava/sava:1.0.0/webport -> "
        "sava/sava/sava:1.1.0/webport): all traffic of sava/sava/webport back to "
        "sava/sava/sava:1.0.0/webport; the release starts again."
    )
    assert plan.status == model.ReleaseStatus(since=at(5), reason=reason)
    assert plan.decision == model.Decision(
        at=at(5),
        step=1,
        action=model.DecisionAction.ABORTED,
        reason=reason,
        weights={"sava/sava/sava:1.0.0/webport": pct(100), NEW_CANDIDATE: pct(0)},
    )
    assert plan.routing is not None
    assert plan.routing.routes.gateway == "sava/sava/webport"


def test_a_policys_checks_become_the_judges_criteria() -> None:
    checks = model.Checks(
        errors=model.ErrorsCheck(max_increase=pct(2), max=pct(5)),
        latency=model.LatencyCheck(percentile=95.0, max_increase=pct(10), max=250.0),
    )
    release = policy(checks=checks, confidence=pct(90), samples=300)
    assert progress.criteria_of(release) == Criteria(
        confidence=0.9,
        min_samples=300,
        error_increase=0.02,
        error_max=0.05,
        latency_percentile=95.0,
        latency_increase=0.1,
        latency_max=250.0,
    )
    unchecked = policy(checks=model.Checks(errors=None, latency=None))
    assert progress.criteria_of(unchecked) == Criteria(
        min_samples=200, error_increase=None, error_max=None, latency_increase=None, latency_max=None
    )


def test_each_strategy_describes_its_step() -> None:
    watched = blue_green(rollback_window=Duration(60))
    preview = decide(model.ReleaseStatus(since=NOW), at=0, release=watched)
    assert preview.status.reason == (
        "Step 1 of 2: the candidate gets only the preview traffic (header X-Preview == true)."
    )
    switched = decide(preview.status, at=30, served=HEALTHY, release=watched)
    assert switched.status.reason == (
        "Every check passes at look 1 of 2. Step 2 of 2: all traffic switched to the candidate, "
        "watched for 60s."
    )
    longer = decide(preview.status, at=30, served=HEALTHY, release=blue_green(rollback_window=Duration(600)))
    assert longer.status.reason.endswith("all traffic switched to the candidate, watched for 600s.")
    cohort = decide(
        model.ReleaseStatus(since=NOW),
        at=0,
        release=policy(
            strategy=model.Strategy.AB, condition="user-agent == Firefox", condition_strength=pct(50)
        ),
    )
    assert (
        cohort.status.reason == "Step 1 of 1: the cohort user-agent == Firefox at 50% goes to the candidate."
    )
