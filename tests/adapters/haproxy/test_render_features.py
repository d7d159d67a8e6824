"""The HAProxy renderer's sticky virtual hosts, path rewrites, TLS, TCP gateways, chaining and external
targets: the lines each becomes, the files it needs, and what it refuses (naming the place).

HAProxy itself reads these plans in ``test_haproxy_check.py``; ``tests/e2e/dataplane/``
sends real traffic through them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.adapters.haproxy.test_render import FORWARDED, INSTANCES, section, shop
from tests.core.routing.build import gateway
from vamp import errors
from vamp.adapters.envoy import render_names as envoy_names
from vamp.adapters.haproxy import certificates, render_edge, render_names
from vamp.adapters.haproxy.render import RenderOptions, render
from vamp.core import condition, model
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

A = render_names.haproxy_name("shop//shop/web/a/http")
B = render_names.haproxy_name("shop//shop/web/b/http")
C = render_names.haproxy_name("shop//shop/web/c/http")
SHOP = render_names.haproxy_name("shop")
UNROUTED = "!{ var(txn.vamp_route) -m found }"
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"


def sticky_shop(sticky: str) -> str:
    routes = {
        "shop/web/c/http": {"weight": "0%", "condition": {"definition": "has header x-c"}},
        "shop/web/a/http": {"weight": "80%"},
        "shop/web/b/http": {"weight": "20%"},
        "shop/web/none/http": {"weight": "0%"},
    }
    return render(shop(routes, sticky=sticky)).text


def test_sticky_route_remembers_each_target_with_instances_by_envoy_s_cookie_after_the_conditions() -> None:
    lines = section(sticky_shop("route"), f"frontend {SHOP}")
    cookie = envoy_names.route_cookie("shop")
    assert [line for line in lines if line.startswith("acl")] == [
        "acl match0 req.fhdr(x-c) -m found",
        *[
            f"acl match{number} req.cook({cookie}) -m str {envoy_names.route_id(f'shop//{route}')}"
            for number, route in ((1, "shop/web/c/http"), (2, "shop/web/a/http"), (3, "shop/web/b/http"))
        ],
    ]
    remembered = [
        f"http-request set-var(txn.vamp_route) int({number}) if {UNROUTED} match{number - 1}"
        for number in (2, 3, 4)
    ]
    routing = [line for line in lines if "set-var(txn.vamp_route)" in line or "vamp_sticky" in line]
    assert routing == [
        f"http-request set-var(txn.vamp_route) int(1) if {UNROUTED} match0",
        *remembered,
        f"http-request set-var(txn.vamp_route) int(5) if {UNROUTED}",
        "http-request set-var(txn.vamp_sticky) bool(1) if { var(txn.vamp_route) -m int eq 5 }",
    ]
    assert f"use_backend {B} if {{ var(txn.vamp_route) -m int eq 4 }}" in lines
    assert (
        f"use_backend {A} if {{ var(txn.vamp_route) -m int eq 5 }} {{ var(txn.vamp_weight) -m int lt 8000 }}"
        in (lines)
    )


def test_a_backend_of_a_sticky_route_sets_the_cookie_only_when_chosen_by_weight() -> None:
    text = sticky_shop("route")
    cookie = f"{envoy_names.route_cookie('shop')}={envoy_names.route_id('shop//shop/web/a/http')}"
    assert (
        f"http-response add-header set-cookie '{cookie}; Path=/; HttpOnly' "
        "if { var(txn.vamp_sticky) -m bool }"
    ) in section(text, f"backend {A}")
    assert not [line for line in section(text, f"backend {A}") if line.startswith("cookie")]


def test_sticky_instance_adds_cookie_persistence_with_one_value_per_address() -> None:
    text = sticky_shop("instance")
    backend = section(text, f"backend {A}")
    assert f"cookie {envoy_names.instance_cookie('shop')} insert indirect nocache httponly" in backend
    servers = [line for line in backend if line.startswith("server")]
    assert servers == [
        f"server {render_names.haproxy_name(name)} {address} cookie {envoy_names.route_id(address)}"
        for name, address in (("a-1", "10.0.1.1:8080"), ("a-2", "10.0.1.5:8080"))
    ]
    assert sum("req.cook(vamp_shop" in line for line in section(text, f"frontend {SHOP}")) == 3


def test_on_the_shared_port_a_sticky_gateway_remembers_routes_for_its_own_hosts_only() -> None:
    routing = compile_plan(
        [
            gateway(
                "shop",
                9050,
                ["shop/web/a/http", "shop/web/b/http"],
                sticky="route",
                virtual_hosts=["shop.example"],
            ),
            gateway("blog", 9051, ["shop/web/c/http"], virtual_hosts=["blog.example"]),
        ],
        INSTANCES,
        shared_port=80,
    )
    rendering = render(routing)
    shared = next(name for name, listener in rendering.frontends.items() if listener not in ("shop", "blog"))
    lines = section(rendering.text, f"frontend {shared}")
    assert [line.split()[:2] for line in lines if "req.cook(" in line] == [
        ["acl", "match0"],
        ["acl", "match1"],
    ]
    remembered = [line for line in lines if line.endswith(("match0", "match1"))]
    assert len(remembered) == 2
    assert all(f"{UNROUTED} host1 match" in line for line in remembered)
    assert sum("vamp_sticky" in line for line in lines) == 1


def test_a_gateway_without_stickiness_has_no_cookie() -> None:
    text = render(shop({"shop/web/a/http": {"weight": "50%"}, "shop/web/b/http": {"weight": "50%"}})).text
    assert "cook" not in text
    assert "vamp_sticky" not in text


def test_rewrites_test_every_condition_first_and_apply_the_first_that_holds_in_the_route_s_backend() -> None:
    rewrites = [
        {"path": "/api%[path] if { path_beg /v1 }"},
        {"path": "/100%-off if path == /old or has header x-old"},
    ]
    text = render(
        shop({"shop/web/a/http": {"weight": "50%", "rewrites": rewrites}, "shop/web/b/http": {}})
    ).text
    assert [line for line in section(text, f"backend {A}") if line.startswith(("acl", "http-request"))] == [
        "acl match0 path -m beg /v1",
        "acl match1 path -m str /old",
        "acl match2 req.fhdr(x-old) -m found",
        "http-request set-var(txn.vamp_rewrite) int(1) if !{ var(txn.vamp_rewrite) -m found } match0",
        "http-request set-var(txn.vamp_rewrite) int(2) if !{ var(txn.vamp_rewrite) -m found } match1",
        "http-request set-var(txn.vamp_rewrite) int(2) if !{ var(txn.vamp_rewrite) -m found } match2",
        "http-request set-path '/api%[path]' if { var(txn.vamp_rewrite) -m int eq 1 }",
        "http-request set-path /100%%-off if { var(txn.vamp_rewrite) -m int eq 2 }",
    ]
    assert "set-path" not in "\n".join(section(text, f"backend {B}"))


def tls_gateway(**fields: object) -> object:
    tls = {"certificate": "/etc/vamp/shop.pem", "private_key": "/etc/vamp/shop.key"}
    return compile_plan([gateway("secure", 8443, ["shop/web/a/http"], tls=tls, **fields)], INSTANCES)


def test_tls_binds_with_one_pem_of_chain_and_key_returned_as_a_file() -> None:
    rendering = render(
        tls_gateway(),  # type: ignore[arg-type]
        options=RenderOptions(files_directory="/run/vamp/haproxy files"),
        tls_files={"/etc/vamp/shop.pem": PEM, "/etc/vamp/shop.key": KEY},
    )
    name = f"{render_names.haproxy_name('secure')}.pem"
    assert section(rendering.text, f"frontend {render_names.haproxy_name('secure')}")[0] == (
        f"bind 127.0.0.1:8443 ssl crt '/run/vamp/haproxy files/{name}'"
    )
    assert rendering.files == {name: PEM + KEY + b"\n"}


@pytest.mark.parametrize(
    ("options", "files", "message"),
    [
        (RenderOptions(), {}, r"listener 'secure': TLS on HAProxy needs a folder for its PEM file"),
        (
            RenderOptions(files_directory="/run"),
            {"/etc/vamp/shop.pem": PEM},
            r"listener 'secure': the contents of its TLS private key file /etc/vamp/shop.key were not read",
        ),
        (
            RenderOptions(files_directory="/run"),
            {"/etc/vamp/shop.pem": b"not a certificate", "/etc/vamp/shop.key": KEY},
            r"listener 'secure': its TLS certificate file /etc/vamp/shop.pem is not PEM",
        ),
    ],
)
def test_tls_without_its_files_is_refused_naming_the_listener(
    options: RenderOptions, files: dict[str, bytes], message: str
) -> None:
    with pytest.raises(errors.RoutingError, match=message):
        render(tls_gateway(), options=options, tls_files=files)  # type: ignore[arg-type]


def test_the_certificate_files_are_read_by_path_and_a_missing_one_is_named(tmp_path: Path) -> None:
    (tmp_path / "shop.pem").write_bytes(PEM)
    (tmp_path / "shop.key").write_bytes(KEY)
    tls = {"certificate": str(tmp_path / "shop.pem"), "private_key": str(tmp_path / "shop.key")}
    routing = compile_plan([gateway("secure", 8443, ["shop/web/a/http"], tls=tls)], INSTANCES)
    assert certificates.read(routing) == {tls["certificate"]: PEM, tls["private_key"]: KEY}
    (tmp_path / "shop.key").unlink()
    with pytest.raises(errors.RoutingError, match=r"listener 'secure': cannot read its TLS private key file"):
        certificates.read(routing)


def test_the_pem_files_are_written_whole_and_for_their_owner_only(tmp_path: Path) -> None:
    (tmp_path / "old.pem").write_bytes(b"old")
    certificates.write({"old.pem": PEM + KEY, "new.pem": PEM}, tmp_path)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == {
        "old.pem": PEM + KEY,
        "new.pem": PEM,
    }
    assert {path.stat().st_mode & 0o777 for path in tmp_path.iterdir()} == {0o600}
    with pytest.raises(errors.DataPlaneError, match=r"Cannot write HAProxy's file .*missing/new.pem"):
        certificates.write({"new.pem": PEM}, tmp_path / "missing")


def test_a_tcp_gateway_is_a_tcp_frontend_drawing_per_connection_over_tcp_backends() -> None:
    routing = compile_plan(
        [
            gateway(
                "db", "5432/tcp", {"shop/web/a/http": {"weight": "70%"}, "shop/web/b/http": {"weight": "30%"}}
            )
        ],
        INSTANCES,
    )
    text = render(routing).text
    db_a, db_b = (render_names.haproxy_name(f"db//shop/web/{name}/http") for name in "ab")
    assert section(text, f"frontend {render_names.haproxy_name('db')}") == [
        "bind 127.0.0.1:5432",
        "mode tcp",
        "tcp-request content set-var(txn.vamp_weight) rand(10000)",
        f"use_backend {db_a} if {{ var(txn.vamp_weight) -m int lt 7000 }}",
        f"use_backend {db_b}",
        "default_backend vamp-unrouted-tcp",
    ]
    assert section(text, f"backend {db_a}")[:2] == ["mode tcp", "balance leastconn"]
    assert section(text, "backend vamp-unrouted-tcp") == ["mode tcp"]


def test_a_tcp_gateway_without_weight_closes_connections_and_refuses_http_only_features() -> None:
    idle = compile_plan([gateway("db", "5432/tcp", {"shop/web/a/http": {"weight": "0%"}})], INSTANCES)
    assert section(render(idle).text, f"frontend {render_names.haproxy_name('db')}")[1:] == [
        "mode tcp",
        "default_backend vamp-unrouted-tcp",
    ]
    served = idle.listeners[0]
    target = next(cluster for cluster in idle.clusters if cluster.name == "db//shop/web/a/http")
    route = plan.PlanRoute("shop/web/a/http", condition.compile("has header x"), plan.FULL, ())
    conditional = replace(served.virtual_hosts[0], routes=(route,))
    sticky = replace(served.virtual_hosts[0], sticky=model.Sticky.ROUTE)
    rewritten = replace(target, rewrites=(condition.parse_rewrite("/ if path == /x"),))
    for listener, cluster, message in [
        (
            replace(served, virtual_hosts=(conditional,)),
            target,
            r"TCP gateway 'db': conditions, .* need an HTTP port",
        ),
        (
            replace(served, virtual_hosts=(sticky,)),
            target,
            r"TCP gateway 'db': .*sticky sessions need an HTTP port",
        ),
        (served, rewritten, r"gateway 'db' route 'shop/web/a/http': path rewrites need an HTTP port"),
    ]:
        with pytest.raises(errors.RoutingError, match=message):
            render(plan.RoutingPlan.of((listener,), (cluster,), ()))


def test_a_chained_gateway_is_reached_over_an_abstract_socket_named_after_the_instance() -> None:
    routing = compile_plan(
        [gateway("front", 9000, ["back"]), gateway("back", 9001, ["shop/web/a/http"])], INSTANCES
    )
    text = render(routing, options=RenderOptions(instance_name="/var/lib/vamp/haproxy")).text
    back = render_names.haproxy_name("back")
    socket = render_names.chain_socket("/var/lib/vamp/haproxy", "back")
    assert section(text, f"frontend {back}")[:4] == [
        "bind 127.0.0.1:9001",
        f"bind {socket} accept-proxy",
        *[f"{line} !{{ fc_rcvd_proxy }}" for line in FORWARDED],
    ]
    assert section(text, f"frontend {render_names.haproxy_name('front')}")[1:3] == FORWARDED
    assert section(text, f"frontend {render_names.haproxy_name('front')}")[0] == "bind 127.0.0.1:9000"
    assert section(text, f"backend {render_names.haproxy_name('front//back')}")[-1] == (
        f"server {back} {socket} send-proxy-v2"
    )
    assert socket != render_names.chain_socket("/var/lib/vamp/other", "back")


def test_without_an_instance_name_a_chained_gateway_is_reached_through_its_port() -> None:
    routing = compile_plan(
        [gateway("front", 9000, ["back"]), gateway("back", 9001, ["shop/web/a/http"])], INSTANCES
    )
    text = render(routing).text
    assert "abns@" not in text
    back = render_names.haproxy_name("back")
    assert section(text, f"backend {render_names.haproxy_name('front//back')}")[-1] == (
        f"server {back} 127.0.0.1:9001"
    )


def test_an_external_target_by_name_gets_its_name_as_host_and_one_by_address_keeps_the_client_s() -> None:
    text = render(
        compile_plan([gateway("out", 9000, ["[api.example.com:443]", "[10.0.9.9:80]"])], INSTANCES)
    ).text
    by_name = section(text, f"backend {render_names.haproxy_name('out//[api.example.com:443]')}")
    by_address = section(text, f"backend {render_names.haproxy_name('out//[10.0.9.9:80]')}")
    assert "http-request set-header host api.example.com" in by_name
    assert not [line for line in by_address if "set-header" in line]


def test_a_body_in_double_quotes_keeps_its_new_line_and_expands_nothing() -> None:
    text = "gateway 'a$b\"c\\': none\n"
    assert render_edge.double_quoted(text) == r'''"gateway 'a\$b\"c\\': none\n"'''
