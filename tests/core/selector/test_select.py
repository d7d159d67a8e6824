"""Selecting routes and targets over many instances, and naming the routes."""

import hashlib

import pytest

from tests.core.selector.instances import BAR, FLEET, FOO_1, FOO_2, observed
from vamp.core import selector
from vamp.core.selector import Selection, Target


def select(text: str, instances=FLEET, namespace: str | None = None) -> dict[str, Selection]:
    return selector.select(selector.parse(text), selector.Index(instances), namespace=namespace)


def test_the_canonical_selector_makes_one_route_per_version():
    assert select("label(app)(foo) && label(version)((.*))") == {
        "(1.0.3)": Selection(
            "(1.0.3)",
            ("1.0.3",),
            (Target("foo-1-0-3-a", "10.0.0.1", 8080), Target("foo-1-0-3-b", "10.0.0.2", 8080)),
        ),
        "(2.0.1)": Selection("(2.0.1)", ("2.0.1",), (Target("foo-2-0-1-a", "10.0.0.3", 8080),)),
    }


def test_without_groups_everything_is_one_route():
    result = select("label(app)(foo)")
    assert list(result) == ["()"]
    assert [target.instance for target in result["()"].targets] == [
        "foo-1-0-3-a",
        "foo-1-0-3-b",
        "foo-2-0-1-a",
    ]


@pytest.mark.parametrize(
    ("text", "routes"),
    [
        ("label(app)((.*)) && label(version)((.*))", ["(1.0.3),(bar)", "(1.0.3),(foo)", "(2.0.1),(foo)"]),
        ("label(version)((.*))", ["(1.0.3)", "(2.0.1)"]),
        ("false", []),
        ("name(nothing)", []),
        ("!label(app)(foo)", ["()"]),
    ],
)
def test_routes_are_ordered_by_name(text, routes):
    assert list(select(text)) == routes


def test_every_port_is_a_target_and_targets_are_sorted():
    instances = [observed("b", ip="10.0.0.2", ports=(81, 80)), observed("a", ip="10.0.0.9", ports=(80,))]
    assert select("true", instances)["()"].targets == (
        Target("a", "10.0.0.9", 80),
        Target("b", "10.0.0.2", 80),
        Target("b", "10.0.0.2", 81),
    )
    assert select("index(0)", instances)["()"].targets == (
        Target("a", "10.0.0.9", 80),
        Target("b", "10.0.0.2", 81),
    )


def test_instances_that_are_not_ready_take_no_traffic():
    starting = FOO_2.model_copy(update={"ready": False})
    assert list(select("label(version)((.*))", [FOO_1, starting, BAR])) == ["(1.0.3)"]


def test_the_current_namespace_comes_from_the_caller():
    elsewhere = observed("foo-other", labels={"app": "foo", "version": "9"}, namespace="other")
    instances = [*FLEET, elsewhere]
    text = "namespace($namespace) && label(app)(foo) && label(version)((.*))"
    assert list(select(text, instances, namespace="default")) == ["(1.0.3)", "(2.0.1)"]
    assert list(select(text, instances, namespace="other")) == ["(9)"]
    assert select(text, instances) == {}


@pytest.mark.parametrize(
    ("groups", "name"),
    [
        ((), "()"),
        (("1.0.3",), "(1.0.3)"),
        (("foo", "1.0.3"), "(1.0.3),(foo)"),
        (("app=foo",), "(app=foo)"),
        (("magneticio/sava",), hashlib.sha1(b"(magneticio/sava)").hexdigest()),
        (("a b",), hashlib.sha1(b"(a b)").hexdigest()),
        (("[x]",), hashlib.sha1(b"([x])").hexdigest()),
    ],
)
def test_route_names_render_the_groups_or_hash_them_when_not_a_valid_name(groups, name):
    assert selector.route_name(groups) == name


def test_a_route_named_by_hash_keeps_its_groups():
    result = select("image((.*))", [observed("x", image="magneticio/sava:1.0")])
    (route,) = result.values()
    assert route.route == hashlib.sha1(b"(magneticio/sava:1.0)").hexdigest()
    assert route.groups == ("magneticio/sava:1.0",)


def test_groups_that_render_alike_share_one_route():
    instances = [observed("a", labels={"version": ""}), observed("b", labels={})]
    result = select("label(version)((.*)) || !label(version)(.*)", instances)
    assert list(result) == ["()"]
    assert [target.instance for target in result["()"].targets] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("label(app)(foo) && label(version)((.*))", ["foo-1-0-3-a", "foo-1-0-3-b", "foo-2-0-1-a"]),
        ("label(app)(foo) && label(version)(2\\.0\\.1)", ["foo-2-0-1-a"]),
        # "." matches any character, so this can only narrow by the label key
        ("label(app)(foo) && label(version)(2.0.1)", ["foo-1-0-3-a", "foo-1-0-3-b", "foo-2-0-1-a"]),
        ("name(bar-1-a) || name(foo-2-0-1-a)", ["foo-2-0-1-a", "bar-1-a"]),
        ("label(app)(foo) || label(app)(.*)", ["foo-1-0-3-a", "foo-1-0-3-b", "foo-2-0-1-a", "bar-1-a"]),
        ("kind(service)", []),
        ("false && name(.*)", []),
        ("!label(app)(foo)", ["foo-1-0-3-a", "foo-1-0-3-b", "foo-2-0-1-a", "bar-1-a"]),
        ("label(app)(nothing)", []),
    ],
)
def test_the_index_narrows_candidates_by_literal_facts(text, names):
    index = selector.Index(FLEET)
    assert [instance.name for instance in index.candidates(selector.parse(text).root)] == names
