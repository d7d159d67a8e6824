"""The gateway synchroniser's decisions (vamp.md §1.9–1.10, §3.4) and the events of gateways and routes.

Inputs are stored gateways, deployments and observed instances; outputs are the gateways to compile,
what to store (ports, selector routes), the problems and the events with Vamp's tags.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.core.deployments.builders import HOST, NOW, sava_blueprint
from vamp.core import deployments, model, runtime
from vamp.core.reconcile import events, gateways
from vamp.core.routing import compile
from vamp.core.units import Percentage

NS = "default"
FOO = "label(app)(foo) && label(version)((.*))"


def sava() -> model.Deployment:
    return deployments.merge(None, sava_blueprint(), name="sava", now=NOW, host=HOST)


def free(name: str, port: int | None = None, **fields: object) -> model.Gateway:
    return model.Gateway(name=name, port=model.GatewayPort(number=port), **fields)


def foo(version: str, *, namespace: str = NS, ready: bool = True) -> model.ObservedInstance:
    return model.ObservedInstance(
        name=f"foo-{version}",
        ip="10.2.0.1",
        ports=(model.ObservedPort(number=8080, name="web"),),
        namespace=namespace,
        labels={"app": "foo", "version": version},
        ready=ready,
    )


def weights(gateway: model.Gateway) -> dict[str, str]:
    return {
        path: str(route.weight) for path, route in gateway.routes.items() if isinstance(route, model.Route)
    }


def test_gateways_without_a_port_get_one_and_keep_it_where_they_are_stored():
    sync = gateways.synchronise([free("shop"), free("fixed", 8080)], [sava()], [], namespace=NS)

    assert [(g.name, g.port.number) for g in sync.gateways] == [
        ("shop", 40001),
        ("fixed", 8080),
        ("sava/sava/webport", 40000),
        ("sava/9050", 9050),
    ]
    assert [(g.name, g.port.number) for g in sync.changed_gateways] == [("shop", 40001)]
    assert [d.ports for d in sync.changed_deployments] == [{"sava.webport": 40000}]
    assert sync.problems == ()


def test_assigned_ports_are_stable():
    first = gateways.synchronise([free("shop")], [sava()], [], namespace=NS)
    again = gateways.synchronise(
        [*first.changed_gateways, free("aaa")],
        [
            *first.changed_deployments,
            deployments.merge(None, sava_blueprint(external=False), name="a", now=NOW, host=HOST),
        ],
        [],
        namespace=NS,
    )

    ports = {g.name: g.port.number for g in again.gateways}
    assert (ports["shop"], ports["sava/sava/webport"]) == (40001, 40000)
    assert (ports["aaa"], ports["a/sava/webport"]) == (40003, 40002)
    assert [g.name for g in again.changed_gateways] == ["aaa"]
    assert [d.name for d in again.changed_deployments] == ["a"]


def test_taken_ports_and_the_range_are_honoured_and_a_full_range_fails_only_the_gateways_left():
    sync = gateways.synchronise(
        [free("a"), free("b")], [], [], namespace=NS, taken=[50], first_port=50, last_port=51
    )

    assert [g.port.number for g in sync.gateways] == [51, None]
    assert sync.problems == (
        "gateway 'b': No port available in the range [50-51]. "
        "Remove unused gateways or widen the range with --gateway-ports.",
    )


def test_an_external_deployment_gateway_without_a_port_keeps_the_one_it_gets():
    deployment = sava().model_copy(
        update={"gateways": {"web": model.Gateway(routes={"sava/webport": model.Route()})}}
    )

    placed = gateways.with_ports(deployment, {"sava/web": 40007, "sava/sava/webport": 40001})

    assert placed.gateways["web"].port.number == 40007
    assert placed.ports == {"sava.webport": 40001}


def test_a_stored_gateway_named_like_a_deployment_gateway_is_the_deployment_s():
    sync = gateways.synchronise([free("sava/9050", 9999)], [sava()], [], namespace=NS)

    assert [(g.name, g.port.number) for g in sync.gateways if g.name == "sava/9050"] == [("sava/9050", 9050)]
    assert sync.changed_gateways == ()


def test_selector_routes_appear_at_zero_and_vanish_with_their_instances():
    gateway = free("foo-ingress", 9060, selector=FOO)

    first = gateways.synchronise([gateway], [], [foo("1.0.3")], namespace=NS).changed_gateways[0]
    second = gateways.synchronise([first], [], [foo("1.0.3"), foo("2.0.1")], namespace=NS).changed_gateways[0]
    third = gateways.synchronise([second], [], [foo("2.0.1")], namespace=NS).changed_gateways[0]
    unchanged = gateways.synchronise([third], [], [foo("2.0.1"), foo("3.0.0", ready=False)], namespace=NS)

    assert weights(first) == {"(1.0.3)": "100%"}
    assert weights(second) == {"(1.0.3)": "100%", "(2.0.1)": "0%"}
    assert second.routes["(2.0.1)"] == model.Route(
        weight=Percentage(0),
        metadata={"groups": ["2.0.1"], "title": "(2.0.1)"},
    )
    assert weights(third) == {"(2.0.1)": "100%"}
    assert unchanged.changed_gateways == ()


def test_after_one_instance_changed_a_synchronise_from_the_last_one_decides_as_one_from_scratch():
    """Each step: the same stored gateways (what was changed is stored, as the service does) and one
    instance more or less; the decision kept from the step before equals the one made anew, and the
    gateways the instance cannot concern are the very objects decided before."""
    stored = [free("foo-ingress", 9060, selector=FOO), free("bar-ingress", 9061, selector="label(app)(bar)")]
    bar = foo("1.0.0").model_copy(update={"name": "bar-1", "labels": {"app": "bar"}})
    one, two = foo("1.0.3"), foo("2.0.1")  # an instance that stays is the same object, as the driver's
    fleets = [(one, bar), (one, bar, two), (one, bar, two, foo("3.0.0", ready=False)), (bar, two), (bar, two)]
    previous = None
    for fleet in fleets:
        kept = gateways.synchronise(stored, [], fleet, namespace=NS, previous=previous)
        fresh = gateways.synchronise(stored, [], fleet, namespace=NS)
        assert (kept.gateways, kept.changed_gateways, kept.problems) == (
            fresh.gateways,
            fresh.changed_gateways,
            fresh.problems,
        )
        if previous is not None and "bar-ingress" not in {g.name for g in previous.changed_gateways}:
            assert kept.gateways[1] is previous.gateways[1]  # stored as it was, and no bar instance changed
        changed = {gateway.name: gateway for gateway in kept.changed_gateways}
        stored = [changed.get(gateway.name, gateway) for gateway in stored]
        previous = kept


def test_selectors_see_every_namespace():
    gateway = free("foo-ingress", 9060, selector=FOO)

    sync = gateways.synchronise([gateway], [], [foo("1.0.3", namespace="acme-test")], namespace=NS)

    assert list(sync.gateways[0].routes) == ["(1.0.3)"]


def test_a_selector_that_does_not_parse_is_a_problem_for_its_gateway_only():
    sync = gateways.synchronise(
        [free("foo-ingress", 9060, selector=FOO), free("shop")],
        [],
        [foo("1.0.3")],
        namespace=NS,
        global_selector="label(",
    )

    assert [g.name for g in sync.changed_gateways] == ["shop"]
    assert sync.problems == (
        "gateway 'foo-ingress': Invalid selector 'label(': expected ')' to close the '(' after label at "
        "position 6, found the end of the selector at position 7.",
    )


def test_route_paths_only_find_services_of_their_own_namespace():
    here = model.ObservedInstance(
        name="a", ip="10.0.0.1", namespace=NS, deployment="sava", cluster="sava", service="s"
    )
    there = here.model_copy(update={"name": "b", "namespace": "acme-prod"})

    seen = gateways.addressable([here, there], NS)

    assert [(i.name, i.deployment, i.labels) for i in seen] == [("a", "sava", {}), ("b", None, {})]


def gateway(**routes: model.Route | model.Ref) -> model.Gateway:
    return model.Gateway(name="shop", port=model.GatewayPort(number=9050), routes=routes)


def route(
    weight: int | None = None, condition: str | None = None, strength: int | None = None
) -> model.Route:
    return model.Route(
        weight=None if weight is None else Percentage.of(weight),
        condition=None if condition is None else model.Condition(definition=condition),
        condition_strength=None if strength is None else Percentage.of(strength),
    )


@pytest.mark.parametrize(
    ("before", "after", "changes"),
    [
        pytest.param({"a": route(100)}, {"a": route(100)}, [], id="nothing"),
        pytest.param({"a": route(100)}, {"a": route(100), "b": route(0)}, [("b", "added")], id="added"),
        pytest.param({"a": route(100), "b": route(0)}, {"a": route(100)}, [("b", "removed")], id="removed"),
        pytest.param({"a": route(90)}, {"a": route(50)}, [("a", "weightupdated")], id="weight updated"),
        pytest.param({"a": route()}, {"a": route(100)}, [("a", "weightadded")], id="weight added"),
        pytest.param({"a": route(100)}, {"a": route()}, [("a", "weightremoved")], id="weight removed"),
        pytest.param(
            {"a": route()}, {"a": route(condition="host == x")}, [("a", "conditionadded")], id="condition"
        ),
        pytest.param(
            {"a": route(condition="host == x", strength=50)},
            {"a": route(condition="host == y", strength=100)},
            [("a", "conditionupdated"), ("a", "conditionstrengthupdated")],
            id="condition and strength",
        ),
        pytest.param(
            {"a": route(condition="host == x", strength=10)},
            {"a": route()},
            [("a", "conditionremoved"), ("a", "conditionstrengthremoved")],
            id="condition removed",
        ),
        pytest.param({"a": model.Ref(name="r")}, {"a": model.Ref(name="q")}, [], id="references"),
    ],
)
def test_route_changes_are_told_with_vamp_s_tags(before, after, changes):
    told = list(events.route_changes(gateway(**before), gateway(**after)))

    assert [event.tags for event in told] == [
        ("gateways:shop", f"routes:{path}", f"route:{change}") for path, change in changes
    ]
    assert all(event.value == "shop" and event.type == "event" for event in told)


def plan_of(*served: model.Gateway, instances: tuple[model.ObservedInstance, ...] = ()):
    return compile.compile_plan(served, instances, shared_port=None)


def test_gateways_entering_and_leaving_the_plan_are_told():
    a, b = (
        free("a", 9001, routes={"[10.0.0.1:80]": model.Route()}),
        free("b", 9002, routes={"[10.0.0.2:80]": model.Route()}),
    )

    told = list(events.gateway_changes(plan_of(a), plan_of(b)))

    assert [(event.tags, event.value) for event in told] == [
        (("gateways:b", "deployed"), "b"),
        (("gateways:a", "undeployed"), "a"),
    ]


def test_changed_targets_are_told_per_route():
    ingress = free("foo-ingress", 9060, routes={"(1.0.3)": route(100)}, selector=FOO)
    one, two = foo("1.0.3"), foo("1.0.3").model_copy(update={"name": "foo-1.0.3-b", "ip": "10.2.0.2"})

    told = list(
        events.target_changes(plan_of(ingress, instances=(one,)), plan_of(ingress, instances=(one, two)))
    )
    same = list(events.target_changes(plan_of(ingress, instances=(one,)), plan_of(ingress, instances=(one,))))

    assert [event.tags for event in told] == [
        ("gateways:foo-ingress", "routes:(1.0.3)", "route:targetschanged")
    ]
    assert same == []


def test_synchronization_events_carry_vamp_s_tags():
    key = runtime.ServiceKey(NS, "sava", "sava", "sava:1.0.0")
    when = datetime(2026, 1, 1, tzinfo=UTC)

    event = events.synchronization(key, "redeploy", when)

    assert (event.type, event.tags, event.timestamp) == (
        "synchronization",
        ("deployments:sava", "clusters:sava", "services:sava:1.0.0", "synchronization:redeploy"),
        when,
    )
