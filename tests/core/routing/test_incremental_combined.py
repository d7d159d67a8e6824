"""The combined plan of several namespaces built incrementally equals the plan combined whole.

``combine_build`` keeps each namespace's qualified nodes while its plan stays the same. Three namespaces
whose gateways clash on ports and host names are changed one at a time at random (with the changes of
``test_incremental_plans``); after every change the combination built from the previous one must equal
``combine`` of the same plans, version included.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.routing.test_incremental_plans import World, apply, start
from vamp.core import model
from vamp.core.routing import combined
from vamp.core.routing import plan as routing_plan

NAMESPACES = ("default", "acme-prod", "acme-test")


def worlds_of_namespaces() -> dict[str, World]:
    """A world per namespace; in the others, two gateways on ports of their own, two on the default's."""
    worlds = {namespace: start() for namespace in NAMESPACES}
    for offset, namespace in enumerate(NAMESPACES[1:], start=1):
        world = worlds[namespace]
        for name in ("g0", "g1"):
            moved = world.gateways[name]
            port = model.GatewayPort(number=(moved.port.number or 0) + 100 * offset)
            world.gateways[name] = moved.model_copy(update={"port": port})
    return worlds


def plans(worlds: dict[str, World]) -> list[tuple[str, routing_plan.RoutingPlan]]:
    return [(namespace, worlds[namespace].build(None).plan) for namespace in NAMESPACES]


changes = st.lists(
    st.tuples(st.sampled_from(NAMESPACES), st.integers(0, 7), st.integers(0, 20), st.integers(0, 1000)),
    max_size=10,
)


@settings(max_examples=60, deadline=None)
@given(changes)
def test_the_plan_combined_incrementally_equals_the_plan_combined_whole(steps):
    worlds = worlds_of_namespaces()
    current = plans(worlds)
    build = combined.combine_build(current, default="default")
    assert build.plan == combined.combine(current, default="default")
    for namespace, *change in steps:
        apply(worlds[namespace], (change[0], change[1], change[2]))
        current = [
            (name, worlds[name].build(None).plan if name == namespace else plan) for name, plan in current
        ]
        build = combined.combine_build(current, default="default", previous=build)
        assert build.plan == combined.combine(current, default="default")


def test_a_change_in_one_namespace_keeps_the_other_namespaces_nodes():
    worlds = worlds_of_namespaces()
    current = plans(worlds)
    first = combined.combine_build(current, default="default")
    apply(worlds["acme-test"], (0, 1, 42))
    current[2] = ("acme-test", worlds["acme-test"].build(None).plan)

    second = combined.combine_build(current, default="default", previous=first)

    assert second.plan == combined.combine(current, default="default")
    assert second.renamed["default"] is first.renamed["default"]
    assert second.renamed["acme-prod"] is first.renamed["acme-prod"]
    assert second.renamed["acme-test"] is not first.renamed["acme-test"]
