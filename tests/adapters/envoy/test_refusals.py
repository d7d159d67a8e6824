"""Envoy's refusals traced back to the gateways of a plan, with the messages Envoy really sends."""

from __future__ import annotations

from vamp.adapters.envoy import refusals, render_names, xds_stream
from vamp.adapters.envoy.layout import ResourceType
from vamp.core import model
from vamp.core.routing import plan as routing_plan


def plan_of(*gateways: str) -> routing_plan.RoutingPlan:
    listeners, clusters = [], []
    for index, name in enumerate(gateways):
        cluster = routing_plan.TargetCluster(
            f"{name}//a",
            (routing_plan.Endpoint("127.0.0.1", 8001, "a"),),
            routing_plan.Balance.ROUND_ROBIN,
            model.Protocol.HTTP,
        )
        clusters.append(cluster)
        route = routing_plan.PlanRoute(
            name, None, 10_000, (routing_plan.WeightedCluster(cluster.name, 10_000),)
        )
        host = routing_plan.VirtualHost(name, name, ("*",), (route,), None)
        listeners.append(routing_plan.Listener(name, 9000 + index, model.Protocol.HTTP, (host,)))
    return routing_plan.RoutingPlan.of(tuple(listeners), tuple(clusters), ())


PLAN = plan_of("shop", "busy", "regex")
OWNED = refusals.owners(PLAN)


def rejection(kind: ResourceType, message: str, *changed: str) -> xds_stream.Rejection:
    return xds_stream.Rejection("edge", kind, "v2", message, changed)


def test_a_listener_envoy_names_blames_its_gateway():
    busy = render_names.envoy_name("busy")
    message = (
        f"Error adding/updating listener(s) {busy}: cannot bind '127.0.0.1:9001': Address already in use"
    )

    found = refusals.blamed(
        [rejection(ResourceType.LISTENERS, message, busy, render_names.envoy_name("shop"))], OWNED
    )

    assert found == {"busy": f"Envoy refused it: {message}."}


def test_a_route_configuration_refused_without_a_name_blames_the_one_gateway_the_response_changed():
    regex = render_names.envoy_name("regex")

    found = refusals.blamed([rejection(ResourceType.ROUTES, "invalid perl operator: (?<", regex)], OWNED)

    assert found == {"regex": "Envoy refused it: invalid perl operator: (?<."}


def test_nobody_is_blamed_when_the_refused_response_changed_several_gateways_and_names_none():
    changed = (render_names.envoy_name("regex"), render_names.envoy_name("shop"))

    assert (
        refusals.blamed([rejection(ResourceType.ROUTES, "invalid perl operator: (?<", *changed)], OWNED) == {}
    )


def test_every_envoy_resource_of_a_gateway_is_owned_by_it():
    assert OWNED[render_names.envoy_name("shop")] == {"shop"}
    assert OWNED[render_names.internal_listener("shop")] == {"shop"}
    assert OWNED[render_names.envoy_name("shop//a")] == {"shop"}
    assert OWNED[render_names.rewrite_hop("shop//a")] == {"shop"}


def test_envoys_own_words_are_the_reason_for_a_gateway_the_agent_finds_itself():
    changed = (render_names.envoy_name("regex"), render_names.envoy_name("shop"))
    refused = [rejection(ResourceType.ROUTES, "invalid repetition size: {1,100}", *changed)]

    assert refusals.reason(refused) == "Envoy refused it: invalid repetition size: {1,100}."
