"""Route weights: Vamp's rules for filling, checking and normalising them (vamp.md §1.9).

Weights are ``Percentage`` values (hundredths of a percent). The rules:

* the weights of a gateway's routes total exactly 0 % or 100 %;
* routes without a weight share what the others leave (100 % − their total) evenly, the last such
  route taking the rounding remainder, so a route merged next to one at 100 % starts at 0 %;
* a route with a condition has condition strength 100 % unless it says otherwise, else 0 %.
"""

from __future__ import annotations

from collections.abc import Sequence

from vamp.core.units import Percentage, percent_text

FULL = Percentage.FULL


def total(weights: Sequence[Percentage | None]) -> int:
    """The total of the given weights, in hundredths of a percent; missing weights count 0."""
    return sum(weight.hundredths for weight in weights if weight is not None)


def fill(weights: Sequence[Percentage | None]) -> tuple[Percentage, ...] | None:
    """Give every route without a weight its share of what the others leave.

    Returns ``None`` when the given weights already total more than 100 %.
    """
    given = total(weights)
    if given > FULL:
        return None
    missing = [index for index, weight in enumerate(weights) if weight is None]
    if not missing:
        return tuple(weight for weight in weights if weight is not None)
    share, remainder = divmod(FULL - given, len(missing))
    filled = list(weights)
    for position, index in enumerate(missing):
        last = position == len(missing) - 1
        filled[index] = Percentage(share + (remainder if last else 0))
    return tuple(weight for weight in filled if weight is not None)


def total_problem(weights: Sequence[Percentage | None]) -> str | None:
    """Why these weights are not valid for one gateway, after filling; ``None`` when they are."""
    filled = fill(weights)
    summed = total(filled if filled is not None else weights)
    if summed in (0, FULL):
        return None
    return f"the route weights total {percent_text(summed)}, but must total either 0% or 100%"


def normalise(values: Sequence[int], target: int = FULL) -> tuple[int, ...]:
    """Scale non-negative ``values`` to total ``target`` by the largest-remainder method.

    All zeros (or no values) share ``target`` evenly, earlier entries taking the remainder first. The
    result never has a negative entry and always totals ``target`` (for at least one value).
    """
    if not values:
        return ()
    if any(value < 0 for value in values):
        raise ValueError("weights cannot be negative")
    summed = sum(values)
    if summed == 0:
        share, remainder = divmod(target, len(values))
        return tuple(share + (1 if index < remainder else 0) for index in range(len(values)))
    floors = [value * target // summed for value in values]
    remainders = [value * target % summed for value in values]
    missing = target - sum(floors)
    order = sorted(range(len(values)), key=lambda index: (-remainders[index], index))
    for index in order[:missing]:
        floors[index] += 1
    return tuple(floors)


def default_strength(strength: Percentage | None, has_condition: bool) -> Percentage:
    """Condition strength when the route does not give one: 100 % with a condition, else 0 %."""
    if strength is not None:
        return strength
    return Percentage(FULL if has_condition else 0)
