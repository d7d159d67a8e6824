"""Envoy names and cookie names for plan parts: valid, readable, stable, and different for different parts."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vamp.adapters.envoy import layout, render_names

COOKIE_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
"""An RFC 6265 cookie name (an HTTP token)."""


@pytest.mark.parametrize(
    ("plan_name", "slug"),
    [
        ("sava/9050", "sava_9050"),
        ("sava/sava/webport//sava/sava/sava:1.0.0/webport", "sava_sava_webport_sava_sava_sava_1_0_0_webport"),
        ("shop//[10.0.0.1:8080]", "shop_10_0_0_1_8080"),
        ("[virtual hosts]", "virtual_hosts"),
        ("--", ""),
    ],
)
def test_an_envoy_name_is_a_readable_slug_and_a_hash_of_the_plan_name(plan_name: str, slug: str):
    name = render_names.envoy_name(plan_name)

    digest = render_names.route_id(plan_name)
    assert name == (f"{slug}-{digest}" if slug else digest)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300), st.text(min_size=1, max_size=300))
def test_envoy_names_are_valid_stable_and_differ_for_different_plan_names(first: str, second: str):
    names = [
        render_names.envoy_name(first),
        render_names.internal_listener(first),
        render_names.rewrite_hop(first),
    ]

    assert all(layout.check_name(name) for name in names)
    assert len(set(names)) == 3
    assert render_names.envoy_name(first) == render_names.envoy_name(first)
    assert (render_names.envoy_name(first) == render_names.envoy_name(second)) == (first == second)
    assert render_names.envoy_name(second) not in names[1:]


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=300))
def test_cookie_names_are_http_tokens_and_differ_between_routes_and_instances(gateway: str):
    route_cookie, instance_cookie = render_names.route_cookie(gateway), render_names.instance_cookie(gateway)

    assert COOKIE_NAME.fullmatch(route_cookie)
    assert COOKIE_NAME.fullmatch(instance_cookie)
    assert route_cookie != instance_cookie
