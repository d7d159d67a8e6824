"""Merging selected routes into a gateway's existing routes, and keeping the weights whole (vamp.md §1.10).

A selector gateway's routes follow what the selector finds: a route whose group disappeared is dropped,
an existing route keeps what users set on it (weight, condition, strength, rewrites), and a newly found
group becomes a route at 0 %. The weights must then still total 100 %: the first new route takes what
is missing, or, when nothing is new, the remaining routes are scaled up. So the first version found
gets 100 %, the next ones start dark, and when the route carrying the traffic vanishes the others take
its share. Targets are not stored on the routes; the routing compiler takes them from the selections.
"""

from __future__ import annotations

from collections.abc import Mapping

from vamp.core import model
from vamp.core.routing import weights
from vamp.core.selector.selection import Selection
from vamp.core.units import Percentage

_NOTHING = Percentage(0)


def merge_routes(
    existing: Mapping[str, model.Route | model.Ref], selections: Mapping[str, Selection]
) -> dict[str, model.Route | model.Ref]:
    """The gateway's routes after selecting ``selections``, by route name; weights total 0 % or 100 %.

    Existing routes without a weight count with the share they had (what the others left). Referenced
    routes (``model.Ref``) are kept or dropped like the others but carry no weight here.
    """
    had = _effective_weights(existing)
    merged: dict[str, model.Route | model.Ref] = {}
    shares: dict[str, int] = {}
    fresh: list[str] = []
    for name in sorted(selections):
        route = existing.get(name)
        if route is None:
            route = _new_route(selections[name])
            fresh.append(name)
        merged[name] = route
        if isinstance(route, model.Route):
            shares[name] = had.get(name, 0)
    missing = weights.FULL - sum(shares.values())
    if shares and missing:
        if missing > 0 and fresh:
            shares[fresh[0]] += missing
        else:
            shares = dict(zip(shares, weights.normalise(list(shares.values())), strict=True))
    return {
        name: _weighted(route, shares[name]) if name in shares else route for name, route in merged.items()
    }


def _effective_weights(routes: Mapping[str, model.Route | model.Ref]) -> dict[str, int]:
    """Each route's weight in hundredths, routes without one sharing what the others leave."""
    named = {name: route.weight for name, route in routes.items() if isinstance(route, model.Route)}
    filled = weights.fill(list(named.values()))
    if filled is None:  # already over 100 %: count only the given weights; the merge scales them down
        return {name: weight.hundredths if weight is not None else 0 for name, weight in named.items()}
    return {name: weight.hundredths for name, weight in zip(named, filled, strict=True)}


def _new_route(selection: Selection) -> model.Route:
    return model.Route(
        weight=_NOTHING,
        metadata={"groups": list(selection.groups), "title": selection.route},
    )


def _weighted(route: model.Route | model.Ref, hundredths: int) -> model.Route | model.Ref:
    if not isinstance(route, model.Route) or route.weight == Percentage(hundredths):
        return route
    return route.model_copy(update={"weight": Percentage(hundredths)})
