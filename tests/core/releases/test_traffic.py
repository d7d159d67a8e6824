"""Which weights and condition a release puts on its gateway: a policy stored again continues at the
first step at least as heavy, steps past the last keep its weight, a held release keeps its weights."""

from __future__ import annotations

import pytest

from tests.core.releases.test_progress import BASELINE, CANDIDATE, ROUTES, blue_green, pct, policy
from vamp.core import model
from vamp.core.releases import traffic


@pytest.mark.parametrize(
    ("weight", "step"), [(0, 0), (5, 0), (6, 1), (20, 1), (21, 2), (60, 2), (61, 3), (100, 3)]
)
def test_a_policy_stored_again_continues_at_the_first_step_at_least_as_heavy(weight: int, step: int) -> None:
    release = policy(steps=(pct(5), pct(20), pct(60), pct(100)))
    assert traffic.first_step_at_least(release, pct(weight)) == step


def test_a_policy_without_a_heavier_step_continues_at_its_last() -> None:
    assert traffic.first_step_at_least(policy(steps=(pct(5), pct(20))), pct(50)) == 1
    assert traffic.first_step_at_least(policy(steps=()), pct(50)) == 0


def test_steps_past_the_last_keep_its_weight() -> None:
    release = policy(steps=(pct(10), pct(50)))
    routing = traffic.at_step(release, ROUTES, 5)
    assert (str(routing.baseline), str(routing.candidate)) == ("50%", "50%")
    assert str(traffic.at_step(release, ROUTES, 0).candidate) == "10%"


def test_a_held_release_keeps_its_weights_and_its_steps_condition() -> None:
    release = policy(
        strategy=model.Strategy.AB, condition="user-agent == Firefox", condition_strength=pct(50)
    )
    held = traffic.held(release, ROUTES, 0, {BASELINE: pct(100), CANDIDATE: pct(0)})
    assert (str(held.baseline), str(held.candidate), held.condition, str(held.strength)) == (
        "100%",
        "0%",
        "user-agent == Firefox",
        "50%",
    )
    only_one = traffic.held(release, ROUTES, 0, {BASELINE: pct(70)})
    assert (str(only_one.baseline), str(only_one.candidate)) == ("100%", "0%"), "the step's weights"
    switched = traffic.held(blue_green(), ROUTES, 1, {BASELINE: pct(0), CANDIDATE: pct(100)})
    assert (str(switched.baseline), str(switched.candidate), switched.condition) == ("0%", "100%", None)
    canary = traffic.held(policy(), ROUTES, 2, {BASELINE: pct(0), CANDIDATE: pct(100)})
    assert (canary.routes, str(canary.candidate)) == (ROUTES, "100%")


def test_a_held_release_carries_its_own_routes_and_all_traffic_drops_the_condition() -> None:
    switched = traffic.held(blue_green(), ROUTES, 1, {BASELINE: pct(0), CANDIDATE: pct(100)})
    assert switched.routes == ROUTES
    ab = policy(strategy=model.Strategy.AB, condition="user-agent == Firefox")
    whole = traffic.held(ab, ROUTES, 0, {BASELINE: pct(0), CANDIDATE: pct(100)})
    assert (whole.routes, str(whole.candidate), whole.condition, whole.strength) == (
        ROUTES,
        "100%",
        None,
        None,
    )
    assert traffic.held(ab, ROUTES, 0, {}).routes == ROUTES


def test_without_a_preview_or_condition_no_strength_is_set() -> None:
    bare = policy(strategy=model.Strategy.BLUE_GREEN)
    assert (traffic.at_step(bare, ROUTES, 0).condition, traffic.at_step(bare, ROUTES, 0).strength) == (
        None,
        None,
    )
    cohortless = policy(strategy=model.Strategy.AB)
    assert traffic.at_step(cohortless, ROUTES, 0).strength is None


def test_a_canary_of_one_step_takes_one_look() -> None:
    assert traffic.steps_of(policy(steps=(pct(100),))) == 1
    assert traffic.steps_of(policy(steps=())) == 1
