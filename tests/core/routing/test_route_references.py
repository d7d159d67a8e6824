"""A release's ``from``/``to`` turned into the route path the metrics know: by path, service, selector
group or one path segment, and an error listing the gateway's routes when nothing (or too much) matches."""

from __future__ import annotations

import pytest

from vamp import errors
from vamp.core.routing import route_references

INTERNAL = "sava/sava/webport"
INTERNAL_ROUTES = ("sava/sava/sava:1.0.0/webport", "sava/sava/sava:1.1.0/webport")
SELECTOR_ROUTES = ("(1.0.2)", "(1.0.3)", "(2.0.1)")
FREE_ROUTES = ("sava/sava/webport", "blog/blog/webport", "[127.0.0.1:8080]")


@pytest.mark.parametrize(
    ("gateway", "routes", "given", "path"),
    [
        (INTERNAL, INTERNAL_ROUTES, "sava/sava/sava:1.1.0/webport", "sava/sava/sava:1.1.0/webport"),
        (INTERNAL, INTERNAL_ROUTES, "sava:1.0.0", "sava/sava/sava:1.0.0/webport"),
        ("sava-selector", SELECTOR_ROUTES, "(1.0.3)", "(1.0.3)"),
        ("sava-selector", SELECTOR_ROUTES, "2.0.1", "(2.0.1)"),
        ("shop", FREE_ROUTES, "[127.0.0.1:8080]", "[127.0.0.1:8080]"),
        ("shop", FREE_ROUTES, "blog", "blog/blog/webport"),
        ("sava/9050", ("sava/sava/sava:1.0.0/webport",), "sava:1.0.0", "sava/sava/sava:1.0.0/webport"),
    ],
)
def test_a_route_is_found_by_path_service_selector_group_or_segment(
    gateway: str, routes: tuple[str, ...], given: str, path: str
):
    assert route_references.route_path(gateway, routes, given) == path


def test_no_matching_route_is_not_found_and_the_gateways_routes_are_listed():
    with pytest.raises(errors.NotFoundError) as raised:
        route_references.route_path(INTERNAL, INTERNAL_ROUTES, "sava:2.0.0")

    assert str(raised.value) == (
        "Gateway 'sava/sava/webport' has no route 'sava:2.0.0'. Its routes are: "
        "'sava/sava/sava:1.0.0/webport', 'sava/sava/sava:1.1.0/webport'; name one by its full path, "
        "by its service (sava:1.0.0) in a deployment's gateway, or by its selector group ((1.0.3))."
    )


def test_a_segment_of_several_routes_must_be_given_by_full_path():
    with pytest.raises(
        errors.NotFoundError, match=r"several routes named 'webport'.*give one by its full path"
    ):
        route_references.route_path("shop", FREE_ROUTES, "webport")


def test_a_gateway_without_routes_says_so():
    with pytest.raises(errors.NotFoundError, match="Its routes are: none;"):
        route_references.route_path("empty", (), "sava:1.0.0")
