"""What the renderer will ask of Envoy's routing, proven on the real binary (see docs/envoy.md).

Weights in hundredths of a percent, every condition matcher, condition strength that falls through,
sticky routes and instances, and path rewrites. Traffic splits are checked statistically (±5 points).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, Response, free_port, shares
from tests.e2e.conftest import Envoy
from vamp import errors

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

Json = dict[str, Any]
TYPES = "type.googleapis.com/envoy.extensions"


async def serve(
    envoy: Envoy,
    backends: Backends,
    *routes: Json,
    pools: Mapping[str, tuple[int, ...]] | None = None,
    **extra: Any,
) -> int:
    port = free_port()
    pools = pools or {name: (backend,) for name, backend in backends.ports.items()}
    await envoy.publish(r.snapshot(envoy.files, port, routes, pools, **extra))
    return port


async def send(
    port: int, count: int, path: str = "/", headers: Mapping[str, str] | None = None
) -> Counter[str]:
    connection = Connection(port)
    seen = Counter([(await connection.request(path, headers)).backend for _ in range(count)])
    await connection.close()
    return seen


def within(counts: Counter[str], expected: Mapping[str, float], points: float = 5.0) -> bool:
    seen = dict(shares(counts))
    return all(abs(seen.get(name, 0.0) - share) <= points for name, share in expected.items())


async def test_weighted_clusters_split_by_hundredths_of_a_percent(envoy: Envoy, backends: Backends):
    port = await serve(envoy, backends, r.prefix(r.weighted({"a": 3333, "b": 6617, "c": 50})))

    counts = await send(port, 1000)

    assert within(counts, {"a": 33.33, "b": 66.17, "c": 0.5})


async def test_total_weight_still_works_but_is_deprecated(envoy: Envoy, backends: Backends):
    action = r.weighted({"a": 2500, "b": 7500})
    action["weighted_clusters"]["total_weight"] = 10000
    port = await serve(envoy, backends, r.prefix(action))

    counts = await send(port, 1000)

    assert within(counts, {"a": 25.0, "b": 75.0})
    assert "Using deprecated option 'envoy.config.route.v3.WeightedCluster.total_weight'" in (
        envoy.supervisor.log_path.read_text()
    )


async def test_weights_that_are_all_zero_are_refused(envoy: Envoy, backends: Backends):
    with pytest.raises(errors.PublishError) as raised:
        await serve(envoy, backends, r.prefix(r.weighted({"a": 0, "b": 0})))

    assert str(raised.value) == (
        "Envoy did not accept the new configuration: rds/gateway is at version 'none', not 'v1'. "
        "Envoy reports: Sum of weights in the weighted_cluster must be greater than 0."
    )


def header(name: str, **match: Any) -> Json:
    return {"name": name, **match}


INVERTED = {"invert_match": True, "treat_missing_header_as_empty": True}
COOKIE_GROUP_BETA = r"(^|;\s*)group=beta(;|$)"
CONDITIONS: list[tuple[str, Json, list[tuple[dict[str, Any], str]]]] = [
    (
        "header N has V",
        {"headers": [header("x-user", string_match={"exact": "alice"})]},
        [({"x-user": "alice"}, "b"), ({"x-user": "bob"}, "a"), ({}, "a")],
    ),
    (
        "user-agent == Firefox (contains)",
        {"headers": [header("user-agent", string_match={"contains": "Firefox"})]},
        [({"user-agent": "Mozilla/5.0 Firefox/120.0"}, "b"), ({"user-agent": "curl/8"}, "a")],
    ),
    (
        "user-agent != Firefox (inverted, a missing header counting as empty)",
        {"headers": [header("user-agent", string_match={"contains": "Firefox"}, **INVERTED)]},
        [({"user-agent": "Mozilla/5.0 Firefox/120.0"}, "a"), ({"user-agent": "curl/8"}, "b"), ({}, "b")],
    ),
    (
        "pitfall: invert_match alone never matches a missing header",
        {"headers": [header("user-agent", string_match={"contains": "Firefox"}, invert_match=True)]},
        [({"user-agent": "Mozilla/5.0 Firefox/120.0"}, "a"), ({"user-agent": "curl/8"}, "b"), ({}, "a")],
    ),
    (
        "header regex (safe_regex, whole value)",
        {"headers": [header("x-version", string_match={"safe_regex": {"regex": r"2\.[0-9]+"}})]},
        [({"x-version": "2.13"}, "b"), ({"x-version": "12.1"}, "a"), ({"x-version": "2.1x"}, "a")],
    ),
    (
        "has header N",
        {"headers": [header("x-canary", present_match=True)]},
        [({"x-canary": ""}, "b"), ({"x-canary": "1"}, "b"), ({}, "a")],
    ),
    (
        "misses header N",
        {"headers": [header("x-canary", present_match=False)]},
        [({"x-canary": "1"}, "a"), ({}, "b")],
    ),
    (
        "cookie group has beta",
        {"headers": [header("cookie", string_match={"safe_regex": {"regex": f".*{COOKIE_GROUP_BETA}.*"}})]},
        [
            ({"cookie": "a=1; group=beta"}, "b"),
            ({"cookie": "group=betamax"}, "a"),
            ({"cookie": "xgroup=beta"}, "a"),
        ],
    ),
    (
        "has cookie group",
        {"headers": [header("cookie", string_match={"safe_regex": {"regex": r"(.*;\s*)?group=.*"}})]},
        [({"cookie": "a=1; group=x"}, "b"), ({"cookie": "group="}, "b"), ({"cookie": "a=1"}, "a"), ({}, "a")],
    ),
    (
        "misses cookie group (inverted; no cookie header at all also matches)",
        {
            "headers": [
                header("cookie", string_match={"safe_regex": {"regex": r"(.*;\s*)?group=.*"}}, **INVERTED)
            ]
        },
        [({"cookie": "a=1; group=x"}, "a"), ({"cookie": "a=1"}, "b"), ({}, "b")],
    ),
    (
        "host == shop.example (the :authority pseudo-header, port included)",
        {
            "headers": [
                header(":authority", string_match={"safe_regex": {"regex": r"shop\.example(:[0-9]+)?"}})
            ]
        },
        [({"host": "shop.example"}, "b"), ({"host": "shop.example:8080"}, "b"), ({"host": "other"}, "a")],
    ),
    (
        "method == POST (the :method pseudo-header)",
        {"headers": [header(":method", string_match={"exact": "POST"})]},
        [({"method": "POST"}, "b"), ({"method": "GET"}, "a")],
    ),
    (
        "query parameter debug == 1",
        {"query_parameters": [{"name": "debug", "string_match": {"exact": "1"}}]},
        [({"path": "/?debug=1"}, "b"), ({"path": "/?debug=2"}, "a"), ({"path": "/"}, "a")],
    ),
    (
        "query parameter debug present",
        {"query_parameters": [{"name": "debug", "present_match": True}]},
        [({"path": "/?debug"}, "b"), ({"path": "/?x=1&debug=0"}, "b"), ({"path": "/?x=1"}, "a")],
    ),
    (
        "path regex (safe_regex replaces prefix; matched against the path without the query)",
        {"safe_regex": {"regex": r"/v[0-9]+/.*"}},
        [({"path": "/v2/users?x=1"}, "b"), ({"path": "/v2"}, "a"), ({"path": "/api/v2/x"}, "a")],
    ),
    (
        "several matchers in one route are ANDed",
        {
            "headers": [
                header("x-user", present_match=True),
                header("user-agent", string_match={"contains": "Firefox"}),
            ]
        },
        [
            ({"x-user": "1", "user-agent": "Firefox"}, "b"),
            ({"x-user": "1"}, "a"),
            ({"user-agent": "Firefox"}, "a"),
        ],
    ),
]


@pytest.mark.parametrize(("condition", "match", "requests"), CONDITIONS, ids=[c[0] for c in CONDITIONS])
async def test_conditions_become_route_matchers(
    envoy: Envoy, backends: Backends, condition: str, match: Json, requests: list[tuple[dict[str, Any], str]]
):
    route = {"match": {"prefix": "/", **match}} if "safe_regex" not in match else {"match": match}
    port = await serve(envoy, backends, {**route, "route": {"cluster": "b"}}, r.prefix({"cluster": "a"}))
    connection = Connection(port)

    answered = []
    for request, _ in requests:
        headers = {k: v for k, v in request.items() if k not in ("path", "method")}
        response = await connection.request(request.get("path", "/"), headers, request.get("method", "GET"))
        answered.append((request, response.backend))
    await connection.close()

    assert answered == [(request, backend) for request, backend in requests], condition


def strength(match: Json, numerator: int) -> Json:
    """A route that takes ``numerator``/10000 of the requests ``match`` selects; the rest fall through."""
    fraction = {"default_value": {"numerator": numerator, "denominator": "TEN_THOUSAND"}}
    return {"match": {"prefix": "/", **match, "runtime_fraction": fraction}, "route": {"cluster": "b"}}


async def test_condition_strength_sends_its_share_and_the_rest_falls_through_to_the_weights(
    envoy: Envoy, backends: Backends
):
    match = {"headers": [header("x-beta", present_match=True)]}
    port = await serve(envoy, backends, strength(match, 3000), r.prefix(r.weighted({"a": 10000, "c": 0})))

    matching = await send(port, 1000, headers={"x-beta": "1"})
    others = await send(port, 200)

    assert within(matching, {"b": 30.0, "a": 70.0})
    assert others == {"a": 200}


async def test_alternatives_of_one_condition_share_one_random_value(envoy: Envoy, backends: Backends):
    """A request matching both alternatives (DNF terms) of a 30 % condition is sent at 30 %, not 51 %."""
    first = strength({"headers": [header("x-one", present_match=True)]}, 3000)
    second = strength({"headers": [header("x-two", present_match=True)]}, 3000)
    port = await serve(envoy, backends, first, second, r.prefix({"cluster": "a"}))

    both = await send(port, 2000, headers={"x-one": "1", "x-two": "1"})

    print(f"request matching both alternatives at 30 %: {dict(shares(both))}")
    assert within(both, {"b": 30.0})  # independent draws would give 51 %


COOKIE = "vamp_route"


def sticky_routes(weights: Mapping[str, int]) -> tuple[Json, ...]:
    """One route per target honouring the cookie, then the weighted route that sets it."""
    honour = tuple(
        {
            "match": {
                "prefix": "/",
                "headers": [
                    header(
                        "cookie", string_match={"safe_regex": {"regex": rf"(.*;\s*)?{COOKIE}={name}(;.*)?"}}
                    )
                ],
            },
            "route": {"cluster": name},
        }
        for name in weights
    )
    clusters = [
        {
            "name": name,
            "weight": weight,
            "response_headers_to_add": [
                {
                    "header": {"key": "set-cookie", "value": f"{COOKIE}={name}; Path=/; HttpOnly"},
                    "append_action": "APPEND_IF_EXISTS_OR_ADD",
                }
            ],
        }
        for name, weight in weights.items()
    ]
    weighted = {"match": {"prefix": "/"}, "route": {"weighted_clusters": {"clusters": clusters}}}
    return (*honour, weighted)


async def test_sticky_route_new_clients_follow_the_weights_and_cookie_holders_stay(
    envoy: Envoy, backends: Backends
):
    port = await serve(envoy, backends, *sticky_routes({"a": 8000, "b": 2000}))
    first_visits: Counter[str] = Counter()
    stayed = True
    for _ in range(1000):  # σ ≈ 1.3 points at 80/20: ±5 points is then ~4σ, not a coin toss
        connection = Connection(port)
        first: Response = await connection.request("/")
        cookie = first.headers["set-cookie"].split(";")[0]
        first_visits[first.backend] += 1
        again = [await connection.request("/", {"cookie": f"other=1; {cookie}"}) for _ in range(3)]
        stayed &= all(
            response.backend == first.backend and "set-cookie" not in response.headers for response in again
        )
        await connection.close()

    assert within(first_visits, {"a": 80.0, "b": 20.0})
    assert stayed


async def test_sticky_instance_with_the_stateful_session_cookie_filter(envoy: Envoy, backends: Backends):
    session = {
        "name": "envoy.filters.http.stateful_session",
        "typed_config": {
            "@type": f"{TYPES}.filters.http.stateful_session.v3.StatefulSession",
            "session_state": {
                "name": "envoy.http.stateful_session.cookie",
                "typed_config": {
                    "@type": f"{TYPES}.http.stateful_session.cookie.v3.CookieBasedSessionState",
                    "cookie": {"name": "vamp_instance", "path": "/"},
                },
            },
        },
    }
    pool = tuple(backends.ports.values())
    port = await serve(
        envoy, backends, r.prefix({"cluster": "pool"}), pools={"pool": pool}, http_filters=(session,)
    )

    instances: Counter[str] = Counter()
    stayed = True
    for _ in range(30):
        connection = Connection(port)
        first = await connection.request("/")
        cookie = first.headers["set-cookie"].split(";")[0]
        instances[first.backend] += 1
        again = [(await connection.request("/", {"cookie": cookie})).backend for _ in range(5)]
        stayed &= again == [first.backend] * 5
        await connection.close()

    assert set(instances) == {"a", "b", "c"}
    assert stayed


async def test_regex_rewrite_changes_the_path_and_envoy_keeps_the_original(envoy: Envoy, backends: Backends):
    rewrite = {"pattern": {"regex": "^/v1/(.*)$"}, "substitution": r"/api/\1"}
    port = await serve(envoy, backends, r.prefix({"cluster": "a", "regex_rewrite": rewrite}, "/v1/"))
    connection = Connection(port)

    echoed = (await connection.request("/v1/users?page=2")).body
    await connection.close()

    assert b'"path": "/api/users?page=2"' in echoed
    assert b'"x-envoy-original-path": "/v1/users?page=2"' in echoed
