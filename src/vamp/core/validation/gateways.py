"""Rules for one gateway (vamp.md §1.9, §1.10): route paths, route selectors, TCP limits and weights.

A free-standing gateway, or an external gateway of a blueprint, splits all of its traffic: once routes
without a weight have shared what the others leave, the weights total 0 % or 100 %. Routes given by
reference are not checked here, their weights being unknown until they are resolved; nor are
percentages outside 0–100 %, which ``units.Percentage`` cannot hold.
"""

from __future__ import annotations

from vamp import errors
from vamp.core import model
from vamp.core.routing import paths, weights
from vamp.core.validation import messages
from vamp.core.validation.problems import Path, Problem, issues

MAX_GATEWAY_SEGMENTS = 3


def gateway_issues(gateway: model.Gateway) -> list[errors.Issue]:
    """Every rule a gateway breaks, with paths relative to the gateway."""
    return issues(gateway_problems(gateway))


def is_external(path: str) -> bool:
    """``[host:port]``: a route to an endpoint outside Vamp."""
    return len(path) > 2 and path.startswith("[") and path.endswith("]")


def route_path_problem(path: str) -> str | None:
    """Why ``path`` is not a route path (1–4 segments split on ``/``, or ``[host:port]``), or ``None``.

    The rule is the one the plan compiler reads paths by (``routing.paths.parse``), so a path accepted
    here never fails when the gateway is compiled. Every path becomes a route name in the routing plan,
    so it may hold nothing a name may not (``model.unsafe_name_problem``).
    """
    unsafe = model.unsafe_name_problem(path)
    if unsafe is not None:
        return unsafe.replace("Illegal name", "Illegal route path", 1)
    try:
        paths.parse(path)
    except errors.RoutingError as exc:
        return str(exc) if is_external(path) else messages.unsupported_route_path(path)
    return None


def route_selector_problem(path: str) -> str | None:
    """Why a route at ``path`` cannot have its own selector, or ``None``."""
    if is_external(path):
        return messages.ROUTE_SELECTOR_EXTERNAL
    if "/" in path:
        return messages.ROUTE_SELECTOR_PATH
    return None


def gateway_name_problem(name: str) -> str | None:
    problem = model.name_problem(name, allow_slash=True)
    if problem is None and name.count("/") >= MAX_GATEWAY_SEGMENTS:
        return messages.unsupported_gateway_name(name)
    return problem


def condition_text(condition: model.Condition | model.Ref) -> str:
    return condition.definition if isinstance(condition, model.Condition) else condition.name


def gateway_problems(
    gateway: model.Gateway, path: Path = (), *, label: str | None = None, route_forms: bool = True
) -> list[Problem]:
    """The rules of a gateway that routes by paths; ``label`` names it in messages (default: its name);
    ``route_forms=False`` leaves the form of route paths to a stricter rule (blueprints: ``cluster/port``)."""
    label = label or gateway.name or gateway.port.value
    problems: list[Problem] = []
    for route_path, route in gateway.routes.items():
        where = (*path, "routes", route_path)
        path_problem = route_path_problem(route_path) if route_forms else None
        if path_problem is not None:
            problems.append(Problem(where, path_problem))
        if isinstance(route, model.Route) and route.selector is not None:
            selector_problem = route_selector_problem(route_path)
            if selector_problem is not None:
                problems.append(Problem((*where, "selector"), selector_problem))
    if gateway.port.protocol is model.Protocol.TCP:
        problems += protocol_problems(gateway, path, gateway.port.value)
    total = _filled_total(gateway)
    if total is not None and total not in (0, weights.FULL):
        problems.append(Problem((*path, "routes"), messages.gateway_weight(label, total)))
    return problems


def protocol_problems(gateway: model.Gateway, path: Path, port: str) -> list[Problem]:
    """What ``gateway`` may not do because the port it serves (``port``) speaks TCP: be sticky, or route
    by HTTP conditions."""
    problems: list[Problem] = []
    if gateway.sticky is not None:
        problems.append(Problem((*path, "sticky"), messages.sticky_tcp(port)))
    for route_path, route in gateway.routes.items():
        if isinstance(route, model.Route) and route.condition is not None:
            message = messages.condition_tcp(port, condition_text(route.condition))
            problems.append(Problem((*path, "routes", route_path, "condition"), message))
    return problems


def _filled_total(gateway: model.Gateway) -> int | None:
    """The total weight once routes without one share the rest; ``None`` if a route is a reference."""
    given = [route.weight for route in gateway.routes.values() if isinstance(route, model.Route)]
    if len(given) != len(gateway.routes):
        return None
    filled = weights.fill(given)
    return weights.total(given if filled is None else filled)


def given_total(gateway: model.Gateway) -> int:
    """The total of the weights the routes give (routes by reference count 0)."""
    return weights.total(
        [route.weight for route in gateway.routes.values() if isinstance(route, model.Route)]
    )
