"""Selector gateways and route selectors: routes per discovered version, targets from the selection."""

import pytest

from tests.core.routing.build import gateway, instance
from vamp.core import model, selector
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan, refresh_selector_routes
from vamp.core.units import Percentage

FOO = "label(app)(foo) && label(version)((.*))"
INSTANCES = [
    instance("foo-1-a", "10.0.1.1", {"web": 8080}, labels={"app": "foo", "version": "1.0.3"}),
    instance("foo-1-b", "10.0.1.2", {"web": 8080}, labels={"app": "foo", "version": "1.0.3"}),
    instance("foo-2-a", "10.0.2.1", {"web": 8080}, labels={"app": "foo", "version": "2.0.1"}),
    instance("foo-2-b", "10.0.2.2", {"web": 8080}, labels={"app": "foo", "version": "2.0.1"}, ready=False),
    instance("bar-1-a", "10.0.3.1", {"web": 8080}, labels={"app": "bar", "version": "1.0.0"}),
]
FOO_INGRESS = gateway("foo-ingress", 9000, selector=FOO, virtual_hosts=["foo.bar.com"])


def weighted(compiled: plan.RoutingPlan, name: str) -> list[tuple[str, int]]:
    listener = next(listener for listener in compiled.listeners if listener.name == name)
    return [(cluster.cluster, cluster.weight) for cluster in listener.virtual_hosts[0].routes[-1].clusters]


def endpoints(compiled: plan.RoutingPlan) -> dict[str, list[str]]:
    return {
        cluster.name: [
            f"{endpoint.instance}@{endpoint.host}:{endpoint.port}" for endpoint in cluster.endpoints
        ]
        for cluster in compiled.clusters
    }


def test_each_discovered_version_becomes_a_route_the_first_at_100_percent():
    compiled = compile_plan([FOO_INGRESS], INSTANCES)

    assert weighted(compiled, "foo-ingress") == [("foo-ingress//(1.0.3)", 10000), ("foo-ingress//(2.0.1)", 0)]
    assert endpoints(compiled) == {
        "foo-ingress//(1.0.3)": ["foo-1-a@10.0.1.1:8080", "foo-1-b@10.0.1.2:8080"],
        "foo-ingress//(2.0.1)": ["foo-2-a@10.0.2.1:8080"],
    }
    shared = next(listener for listener in compiled.listeners if listener.port == 80)
    assert shared.virtual_hosts[0].domains == ("foo-ingress.vamp", "foo.bar.com")
    assert compiled.problems == ()


def test_refreshed_routes_are_stored_and_their_weights_then_rule():
    refreshed = refresh_selector_routes(
        FOO_INGRESS, selector.Index(INSTANCES), namespace=None, global_selector="true"
    )
    routes = {name: route for name, route in refreshed.routes.items() if isinstance(route, model.Route)}
    assert {name: str(route.weight) for name, route in routes.items()} == {"(1.0.3)": "100%", "(2.0.1)": "0%"}

    half = {name: route.model_copy(update={"weight": Percentage.of(50)}) for name, route in routes.items()}
    compiled = compile_plan([refreshed.model_copy(update={"routes": half})], INSTANCES)

    assert weighted(compiled, "foo-ingress") == [
        ("foo-ingress//(1.0.3)", 5000),
        ("foo-ingress//(2.0.1)", 5000),
    ]


def test_when_the_version_with_the_traffic_vanishes_the_others_take_it():
    stored = refresh_selector_routes(
        FOO_INGRESS, selector.Index(INSTANCES), namespace=None, global_selector="true"
    )
    remaining = [item for item in INSTANCES if item.labels.get("version") != "1.0.3"]

    compiled = compile_plan([stored], remaining)

    assert weighted(compiled, "foo-ingress") == [("foo-ingress//(2.0.1)", 10000)]


def test_a_gateway_without_a_selector_is_not_refreshed():
    plain = gateway("plain", 9000, ["[a:1]"])
    assert (
        refresh_selector_routes(plain, selector.Index(INSTANCES), namespace=None, global_selector="true")
        is plain
    )


@pytest.mark.parametrize(
    ("global_selector", "namespace", "selected"),
    [
        ("true", None, ["foo-1@10.0.0.1:80", "foo-2@10.0.0.2:80"]),
        ("namespace($namespace)", "prod", ["foo-1@10.0.0.1:80"]),
        ("namespace(test)", None, ["foo-2@10.0.0.2:80"]),
        ("false", None, []),
    ],
)
def test_a_route_selector_fills_its_route_and_the_global_selector_narrows_it(
    global_selector, namespace, selected
):
    instances = [
        instance("foo-1", "10.0.0.1", {"web": 80}, labels={"app": "foo"}, namespace="prod"),
        instance("foo-2", "10.0.0.2", {"web": 80}, labels={"app": "foo"}, namespace="test"),
    ]
    web = gateway("web", 9000, {"web": {"selector": "label(app)(foo)"}})

    compiled = compile_plan([web], instances, global_selector=global_selector, namespace=namespace)

    assert endpoints(compiled) == {"web//web": selected}
    problem = "gateway 'web' route 'web': the route selector 'label(app)(foo)' selects no ready instance"
    assert compiled.problems == (() if selected else (problem,))
