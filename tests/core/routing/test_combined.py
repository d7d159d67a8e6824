"""Plans of several namespaces combined into one: qualified names, one port space, one shared listener."""

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.routing.build import gateway, instance
from vamp.core import model
from vamp.core.routing import combined, plan
from vamp.core.routing.compile import SHARED_LISTENER, compile_plan

SAVA = instance("sava-1", "10.0.0.1", {"webport": 8080}, service="sava/sava/sava:1.0.0")
SHOP = instance("shop-1", "10.0.0.2", {"webport": 8080}, service="shop/shop/shop:1.0.0")


def _plan(*gateways: model.Gateway) -> plan.RoutingPlan:
    return compile_plan(gateways, (SAVA, SHOP))


def _listeners(found: plan.RoutingPlan) -> dict[int, str]:
    return {listener.port: listener.name for listener in found.listeners}


def test_the_default_namespace_keeps_its_names_and_its_plan_version():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"]))

    found = combined.combine([("default", default)], default="default")

    assert found == default
    assert found.version == default.version


def test_gateways_of_other_namespaces_are_qualified_everywhere_they_are_named():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"]))
    prod = _plan(
        gateway("sava", 9060, ["front"]),
        gateway("front", 9061, ["shop/shop/shop:1.0.0/webport"]),
    )

    found = combined.combine([("default", default), ("acme-prod", prod)], default="default")

    assert _listeners(found) == {
        80: SHARED_LISTENER,
        9050: "sava",
        9060: "[acme-prod]sava",
        9061: "[acme-prod]front",
    }
    clusters = {cluster.name: cluster for cluster in found.clusters}
    assert set(clusters) == {
        "sava//sava/sava/sava:1.0.0/webport",
        "[acme-prod]sava//front",
        "[acme-prod]front//shop/shop/shop:1.0.0/webport",
    }
    chained = clusters["[acme-prod]sava//front"]
    assert chained.gateway == "[acme-prod]front"
    assert [endpoint.instance for endpoint in chained.endpoints] == ["[acme-prod]front"]
    routed = {
        host.gateway: [weighted.cluster for route in host.routes for weighted in route.clusters]
        for listener in found.listeners
        if listener.port != 80
        for host in listener.virtual_hosts
    }
    assert routed["[acme-prod]sava"] == ["[acme-prod]sava//front"]
    assert set(routed) == {"sava", "[acme-prod]sava", "[acme-prod]front"}
    assert found.problems == ()


def test_the_shared_listener_is_one_and_automatic_hosts_name_their_namespace():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"]))
    prod = _plan(gateway("sava", 9060, ["shop/shop/shop:1.0.0/webport"]))

    found = combined.combine([("default", default), ("acme-prod", prod)], default="default")

    [shared] = [listener for listener in found.listeners if listener.name == SHARED_LISTENER]
    assert {host.gateway: host.domains for host in shared.virtual_hosts} == {
        "sava": ("sava.vamp",),
        "[acme-prod]sava": ("sava.acme-prod.vamp",),
    }


def test_a_host_name_two_namespaces_claim_goes_to_the_earlier_one_and_is_reported():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"], virtual_hosts=["shop.example"]))
    prod = _plan(gateway("shop", 9060, ["shop/shop/shop:1.0.0/webport"], virtual_hosts=["shop.example"]))

    found = combined.combine([("default", default), ("acme-prod", prod)], default="default")

    [shared] = [listener for listener in found.listeners if listener.name == SHARED_LISTENER]
    assert {host.gateway: host.domains for host in shared.virtual_hosts} == {
        "sava": ("sava.vamp", "shop.example"),
        "[acme-prod]shop": ("shop.acme-prod.vamp",),
    }
    assert found.problems == (
        "namespace 'acme-prod': gateway 'shop': virtual host 'shop.example' is already served by "
        "gateway 'sava' of namespace 'default'",
    )


def test_a_port_two_namespaces_use_stays_with_the_earlier_and_the_later_gateway_is_reported():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"]))
    prod = _plan(
        gateway("shop", 9050, ["shop/shop/shop:1.0.0/webport"]),
        gateway("front", 9070, ["shop"]),
        gateway("other", 9071, ["shop/shop/shop:1.0.0/webport"]),
    )

    found = combined.combine([("default", default), ("acme-prod", prod)], default="default")

    assert _listeners(found) == {80: SHARED_LISTENER, 9050: "sava", 9071: "[acme-prod]other"}
    assert not [
        cluster for cluster in found.clusters if "shop//" in cluster.name or "front//" in cluster.name
    ]
    [shared] = [listener for listener in found.listeners if listener.name == SHARED_LISTENER]
    assert {host.gateway for host in shared.virtual_hosts} == {"sava", "[acme-prod]other"}
    assert found.problems == (
        "namespace 'acme-prod': gateway 'shop': port 9050 is held by gateway 'sava' of namespace "
        "'default'; the gateway is left out of the plan",
        "namespace 'acme-prod': gateway 'front': it routes to gateway 'shop', which is left out; the "
        "gateway is left out of the plan",
    )


def test_problems_of_each_namespace_are_kept_and_named():
    default = _plan(gateway("sava", 9050, ["sava/sava/sava:1.0.0/webport"]), gateway("again", 9050, ["x"]))
    prod = _plan(gateway("bad", 9060, ["nowhere"]))

    found = combined.combine([("default", default), ("acme-prod", prod)], default="default")

    assert [problem for problem in found.problems if problem.startswith("namespace 'acme-prod': ")] == [
        f"namespace 'acme-prod': {problem}" for problem in prod.problems
    ]
    assert [problem for problem in found.problems if not problem.startswith("namespace")] == list(
        default.problems
    )
    assert prod.problems
    assert default.problems


def test_qualified_names_read_back_into_namespace_and_gateway():
    for namespace, name in [("default", "sava/9050"), ("acme-prod", "sava/9050"), ("acme-prod", "a:b")]:
        qualified = combined.qualified(namespace, name, default="default")
        assert combined.split(qualified, default="default") == (namespace, name)
    assert combined.qualified("acme-prod", "sava", default="default") != "sava"


# Gateways of a namespace: each on one of a few ports (so namespaces clash), routing to an external
# target or to another gateway of its namespace (so leaving one out reaches those that chain to it).
namespace_gateways = st.lists(
    st.tuples(st.sampled_from([9050, 9051, 9052, 9053]), st.integers(0, 3), st.booleans()),
    min_size=1,
    max_size=4,
    unique_by=lambda item: item[0],
).map(
    lambda specs: [
        gateway(
            f"g{index}",
            port,
            [f"g{target}" if chained and target != index and target < len(specs) else "[10.0.0.1:80]"],
            virtual_hosts=["shared.example"],
        )
        for index, (port, target, chained) in enumerate(specs)
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(namespace_gateways, min_size=1, max_size=3))
def test_a_combined_plan_is_always_whole_and_every_gateway_is_served_or_reported(
    generated: list[list[model.Gateway]],
) -> None:
    names = ["default", "acme-prod", "acme-test"]
    parts = [(names[index], compile_plan(gateways, [])) for index, gateways in enumerate(generated)]

    found = combined.combine(parts, default="default")

    ports = [listener.port for listener in found.listeners]
    assert len(ports) == len(set(ports))
    clusters = {cluster.name for cluster in found.clusters}
    listeners = {listener.name for listener in found.listeners}
    for listener in found.listeners:
        for host in listener.virtual_hosts:
            assert {weighted.cluster for route in host.routes for weighted in route.clusters} <= clusters
    assert {cluster.gateway for cluster in found.clusters if cluster.gateway} <= listeners
    domains = [
        domain
        for listener in found.listeners
        if listener.port == 80
        for host in listener.virtual_hosts
        for domain in host.domains
    ]
    assert len(domains) == len(set(domains))
    for namespace, part in parts:
        for listener in part.listeners:
            if listener.name == SHARED_LISTENER:
                continue
            name = combined.qualified(namespace, listener.name, default="default")
            prefix = "" if namespace == "default" else f"namespace '{namespace}': "
            left_out = f"{prefix}gateway '{listener.name}': "
            reported = [
                problem
                for problem in found.problems
                if problem.startswith(left_out) and problem.endswith("left out of the plan")
            ]
            assert (name in listeners) != bool(reported)
