"""The next move of a release (pure): from its policy, its stored status, the time and what was served.

The release controller (``vamp.services.releases.controller``) calls ``decide`` on every pass over a
release that is not over, and does what the ``moves.Plan`` says: put ``routing`` on the gateway (when the
gateway does not carry it already), slice the baseline out (``undeploy``), write ``status`` and record
``decision`` (when there is one). A plan that names ``gates`` asks for the webhooks of that moment first:
the controller calls them and decides again with their findings. Everything is in the status, so a
controller started after a crash, at any moment, takes the same decision:

1. a hand request (``requested``) comes first: ``paused`` stops where it is, ``running`` resumes a paused
   release (its step starts again), ``promoted`` puts all traffic on the candidate at once, ``aborted``
   puts it back on the baseline; each is recorded, and ``requested`` cleared;
2. a policy stored again that names another gateway, ``from`` or ``to`` is a new release: the old routes
   go back to the baseline, recorded as ``aborted``, and the release starts over from ``Pending``. One
   stored again with the same routes keeps the weights: a canary continues from the first step whose
   weight is at least the candidate's (recorded as ``resumed``, naming the revision);
3. ``Pending`` starts the first step (after its ``pre-step`` gates);
4. a step lasts at least ``interval`` and until the candidate served ``samples`` requests in it; until
   then the release is ``Progressing`` (within the interval) or ``Waiting`` (for samples: recorded once,
   never a failure). A step that waits longer than the policy's timeout pauses, with that reason;
5. then the judge looks (look ``step + 1`` of ``steps_of(policy)``) at everything served since the
   release started: a failing check (or a failed gate) rolls back or pauses (``on_failure``); a pass
   (after the ``post-step`` gates) sets the next step (after its ``pre-step`` gates), or, after the
   last, promotes (after the ``promote`` gates; ``undeploy`` slices the baseline) or holds (``Paused``
   at the last weights, ``on_success: hold``).

Blue-green's second step is the switch: it is judged on every pass for ``rollback_window`` (a failure
switches back) and promoted when the window is over. An A/B release judges its cohorts once: the
candidate wins (promoted, or held with the figures) or the baseline does (rolled back, or paused).
"""

from __future__ import annotations

from datetime import datetime

from vamp.core import model
from vamp.core.model import release as release_model
from vamp.core.releases import moves, traffic
from vamp.core.releases.judge import Criteria, Finding, Outcome, Verdict, judge
from vamp.core.releases.traffic import Routes, Routing
from vamp.core.units import Percentage

Phase = model.ReleasePhase
Action = model.DecisionAction
Moment = model.WebhookMoment


def criteria_of(policy: model.Release) -> Criteria:
    """The judge's criteria from a policy's ``checks``, ``confidence`` and ``samples``."""
    errors, latency = policy.checks.errors, policy.checks.latency
    return Criteria(
        confidence=float(policy.confidence.percent) / 100,
        min_samples=policy.samples,
        error_increase=_fraction(errors.max_increase) if errors else None,
        error_max=_fraction(errors.max) if errors else None,
        latency_percentile=latency.percentile if latency else 99.0,
        latency_increase=_fraction(latency.max_increase) if latency else None,
        latency_max=latency.max if latency else None,
    )


def judging(policy: model.Release, status: model.ReleaseStatus, now: datetime) -> bool:
    """Whether a pass at ``now`` may judge (so the controller takes a fresh measurement first)."""
    if status.phase not in (Phase.PROGRESSING, Phase.WAITING):
        return False
    if _watching(policy, status):
        return True
    return now - status.since >= moves.seconds(policy.interval.seconds)


def baseline_until(policy: model.Release, status: model.ReleaseStatus) -> datetime | None:
    """Where the baseline's window ends: at the switch during blue-green's watch, else now (``None``)."""
    return status.since if _watching(policy, status) else None


def decide(inputs: moves.Inputs, status: model.ReleaseStatus) -> moves.Plan:
    """The next move of the release whose stored status is ``status``."""
    if status.final:
        return moves.Plan(status)
    routes = inputs.routes
    if status.requested is not None:
        return _requested(inputs, status, status.requested)
    if status.phase is not Phase.PENDING and _moved(status, routes):
        return _restarted(inputs, status)
    if status.phase is Phase.PENDING:
        return _start(inputs, status)
    if status.policy_revision is not None and status.policy_revision != inputs.revision:
        return _revised(inputs, status)
    step = status.step or 0
    keep = traffic.held(inputs.policy, routes, step, status.weights)
    if status.phase is Phase.PAUSED:
        return moves.Plan(status, routing=keep if status.weights else None)
    if status.started is None:
        return _start(inputs, status)
    return _running(inputs, status, step, keep)


def _requested(inputs: moves.Inputs, status: model.ReleaseStatus, requested: model.Requested) -> moves.Plan:
    step, routes, now = status.step, inputs.routes, inputs.now
    cleared = status.model_copy(update={"requested": None})
    keep = None if not status.weights else traffic.held(inputs.policy, routes, step or 0, status.weights)
    if requested is model.Requested.PAUSED:
        if status.phase is Phase.PAUSED:
            return moves.Plan(cleared, routing=keep)
        reason = f"Paused by hand{moves.at_step(step)}."
        return moves.moved_to(cleared, Phase.PAUSED, Action.PAUSED, reason, now, keep, since=now)
    if requested is model.Requested.RUNNING:
        if status.phase is Phase.PENDING:
            return moves.Plan(cleared)
        if status.step is None:
            return _start(inputs, cleared)
        reason = f"Resumed by hand{moves.at_step(step)}: the step starts again."
        if status.phase is not Phase.PAUSED:
            reason = f"Resume asked by hand{moves.at_step(step)}; the release was already running."
            return moves.recorded(cleared, Action.RESUMED, reason, now, keep)
        return moves.moved_to(cleared, Phase.PROGRESSING, Action.RESUMED, reason, now, keep, since=now)
    if requested is model.Requested.PROMOTED:
        return moves.promote(inputs, cleared, "Promoted by hand: all traffic to the candidate.", ())
    reason = "Aborted by hand: all traffic back to the baseline."
    return moves.moved_to(
        cleared, Phase.ABORTED, Action.ABORTED, reason, now, traffic.rolled_back(routes), since=now
    )


def _moved(status: model.ReleaseStatus, routes: Routes) -> bool:
    """Whether the policy now names other routes than those the status set weights on."""
    if status.gateway is None or status.baseline is None or status.candidate is None:
        return False
    return (status.gateway, status.baseline, status.candidate) != (
        routes.gateway,
        routes.baseline,
        routes.candidate,
    )


def _restarted(inputs: moves.Inputs, status: model.ReleaseStatus) -> moves.Plan:
    old = Routes(status.gateway or "", status.baseline or "", status.candidate or "")
    reason = (
        f"Policy revision {inputs.revision} names other routes ({inputs.routes.gateway}: "
        f"{inputs.routes.baseline} -> {inputs.routes.candidate}): all traffic of {old.gateway} back to "
        f"{old.baseline}; the release starts again."
    )
    fresh = model.ReleaseStatus(
        since=inputs.now, reason=reason, decisions=status.decisions, dropped=status.dropped
    )
    decision = model.Decision(
        at=inputs.now,
        step=status.step,
        action=Action.ABORTED,
        reason=reason,
        weights=traffic.rolled_back(old).weights,
    )
    return moves.Plan(fresh, decision, traffic.rolled_back(old))


def _start(inputs: moves.Inputs, status: model.ReleaseStatus) -> moves.Plan:
    routes, now = inputs.routes, inputs.now
    started = status.model_copy(
        update={
            "started": now,
            "gateway": routes.gateway,
            "baseline": routes.baseline,
            "candidate": routes.candidate,
            "policy_revision": inputs.revision,
        }
    )
    return _enter_step(inputs, started, 0, ())


def _revised(inputs: moves.Inputs, status: model.ReleaseStatus) -> moves.Plan:
    policy, routes = inputs.policy, inputs.routes
    step = status.step or 0
    if policy.strategy is model.Strategy.CANARY:
        current = status.weights.get(routes.candidate, traffic.NONE)
        step = traffic.first_step_at_least(policy, current)
    step = min(step, traffic.steps_of(policy) - 1)
    reason = f"Policy revision {inputs.revision} taken at step {step + 1} of {traffic.steps_of(policy)}."
    revised = status.model_copy(update={"policy_revision": inputs.revision, "step": step})
    keep = traffic.held(policy, routes, step, status.weights)
    return moves.recorded(revised, Action.RESUMED, reason, inputs.now, keep)


def _running(inputs: moves.Inputs, status: model.ReleaseStatus, step: int, keep: Routing) -> moves.Plan:
    policy, now, served = inputs.policy, inputs.now, inputs.served
    waited = now - status.since
    watching = _watching(policy, status)
    if not watching and waited < moves.seconds(policy.interval.seconds):
        return moves.Plan(status, routing=keep)
    looks = traffic.steps_of(policy)
    if served.step < policy.samples:
        counted = f"the candidate served {served.step} of the {policy.samples} requests this step needs"
        return moves.wait(
            inputs, status, keep, f"Waiting for samples at step {step + 1} of {looks}: {counted}."
        )
    verdict = judge(criteria_of(policy), served.baseline, served.candidate, look=step + 1, looks=looks)
    if verdict.outcome is Outcome.FAIL:
        return moves.failed(inputs, status, verdict.reason, verdict.findings, keep, verdict)
    if verdict.outcome is Outcome.WAIT:
        return moves.wait(inputs, status, keep, f"Step {step + 1} of {looks}: {verdict.reason}", verdict)
    if watching and waited < moves.seconds(
        (policy.rollback_window or release_model.DEFAULT_INTERVAL).seconds
    ):
        return moves.Plan(status, routing=keep, verdict=verdict)
    gate = _gate(inputs, Moment.POST_STEP)
    if gate is not None:
        return _gated(gate, inputs, status, keep, verdict)
    last = step + 1 >= looks or (
        policy.strategy is model.Strategy.BLUE_GREEN and not policy.rollback_window and step == 0
    )
    if last:
        return _succeeded(inputs, status, verdict)
    plan = _enter_step(inputs, status, step + 1, verdict.findings, verdict.reason)
    return moves.Plan(plan.status, plan.decision, plan.routing, plan.undeploy, plan.gates, verdict)


def _enter_step(
    inputs: moves.Inputs,
    status: model.ReleaseStatus,
    step: int,
    findings: tuple[Finding, ...],
    judged: str = "",
) -> moves.Plan:
    policy, routes, now = inputs.policy, inputs.routes, inputs.now
    keep = traffic.held(policy, routes, status.step or 0, status.weights) if status.weights else None
    gate = _gate(inputs, Moment.PRE_STEP)
    if gate is not None:
        return _gated(gate, inputs, status, keep, None)
    routing = traffic.at_step(policy, routes, step)
    looks = traffic.steps_of(policy)
    reason = f"Step {step + 1} of {looks}: {_describe(policy, routing, step)}."
    if judged:
        reason = f"{judged} {reason}"
    gates = tuple(finding for found in inputs.gates.values() for finding in found)
    entered = status.model_copy(
        update={
            "phase": Phase.PROGRESSING,
            "step": step,
            "weights": routing.weights,
            "since": now,
            "reason": reason,
        }
    )
    decision = model.Decision(
        at=now,
        step=step,
        action=Action.STEP,
        reason=reason,
        weights=routing.weights,
        findings=moves.findings_data(findings + gates),
    )
    return moves.Plan(entered, decision, routing)


def _succeeded(inputs: moves.Inputs, status: model.ReleaseStatus, verdict: Verdict) -> moves.Plan:
    policy, routes, now = inputs.policy, inputs.routes, inputs.now
    if policy.on_success is model.OnSuccess.HOLD:
        keep = traffic.held(policy, routes, status.step or 0, status.weights)
        reason = (
            f"{_figures(policy, verdict)} Every step passed; holding at these weights (on_success: hold)."
        )
        paused = status.model_copy(update={"phase": Phase.PAUSED, "reason": reason, "since": now})
        decision = model.Decision(
            at=now,
            step=status.step,
            action=Action.PAUSED,
            reason=reason,
            weights=keep.weights,
            findings=moves.findings_data(verdict.findings),
        )
        return moves.Plan(paused, decision, keep, verdict=verdict)
    gate = _gate(inputs, Moment.PROMOTE)
    if gate is not None:
        keep = traffic.held(policy, routes, status.step or 0, status.weights)
        return _gated(gate, inputs, status, keep, verdict)
    gates = tuple(finding for found in inputs.gates.values() for finding in found)
    reason = f"{_figures(policy, verdict)} Every step passed: promoted."
    plan = moves.promote(inputs, status, reason, verdict.findings + gates)
    return moves.Plan(plan.status, plan.decision, plan.routing, plan.undeploy, None, verdict)


def _gate(inputs: moves.Inputs, moment: Moment) -> Moment | Finding | None:
    """``moment`` when its webhooks were not called yet, a failed one's finding, or ``None`` (passed)."""
    if not any(hook.on is moment for hook in inputs.policy.webhooks):
        return None
    found = inputs.gates.get(moment)
    if found is None:
        return moment
    return next((finding for finding in found if finding.outcome is Outcome.FAIL), None)


def _gated(
    gate: Moment | Finding,
    inputs: moves.Inputs,
    status: model.ReleaseStatus,
    keep: Routing | None,
    verdict: Verdict | None,
) -> moves.Plan:
    if isinstance(gate, Moment):
        return moves.Plan(status, routing=keep, gates=gate, verdict=verdict)
    findings = (verdict.findings if verdict else ()) + (gate,)
    return moves.failed(inputs, status, gate.reason, findings, keep, verdict)


def _watching(policy: model.Release, status: model.ReleaseStatus) -> bool:
    """Whether a blue-green release has switched and is watching its rollback window."""
    return policy.strategy is model.Strategy.BLUE_GREEN and (status.step or 0) >= 1


def _describe(policy: model.Release, routing: Routing, step: int) -> str:
    if policy.strategy is model.Strategy.BLUE_GREEN and step == 0:
        return f"the candidate gets only the preview traffic ({routing.condition})"
    if policy.strategy is model.Strategy.BLUE_GREEN:
        window = policy.rollback_window or release_model.DEFAULT_INTERVAL
        return f"all traffic switched to the candidate, watched for {window}"
    if policy.strategy is model.Strategy.AB:
        return f"the cohort {routing.condition} at {routing.strength} goes to the candidate"
    return f"the candidate at {routing.candidate}, the baseline at {routing.baseline}"


def _figures(policy: model.Release, verdict: Verdict) -> str:
    """The verdict's reason; for an A/B release, every check's figures (both cohorts)."""
    if policy.strategy is not model.Strategy.AB or not verdict.findings:
        return verdict.reason
    baseline, candidate = verdict.findings[0].samples
    cohorts = (
        f"Cohorts: the baseline served {baseline} requests, the candidate ({policy.condition}) {candidate}."
    )
    return " ".join((cohorts, *(finding.reason for finding in verdict.findings)))


def _fraction(value: Percentage | None) -> float | None:
    return None if value is None else float(value.percent) / 100
