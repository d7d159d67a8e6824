"""One gateway compiled: a target cluster per route and the ordered route table (vamp.md §1.9–1.11).

For a gateway with routes R1..Rn the table is:

1. for each Ri with a condition, in route order: match the condition, take ``condition_strength`` of the
   matching requests, send them to Ri — left out when the condition never holds or the strength is 0 %;
2. last, every request: by the routes' weights (filled as Vamp fills them) across all routes.

So the rest of the matching requests and all other requests follow the weights (vamp.md §1.11).

Anything that makes the gateway unservable — weights that total neither 0 % nor 100 %, a condition,
rewrite, balance or selector that does not compile, a reference to nothing, HTTP-only features on a TCP
port — raises ``errors.RoutingError``; the caller leaves that gateway out. A target that cannot be resolved
only leaves its route without endpoints and is reported alongside.

Listeners and virtual hosts are ``compile.py``'s; route paths and endpoints are ``paths.py``'s and
``targets.py``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from vamp import errors
from vamp.core import condition, model, selector
from vamp.core.routing import paths, plan, selection, weights
from vamp.core.routing.targets import Resolved, Targets
from vamp.core.validation import gateways as gateway_rules


@dataclass(frozen=True, slots=True)
class Stored:
    """The stored artifacts that routes refer to by name."""

    routes: Mapping[str, model.Route]
    conditions: Mapping[str, model.Condition]
    rewrites: Mapping[str, model.Rewrite]


@dataclass(frozen=True, slots=True)
class CompiledGateway:
    """A gateway, its target clusters (in route order), its route table and its unresolved targets."""

    name: str
    gateway: model.Gateway
    clusters: tuple[plan.TargetCluster, ...]
    routes: tuple[plan.PlanRoute, ...]
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _CompiledRoute:
    cluster: plan.TargetCluster
    match: condition.Match | None
    strength: int


class GatewayCompiler:
    """Compiles gateways against one snapshot of gateways, instances and stored artifacts.

    ``index`` gives the selector index of the instances; it is asked only for gateways or routes with a
    selector (making one reads every instance).
    """

    def __init__(
        self,
        targets: Targets,
        index: Callable[[], selector.Index],
        stored: Stored,
        *,
        namespace: str | None,
        global_selector: str,
    ) -> None:
        self._targets = targets
        self._index = index
        self._stored = stored
        self._namespace = namespace
        self._global_selector = global_selector

    def compile(self, name: str, gateway: model.Gateway) -> CompiledGateway:
        """Compile the gateway called ``name``.

        Raises:
            errors.RoutingError: the gateway cannot be served; the problem names the gateway and route.
        """
        protocol = gateway.port.protocol
        try:
            _check_protocol(gateway)
            selections = selection.gateway_selections(
                gateway, self._index(), namespace=self._namespace, global_selector=self._global_selector
            )
        except errors.VampError as exc:
            raise errors.RoutingError([f"gateway '{name}': {exc}"]) from exc
        effective = (
            gateway.routes if selections is None else selector.merge_routes(gateway.routes, selections)
        )
        resolved = {path: self._stored_route(name, path, route) for path, route in effective.items()}
        given = [route.weight for route in resolved.values()]
        filled = weights.fill(given)
        problem = weights.total_problem(given)
        if filled is None or problem is not None:
            raise errors.RoutingError([f"gateway '{name}': {problem}"])
        problems: list[str] = []
        compiled = [
            self._route(name, protocol, path, route, selections, problems) for path, route in resolved.items()
        ]
        conditional = tuple(
            plan.PlanRoute(
                item.cluster.name,
                None if item.match.always else item.match,
                item.strength,
                (plan.WeightedCluster(item.cluster.name, plan.FULL),),
            )
            for item in compiled
            if item.match is not None and not item.match.never and item.strength > 0
        )
        weighted = tuple(
            plan.WeightedCluster(item.cluster.name, weight.hundredths)
            for item, weight in zip(compiled, filled, strict=True)
        )
        table = (*conditional, plan.PlanRoute(name, None, plan.FULL, weighted))
        return CompiledGateway(
            name, gateway, tuple(item.cluster for item in compiled), table, tuple(problems)
        )

    def _stored_route(self, gateway: str, path: str, route: model.Route | model.Ref) -> model.Route:
        if isinstance(route, model.Route):
            return route
        stored = self._stored.routes.get(route.name)
        if stored is None:
            raise errors.RoutingError(
                [f"gateway '{gateway}' route '{path}': no stored route named '{route.name}'"]
            )
        return stored

    def _route(
        self,
        gateway: str,
        protocol: model.Protocol,
        path: str,
        route: model.Route,
        selections: Mapping[str, selector.Selection] | None,
        problems: list[str],
    ) -> _CompiledRoute:
        where = f"gateway '{gateway}' route '{path}'"
        try:
            match = self._match(route, protocol)
            rewrites = self._rewrites(route, protocol)
            balance = plan.Balance.of(route.balance, protocol)
            resolved = self._resolve(gateway, path, route, selections)
        except errors.VampError as exc:
            raise errors.RoutingError([f"{where}: {exc}"]) from exc
        if resolved.problem is not None:
            problems.append(f"{where}: {resolved.problem}")
        cluster = plan.TargetCluster(
            name=f"{gateway}//{path}",
            endpoints=resolved.endpoints,
            balance=balance,
            protocol=protocol,
            gateway=resolved.gateway,
            external=resolved.external,
            rewrites=rewrites,
            hash_on=plan.hash_on(route.balance) if balance is plan.Balance.RING_HASH else None,
        )
        strength = weights.default_strength(route.condition_strength, match is not None)
        return _CompiledRoute(cluster, match, strength.hundredths)

    def _match(self, route: model.Route, protocol: model.Protocol) -> condition.Match | None:
        given = route.condition
        if isinstance(given, model.Ref):
            stored = self._stored.conditions.get(given.name)
            if stored is None:
                raise errors.RoutingError([f"no stored condition named '{given.name}'"])
            given = stored
        if given is None or not given.definition.strip():
            return None
        _require_http(protocol, "conditions", "remove the condition")
        return condition.compile(given.definition)

    def _rewrites(self, route: model.Route, protocol: model.Protocol) -> tuple[condition.PathRewrite, ...]:
        if route.rewrites:
            _require_http(protocol, "path rewrites", "remove the rewrites")
        return tuple(
            condition.parse_rewrite(self._stored_rewrite(rewrite).path) for rewrite in route.rewrites
        )

    def _stored_rewrite(self, rewrite: model.Rewrite | model.Ref) -> model.Rewrite:
        if isinstance(rewrite, model.Rewrite):
            return rewrite
        stored = self._stored.rewrites.get(rewrite.name)
        if stored is None:
            raise errors.RoutingError([f"no stored rewrite named '{rewrite.name}'"])
        return stored

    def _resolve(
        self,
        gateway: str,
        path: str,
        route: model.Route,
        selections: Mapping[str, selector.Selection] | None,
    ) -> Resolved:
        if selections is not None:
            found = selections.get(path)
            return Resolved(_endpoints(found.targets if found else ()))
        if route.selector is not None:
            return self._route_selector(path, route.selector)
        try:
            parsed = paths.parse(path)
        except errors.RoutingError as exc:
            return Resolved((), problem=str(exc))
        return self._targets.resolve(gateway, parsed)

    def _route_selector(self, path: str, text: str) -> Resolved:
        if (problem := gateway_rules.route_selector_problem(path)) is not None:
            raise errors.RoutingError([problem])
        found = selection.route_targets(
            text, self._index(), namespace=self._namespace, global_selector=self._global_selector
        )
        if not found:
            return Resolved((), problem=f"the route selector '{text}' selects no ready instance")
        return Resolved(_endpoints(found))


def _endpoints(found: tuple[selector.Target, ...]) -> tuple[plan.Endpoint, ...]:
    return tuple(sorted(plan.Endpoint(target.host, target.port, target.instance) for target in found))


def _check_protocol(gateway: model.Gateway) -> None:
    if gateway.sticky is not None:
        _require_http(gateway.port.protocol, "sticky sessions", "remove 'sticky'")
    if gateway.virtual_hosts:
        _require_http(gateway.port.protocol, "virtual hosts", "remove 'virtual_hosts'")


def _require_http(protocol: model.Protocol, feature: str, fix: str) -> None:
    if protocol is model.Protocol.TCP:
        raise errors.RoutingError(
            [f"{feature} need an HTTP port, but this gateway's port is TCP: {fix} or use HTTP"]
        )
