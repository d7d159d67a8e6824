"""The gateway rules of vamp.md §1.9–1.10 on models: paths, selectors, TCP and weights."""

from __future__ import annotations

import pytest

from tests.core.validation.unchecked import problems, unchecked
from vamp.core import model, validation
from vamp.core.units import Percentage


def issues_of(text: str) -> list[tuple[str, str]]:
    found = unchecked("name: sava\n" + text, "gateways")
    assert isinstance(found, model.Gateway)
    return problems(validation.gateway_issues(found))


@pytest.mark.parametrize(
    "routes",
    [
        "{}",
        "{a: {weight: 100%}}",
        "{a/b: {weight: 50%}, a/b/c: {weight: 50%}, a/b/c/d: {weight: 0%}}",
        "{a: {}, b: {}, c: {}}",
        "{a: {weight: 0%}, b: {weight: 0%}}",
        "{a: {weight: 40%}, b: stored}",
        "{'[10.0.0.1:8080]': {weight: 100%}}",
    ],
)
def test_gateways_that_split_all_traffic_or_none_break_no_rule(routes: str) -> None:
    assert issues_of(f"routes: {routes}\n") == []


@pytest.mark.parametrize(
    ("routes", "total"),
    [
        ("{a: {weight: 50%}}", "50%"),
        ("{a: {weight: 33%}, b: {weight: 33%}, c: {weight: 33%}}", "99%"),
        ("{a: {weight: 12.5%}}", "12.5%"),
        ("{a: {weight: 80%}, b: {weight: 80%}, c: {}}", "160%"),
    ],
)
def test_weights_total_zero_or_a_hundred_once_missing_ones_share(routes: str, total: str) -> None:
    assert issues_of(f"routes: {routes}\n") == [
        (
            "routes",
            f"Total route weight must be either 0% or 100%: sava. The weights total {total} (routes without "
            f"a weight "
            "share what the others leave).",
        )
    ]


def test_tcp_gateways_are_not_sticky_and_have_no_http_conditions() -> None:
    text = (
        "port: 9050/tcp\nsticky: route\n"
        "routes: {a: {condition: has cookie beta}, b: {condition: {ref: ff}}}\n"
    )
    assert issues_of(text) == [
        ("sticky", "Sticky sessions are not allowed for TCP port: '9050/tcp'."),
        (
            "routes.a.condition",
            "HTTP conditions are not allowed for TCP port: '9050/tcp' and condition 'has cookie beta'.",
        ),
        (
            "routes.b.condition",
            "HTTP conditions are not allowed for TCP port: '9050/tcp' and condition 'ff'.",
        ),
    ]


def test_route_paths_and_route_selectors_of_models_are_checked_too() -> None:
    gateway = model.Gateway(
        name="sava",
        routes={
            "a/b/c/d/e": model.Route(weight=Percentage.of(50)),
            "a/web": model.Route(selector="image(x)", weight=Percentage.of(25)),
            "[10.0.0.1:80]": model.Route(selector="image(x)", weight=Percentage.of(25)),
        },
    )
    assert problems(validation.gateway_issues(gateway)) == [
        (
            "routes.a/b/c/d/e",
            "Unsupported route path: 'a/b/c/d/e'. Must be one of: '$gateway', '$deployment/$port', "
            "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external target "
            "'[host:port]'.",
        ),
        ("routes.a/web.selector", "If route selector is defined, route path must not contain '/'."),
        ("routes['[10.0.0.1:80]'].selector", "Route selector cannot be defined for an external target."),
    ]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "sava web",
            "Unsupported route path: 'sava web'. Must be one of: '$gateway', '$deployment/$port', "
            "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external target "
            "'[host:port]'.",
        ),
        (
            "sava/[web]",
            "Unsupported route path: 'sava/[web]'. Must be one of: '$gateway', '$deployment/$port', "
            "'$deployment/$cluster/$port', '$deployment/$cluster/$service/$port' or an external target "
            "'[host:port]'.",
        ),
        (
            "[10.0.0.1]",
            "Unsupported external route target '[10.0.0.1]'. Write it as '[host:port]', e.g. "
            "'[10.0.0.1:8080]'.",
        ),
        (
            "[10.0.0.1:99999]",
            "Unsupported external route target '[10.0.0.1:99999]'. Write it as '[host:port]', e.g. "
            "'[10.0.0.1:8080]'.",
        ),
    ],
)
def test_a_route_path_the_plan_compiler_could_not_read_is_refused_when_the_gateway_is_read(
    path: str, message: str
) -> None:
    gateway = model.Gateway(name="sava", routes={path: model.Route(weight=Percentage.of(100))})

    assert [problem for _, problem in problems(validation.gateway_issues(gateway))] == [message]
