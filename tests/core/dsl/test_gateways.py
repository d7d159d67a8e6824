"""Gateways, routes, conditions and rewrites (vamp.md §1.9–1.11): every form, and the messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.core.dsl.outcomes import located, messages, one
from vamp.core import dsl, model
from vamp.core.units import Percentage

DATA = Path(__file__).parents[2] / "data" / "dsl"


def gateway(text: str) -> model.Gateway:
    found = one("name: sava\n" + text, "gateways")
    assert isinstance(found, model.Gateway)
    return found


def route(text: str) -> model.Route | model.Ref:
    return gateway(f"routes:\n  sava/sava/webport: {text}\n").routes["sava/sava/webport"]


def test_the_foo_ingress_gateway_selects_its_routes() -> None:
    (found,) = dsl.read((DATA / "foo-ingress.yml").read_text(), kind="gateways")
    assert found == model.Gateway(
        name="foo-ingress",
        virtual_hosts=("foo.bar.com",),
        selector="label(app)(foo) && label(version)((.*))",
    )


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        ("9050/http", model.GatewayPort(number=9050)),
        ("9050", model.GatewayPort(number=9050)),
        ("'9050'", model.GatewayPort(number=9050)),
        ("9050/tcp", model.GatewayPort(number=9050, protocol=model.Protocol.TCP)),
        ("0", model.GatewayPort()),
        ("~", model.GatewayPort()),
        ("/tcp", model.GatewayPort(protocol=model.Protocol.TCP)),
    ],
)
def test_a_gateway_port_is_a_number_with_an_optional_type_or_nothing(
    port: str, expected: model.GatewayPort
) -> None:
    assert gateway(f"port: {port}\n").port == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sticky: route", model.Sticky.ROUTE),
        ("sticky: instance", model.Sticky.INSTANCE),
        ("sticky: none", None),
        ("sticky: ~", None),
    ],
)
def test_sticky_is_route_instance_or_none(text: str, expected: model.Sticky | None) -> None:
    assert gateway(text + "\n").sticky is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("virtual_hosts: a.example", ("a.example",)),
        ("virtual_hosts: [a.example, b]", ("a.example", "b")),
        ("", ()),
    ],
)
def test_virtual_hosts_are_a_string_or_a_list_of_strings(text: str, expected: tuple[str, ...]) -> None:
    assert gateway(text + "\n").virtual_hosts == expected


@pytest.mark.parametrize("text", ["selector: ''", "selector: ~", ""])
def test_an_empty_selector_is_none(text: str) -> None:
    assert gateway(text + "\n").selector is None


def test_a_gateway_may_terminate_tls() -> None:
    found = gateway("port: 443\ntls: {certificate: /etc/vamp/sava.pem, private_key: /etc/vamp/sava.key}\n")
    assert found.tls == model.GatewayTls(certificate="/etc/vamp/sava.pem", private_key="/etc/vamp/sava.key")
    assert messages("name: sava\ntls: {certificate: a.pem}\n", "gateways") == [
        ("tls.private_key", "Missing required key 'private_key' in TLS.")
    ]


def test_stored_gateways_accept_vamp_s_output_only_keys() -> None:
    found = gateway(
        "lookup_name: 3a7f\ninternal: false\ndeployed: true\nservice: {host: 10.0.0.1, port: 31234}\n"
        "routes:\n  sava/sava/webport: {lookup_name: 9c1e, targets: [{name: a, host: 10.0.0.2, port: "
        "8080}]}\n"
    )
    assert found == model.Gateway(name="sava", routes={"sava/sava/webport": model.Route()})


ROUTED = {"a/a/web": model.Route(), "b/b/web": model.Route()}


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ("{a/a/web: {}, b/b/web: ~}", ROUTED),
        ("[a/a/web, b/b/web]", ROUTED),
        ("[{a/a/web: {}}, {b/b/web: ~}]", ROUTED),
        ("[{a/a/web: {}, b/b/web: {}}]", ROUTED),
        ("a/a/web", {"a/a/web": model.Route()}),
        ("{a/a/web: stored-route}", {"a/a/web": model.Ref(name="stored-route")}),
        ("{a/a/web: {reference: stored-route}}", {"a/a/web": model.Ref(name="stored-route")}),
        (
            "{other-gateway: {}, '[10.0.0.1:8080]': {}}",
            {"other-gateway": model.Route(), "[10.0.0.1:8080]": model.Route()},
        ),
        ("~", {}),
    ],
)
def test_routes_are_a_map_a_list_or_one_path(
    routes: str, expected: dict[str, model.Route | model.Ref]
) -> None:
    assert gateway(f"routes: {routes}\n").routes == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{weight: 100%}", model.Route(weight=Percentage.of(100))),
        ("{weight: 100}", model.Route(weight=Percentage.of(100))),
        ("{weight: 0.00%}", model.Route(weight=Percentage(0))),
        ("{weight: ~}", model.Route()),
        (
            "{condition: user-agent == Firefox, condition_strength: 50%}",
            model.Route(
                condition=model.Condition(definition="user-agent == Firefox"),
                condition_strength=Percentage.of(50),
            ),
        ),
        (
            "{condition: {condition: has cookie beta}}",
            model.Route(condition=model.Condition(definition="has cookie beta")),
        ),
        ("{condition: {reference: firefox}}", model.Route(condition=model.Ref(name="firefox"))),
        ("{condition: ''}", model.Route()),
        ("{condition: {condition: ''}}", model.Route()),
        ("{balance: default}", model.Route()),
        ("{balance: leastconn}", model.Route(balance="leastconn")),
        (
            "{rewrites: [{path: '/api%[path] if { path_beg /v1 }'}, stored, {ref: other}]}",
            model.Route(
                rewrites=(
                    model.Rewrite(path="/api%[path] if { path_beg /v1 }"),
                    model.Ref(name="stored"),
                    model.Ref(name="other"),
                )
            ),
        ),
        (
            "{rewrites: {path: /v2 if path == /v1}}",
            model.Route(rewrites=(model.Rewrite(path="/v2 if path == /v1"),)),
        ),
        ("{rewrites: stored}", model.Route(rewrites=(model.Ref(name="stored"),))),
        ("{metadata: {title: canary}}", model.Route(metadata={"title": "canary"})),
    ],
)
def test_a_route_takes_weight_condition_strength_balance_and_rewrites(
    text: str, expected: model.Route
) -> None:
    assert route(text) == expected


def test_a_single_segment_route_may_have_its_own_selector() -> None:
    found = gateway("routes:\n  web: {selector: image(magneticio/sava:.*)}\n")
    assert found.routes == {"web": model.Route(selector="image(magneticio/sava:.*)")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "port: web",
            [
                (
                    "port",
                    "Unsupported gateway port 'web'; write a port number with an optional type: 9050, "
                    "'9050/http' or '9050/tcp' (0-65535).",
                )
            ],
        ),
        (
            "port: 70000",
            [
                (
                    "port",
                    "Unsupported gateway port 70000; write a port number with an optional type: 9050, "
                    "'9050/http' or '9050/tcp' (0-65535).",
                )
            ],
        ),
        (
            "sticky: always",
            [("sticky", "Illegal gateway sticky value: 'always'; use route, instance or none.")],
        ),
        (
            "virtual_hosts: 5",
            [("virtual_hosts", "Illegal gateway virtual hosts - only list of strings is supported.")],
        ),
        (
            "virtual_hosts: [a, {b: c}]",
            [("virtual_hosts", "Illegal gateway virtual hosts - only list of strings is supported.")],
        ),
        (
            "selector: label(app",
            [
                (
                    "selector",
                    "Invalid selector 'label(app': expected ')' to close the '(' after label at position 6, "
                    "found "
                    "the end of the selector at position 10.\nlabel(app\n         ^",
                )
            ],
        ),
        (
            "routes: 5",
            [
                (
                    "routes",
                    "Expected routes: a map of paths to routes, a list of paths, or one path, not the "
                    "number 5.",
                )
            ],
        ),
        (
            "routes: [5]",
            [
                (
                    "routes[0]",
                    "Expected a route path, or a map of a route path to its route, not the number 5.",
                )
            ],
        ),
        ("routes: [a, a]", [("routes.a", "Duplicate route 'a'; each route may appear only once.")]),
        (
            "routes: {a/b/c/d/e: {}}",
            [
                (
                    "routes.a/b/c/d/e",
                    "Unsupported route path: 'a/b/c/d/e'. Must be one of: '$gateway', '$deployment/$port', "
                    "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external "
                    "target "
                    "'[host:port]'.",
                )
            ],
        ),
        (
            "routes: {a//b: {}}",
            [
                (
                    "routes.a//b",
                    "Unsupported route path: 'a//b'. Must be one of: '$gateway', '$deployment/$port', "
                    "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external "
                    "target '[host:port]'.",
                )
            ],
        ),
        (
            "routes: {a/web: {selector: image(x)}}",
            [("routes.a/web.selector", "If route selector is defined, route path must not contain '/'.")],
        ),
        (
            "routes: {'[10.0.0.1:80]': {selector: image(x)}}",
            [
                (
                    "routes['[10.0.0.1:80]'].selector",
                    "Route selector cannot be defined for an external target.",
                )
            ],
        ),
        (
            "routes: {web: {weight: 150%}}",
            [("routes.web.weight", "A percentage must be between 0% and 100%, not '150%'.")],
        ),
        (
            "routes: {web: {weight: much}}",
            [("routes.web.weight", "Expected a percentage such as '50%', '0.5%' or 50, not 'much'.")],
        ),
        (
            "routes: {web: {condition: user-agent ==}}",
            [
                (
                    "routes.web.condition",
                    "Invalid condition 'user-agent ==': expected a value after 'user-agent ==', found the "
                    "end at "
                    "position 14.\nuser-agent ==\n             ^",
                )
            ],
        ),
        (
            "routes: {web: {condition: {name: firefox, condition: user-agent == Firefox}}}",
            [
                (
                    "routes.web.condition",
                    "Either it should be a reference 'condition -> firefox' or an anonymous inline "
                    "definition, but "
                    "not both; write {reference: firefox} or drop the name.",
                )
            ],
        ),
        (
            "routes: {web: {rewrites: [{path: api if path == /x}]}}",
            [
                (
                    "routes.web.rewrites[0].path",
                    "Unsupported path rewrite: api if path == /x: the new path must start with '/', not "
                    "'api' (at "
                    "position 1).\napi if path == /x\n^",
                )
            ],
        ),
        (
            "routes: {web: {wieght: 50%}}",
            [
                (
                    "routes.web.wieght",
                    "Unexpected key 'wieght' in route; valid keys are: balance, condition, "
                    "condition_strength, "
                    "metadata, rewrites, selector, weight. Did you mean 'weight'?",
                )
            ],
        ),
    ],
)
def test_what_is_not_a_gateway_or_route_is_an_issue(text: str, expected: list[tuple[str, str]]) -> None:
    assert messages("name: sava\n" + text + "\n", "gateways") == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("sava/sava/webport", None),
        (
            "a/b/c/d",
            "Unsupported gateway name: 'a/b/c/d'. Must be either in format '$gateway', '$deployment/$port' "
            "or '$deployment/$cluster/$port'.",
        ),
        (
            "a//b",
            "Illegal gateway name - white space characters, '[', ']' and empty segments are not allowed: "
            "'a//b'.",
        ),
        (
            "'a b'",
            "Illegal gateway name - white space characters, '[', ']' and empty segments are not allowed: 'a "
            "b'.",
        ),
    ],
)
def test_gateway_names_have_one_to_three_segments(name: str, message: str | None) -> None:
    text = f"name: {name}\n"
    if message is None:
        assert one(text, "gateways").name == name
    else:
        assert messages(text, "gateways") == [("name", message)]


def test_gateway_rules_are_checked_on_read() -> None:
    text = """\
        name: sava
        port: 9050/tcp
        sticky: route
        routes:
          sava/sava/webport:
            weight: 60%
            condition: user-agent == Firefox
          sava/sava/adminport:
            weight: 30%
        """
    assert located(text, "gateways") == [
        "3:9 sticky: Sticky sessions are not allowed for TCP port: '9050/tcp'.",
        "5:3 routes: Total route weight must be either 0% or 100%: sava. The weights total 90% (routes "
        "without a "
        "weight share what the others leave).",
        "7:16 routes.sava/sava/webport.condition: HTTP conditions are not allowed for TCP port: '9050/tcp' "
        "and "
        "condition 'user-agent == Firefox'.",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "kind: conditions\nname: firefox\ncondition: user-agent == Firefox\n",
            model.Condition(name="firefox", definition="user-agent == Firefox"),
        ),
        (
            "kind: rewrites\nname: v1\npath: /v2 if path == /v1\n",
            model.Rewrite(name="v1", path="/v2 if path == /v1"),
        ),
        (
            "kind: routes\nname: canary\nweight: 10%\ncondition: {reference: firefox}\n",
            model.Route(name="canary", weight=Percentage.of(10), condition=model.Ref(name="firefox")),
        ),
        ("kind: route\nname: web\nselector: image(x)\n", model.Route(name="web", selector="image(x)")),
    ],
)
def test_conditions_rewrites_and_routes_can_be_stored(text: str, expected: model.Artifact) -> None:
    assert dsl.read(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kind: conditions\nname: c\n", [("condition", "Missing required key 'condition' in condition.")]),
        ("kind: rewrites\nname: r\n", [("path", "Missing required key 'path' in rewrite.")]),
    ],
)
def test_stored_conditions_and_rewrites_need_their_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert messages(text) == expected


def test_vamp_s_raw_haproxy_conditions_are_read_as_written() -> None:
    stored = one("kind: conditions\nname: c\ncondition: < hdr_sub(user-agent) Android >\n", "conditions")
    assert stored == model.Condition(name="c", definition="< hdr_sub(user-agent) Android >")


def test_a_raw_haproxy_condition_that_could_break_out_is_refused_with_what_is_allowed() -> None:
    ((path, message),) = messages("kind: conditions\nname: c\ncondition: '< hdr(x) } { always_true >'\n")
    assert path == "condition"
    assert message.startswith(
        "Invalid condition '< hdr(x) } { always_true >': a raw HAProxy condition cannot hold '}'; "
        "a raw HAProxy condition is one line holding one HAProxy ACL, such as '< hdr(x-user) -m str alice >'"
    )
