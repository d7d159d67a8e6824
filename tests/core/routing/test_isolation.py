"""Plans cut by gateway: what an agent serves when its data plane refuses some gateways of a plan."""

from __future__ import annotations

from tests.core.routing.build import gateway
from vamp.core.routing import isolation
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan


def plan_of(*gateways: tuple[str, int | None, str]) -> routing_plan.RoutingPlan:
    """Gateways ``(name, port or None for the shared port 80, weight of route [127.0.0.1:1])``."""
    built = [
        gateway(
            name,
            port,
            {"[127.0.0.1:1]": {"weight": weight}, "[127.0.0.1:2]": {"weight": f"{100 - int(weight[:-1])}%"}},
            **({} if port else {"virtual_hosts": [f"{name}.example"]}),
        )
        for name, port, weight in gateways
    ]
    return compile_plan(built, [], shared_port=80)


def test_a_plan_without_a_gateway_keeps_every_other_gateway_as_it_was():
    full = plan_of(("a", 9001, "10%"), ("b", 9002, "20%"), ("c", 9003, "30%"))

    cut = isolation.without(full, {"b"})

    assert isolation.gateways(cut) == {"a", "c"}
    assert cut == plan_of(("a", 9001, "10%"), ("c", 9003, "30%"))
    assert isolation.without(full, ()) is full
    # What is not cut is the very same objects: gateway a's and c's listeners, not the shared one.
    kept = [any(listener is old for old in full.listeners) for listener in cut.listeners]
    assert [listener.name for listener in cut.listeners] == ["[virtual hosts]", "a", "c"]
    assert kept == [False, True, True]
    assert all(any(kept is cluster for cluster in full.clusters) for kept in cut.clusters)


def test_a_gateway_on_the_shared_port_is_cut_out_of_the_shared_listener_only():
    full = plan_of(("a", None, "10%"), ("b", None, "20%"), ("c", 9003, "30%"))

    cut = isolation.without(full, {"a"})

    assert isolation.gateways(cut) == {"b", "c"}
    assert [listener.port for listener in cut.listeners] == [80, 9003]
    assert all(cluster.name.split("//")[0] != "a" for cluster in cut.clusters)


def test_changed_names_the_gateways_whose_parts_differ():
    before = plan_of(("a", 9001, "10%"), ("b", 9002, "20%"))
    after = plan_of(("a", 9001, "10%"), ("b", 9002, "25%"), ("c", 9003, "30%"))

    assert isolation.changed(after, before) == {"b", "c"}
    assert isolation.changed(after, None) == {"a", "b", "c"}
    assert isolation.changed(before, before) == frozenset()


def test_a_mixed_plan_takes_some_gateways_from_the_other_plan_and_leaves_out_those_it_lacks():
    served = plan_of(("a", 9001, "10%"), ("b", None, "20%"))
    wanted = plan_of(("a", 9001, "15%"), ("b", None, "25%"), ("c", None, "30%"), ("d", 9004, "40%"))

    trial = isolation.mixed(wanted, served, {"b", "c"})

    assert trial == plan_of(("a", 9001, "15%"), ("b", None, "20%"), ("d", 9004, "40%"))
    assert isolation.mixed(wanted, served, ()) == wanted
    assert isolation.mixed(wanted, None, {"b"}) == isolation.without(wanted, {"b"})
