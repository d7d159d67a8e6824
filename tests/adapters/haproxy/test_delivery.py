"""Which changes the runtime API delivers alone and which need a reload (``delivery.change``), and the
addresses a configuration binds (``delivery.binds``)."""

from __future__ import annotations

from tests.adapters.haproxy.test_render import INSTANCES, A, shop
from tests.core.routing.build import gateway, instance
from vamp.adapters.haproxy import render_names
from vamp.adapters.haproxy.delivery import Change, Server, binds, change
from vamp.adapters.haproxy.render import Rendering, RenderOptions, render
from vamp.core import model
from vamp.core.routing.compile import compile_plan

OPTIONS = RenderOptions(stats_socket="/run/vamp/haproxy.sock", maps_folder="/run/vamp/maps")
SPLIT = {"shop/web/a/http": {"weight": "90%"}, "shop/web/b/http": {"weight": "10%"}}


def rendered(
    routes: object, instances: list[model.ObservedInstance] = INSTANCES, **gateways: int
) -> Rendering:
    plans = [gateway("shop", 9050, routes), *(gateway(name, port, routes) for name, port in gateways.items())]
    return render(compile_plan(plans, instances, shared_port=None), options=OPTIONS)


def test_nothing_running_yet_needs_a_reload() -> None:
    assert change(None, rendered(SPLIT)) == Change(reload=True)


def test_the_same_plan_changes_nothing() -> None:
    assert change(rendered(SPLIT), rendered(SPLIT)).nothing


def test_new_weights_change_the_map_only() -> None:
    before = rendered(SPLIT)
    after = rendered({"shop/web/a/http": {"weight": "0.5%"}, "shop/web/b/http": {"weight": "99.5%"}})

    delivered = change(before, after)

    assert not delivered.reload
    assert delivered.maps == after.maps
    assert (delivered.added, delivered.removed) == ((), ())


def test_an_instance_added_or_removed_is_a_server_added_or_removed() -> None:
    more = [*INSTANCES, instance("a-3", "10.0.1.9", {"http": 8080}, service="shop/web/a")]
    server = Server(A, render_names.haproxy_name("a-3"), "10.0.1.9:8080")

    assert change(rendered(SPLIT), rendered(SPLIT, more)) == Change(reload=False, added=(server,))
    assert change(rendered(SPLIT, more), rendered(SPLIT)) == Change(reload=False, removed=(server,))


def test_an_instance_that_moved_is_removed_and_added_again() -> None:
    moved = [
        instance("a-1", "10.0.1.7", {"http": 8080}, service="shop/web/a") if i.name == "a-1" else i
        for i in INSTANCES
    ]
    name = render_names.haproxy_name("a-1")

    delivered = change(rendered(SPLIT), rendered(SPLIT, moved))

    assert delivered.removed == (Server(A, name, "10.0.1.1:8080"),)
    assert delivered.added == (Server(A, name, "10.0.1.7:8080"),)


def test_a_new_gateway_or_a_new_condition_needs_a_reload() -> None:
    assert change(rendered(SPLIT), rendered(SPLIT, more=9060)).reload
    with_condition = {
        "shop/web/a/http": {"weight": "90%", "condition": {"definition": "has header x-beta"}},
        "shop/web/b/http": {"weight": "10%"},
    }
    assert change(rendered(SPLIT), rendered(with_condition)).reload


def test_a_cluster_that_gains_its_first_weight_needs_no_reload() -> None:
    before = rendered({"shop/web/a/http": {"weight": "100%"}, "shop/web/b/http": {"weight": "0%"}})
    after = rendered({"shop/web/a/http": {"weight": "0%"}, "shop/web/b/http": {"weight": "100%"}})

    assert not change(before, after).reload


def test_binds_are_read_from_the_bind_lines() -> None:
    text = "frontend a\n    bind 127.0.0.1:9050\nfrontend b\n    bind [::1]:9060 ssl crt /x.pem\n"

    assert binds(text) == {("127.0.0.1", 9050), ("::1", 9060)}
    assert binds(render(shop(["shop/web/a/http"])).text) == {("127.0.0.1", 9050)}
