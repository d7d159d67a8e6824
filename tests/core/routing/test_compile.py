"""The routing plan compiler: a whole plan, route targets, conditions and strengths, weights, versions."""

import pytest

from tests.core.routing.build import gateway, instance
from vamp.core import condition, model
from vamp.core.routing import plan
from vamp.core.routing.compile import SHARED_LISTENER, compile_plan

HTTP = model.Protocol.HTTP
FULL = plan.FULL

SAVA = [
    gateway("sava/9050", 9050, {"sava/sava/webport": {"weight": "100%"}}),
    gateway(
        "sava/sava/webport",
        40000,
        {
            "sava/sava/sava:1.0.0/webport": {"weight": "90%"},
            "sava/sava/sava:1.1.0/webport": {"weight": "10%"},
        },
    ),
]
INSTANCES = [
    instance("sava-1-0-0-b", "10.0.0.2", {"webport": 8080}, service="sava/sava/sava:1.0.0"),
    instance("sava-1-0-0-a", "10.0.0.1", {"webport": 8080}, service="sava/sava/sava:1.0.0"),
    instance("sava-1-1-0-a", "10.0.0.3", {"webport": 8081}, service="sava/sava/sava:1.1.0"),
    instance("sava-1-1-0-b", "10.0.0.4", {"webport": 8081}, service="sava/sava/sava:1.1.0", ready=False),
]


def test_a_deployment_compiles_to_listeners_virtual_hosts_routes_and_clusters():
    v1, v2 = (
        "sava/sava/webport//sava/sava/sava:1.0.0/webport",
        "sava/sava/webport//sava/sava/sava:1.1.0/webport",
    )
    front = (
        plan.PlanRoute(
            "sava/9050", None, FULL, (plan.WeightedCluster("sava/9050//sava/sava/webport", FULL),)
        ),
    )
    web = (
        plan.PlanRoute(
            "sava/sava/webport", None, FULL, (plan.WeightedCluster(v1, 9000), plan.WeightedCluster(v2, 1000))
        ),
    )

    compiled = compile_plan(SAVA, INSTANCES)

    assert compiled == plan.RoutingPlan.of(
        listeners=(
            plan.Listener(
                SHARED_LISTENER,
                80,
                HTTP,
                (
                    plan.VirtualHost("sava/9050", "sava/9050", ("9050.sava.vamp",), front, None),
                    plan.VirtualHost(
                        "sava/sava/webport", "sava/sava/webport", ("webport.sava.sava.vamp",), web, None
                    ),
                ),
            ),
            plan.Listener(
                "sava/9050", 9050, HTTP, (plan.VirtualHost("sava/9050", "sava/9050", ("*",), front, None),)
            ),
            plan.Listener(
                "sava/sava/webport",
                40000,
                HTTP,
                (plan.VirtualHost("sava/sava/webport", "sava/sava/webport", ("*",), web, None),),
            ),
        ),
        clusters=(
            plan.TargetCluster(
                "sava/9050//sava/sava/webport",
                (plan.Endpoint("127.0.0.1", 40000, "sava/sava/webport"),),
                plan.Balance.ROUND_ROBIN,
                HTTP,
                gateway="sava/sava/webport",
            ),
            plan.TargetCluster(
                v1,
                (
                    plan.Endpoint("10.0.0.1", 8080, "sava-1-0-0-a"),
                    plan.Endpoint("10.0.0.2", 8080, "sava-1-0-0-b"),
                ),
                plan.Balance.ROUND_ROBIN,
                HTTP,
            ),
            plan.TargetCluster(
                v2, (plan.Endpoint("10.0.0.3", 8081, "sava-1-1-0-a"),), plan.Balance.ROUND_ROBIN, HTTP
            ),
        ),
        problems=(),
    )


def clusters_of(compiled: plan.RoutingPlan) -> dict[str, plan.TargetCluster]:
    return {cluster.name: cluster for cluster in compiled.clusters}


def routes_of(compiled: plan.RoutingPlan, name: str) -> tuple[plan.PlanRoute, ...]:
    listener = next(listener for listener in compiled.listeners if listener.name == name)
    return listener.virtual_hosts[0].routes


AROUND = [*SAVA, gateway("back", 9001), gateway("no-port")]


@pytest.mark.parametrize(
    ("path", "endpoints", "chained", "external", "problem"),
    [
        ("[10.1.1.1:80]", [("10.1.1.1", 80, "10.1.1.1:80")], None, True, None),
        ("back", [("127.0.0.1", 9001, "back")], "back", False, None),
        ("sava/9050", [("127.0.0.1", 9050, "sava/9050")], "sava/9050", False, None),
        ("sava/sava/webport", [("127.0.0.1", 40000, "sava/sava/webport")], "sava/sava/webport", False, None),
        (
            "sava/sava/sava:1.0.0/webport",
            [("10.0.0.1", 8080, "sava-1-0-0-a"), ("10.0.0.2", 8080, "sava-1-0-0-b")],
            None,
            False,
            None,
        ),
        ("missing", [], None, False, "no gateway named 'missing'"),
        ("no-port", [], "no-port", False, "gateway 'no-port' has no port yet"),
        ("front", [], None, False, "a gateway cannot route to itself"),
        (
            "sava/sava/sava:9.9.9/webport",
            [],
            None,
            False,
            "no ready instance of service 'sava:9.9.9' in cluster 'sava' of deployment 'sava' "
            "has a port named 'webport'",
        ),
        (
            "sava/sava/sava:1.0.0/admin",
            [],
            None,
            False,
            "no ready instance of service 'sava:1.0.0' in cluster 'sava' of deployment 'sava' "
            "has a port named 'admin'",
        ),
        (
            "a/b/c/d/e",
            [],
            None,
            False,
            "Unsupported route path 'a/b/c/d/e'. Must be one of: '[host:port]', '$gateway', "
            "'$deployment/$port', '$deployment/$cluster/$port' or '$deployment/$cluster/$service/$port'.",
        ),
    ],
)
def test_each_route_path_resolves_to_its_endpoints(path, endpoints, chained, external, problem):
    compiled = compile_plan([*AROUND, gateway("front", 8000, [path])], INSTANCES)

    cluster = clusters_of(compiled)[f"front//{path}"]
    assert cluster.endpoints == tuple(plan.Endpoint(*endpoint) for endpoint in endpoints)
    assert (cluster.gateway, cluster.external) == (chained, external)
    assert compiled.problems == ((f"gateway 'front' route '{path}': {problem}",) if problem else ())
    assert routes_of(compiled, "front") == (
        plan.PlanRoute("front", None, FULL, (plan.WeightedCluster(f"front//{path}", FULL),)),
    )


FIREFOX = "user-agent == Firefox"


@pytest.mark.parametrize(
    ("given", "strength", "conditional"),
    [
        (FIREFOX, None, [(condition.compile(FIREFOX), FULL)]),
        (FIREFOX, "100%", [(condition.compile(FIREFOX), FULL)]),
        (FIREFOX, "50%", [(condition.compile(FIREFOX), 5000)]),
        (FIREFOX, "0.5%", [(condition.compile(FIREFOX), 50)]),
        (FIREFOX, "0%", []),
        ("true", "30%", [(None, 3000)]),
        ("false", None, []),
        ("   ", "50%", []),
    ],
)
def test_a_condition_takes_its_strength_of_the_matching_requests_before_the_weights(
    given, strength, conditional
):
    conditional_route = {"weight": "0%", "condition": {"definition": given}}
    if strength is not None:
        conditional_route["condition_strength"] = strength
    routes = {"[a.example:80]": {"weight": "100%"}, "[b.example:80]": conditional_route}

    compiled = compile_plan([gateway("ab", 9000, routes)], [])

    a, b = "ab//[a.example:80]", "ab//[b.example:80]"
    assert routes_of(compiled, "ab") == (
        *(
            plan.PlanRoute(b, match, fraction, (plan.WeightedCluster(b, FULL),))
            for match, fraction in conditional
        ),
        plan.PlanRoute("ab", None, FULL, (plan.WeightedCluster(a, FULL), plan.WeightedCluster(b, 0))),
    )
    assert compiled.problems == ()


def test_conditional_routes_keep_the_route_order_and_stored_conditions_resolve():
    routes = {
        "[a.example:80]": {"condition": model.Ref(name="firefox"), "weight": "50%"},
        "[b.example:80]": {"condition": {"definition": "has cookie beta"}, "condition_strength": "10%"},
        "[c.example:80]": {},
    }
    stored = {"firefox": model.Condition(name="firefox", definition=FIREFOX)}

    compiled = compile_plan([gateway("abc", 9000, routes)], [], conditions=stored)

    assert [(route.name, route.match, route.fraction) for route in routes_of(compiled, "abc")] == [
        ("abc//[a.example:80]", condition.compile(FIREFOX), FULL),
        ("abc//[b.example:80]", condition.compile("has cookie beta"), 1000),
        ("abc", None, FULL),
    ]
    assert [cluster.weight for cluster in routes_of(compiled, "abc")[-1].clusters] == [5000, 2500, 2500]


@pytest.mark.parametrize(
    ("weights", "filled"),
    [
        ([None], [FULL]),
        ([None, None, None], [3333, 3333, 3334]),
        (["100%", None], [FULL, 0]),
        (["60%", None, None], [6000, 2000, 2000]),
        (["0%", "0%"], [0, 0]),
        (["12.5%", "87.5%"], [1250, 8750]),
    ],
)
def test_routes_without_a_weight_share_what_the_others_leave(weights, filled):
    routes = {f"[10.0.0.{index}:80]": {"weight": weight} for index, weight in enumerate(weights)}

    compiled = compile_plan([gateway("g", 9000, routes)], [])

    assert [cluster.weight for cluster in routes_of(compiled, "g")[-1].clusters] == filled


def test_balance_and_rewrites_reach_the_cluster_and_stored_routes_resolve():
    routes = {
        "[a.example:80]": {"balance": "leastconn", "rewrites": [{"path": "/api%[path] if { path_beg /v1 }"}]},
        "[b.example:80]": model.Ref(name="stored"),
    }
    stored_routes = {"stored": model.Route(balance="source", rewrites=(model.Ref(name="strip"),))}
    stored_rewrites = {"strip": model.Rewrite(path="/ if path == /old")}

    compiled = compile_plan([gateway("g", 9000, routes)], [], routes=stored_routes, rewrites=stored_rewrites)

    clusters = clusters_of(compiled)
    a, b = clusters["g//[a.example:80]"], clusters["g//[b.example:80]"]
    assert (a.balance, a.rewrites) == (
        plan.Balance.LEAST_REQUEST,
        (condition.parse_rewrite("/api%[path] if { path_beg /v1 }"),),
    )
    assert (b.balance, b.rewrites) == (
        plan.Balance.RING_HASH,
        (condition.parse_rewrite("/ if path == /old"),),
    )


@pytest.mark.parametrize(
    ("balance", "hash_on"),
    [
        ("source", "source"),
        ("uri", "path"),
        ("hdr(X-User)", "header:x-user"),
        (" HDR(cookie) ", "header:cookie"),
        ("ring_hash", None),
        ("roundrobin", None),
        (None, None),
    ],
)
def test_a_hashing_balance_says_what_it_hashes_on(balance, hash_on):
    compiled = compile_plan([gateway("g", 9000, {"[a.example:80]": {"balance": balance}})], [])

    assert clusters_of(compiled)["g//[a.example:80]"].hash_on == hash_on


def test_the_same_input_gives_the_same_plan_and_any_change_a_new_version():
    plan_1 = compile_plan(SAVA, INSTANCES)
    plan_2 = compile_plan(list(reversed(SAVA)), list(reversed(INSTANCES)))
    scaled = compile_plan(
        SAVA,
        [*INSTANCES, instance("sava-1-1-0-c", "10.0.0.5", {"webport": 8081}, service="sava/sava/sava:1.1.0")],
    )
    reweighted = compile_plan(
        [
            SAVA[0],
            gateway(
                "sava/sava/webport",
                40000,
                {"sava/sava/sava:1.0.0/webport": {}, "sava/sava/sava:1.1.0/webport": {}},
            ),
        ],
        INSTANCES,
    )

    assert plan_1 == plan_2
    assert plan_1.version == plan_2.version
    assert len({plan_1.version, scaled.version, reweighted.version}) == 3
