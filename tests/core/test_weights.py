"""Vamp's weight rules: filling missing weights, the 0-or-100 rule and normalisation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vamp.core.routing import weights
from vamp.core.units import Percentage


def percent(*values: int | None) -> list[Percentage | None]:
    return [None if value is None else Percentage.of(value) for value in values]


@pytest.mark.parametrize(
    ("given_weights", "filled"),
    [
        ((100, None), ("100%", "0%")),
        ((None, None), ("50%", "50%")),
        ((None, None, None), ("33.33%", "33.33%", "33.34%")),
        ((60, None, None), ("60%", "20%", "20%")),
        ((50, 50), ("50%", "50%")),
        ((), ()),
    ],
)
def test_routes_without_a_weight_share_what_is_left(given_weights, filled):
    result = weights.fill(percent(*given_weights))
    assert result is not None
    assert [str(weight) for weight in result] == list(filled)


def test_fill_refuses_more_than_100_percent():
    assert weights.fill(percent(70, 40, None)) is None


@pytest.mark.parametrize(
    ("given_weights", "problem"),
    [
        ((100, 0), None),
        ((0, 0), None),
        ((90, None), None),
        ((33, 33, 33), "the route weights total 99%, but must total either 0% or 100%"),
        ((60, 60), "the route weights total 120%, but must total either 0% or 100%"),
    ],
)
def test_weights_total_zero_or_one_hundred(given_weights, problem):
    assert weights.total_problem(percent(*given_weights)) == problem


@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12))
def test_normalised_weights_total_the_target_and_are_never_negative(values):
    result = weights.normalise(values)
    assert sum(result) == weights.FULL
    assert all(value >= 0 for value in result)


@pytest.mark.parametrize("values", [[-1], [50, -1], [0, 0, -5]])
def test_normalise_refuses_negative_weights(values):
    with pytest.raises(ValueError, match=r"^weights cannot be negative$"):
        weights.normalise(values)


@given(st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)), max_size=8))
def test_filled_weights_total_zero_or_one_hundred_when_they_fit(hundredths):
    given_weights = [None if value is None else Percentage(value) for value in hundredths]
    filled = weights.fill(given_weights)
    if filled is None:
        assert weights.total(given_weights) > weights.FULL
        return
    assert all(weight.hundredths >= 0 for weight in filled)
    if any(value is None for value in hundredths):
        assert sum(weight.hundredths for weight in filled) == weights.FULL


def test_condition_strength_defaults_to_full_with_a_condition():
    assert weights.default_strength(None, has_condition=True) == Percentage.of(100)
    assert weights.default_strength(None, has_condition=False) == Percentage.of(0)
    assert weights.default_strength(Percentage.of(50), has_condition=True) == Percentage.of(50)


@pytest.mark.parametrize(
    ("values", "normalised"),
    [
        # all zeros share evenly, the earlier entries taking the remainder
        ((0, 0, 0), (3334, 3333, 3333)),
        ((0, 0), (5000, 5000)),
        # equal thirds: the first of the tied remainders takes the spare hundredth
        ((1, 1, 1), (3334, 3333, 3333)),
        # two thirds against one: the larger remainder takes it, wherever it stands
        ((2, 1), (6667, 3333)),
        ((1, 2), (3333, 6667)),
        ((1, 1, 4), (1667, 1667, 6666)),
        ((3, 0, 1), (7500, 0, 2500)),
        ((0, 7), (0, 10000)),
        ((), ()),
    ],
)
def test_normalised_weights_take_the_largest_remainders_first(values, normalised):
    assert weights.normalise(values) == normalised


def test_normalise_scales_to_any_target():
    assert weights.normalise([1, 1], target=3) == (2, 1)
    assert weights.normalise([0, 0, 0], target=5) == (2, 2, 1)
    assert weights.normalise([1, 2], target=100) == (33, 67)


def test_normalise_refuses_a_negative_weight_among_others():
    with pytest.raises(ValueError, match=r"^weights cannot be negative$"):
        weights.normalise([50, -1, 51])
