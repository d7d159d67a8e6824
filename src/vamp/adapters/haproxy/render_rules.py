"""The rules of one HAProxy frontend: the ACLs it tests, the lines choosing a route and those choosing a
backend (``render`` explains the scheme: strength draws, a line per conjunction, a weight draw or map).

``Rules`` gathers them route by route; ``Acls`` names each distinct matcher once. Pure, like ``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from vamp.adapters.envoy import render_names as envoy_names
from vamp.adapters.haproxy import render_acls, render_backends, render_names
from vamp.core import condition
from vamp.core.routing import plan

ROUTE = "txn.vamp_route"
"""The variable holding the number of the route a request took."""
WEIGHT = "txn.vamp_weight"
"""The variable holding a request's weight draw (0–9,999)."""
UNROUTED = f"!{{ var({ROUTE}) -m found }}"
"""True while no route took the request."""


@dataclass(slots=True)
class Rules:
    """The rules of one frontend: its ACLs, the lines choosing a route, and those choosing a backend."""

    check_cluster: Callable[[str, str, str], None]
    clusters: Mapping[str, plan.TargetCluster]
    acls: Acls = field(default_factory=lambda: Acls())
    routing: list[str] = field(default_factory=list)
    choices: list[str] = field(default_factory=list)
    split: bool = False
    """Whether some route splits over several backends, so each request needs a weight draw."""
    number: int = 0
    entries: list[tuple[str, str]] = field(default_factory=list)
    """The weight map's ``(route × FULL + first:last draw, backend)`` entries, if weights go in a map."""

    def sticky_routes(self, gateway: str, route: plan.PlanRoute, host_test: tuple[str, ...]) -> None:
        """Before a sticky virtual host's weighted ``route``: a route per target with instances, taken by
        a request whose route cookie names that target. Each is a route of the plan's own kind (a cookie
        test, all its weight on that target), so it is rendered and delivered as any other."""
        cookie = envoy_names.route_cookie(gateway)
        for choice in route.clusters:
            self.check_cluster(gateway, route.name, choice.cluster)
            if not self.clusters[choice.cluster].endpoints:
                continue
            remembered = condition.Matcher(
                condition.Field.COOKIE, cookie, condition.Op.EQUALS, envoy_names.route_id(choice.cluster)
            )
            match = condition.Match((condition.Conjunction((remembered,)),))
            only = (plan.WeightedCluster(choice.cluster, plan.FULL),)
            self.route(gateway, plan.PlanRoute(f"{route.name} (sticky)", match, plan.FULL, only), host_test)

    def route(
        self, gateway: str, route: plan.PlanRoute, host_test: tuple[str, ...], *, sticky: bool = False
    ) -> None:
        """One route: its strength draw, a line per conjunction, a ``use_backend`` per weighted cluster;
        ``sticky``: the chosen backend sets the gateway's route cookie (``render_backends.STICKY``)."""
        match = route.match if route.match is not None else condition.Match.ALWAYS
        if route.fraction <= 0 or match.never:
            return
        self.number += 1
        strength: tuple[str, ...] = ()
        if route.fraction < plan.FULL:
            draw = f"txn.vamp_strength{self.number}"
            self.routing.append(f"http-request set-var({draw}) rand({plan.FULL}) if {UNROUTED}")
            strength = (f"{{ var({draw}) -m int lt {route.fraction} }}",)
        for conjunction in match.disjuncts:
            tests = [self.acls.name(matcher) for matcher in conjunction.matchers]
            condition_text = " ".join([UNROUTED, *host_test, *strength, *tests])
            self.routing.append(f"http-request set-var({ROUTE}) int({self.number}) if {condition_text}")
        if sticky:
            number = f"{{ var({ROUTE}) -m int eq {self.number} }}"
            self.routing.append(f"http-request set-var({render_backends.STICKY}) bool(1) if {number}")
        weighted = [choice for choice in route.clusters if choice.weight > 0]
        total = 0
        for position, choice in enumerate(weighted):
            self.check_cluster(gateway, route.name, choice.cluster)
            start = total
            total += choice.weight
            end = plan.FULL if position == len(weighted) - 1 else min(total, plan.FULL)
            if end > start:
                base = self.number * plan.FULL
                key = f"{base + start}:{base + end - 1}"
                self.entries.append((key, render_names.haproxy_name(choice.cluster)))
            last = position == len(weighted) - 1
            draw_test = "" if last else f" {{ var({WEIGHT}) -m int lt {total} }}"
            self.split = self.split or not last
            backend = render_names.haproxy_name(choice.cluster)
            self.choices.append(
                f"use_backend {backend} if {{ var({ROUTE}) -m int eq {self.number} }}{draw_test}"
            )


@dataclass(slots=True)
class Acls:
    """The named ACLs of one frontend: one per distinct matcher, in the order first used."""

    lines: list[str] = field(default_factory=list)
    names: dict[condition.Matcher, str] = field(default_factory=dict)

    def name(self, matcher: condition.Matcher) -> str:
        """The term that tests ``matcher`` in a condition: its ACL's name, with ``!`` when negated (a raw
        HAProxy condition: itself, as an anonymous ACL)."""
        if matcher.field is condition.Field.HAPROXY:
            return render_acls.anonymous(matcher)
        positive = condition.Matcher(
            matcher.field, matcher.name, matcher.op, matcher.value, False, matcher.ignore_case
        )
        name = self.names.get(positive)
        if name is None:
            name = self.names[positive] = f"match{len(self.names)}"
            self.lines += render_acls.acl(name, positive)
        return f"!{name}" if matcher.negated else name
