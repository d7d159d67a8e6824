"""The gateways of a routing plan that only the HAProxy data plane can serve: those with raw HAProxy
conditions (``< hdr(x-user) -m str alice >``, vamp.md §1.11), in a route's condition or a path rewrite's.

A data plane that cannot run raw HAProxy ACLs (Envoy) refuses exactly these gateways, with ``reasons``
as what it says, so the gateway agent serves every other gateway of the plan. Pure: a plan in, names out.
"""

from __future__ import annotations

from vamp.core import condition
from vamp.core.condition import raw_acl
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan


def reasons(plan: routing_plan.RoutingPlan) -> dict[str, str]:
    """Each gateway of ``plan`` with a raw HAProxy condition, and why a data plane other than HAProxy
    refuses it: where the first such condition is, and where it runs."""
    found: dict[str, str] = {}
    for listener in plan.listeners:
        for host in listener.virtual_hosts:
            for route in host.routes:
                text = _raw(route.match)
                if text is not None:
                    name = route.name.removeprefix(f"{host.gateway}//")
                    found.setdefault(host.gateway, _reason(name, f"has the condition {text}"))
    for cluster in plan.clusters:
        for rewrite in cluster.rewrites:
            text = _raw(rewrite.match)
            if text is not None:
                name = cluster.origin().route
                found.setdefault(isolation.owner(cluster), _reason(name, f"rewrites paths if {text}"))
    return found


def _raw(match: condition.Match | None) -> str | None:
    """The first raw HAProxy condition of ``match`` as written (``< … >``); ``None`` when it has none."""
    if match is None:
        return None
    for conjunction in match.disjuncts:
        for matcher in conjunction.matchers:
            if matcher.field is condition.Field.HAPROXY:
                return f"'< {matcher.value} >'"
    return None


def _reason(route: str, what: str) -> str:
    return f"Route '{route}' {what}; {raw_acl.HAPROXY_ONLY}."
