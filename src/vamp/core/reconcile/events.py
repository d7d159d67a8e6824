"""The events the reconciler and the gateway synchroniser emit, with Vamp's tags (vamp.md §1.9, §3.4).

* ``synchronization`` (type ``synchronization``): tags ``deployments:<d>``, ``clusters:<c>``,
  ``services:<breed>`` and ``synchronization:deployed|redeploy|undeployed``, as Vamp's synchroniser.
* ``phase_changed`` (type ``deployment-service``, ours): the same three tags plus ``intention:<i>`` and
  ``phase:<p>`` (lower case), whenever a service's phase changes; the value says why
  (``{intention, phase, reason}``).
* ``route_changes`` and ``target_changes`` (type ``event``, Vamp's default): tags ``gateways:<g>``,
  ``routes:<path>`` and ``route:added|removed|weightupdated|...|targetschanged``; the value is the
  gateway's name (``RouteComparator``).
* ``gateway_changes``: ``gateways:<g>`` and ``deployed`` or ``undeployed`` when a gateway enters or
  leaves the routing plan.
* ``pass_changes``: all of a gateway pass's events, in that order (gateways, routes, targets).

Tags are given unexpanded; the store expands ``a:b`` to ``a`` and ``a:b``. Pure: times are passed in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from vamp.core import model, runtime
from vamp.core.routing import plan

SYNCHRONIZATION = "synchronization"
DEPLOYMENT_SERVICE = "deployment-service"
GATEWAY = "event"

_ROUTE_FIELDS = ("weight", "condition", "condition_strength")
_FIELD_TAGS = {"weight": "weight", "condition": "condition", "condition_strength": "conditionstrength"}


def service_tags(key: runtime.ServiceKey) -> tuple[str, ...]:
    return (f"deployments:{key.deployment}", f"clusters:{key.cluster}", f"services:{key.service}")


def synchronization(key: runtime.ServiceKey, what: str, now: datetime) -> model.Event:
    """Vamp's synchronisation event: ``what`` is ``deployed``, ``redeploy`` or ``undeployed``."""
    return model.Event(
        tags=(*service_tags(key), f"synchronization:{what}"), type=SYNCHRONIZATION, timestamp=now
    )


def phase_changed(key: runtime.ServiceKey, status: model.ServiceStatus, now: datetime) -> model.Event:
    """A service entered the phase of ``status``; its notification is the reason."""
    intention, phase = status.intention.value, status.phase.name.value
    return model.Event(
        tags=(*service_tags(key), f"intention:{intention.lower()}", f"phase:{phase.lower()}"),
        type=DEPLOYMENT_SERVICE,
        value={"intention": intention, "phase": phase, "reason": status.phase.notification},
        timestamp=now,
    )


def route_changes(before: model.Gateway, after: model.Gateway) -> Iterator[model.Event]:
    """One event per route added or removed, and per weight, condition or strength added, removed or changed.

    Both gateways are the same gateway, before and after a change. A route given by reference
    (``model.Ref``) has no fields of its own here: only its coming and going is reported.
    """
    name = after.name or ""
    for path in before.routes.keys() - after.routes.keys():
        yield _route_event(name, path, "removed")
    for path, route in after.routes.items():
        old = before.routes.get(path)
        if old is None:
            yield _route_event(name, path, "added")
            continue
        for field in _ROUTE_FIELDS:
            was, now = _field(old, field), _field(route, field)
            if was == now:
                continue
            change = "added" if was is None else "removed" if now is None else "updated"
            yield _route_event(name, path, f"{_FIELD_TAGS[field]}{change}")


def target_changes(before: plan.RoutingPlan, after: plan.RoutingPlan) -> Iterator[model.Event]:
    """``route:targetschanged`` for every route whose endpoints differ between two plans.

    Routes new in ``after`` are not reported here: ``route_changes`` reports them as added.
    """
    old = _endpoints(before)
    for cluster_name, endpoints in _endpoints(after).items():
        if cluster_name in old and old[cluster_name] != endpoints:
            gateway, _, path = cluster_name.partition("//")
            yield _route_event(gateway, path, "targetschanged")


def gateway_changes(before: plan.RoutingPlan, after: plan.RoutingPlan) -> Iterator[model.Event]:
    """``deployed`` for every gateway that entered the plan, ``undeployed`` for every one that left it."""
    old, new = served_gateways(before), served_gateways(after)
    for name in sorted(new - old):
        yield model.Event(tags=(f"gateways:{name}", "deployed"), type=GATEWAY, value=name)
    for name in sorted(old - new):
        yield model.Event(tags=(f"gateways:{name}", "undeployed"), type=GATEWAY, value=name)


def pass_changes(
    before: plan.RoutingPlan,
    after: plan.RoutingPlan,
    previous: Mapping[str, model.Gateway],
    current: Mapping[str, model.Gateway],
) -> list[model.Event]:
    """The events of one gateway pass: gateways served or no longer, routes of each gateway that changed
    (``previous`` and ``current`` by name), and targets added or removed, from the plan ``before`` to
    the plan ``after``."""
    found = list(gateway_changes(before, after))
    for name, gateway in current.items():
        was = previous.get(name)
        if was is not None and was is not gateway and was != gateway:  # an equal gateway changed nothing
            found.extend(route_changes(was, gateway))
    found.extend(target_changes(before, after))
    return found


def served_gateways(routing: plan.RoutingPlan) -> set[str]:
    """The names of the gateways a plan serves."""
    return {host.gateway for listener in routing.listeners for host in listener.virtual_hosts}


def _route_event(gateway: str, path: str, change: str) -> model.Event:
    return model.Event(
        tags=(f"gateways:{gateway}", f"routes:{path}", f"route:{change}"), type=GATEWAY, value=gateway
    )


def _field(route: model.Route | model.Ref, field: str) -> Any:
    return getattr(route, field) if isinstance(route, model.Route) else None


def _endpoints(routing: plan.RoutingPlan) -> Mapping[str, tuple[plan.Endpoint, ...]]:
    return {cluster.name: cluster.endpoints for cluster in routing.clusters}
