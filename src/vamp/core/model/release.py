"""Releases (issue 11): a policy that moves a gateway's traffic from one route to another, and its status.

``Release`` is the policy a user writes (``kind: releases``): which gateway, from which route (the
baseline) to which (the candidate), by which strategy, in which steps, judged by which checks, and what
to do on failure and on success. It is stored, versioned and namespaced like every other kind.

``ReleaseStatus`` is what the release controller (services layer) writes while it runs the policy: the
phase, the step, the weights it set, the phase a user asked for by hand (``requested``) and the recorded
decisions, newest last and bounded (``with_decision``). It is stored apart from the policy, so a user's
PUT of the policy never wipes it. Both are plain values; nothing here runs anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from vamp.core.model.base import Metadata, Model
from vamp.core.units import Duration, Percentage


class Strategy(StrEnum):
    """How the candidate gets traffic: in steps (canary), at once after a preview (blue-green), or by a
    cohort that a condition picks (ab)."""

    CANARY = "canary"
    BLUE_GREEN = "blue-green"
    AB = "ab"


class OnFailure(StrEnum):
    """What a failed check does: all traffic back to the baseline, or stop where it is."""

    ROLLBACK = "rollback"
    PAUSE = "pause"


class OnSuccess(StrEnum):
    """What passing the last step does: all traffic to the candidate, or stay at the last step's weights."""

    PROMOTE = "promote"
    HOLD = "hold"


class WebhookMoment(StrEnum):
    """When a webhook gate is called: before a step's weights are set, after its checks pass, or before
    promoting."""

    PRE_STEP = "pre-step"
    POST_STEP = "post-step"
    PROMOTE = "promote"


DEFAULT_STEPS = tuple(Percentage.of(weight) for weight in (5, 10, 25, 50, 100))
"""A canary's steps when none are given."""
DEFAULT_INTERVAL = Duration(60)
DEFAULT_SAMPLES = 200
DEFAULT_CONFIDENCE = Percentage.of(95)
DEFAULT_WEBHOOK_TIMEOUT = Duration(10)
DEFAULT_CONDITION_STRENGTH = Percentage.of(100)
MINIMUM_TIMEOUT = Duration(300)
"""The shortest timeout a release gets when it gives none (with 10 × its interval when that is longer)."""
TIMEOUT_INTERVALS = 10


class ErrorsCheck(Model):
    """The candidate's error (5xx) rate: at most ``max_increase`` above the baseline's (one-sided, at the
    release's confidence), and never above ``max`` (an absolute guard). ``None``: not checked."""

    max_increase: Percentage | None = None
    max: Percentage | None = None


class LatencyCheck(Model):
    """The candidate's latency at ``percentile``: at most ``max_increase`` above the baseline's (relative),
    and never above ``max`` milliseconds (an absolute guard). ``None``: not checked."""

    percentile: float = 99.0
    max_increase: Percentage | None = None
    max: float | None = None


DEFAULT_ERRORS_CHECK = ErrorsCheck(max_increase=Percentage.of(1))


class Checks(Model):
    """What a step is judged by; a release that names no checks is judged by errors (+1 % at most)."""

    errors: ErrorsCheck | None = DEFAULT_ERRORS_CHECK
    latency: LatencyCheck | None = None


class Webhook(Model):
    """A gate: ``url`` is called ``on`` a moment; a non-2xx answer or no answer in ``timeout`` fails it."""

    name: str
    url: str
    on: WebhookMoment
    timeout: Duration = DEFAULT_WEBHOOK_TIMEOUT


class Release(Model):
    """A release policy (``kind: releases``).

    ``from_`` (``from`` in the DSL) and ``to`` name routes of ``gateway``: a route name, a service name or
    a selector route (``(1.0.3)``). ``steps`` are the candidate's weights in order (canary only; ``step``
    and ``max`` in the DSL expand to them). A step lasts at least ``interval`` and until the candidate saw
    ``samples`` requests; one that waits longer than ``effective_timeout`` pauses. ``preview`` and
    ``rollback_window`` belong to blue-green, ``condition`` and ``condition_strength`` to ab.
    """

    kind: Literal["releases"] = "releases"
    name: str
    gateway: str
    from_: str
    to: str
    strategy: Strategy = Strategy.CANARY
    steps: tuple[Percentage, ...] = DEFAULT_STEPS
    interval: Duration = DEFAULT_INTERVAL
    samples: int = DEFAULT_SAMPLES
    timeout: Duration | None = None
    checks: Checks = Checks()
    confidence: Percentage = DEFAULT_CONFIDENCE
    on_failure: OnFailure = OnFailure.ROLLBACK
    on_success: OnSuccess = OnSuccess.PROMOTE
    undeploy: bool = False
    preview: str | None = None
    rollback_window: Duration | None = None
    condition: str | None = None
    condition_strength: Percentage | None = None
    webhooks: tuple[Webhook, ...] = ()
    metadata: Metadata = {}

    @property
    def effective_timeout(self) -> Duration:
        """How long one step may wait for its samples before the release pauses: ``timeout`` when given,
        else 10 × ``interval``, and at least five minutes."""
        if self.timeout is not None:
            return self.timeout
        return Duration(max(MINIMUM_TIMEOUT.seconds, TIMEOUT_INTERVALS * self.interval.seconds))


class ReleasePhase(StrEnum):
    """Where a release is. ``FINAL`` phases never change again by themselves."""

    PENDING = "Pending"
    PROGRESSING = "Progressing"
    WAITING = "Waiting"
    PAUSED = "Paused"
    PROMOTED = "Promoted"
    ROLLED_BACK = "RolledBack"
    ABORTED = "Aborted"
    FAILED = "Failed"


FINAL_PHASES = frozenset(
    {ReleasePhase.PROMOTED, ReleasePhase.ROLLED_BACK, ReleasePhase.ABORTED, ReleasePhase.FAILED}
)


class Requested(StrEnum):
    """What a user asked for by hand (``PUT /api/v1/releases/{name}/status``): stop where it is, go on,
    skip to the end (all traffic to the candidate), or roll back and stop."""

    PAUSED = "paused"
    RUNNING = "running"
    PROMOTED = "promoted"
    ABORTED = "aborted"


class DecisionAction(StrEnum):
    """What a decision did."""

    STEP = "step"
    WAITING = "waiting"
    PAUSED = "paused"
    ROLLED_BACK = "rolled-back"
    PROMOTED = "promoted"
    ABORTED = "aborted"
    RESUMED = "resumed"


class Decision(Model):
    """One recorded decision: when, at which step, what it did and why, the weights it left, and the
    findings it was based on — plain mappings with ``check``, ``outcome``, ``baseline``, ``candidate``,
    ``statistic``, ``p_value``, ``samples`` and ``reason`` (what the judge reports)."""

    at: datetime
    step: int | None = None
    action: DecisionAction
    reason: str = ""
    weights: dict[str, Percentage] = {}
    findings: tuple[Mapping[str, Any], ...] = ()


MAX_DECISIONS = 200
"""How many decisions a status keeps; older ones are dropped (and counted in ``dropped``)."""


class ReleaseStatus(Model):
    """Where a release is, as its controller last wrote it.

    ``step`` is the index into the policy's steps (``None`` before the first); ``weights`` the weight of
    each route as set; ``since`` when the phase (or step) began; ``requested`` the phase a user asked for
    by hand and the controller has not acted on yet (it clears it when it has); ``policy_revision`` the
    revision of the policy the controller acts on (a policy stored again while running has a newer one).
    ``started`` is when the first step began (the judge reads everything served since), ``gateway``,
    ``baseline`` and ``candidate`` the gateway and the full route paths the controller set weights on (so
    that it can put them back when a policy stored again names other routes).
    ``decisions`` are the newest ``MAX_DECISIONS``, oldest first; ``dropped`` counts the older ones.
    """

    phase: ReleasePhase = ReleasePhase.PENDING
    step: int | None = None
    weights: dict[str, Percentage] = {}
    since: datetime
    reason: str = ""
    requested: Requested | None = None
    policy_revision: int | None = None
    started: datetime | None = None
    gateway: str | None = None
    baseline: str | None = None
    candidate: str | None = None
    decisions: tuple[Decision, ...] = ()
    dropped: int = 0

    @property
    def final(self) -> bool:
        return self.phase in FINAL_PHASES

    def with_decision(self, decision: Decision, *, keep: int = MAX_DECISIONS) -> ReleaseStatus:
        """This status with ``decision`` appended, keeping the newest ``keep`` decisions."""
        decisions = (*self.decisions, decision)
        over = max(0, len(decisions) - keep)
        return self.model_copy(update={"decisions": decisions[over:], "dropped": self.dropped + over})
