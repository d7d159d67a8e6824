"""Which weights and condition a release puts on its gateway at each step of its strategy (pure).

A release touches two routes of one gateway: the baseline (``from``) and the candidate (``to``), by full
route path. ``Routing`` is what they should carry: the baseline's and the candidate's weight (every other
route of the gateway gets 0 %) and the condition (with its strength) on the candidate route, or none.

* canary, step ``i``: the candidate at ``steps[i]``, the baseline at the rest, no condition;
* blue-green, step 0 (the preview): the candidate at 0 % with the ``preview`` condition at 100 %
  strength, so only matching requests reach it; step 1 (the switch): the candidate at 100 %;
* ab, step 0: the candidate at 0 % with the ``condition`` at ``condition_strength`` (100 % by default);
* promoted: the candidate at 100 %, no condition; rolled back: the baseline at 100 %, no condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vamp.core import model
from vamp.core.model import release as release_model
from vamp.core.units import Percentage

FULL = Percentage(Percentage.FULL)
NONE = Percentage(0)
BLUE_GREEN_STEPS = 2
"""The preview, then the switch (watched for ``rollback_window``)."""


@dataclass(frozen=True, slots=True)
class Routes:
    """The gateway and the two routes a release moves traffic between, by full route path."""

    gateway: str
    baseline: str
    candidate: str


@dataclass(frozen=True, slots=True)
class Routing:
    """What ``routes`` should carry: the two weights, and the candidate route's condition (``None``: none)."""

    routes: Routes
    baseline: Percentage
    candidate: Percentage
    condition: str | None = None
    strength: Percentage | None = None

    @property
    def weights(self) -> dict[str, Percentage]:
        """The weights as a status keeps them, by route path."""
        return {self.routes.baseline: self.baseline, self.routes.candidate: self.candidate}


def steps_of(policy: model.Release) -> int:
    """How many steps (and so looks of the judge) ``policy`` takes."""
    if policy.strategy is model.Strategy.CANARY:
        return max(1, len(policy.steps))
    if policy.strategy is model.Strategy.BLUE_GREEN:
        return BLUE_GREEN_STEPS
    return 1


def at_step(policy: model.Release, routes: Routes, step: int) -> Routing:
    """The routing of step ``step`` (0-based) of ``policy``."""
    if policy.strategy is model.Strategy.CANARY:
        weights = policy.steps or (FULL,)
        candidate = weights[min(step, len(weights) - 1)]
        return Routing(routes, Percentage(Percentage.FULL - candidate.hundredths), candidate)
    if policy.strategy is model.Strategy.BLUE_GREEN:
        if step == 0:
            return Routing(routes, FULL, NONE, policy.preview, FULL if policy.preview else None)
        return promoted(routes)
    strength = policy.condition_strength or release_model.DEFAULT_CONDITION_STRENGTH
    return Routing(routes, FULL, NONE, policy.condition, strength if policy.condition else None)


def promoted(routes: Routes) -> Routing:
    """All traffic to the candidate."""
    return Routing(routes, NONE, FULL)


def rolled_back(routes: Routes) -> Routing:
    """All traffic back to the baseline."""
    return Routing(routes, FULL, NONE)


def held(policy: model.Release, routes: Routes, step: int, weights: Mapping[str, Percentage]) -> Routing:
    """The routing a status that is not moving keeps: the weights it set, the condition of its step."""
    stepped = at_step(policy, routes, step)
    baseline = weights.get(routes.baseline)
    candidate = weights.get(routes.candidate)
    if baseline is None or candidate is None:
        return stepped
    if candidate == FULL and policy.strategy is not model.Strategy.CANARY:
        return promoted(routes)
    return Routing(routes, baseline, candidate, stepped.condition, stepped.strength)


def first_step_at_least(policy: model.Release, weight: Percentage) -> int:
    """The first canary step whose weight is at least ``weight`` (the last step when none is)."""
    for index, step in enumerate(policy.steps):
        if weight <= step:
            return index
    return max(0, len(policy.steps) - 1)
