"""Listeners and virtual hosts: a listener per gateway port, the shared virtual-host listener, TCP, sticky."""

import pytest

from tests.core.routing.build import gateway
from vamp.core import model
from vamp.core.routing import plan
from vamp.core.routing.compile import SHARED_LISTENER, compile_plan

HTTP, TCP = model.Protocol.HTTP, model.Protocol.TCP
FULL = plan.FULL


def test_sticky_applies_to_the_virtual_hosts_of_the_gateway():
    compiled = compile_plan([gateway("g", 9000, ["[a:1]"], sticky="instance")], [])

    assert {host.sticky for listener in compiled.listeners for host in listener.virtual_hosts} == {
        model.Sticky.INSTANCE
    }


def shared_hosts(compiled: plan.RoutingPlan) -> dict[str, tuple[str, ...]]:
    shared = [listener for listener in compiled.listeners if listener.name == SHARED_LISTENER]
    return {host.gateway: host.domains for listener in shared for host in listener.virtual_hosts}


@pytest.mark.parametrize(
    ("gateways", "options", "hosts", "problems"),
    [
        (
            [gateway("shop", 9000, virtual_hosts=["Shop.Example.com"]), gateway("sava/sava/web")],
            {},
            {"sava/sava/web": ("web.sava.sava.vamp",), "shop": ("shop.example.com", "shop.vamp")},
            [],
        ),
        (
            [gateway("shop", 9000, virtual_hosts=["shop.example.com"]), gateway("sava/9050", 9050)],
            {"automatic_hosts": False},
            {"shop": ("shop.example.com",)},
            [],
        ),
        ([gateway("shop", 9000, virtual_hosts=["shop.example.com"])], {"shared_port": None}, {}, []),
        (
            [
                gateway("b", 9001, virtual_hosts=["x.example", "b.example"]),
                gateway("a", 9000, virtual_hosts=["x.example"]),
            ],
            {"automatic_hosts": False},
            {"a": ("x.example",), "b": ("b.example",)},
            ["gateway 'b': virtual host 'x.example' is already served by 'a'"],
        ),
        ([gateway("db", "5432/tcp")], {}, {}, []),
    ],
)
def test_http_gateways_are_served_by_host_name_on_the_shared_port(gateways, options, hosts, problems):
    compiled = compile_plan(gateways, [], **options)

    assert shared_hosts(compiled) == hosts
    assert list(compiled.problems) == problems


def test_the_shared_listener_serves_the_gateway_routes_on_the_shared_port():
    compiled = compile_plan([gateway("shop", None, ["[a:1]"])], [], shared_port=8080)

    assert [(listener.name, listener.port, listener.protocol) for listener in compiled.listeners] == [
        (SHARED_LISTENER, 8080, HTTP)
    ]
    assert compiled.listeners[0].virtual_hosts[0].routes == (
        plan.PlanRoute("shop", None, FULL, (plan.WeightedCluster("shop//[a:1]", FULL),)),
    )


def test_tcp_gateways_get_their_own_listener_and_least_request_balance():
    compiled = compile_plan([gateway("db", "5432/tcp", ["[10.0.0.5:5432]"])], [])

    assert [(listener.name, listener.port, listener.protocol) for listener in compiled.listeners] == [
        ("db", 5432, TCP)
    ]
    assert [(cluster.protocol, cluster.balance) for cluster in compiled.clusters] == [
        (TCP, plan.Balance.LEAST_REQUEST)
    ]


def test_a_gateway_with_tls_terminates_it_on_its_own_port_only():
    tls = {"certificate": "/etc/vamp/shop.pem", "private_key": "/etc/vamp/shop.key"}
    compiled = compile_plan(
        [gateway("shop", 9000, ["[a:1]"], tls=tls), gateway("plain", 9001, ["[a:1]"])], []
    )

    assert {listener.name: listener.tls for listener in compiled.listeners} == {
        "shop": plan.Tls("/etc/vamp/shop.pem", "/etc/vamp/shop.key"),
        "plain": None,
        SHARED_LISTENER: None,
    }
