"""The HAProxy renderer, feature by feature: the lines each part of a plan becomes, what each frontend,
backend and server stands for, and what it refuses (naming the place and saying what would be valid).

HAProxy itself reads every plan here in ``test_haproxy_check.py``.
"""

from __future__ import annotations

import re

import pytest

from tests.adapters.haproxy import render_plans
from tests.core.routing.build import gateway, instance
from vamp import errors
from vamp.adapters.haproxy import render_names
from vamp.adapters.haproxy.render import Origin, RenderOptions, render
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

A = render_names.haproxy_name("shop//shop/web/a/http")
B = render_names.haproxy_name("shop//shop/web/b/http")
C = render_names.haproxy_name("shop//shop/web/c/http")
FORM0_A = render_names.haproxy_name("form0//shop/web/a/http")
FORM0_B = render_names.haproxy_name("form0//shop/web/b/http")
SHOP = render_names.haproxy_name("shop")
FORWARDED = [
    'http-request set-header x-forwarded-for "%[req.fhdr(x-forwarded-for)], %[src]" '
    "if { req.fhdr(x-forwarded-for) -m found }",
    "http-request set-header x-forwarded-for %[src] if !{ req.fhdr(x-forwarded-for) -m found }",
]
NO_WEIGHT = (
    "http-request return status 503 content-type text/plain string \"gateway 'shop': no route has weight\\n\""
)
INSTANCES = [
    instance("a-1", "10.0.1.1", {"http": 8080}, service="shop/web/a"),
    instance("a-2", "10.0.1.5", {"http": 8080}, service="shop/web/a"),
    instance("b-1", "10.0.1.2", {"http": 8080}, service="shop/web/b"),
    instance("c-1", "fd00::3", {"http": 8080}, service="shop/web/c"),
]


def shop(routes: object, **fields: object) -> plan.RoutingPlan:
    return compile_plan([gateway("shop", 9050, routes, **fields)], INSTANCES, shared_port=None)


def section(text: str, header: str) -> list[str]:
    """The lines of one section (``frontend NAME``, ``backend NAME``, ``global``), without the header."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("    ")), len(lines))
    return [line.strip() for line in lines[start:end]]


def test_a_gateway_is_a_frontend_on_its_port_and_each_route_a_backend_with_its_instances() -> None:
    rendering = render(shop(["shop/web/a/http"]))
    assert section(rendering.text, f"frontend {SHOP}") == [
        "bind 127.0.0.1:9050",
        *FORWARDED,
        "http-request set-var(txn.vamp_route) int(1) if !{ var(txn.vamp_route) -m found }",
        f"use_backend {A} if {{ var(txn.vamp_route) -m int eq 1 }}",
        "default_backend vamp-unrouted",
    ]
    assert section(rendering.text, f"backend {A}") == [
        "balance roundrobin",
        "http-response add-header x-vamp-route shop//shop/web/a/http",
        (
            "default-server check inter 10000ms fastinter 500ms fall 2 rise 1 observe layer4 error-limit 1 "
            "on-error fastinter"
        ),
        f"server {render_names.haproxy_name('a-1')} 10.0.1.1:8080",
        f"server {render_names.haproxy_name('a-2')} 10.0.1.5:8080",
    ]
    assert rendering.frontends == {SHOP: "shop"}
    assert rendering.backends == {A: Origin("shop", "shop/web/a/http")}
    assert rendering.servers == {
        (A, render_names.haproxy_name("a-1")): "a-1",
        (A, render_names.haproxy_name("a-2")): "a-2",
    }
    assert section(rendering.text, "backend vamp-unrouted") == [
        f"{NO_WEIGHT} if {{ fe_name -m str {SHOP} }} {{ var(txn.vamp_route) -m int eq 1 }}",
        "http-request return status 404",
    ]


@pytest.mark.parametrize(
    ("weights", "choices"),
    [
        ({"a": "50%", "b": "50%"}, [(A, 5000), (B, None)]),
        ({"a": "99.5%", "b": "0.5%"}, [(A, 9950), (B, None)]),
        ({"a": "0.5%", "b": "99.5%"}, [(A, 50), (B, None)]),
        ({"a": "70%", "b": "20%", "c": "10%"}, [(A, 7000), (B, 9000), (C, None)]),
        ({"a": "100%", "b": "0%"}, [(A, None)]),
    ],
)
def test_weights_are_a_draw_in_hundredths_over_the_backends_of_a_route(
    weights: dict[str, str], choices: list[tuple[str, int | None]]
) -> None:
    text = render(
        shop({f"shop/web/{name}/http": {"weight": weight} for name, weight in weights.items()})
    ).text
    lines = section(text, f"frontend {SHOP}")
    expected = [
        f"use_backend {backend} if {{ var(txn.vamp_route) -m int eq 1 }}"
        + (f" {{ var(txn.vamp_weight) -m int lt {below} }}" if below is not None else "")
        for backend, below in choices
    ]
    assert [line for line in lines if line.startswith("use_backend")] == expected
    assert ("http-request set-var(txn.vamp_weight) rand(10000)" in lines) == (len(choices) > 1)


def test_a_gateway_without_weight_sends_every_request_to_the_unrouted_backend() -> None:
    lines = section(render(shop({"shop/web/a/http": {"weight": "0%"}})).text, f"frontend {SHOP}")
    assert not [line for line in lines if line.startswith("use_backend")]
    assert lines[-1] == "default_backend vamp-unrouted"


def test_the_unrouted_backend_names_each_gateway_whose_route_has_no_weight_else_answers_404() -> None:
    rendering = render(render_plans.weights())
    shared = next(name for name, listener in rendering.frontends.items() if listener != "shop")
    unrouted = section(rendering.text, "backend vamp-unrouted")
    assert [re.sub(r" if .*", "", line) for line in unrouted] == [
        NO_WEIGHT,
        NO_WEIGHT,
        "http-request return status 404",
    ]
    assert {line.partition(" if ")[2] for line in unrouted[:2]} == {
        f"{{ fe_name -m str {frontend} }} {{ var(txn.vamp_route) -m int eq 1 }}"
        for frontend in (SHOP, shared)
    }


def test_conditions_are_acls_and_each_conjunction_a_line_with_the_route_strength_drawn_once() -> None:
    lines = section(render(render_plans.conditions()).text, f"frontend {render_names.haproxy_name('form0')}")
    unrouted = "!{ var(txn.vamp_route) -m found }"
    assert lines[1:3] == FORWARDED
    assert lines[3:] == [
        "acl match0 req.fhdr(user-agent) -m sub Firefox",
        "acl match1 req.hdr(cookie) -m reg '(?:^|;)\\s*beta='",
        "acl match2 req.fhdr(x-internal) -m found",
        f"http-request set-var(txn.vamp_strength1) rand(10000) if {unrouted}",
        f"http-request set-var(txn.vamp_route) int(1) if {unrouted} "
        "{ var(txn.vamp_strength1) -m int lt 5000 } match0",
        f"http-request set-var(txn.vamp_route) int(1) if {unrouted} "
        "{ var(txn.vamp_strength1) -m int lt 5000 } match1 !match2",
        f"http-request set-var(txn.vamp_route) int(2) if {unrouted}",
        f"use_backend {FORM0_B} if {{ var(txn.vamp_route) -m int eq 1 }}",
        f"use_backend {FORM0_A} if {{ var(txn.vamp_route) -m int eq 2 }}",
        "default_backend vamp-unrouted",
    ]


def test_each_route_draws_its_own_strength_and_a_matcher_used_twice_is_one_acl() -> None:
    text = render(
        shop(
            {
                "shop/web/b/http": {
                    "weight": "0%",
                    "condition": {"definition": "has cookie x"},
                    "condition_strength": "0.5%",
                },
                "shop/web/c/http": {
                    "weight": "0%",
                    "condition": {"definition": "misses cookie x"},
                    "condition_strength": "30%",
                },
                "shop/web/a/http": {"weight": "100%"},
            }
        )
    ).text
    lines = section(text, f"frontend {SHOP}")
    assert [line for line in lines if line.startswith("acl")] == [
        "acl match0 req.hdr(cookie) -m reg '(?:^|;)\\s*x='"
    ]
    assert [re.sub(r" if .*", "", line) for line in lines if "strength" in line and "rand" in line] == [
        "http-request set-var(txn.vamp_strength1) rand(10000)",
        "http-request set-var(txn.vamp_strength2) rand(10000)",
    ]
    assert any(line.endswith("{ var(txn.vamp_strength1) -m int lt 50 } match0") for line in lines)
    assert any(line.endswith("{ var(txn.vamp_strength2) -m int lt 3000 } !match0") for line in lines)


def test_the_shared_frontend_chooses_a_virtual_host_by_its_domains() -> None:
    rendering = render(render_plans.weights())
    shared = next(name for name, listener in rendering.frontends.items() if listener != "shop")
    lines = section(rendering.text, f"frontend {shared}")
    assert lines[0] == "bind 127.0.0.1:80"
    assert "acl host0 req.hdr(host),field(1,:) -i -m str shop.example" in lines
    assert "acl host0 req.hdr(host),field(1,:) -i -m end .shop.example" in lines
    assert "http-request set-var(txn.vamp_route) int(1) if !{ var(txn.vamp_route) -m found } host0" in lines


@pytest.mark.parametrize(
    ("balance", "lines"),
    [
        ("roundrobin", ["balance roundrobin"]),
        ("leastconn", ["balance leastconn"]),
        ("random", ["balance random"]),
        ("source", ["balance source", "hash-type consistent"]),
        ("uri", ["balance uri", "hash-type consistent"]),
        ("hdr(X-User)", ["balance hdr(x-user)", "hash-type consistent"]),
    ],
)
def test_each_balance_becomes_haproxy_s_algorithm(balance: str, lines: list[str]) -> None:
    text = render(shop({"shop/web/a/http": {"balance": balance}})).text
    assert section(text, f"backend {A}")[: len(lines)] == lines


def test_an_ipv6_endpoint_is_written_in_brackets() -> None:
    text = render(shop(["shop/web/c/http"])).text
    assert section(text, f"backend {C}")[-1] == f"server {render_names.haproxy_name('c-1')} [fd00::3]:8080"


def test_global_and_defaults_follow_the_options() -> None:
    options = RenderOptions(
        listen_host="0.0.0.0", stats_socket="/run/vamp/haproxy.sock", connect_timeout_s=0.25, retries=0
    )
    text = render(shop(["shop/web/a/http"]), options=options).text
    assert section(text, "global") == [
        "stats socket /run/vamp/haproxy.sock mode 600 level admin expose-fd listeners",
        f"setenv VAMP_PLAN_VERSION {render(shop(['shop/web/a/http'])).version}",
    ]
    defaults = section(text, "defaults")
    assert "timeout connect 250ms" in defaults
    assert "timeout server 50000ms" in defaults
    assert "retries 0" in defaults
    assert "option redispatch" not in defaults
    assert section(text, f"frontend {SHOP}")[0] == "bind 0.0.0.0:9050"
    assert section(render(shop(["shop/web/a/http"])).text, "global") == []


def test_the_same_plan_renders_the_same_text() -> None:
    assert render(render_plans.conditions()).text == render(render_plans.conditions()).text


def test_a_plan_that_cannot_be_served_is_refused_saying_where() -> None:
    listener = plan.Listener("a", 9050, render_plans.weights().listeners[1].protocol, ())
    clash = plan.RoutingPlan.of((listener, plan.Listener("b", 9050, listener.protocol, ())), (), ())
    with pytest.raises(
        errors.RoutingError, match="listeners 'a' and 'b' both use port 9050; give each its own"
    ):
        render(clash)
    weights = render_plans.weights()
    lacking = plan.RoutingPlan.of(weights.listeners, weights.clusters[1:], ())
    with pytest.raises(
        errors.RoutingError, match=r"sends requests to 'shop//shop/web/a/http', which the plan lacks"
    ):
        render(lacking)
