"""The moves a release makes, as plans for its controller: enter a phase, promote, fail, wait, record.

``Inputs`` is what ``progress.decide`` reads besides the stored status (the policy and its revision, the
routes, the time, what was served, the findings of the webhooks called so far); ``Plan`` is what it
answers: the status to write, the decision to record, the routing to put on the gateway, whether to slice
the baseline out, and the webhooks to call first. The functions here build the plans ``progress`` picks:
``promote`` (all traffic to the candidate), ``failed`` (roll back or pause, by ``on_failure``), ``wait``
(recorded once; paused past the timeout, never failed), ``recorded`` and ``moved_to`` (a decision, and a
new phase). ``findings_data`` is how a decision keeps the judge's findings. Pure, like all of
``vamp.core.releases``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from vamp.core import model
from vamp.core.releases import traffic
from vamp.core.releases.judge import Finding, Sample, Verdict
from vamp.core.releases.traffic import Routes, Routing

Phase = model.ReleasePhase
Action = model.DecisionAction
Moment = model.WebhookMoment

EMPTY = Sample(0, 0, (), ())


@dataclass(frozen=True, slots=True)
class Served:
    """What the routes served, as the judge reads it: ``baseline`` and ``candidate`` cumulative since the
    release started (the baseline until the switch, for blue-green's second step), and ``step`` the
    candidate's requests since the current step began."""

    baseline: Sample = EMPTY
    candidate: Sample = EMPTY
    step: int = 0


@dataclass(frozen=True, slots=True)
class Plan:
    """What the controller does next: see ``progress``."""

    status: model.ReleaseStatus
    decision: model.Decision | None = None
    routing: Routing | None = None
    """What the gateway should carry; ``None``: leave it."""
    undeploy: bool = False
    gates: Moment | None = None
    """Call the webhooks of this moment and decide again with their findings."""
    verdict: Verdict | None = None


@dataclass(frozen=True, slots=True)
class Inputs:
    """Everything ``decide`` reads besides the status."""

    policy: model.Release
    revision: int
    routes: Routes
    now: datetime
    served: Served = Served()
    gates: Mapping[Moment, tuple[Finding, ...]] = field(default_factory=dict)


def promote(inputs: Inputs, status: model.ReleaseStatus, reason: str, findings: tuple[Finding, ...]) -> Plan:
    routing = traffic.promoted(inputs.routes)
    undeploy = inputs.policy.undeploy
    if undeploy and inputs.routes.baseline.startswith("("):
        reason += f" Nothing to undeploy: the baseline {inputs.routes.baseline} is a selector route."
        undeploy = False
    elif undeploy:
        reason += f" The baseline {inputs.routes.baseline} is sliced out of its deployment."
    promoted = status.model_copy(
        update={"phase": Phase.PROMOTED, "weights": routing.weights, "since": inputs.now, "reason": reason}
    )
    decision = model.Decision(
        at=inputs.now,
        step=status.step,
        action=Action.PROMOTED,
        reason=reason,
        weights=routing.weights,
        findings=findings_data(findings),
    )
    return Plan(promoted, decision, routing, undeploy)


def failed(
    inputs: Inputs,
    status: model.ReleaseStatus,
    why: str,
    findings: tuple[Finding, ...],
    keep: Routing | None,
    verdict: Verdict | None,
) -> Plan:
    now, step = inputs.now, status.step
    if inputs.policy.on_failure is model.OnFailure.PAUSE:
        reason = f"{why} Paused{at_step(step)} (on_failure: pause)."
        paused = status.model_copy(update={"phase": Phase.PAUSED, "reason": reason, "since": now})
        weights = keep.weights if keep is not None else dict(status.weights)
        decision = model.Decision(
            at=now,
            step=step,
            action=Action.PAUSED,
            reason=reason,
            weights=weights,
            findings=findings_data(findings),
        )
        return Plan(paused, decision, keep, verdict=verdict)
    routing = traffic.rolled_back(inputs.routes)
    reason = f"{why} Rolled back{at_step(step)}: all traffic to the baseline."
    rolled = status.model_copy(
        update={"phase": Phase.ROLLED_BACK, "weights": routing.weights, "reason": reason, "since": now}
    )
    decision = model.Decision(
        at=now,
        step=step,
        action=Action.ROLLED_BACK,
        reason=reason,
        weights=routing.weights,
        findings=findings_data(findings),
    )
    return Plan(rolled, decision, routing, verdict=verdict)


def wait(
    inputs: Inputs, status: model.ReleaseStatus, keep: Routing, reason: str, verdict: Verdict | None = None
) -> Plan:
    now, timeout = inputs.now, inputs.policy.effective_timeout
    findings = findings_data(verdict.findings) if verdict else ()

    def decided(action: Action, why: str) -> model.Decision:
        return model.Decision(
            at=now, step=status.step, action=action, reason=why, weights=keep.weights, findings=findings
        )

    if now - status.since > seconds(timeout.seconds):
        why = f"{reason} The step waited longer than its timeout of {timeout}."
        paused = status.model_copy(update={"phase": Phase.PAUSED, "reason": why, "since": now})
        return Plan(paused, decided(Action.PAUSED, why), keep, verdict=verdict)
    if status.phase is Phase.WAITING:
        # Recorded once; the reason keeps its figures current (what `vamp release status` shows).
        return Plan(status.model_copy(update={"reason": reason}), routing=keep, verdict=verdict)
    waiting = status.model_copy(update={"phase": Phase.WAITING, "reason": reason})
    return Plan(waiting, decided(Action.WAITING, reason), keep, verdict=verdict)


def recorded(
    status: model.ReleaseStatus, action: Action, reason: str, now: datetime, keep: Routing | None
) -> Plan:
    weights = keep.weights if keep is not None else dict(status.weights)
    decision = model.Decision(at=now, step=status.step, action=action, reason=reason, weights=weights)
    return Plan(status.model_copy(update={"reason": reason}), decision, keep)


def moved_to(
    status: model.ReleaseStatus,
    phase: Phase,
    action: Action,
    reason: str,
    now: datetime,
    routing: Routing | None,
    *,
    since: datetime,
) -> Plan:
    weights = routing.weights if routing is not None else dict(status.weights)
    moved = status.model_copy(update={"phase": phase, "reason": reason, "since": since, "weights": weights})
    decision = model.Decision(at=now, step=status.step, action=action, reason=reason, weights=weights)
    return Plan(moved, decision, routing)


def at_step(step: int | None) -> str:
    return "" if step is None else f" at step {step + 1}"


def findings_data(findings: tuple[Finding, ...]) -> tuple[Mapping[str, Any], ...]:
    return tuple(
        {
            "check": finding.check,
            "outcome": finding.outcome.value,
            "baseline": finding.baseline,
            "candidate": finding.candidate,
            "statistic": finding.statistic,
            "p_value": finding.p_value,
            "level": finding.level,
            "samples": list(finding.samples),
            "reason": finding.reason,
        }
        for finding in findings
    )


def seconds(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)
