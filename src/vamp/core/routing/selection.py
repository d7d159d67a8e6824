"""Selector routes: the routes and targets that gateway and route selectors find (vamp.md §1.10).

A gateway with a ``selector`` gets one route per group of matching instances: ``merge_routes`` of
``vamp.core.selector`` adds new groups at 0 % and drops vanished ones, and each route's targets are its
selection's. A route with its own ``selector`` (and a one-segment path) gets every target it selects.
Both are ANDed with the global selector from configuration (``true`` unless configured).

The selector language itself lives in ``vamp.core.selector``; this module only applies it to gateways.
"""

from __future__ import annotations

import functools

from vamp.core import model, selector


def refresh_selector_routes(
    gateway: model.Gateway, index: selector.Index, *, namespace: str | None, global_selector: str
) -> model.Gateway:
    """The gateway with the routes its selector finds now, for storing (new routes appear at 0 %).

    A gateway without a selector is returned as it is.

    Raises:
        errors.SelectorSyntaxError: the gateway's or the global selector cannot be parsed.
    """
    return with_selections(
        gateway, gateway_selections(gateway, index, namespace=namespace, global_selector=global_selector)
    )


def with_selections(
    gateway: model.Gateway, selections: dict[str, selector.Selection] | None
) -> model.Gateway:
    """The gateway with the routes of its selector's ``selections`` merged in (``None``: as it is)."""
    if selections is None:
        return gateway
    return gateway.model_copy(update={"routes": selector.merge_routes(gateway.routes, selections)})


def gateway_selections(
    gateway: model.Gateway, index: selector.Index, *, namespace: str | None, global_selector: str
) -> dict[str, selector.Selection] | None:
    """What the gateway's selector selects, by route name; ``None`` when the gateway has no selector.

    Raises:
        errors.SelectorSyntaxError: the gateway's or the global selector cannot be parsed.
    """
    if gateway.selector is None:
        return None
    return selector.select(_combined(gateway.selector, global_selector), index, namespace=namespace)


def route_targets(
    text: str, index: selector.Index, *, namespace: str | None, global_selector: str
) -> tuple[selector.Target, ...]:
    """Every target a route selector selects, in all its groups, sorted.

    Raises:
        errors.SelectorSyntaxError: the route's or the global selector cannot be parsed.
    """
    selections = selector.select(_combined(text, global_selector), index, namespace=namespace)
    targets = {target for selection in selections.values() for target in selection.targets}
    return tuple(sorted(targets))


@functools.lru_cache(maxsize=4096)
def _combined(text: str, global_text: str) -> selector.Selector:
    return selector.and_(selector.parse(text), selector.parse(global_text))
