"""What the HAProxy renderer does as Envoy's does at a route's edge: the ``x-vamp-route`` response header,
and health checks with retries on another instance, so a refusing instance costs no wait.

That a real HAProxy answers so is checked in ``tests/e2e/dataplane/test_targets.py``.
"""

from __future__ import annotations

from tests.adapters.haproxy.test_render import INSTANCES, section, shop
from tests.core.routing.build import gateway
from vamp.adapters.haproxy import render_names
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core.routing.compile import compile_plan

A = render_names.haproxy_name("shop//shop/web/a/http")
CHECKS = (
    "default-server check inter 10000ms fastinter 500ms fall 2 rise 1 observe layer4 error-limit 1 "
    "on-error fastinter"
)


def test_each_route_s_backend_names_its_route_in_the_x_vamp_route_header() -> None:
    text = render(shop({"shop/web/a/http": {"weight": "50%"}, "shop/web/b/http": {"weight": "50%"}})).text

    for name in ("a", "b"):
        backend = render_names.haproxy_name(f"shop//shop/web/{name}/http")
        assert f"http-response add-header x-vamp-route shop//shop/web/{name}/http" in section(
            text, f"backend {backend}"
        )


def test_a_chained_request_gets_the_header_of_every_gateway_it_went_through() -> None:
    routing = compile_plan(
        [gateway("front", 9000, ["back"]), gateway("back", 9001, ["shop/web/a/http"])], INSTANCES
    )
    text = render(routing, options=RenderOptions(instance_name="/var/lib/vamp/haproxy")).text

    front = section(text, f"backend {render_names.haproxy_name('front//back')}")
    back = section(text, f"backend {render_names.haproxy_name('back//shop/web/a/http')}")
    assert "http-response add-header x-vamp-route front//back" in front
    assert "http-response add-header x-vamp-route back//shop/web/a/http" in back


def test_a_percent_in_a_route_name_stays_literal_in_the_header() -> None:
    routing = compile_plan([gateway("100%", 9000, ["shop/web/a/http"])], INSTANCES)
    text = render(routing).text

    assert "http-response add-header x-vamp-route 100%%//shop/web/a/http" in text


def test_without_the_route_header_option_no_backend_adds_it() -> None:
    text = render(shop(["shop/web/a/http"]), options=RenderOptions(route_header=False)).text

    assert "x-vamp-route" not in text


def test_a_tcp_route_gets_no_header_but_its_instances_are_checked() -> None:
    routing = compile_plan([gateway("db", "5432/tcp", ["shop/web/a/http"])], INSTANCES)
    backend = section(render(routing).text, f"backend {render_names.haproxy_name('db//shop/web/a/http')}")

    assert not [line for line in backend if "x-vamp-route" in line]
    assert CHECKS in backend


def test_every_instance_is_checked_at_the_interval_and_every_retry_goes_to_another_instance() -> None:
    text = render(shop(["shop/web/a/http"]), options=RenderOptions(health_check_interval_s=0.5)).text

    assert (
        "default-server check inter 500ms fastinter 500ms fall 2 rise 1 observe layer4 error-limit 1 "
        "on-error fastinter"
    ) in section(text, f"backend {A}")
    assert "option redispatch 1" in section(text, "defaults")
    # The server lines stay bare, so the runtime API can still add and delete instances.
    assert [line for line in section(text, f"backend {A}") if line.startswith("server")] == [
        f"server {render_names.haproxy_name('a-1')} 10.0.1.1:8080",
        f"server {render_names.haproxy_name('a-2')} 10.0.1.5:8080",
    ]


def test_without_an_interval_nothing_is_checked() -> None:
    text = render(shop(["shop/web/a/http"]), options=RenderOptions(health_check_interval_s=None)).text

    assert "check" not in "\n".join(section(text, f"backend {A}"))


def test_a_chained_gateway_s_socket_is_not_checked() -> None:
    routing = compile_plan(
        [gateway("front", 9000, ["back"]), gateway("back", 9001, ["shop/web/a/http"])], INSTANCES
    )
    text = render(routing, options=RenderOptions(instance_name="/var/lib/vamp/haproxy")).text

    assert CHECKS not in section(text, f"backend {render_names.haproxy_name('front//back')}")
    assert CHECKS in section(text, f"backend {render_names.haproxy_name('back//shop/web/a/http')}")
