"""Route tables: each virtual host of the plan → an Envoy ``VirtualHost``; rewrites → the table of their hop.

A virtual host's routes keep the plan's order (the first match wins), each plan route becoming one Envoy
route per conjunction of its condition (``render_matchers``):

* **condition strength** is a ``runtime_fraction`` (hundredths, ``TEN_THOUSAND``) on each of those routes;
  requests it does not draw fall through to the next routes. Envoy draws one random number per request
  and compares every route with it, which keeps one condition's strength across its conjunctions but
  would also tie the weighted choice to that draw (measured: a 50 % strength before a 50/50 split sent
  none of the remaining matching requests to the first target). So in a virtual host that draws
  fractions, weights are apportioned to a total of 9999, which shares no factor with 10000 and makes the
  two choices independent; elsewhere they stay in hundredths. (Two *different* conditions that both
  match a request still share the draw: the second takes only the draws the first left above its own
  strength.)
* **weights**: targets with weight 0 are left out; one target left is a plain ``cluster``; none left is a
  ``503`` naming the gateway (Envoy refuses weights that are all 0).
* **sticky route**: before the first route that takes every request (the weighted one), one route per
  target with instances matches the gateway's cookie holding that target's id (``render_names.route_id``)
  and sends the request there; the weighted route adds ``set-cookie`` per target. So new clients follow
  the weights, returning clients stay — also when weights change, and also at weight 0, as HAProxy's
  persistence did — and a client whose route is gone falls through to the weights and gets a new
  cookie. Conditions come first, as in Vamp, where only the weighted backend had the cookie.
* **sticky instance** adds the stateful-session cookie of the gateway to the virtual host.
* every route action carries the timeout of ``RenderOptions``, the hash policy of its ``RING_HASH``
  targets and, for an external target by host name, that host as ``Host``; the retry policy is the
  virtual host's.

Path rewrites belong to one target, but Envoy cannot rewrite per weighted cluster, and a rewrite's
condition may look at anything (not only the path), so it cannot be decided before the weighted choice.
A target with rewrites is therefore reached through a *rewrite hop*: an internal listener with its own
route table (``rewrite_table``) whose routes match each rewrite's condition in order, rewrite the path
(``regex_rewrite``; ``%[path]`` is the original path, the query string is kept) and go to the target's
cluster; requests no rewrite matches go there unchanged. The first rewrite whose condition holds applies.
The hop stays inside Envoy (no network), and the gateway's route sees only the hop's cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from vamp import errors
from vamp.adapters.envoy import render_clusters, render_matchers, render_names
from vamp.adapters.envoy.render_options import RenderOptions, duration
from vamp.core import condition, model
from vamp.core.routing import plan

JsonObject = dict[str, Any]

UNCORRELATED_TOTAL = 9999
"""The weight total of a virtual host that draws fractions: coprime with the fraction's 10000."""

SESSION_FILTER = "envoy.filters.http.stateful_session"
_EXTENSIONS = "type.googleapis.com/envoy.extensions"
_IDEMPOTENT = "GET|HEAD|OPTIONS|PUT|DELETE|TRACE"


@dataclass(frozen=True, slots=True)
class Targets:
    """The plan's target clusters by name, the options, and the Envoy cluster a route sends each to."""

    clusters: Mapping[str, plan.TargetCluster]
    options: RenderOptions
    envoy_cluster: Callable[[plan.TargetCluster], str]

    def get(self, name: str, where: str) -> plan.TargetCluster:
        target = self.clusters.get(name)
        if target is None:
            raise errors.RoutingError([f"{where}: the plan has no target cluster named '{name}'"])
        return target


def virtual_host(host: plan.VirtualHost, targets: Targets) -> JsonObject:
    """The Envoy ``VirtualHost`` of one of the plan's virtual hosts."""
    total = UNCORRELATED_TOTAL if any(route.fraction < plan.FULL for route in host.routes) else None
    catch_all = next((route for route in host.routes if _takes_everything(route)), None)
    routes: list[JsonObject] = []
    for route in host.routes:
        where = f"gateway '{host.gateway}' route '{route.name}'"
        cookie = None
        if host.sticky is not None and route is catch_all:
            routes.extend(_sticky_routes(host.gateway, route, targets, where))
            cookie = render_names.route_cookie(host.gateway)
        action = _action(host.gateway, route.clusters, targets, where, total=total, cookie=cookie)
        matches = route.match.disjuncts if route.match is not None else (None,)
        for conjunction in matches:
            for match in render_matchers.route_matches(conjunction):
                routes.append({"name": route.name, "match": _drawn(match, route.fraction), **action})
    rendered: JsonObject = {"name": render_names.envoy_name(host.name), "domains": list(host.domains)}
    if host.sticky is model.Sticky.INSTANCE:
        rendered["typed_per_filter_config"] = {SESSION_FILTER: session_per_route(host.gateway)}
    return _with_retries({**rendered, "routes": routes}, targets.options)


def rewrite_table(target: plan.TargetCluster, targets: Targets, *, sticky_instance: bool) -> JsonObject:
    """The route configuration of the rewrite hop of ``target`` (see the module docstring)."""
    name = render_names.rewrite_hop(target.name)
    action = {"cluster": render_names.envoy_name(target.name), **_common(targets.options, (target,))}
    routes = [
        {"match": match, "route": {**action, "regex_rewrite": _regex_rewrite(rewrite)}}
        for rewrite in target.rewrites
        for conjunction in rewrite.match.disjuncts
        for match in render_matchers.route_matches(conjunction)
    ]
    routes.append({"match": {"prefix": "/"}, "route": action})
    host: JsonObject = {"name": name, "domains": ["*"], "routes": routes}
    if sticky_instance:
        host["typed_per_filter_config"] = {SESSION_FILTER: session_per_route(target.name)}
    return {"name": name, "virtual_hosts": [_with_retries(host, targets.options)]}


def session_per_route(owner: str) -> JsonObject:
    """Stateful sessions by the instance cookie of ``owner`` (``render_names.instance_cookie``)."""
    cookie = {"name": render_names.instance_cookie(owner), "path": "/"}
    return {
        "@type": f"{_EXTENSIONS}.filters.http.stateful_session.v3.StatefulSessionPerRoute",
        "stateful_session": {
            "session_state": {
                "name": "envoy.http.stateful_session.cookie",
                "typed_config": {
                    "@type": f"{_EXTENSIONS}.http.stateful_session.cookie.v3.CookieBasedSessionState",
                    "cookie": cookie,
                },
            }
        },
    }


def _takes_everything(route: plan.PlanRoute) -> bool:
    return route.match is None and route.fraction >= plan.FULL


def _drawn(match: JsonObject, fraction: int) -> JsonObject:
    if fraction >= plan.FULL:
        return match
    share = {"default_value": {"numerator": fraction, "denominator": "TEN_THOUSAND"}}
    return {**match, "runtime_fraction": share}


def _sticky_routes(gateway: str, route: plan.PlanRoute, targets: Targets, where: str) -> list[JsonObject]:
    cookie = render_matchers.literal(render_names.route_cookie(gateway))
    sticky = []
    for weighted in route.clusters:
        target = targets.get(weighted.cluster, where)
        if not target.endpoints:
            continue
        regex = rf"(?:.*;\s*)?{cookie}={render_names.route_id(target.name)}(?:;.*)?"
        header = {"name": "cookie", "string_match": {"safe_regex": {"regex": regex}}}
        single = (plan.WeightedCluster(target.name, plan.FULL),)
        sticky.append(
            {
                "name": f"{route.name} (sticky)",
                "match": {"prefix": "/", "headers": [header]},
                **_action(gateway, single, targets, where, total=None, cookie=None),
            }
        )
    return sticky


def _action(
    gateway: str,
    clusters: Sequence[plan.WeightedCluster],
    targets: Targets,
    where: str,
    *,
    total: int | None,
    cookie: str | None,
) -> JsonObject:
    """What a route does with a request: ``route`` to its targets by weight, or a ``direct_response``."""
    chosen = [
        (targets.get(weighted.cluster, where), weighted.weight) for weighted in clusters if weighted.weight
    ]
    if not chosen:
        body = f"gateway '{gateway}': no route has weight\n"
        return {"direct_response": {"status": 503, "body": {"inline_string": body}}}
    common = _common(targets.options, [target for target, _ in chosen])
    if len(chosen) == 1:
        target = chosen[0][0]
        action = {"cluster": targets.envoy_cluster(target), **_host_rewrite(target), **common}
        headers = _response_headers(target, targets.options, cookie)
        return {"route": action, **({"response_headers_to_add": headers} if headers else {})}
    weights = [weight for _, weight in chosen]
    shares = _apportion(weights, total) if total is not None else weights
    weighted = []
    for (target, _), share in zip(chosen, shares, strict=True):
        entry: JsonObject = {"name": targets.envoy_cluster(target), "weight": share, **_host_rewrite(target)}
        if headers := _response_headers(target, targets.options, cookie):
            entry["response_headers_to_add"] = headers
        weighted.append(entry)
    return {"route": {"weighted_clusters": {"clusters": weighted}, **common}}


def _common(options: RenderOptions, chosen: Sequence[plan.TargetCluster]) -> JsonObject:
    """The timeout and hash policy of a route action to ``chosen``."""
    common: JsonObject = {"timeout": duration(options.route_timeout_s)}
    keys = dict.fromkeys(
        target.hash_on
        for target in chosen
        if target.balance is plan.Balance.RING_HASH and target.hash_on is not None
    )
    if keys:
        # The targets' keys; the first one a request has decides (``terminal``).
        common["hash_policy"] = [{**_hash_policy(key), "terminal": True} for key in keys]
    return common


def _with_retries(host: JsonObject, options: RenderOptions) -> JsonObject:
    """``host`` with the retry policy of ``RenderOptions.retries`` for all its routes, if any."""
    if not options.retries:
        return host
    predicate = {
        "name": "envoy.retry_host_predicates.previous_hosts",
        "typed_config": {"@type": f"{_EXTENSIONS}.retry.host.previous_hosts.v3.PreviousHostsPredicate"},
    }
    policy = {
        "retry_on": "connect-failure,refused-stream,reset",
        "num_retries": options.retries,
        "retry_host_predicate": [predicate],
        "host_selection_retry_max_attempts": 3,
        "retriable_request_headers": [
            {"name": ":method", "string_match": {"safe_regex": {"regex": _IDEMPOTENT}}}
        ],
    }
    return {**host, "retry_policy": policy}


def _hash_policy(key: str) -> JsonObject:
    if key == "source":
        return {"connection_properties": {"source_ip": True}}
    if key == "path":
        return {"header": {"header_name": ":path"}}
    return {"header": {"header_name": key.removeprefix("header:")}}


def _host_rewrite(target: plan.TargetCluster) -> JsonObject:
    """An external target by host name gets its own name as ``Host``, as a browser would send it."""
    if target.external and target.endpoints and not render_clusters.is_ip(target.endpoints[0].host):
        return {"host_rewrite_literal": target.endpoints[0].host}
    return {}


def _response_headers(
    target: plan.TargetCluster, options: RenderOptions, cookie: str | None
) -> list[JsonObject]:
    values = []
    if options.route_header:
        values.append(("x-vamp-route", target.name))
    if cookie is not None:
        values.append(("set-cookie", f"{cookie}={render_names.route_id(target.name)}; Path=/; HttpOnly"))
    return [
        {"header": {"key": key, "value": value}, "append_action": "APPEND_IF_EXISTS_OR_ADD"}
        for key, value in values
    ]


def _apportion(weights: Sequence[int], total: int) -> list[int]:
    """``weights`` scaled to sum to ``total``, rounding by largest remainder (each off by less than 1)."""
    whole = sum(weights)
    shares = [weight * total // whole for weight in weights]
    order = sorted(range(len(weights)), key=lambda index: (-(weights[index] * total % whole), index))
    for index in order[: total - sum(shares)]:
        shares[index] += 1
    return shares


def _regex_rewrite(rewrite: condition.PathRewrite) -> JsonObject:
    parts = (part.replace("\\", "\\\\") for part in rewrite.replacement.split(condition.ORIGINAL_PATH))
    return {"pattern": {"regex": "^(.*)$"}, "substitution": r"\1".join(parts)}
