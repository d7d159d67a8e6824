"""What a selector matches on one port of one instance, and the group values it yields."""

import pytest

from tests.core.selector.instances import observed
from vamp.core import selector

SAVA = observed(
    "sava-1-0-abc",
    ip="172.17.0.1",
    ports=(8080, 8081),
    kind="container",
    namespace="vamp-prod",
    image="magneticio/sava:1.0.0",
    labels={"app": "sava", "version": "1.0.0", "io.vamp.cluster": "sava"},
)
SERVICE = observed("sava", ip="10.96.0.12", ports=(80,), kind="service", namespace="vamp-prod")


@pytest.mark.parametrize(
    ("text", "instance", "port_index", "groups"),
    [
        ("name(sava-1-0-abc)", SAVA, 0, ()),
        ("id(sava-.*)", SAVA, 0, ()),
        ("name(sava)", SAVA, 0, None),
        ("name(sava-1-0)", SAVA, 0, None),  # anchored: the whole name must match
        ("kind(container)", SAVA, 0, ()),
        ("type(service)", SERVICE, 0, ()),
        ("kind(service)", SAVA, 0, None),
        ("namespace(vamp-prod)", SAVA, 0, ()),
        ("group(vamp-.*)", SAVA, 0, ()),
        ("namespace(default)", SAVA, 0, None),
        ("image(magneticio/sava:1.0.*)", SAVA, 0, ()),
        ("image(magneticio/sava:2.*)", SAVA, 0, None),
        ("image(.*)", SERVICE, 0, None),  # services have no image
        ("!image(.*)", SERVICE, 0, ()),
        ("ip(172.17.0.1)", SAVA, 0, ()),
        ("host(172\\.17\\..*)", SAVA, 0, ()),
        ("ip(172.17.0.2)", SAVA, 0, None),
        ("label(app)(sava)", SAVA, 0, ()),
        ("label(io.vamp.*)(sava)", SAVA, 0, ()),
        ("label(app)(bar)", SAVA, 0, None),
        ("label(missing)(.*)", SAVA, 0, None),
        ("port(8080)", SAVA, 0, ()),
        ("port(8080)", SAVA, 1, None),
        ("port(8081)", SAVA, 1, ()),
        ("port_index(0)", SAVA, 0, ()),
        ("index(1)", SAVA, 1, ()),
        ("index(1)", SAVA, 0, None),
        ("true", SAVA, 0, ()),
        ("t", SAVA, 0, ()),
        ("1", SAVA, 0, ()),
        ("false", SAVA, 0, None),
        ("f", SAVA, 0, None),
        ("0", SAVA, 0, None),
    ],
)
def test_every_operand_matches_its_fact(text, instance, port_index, groups):
    assert selector.parse(text).match(instance, port_index) == groups


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("label(version)((.*))", ("1.0.0",)),
        ("label(version)(1\\.(.*))", ("0.0",)),
        ("label((ver.*))(.*)", ("version",)),
        ("label((app))((.*))", ("app=sava",)),
        ("label(version)((1)\\.(.*))", ()),  # two groups: a plain match
        ("label(version)(1\\.(?:.*))", ()),  # non-capturing groups do not count
        ("label(version)((2)?1\\.0\\.0)", ()),  # a group that takes no part gives no value
        ("name(sava-(.*)-abc)", ("1-0",)),
        ("image(magneticio/sava:(1\\..*))", ("1.0.0",)),
        ("namespace(vamp-(.*))", ("prod",)),
        ("kind((.*))", ("container",)),
        ("ip(172\\.17\\.0\\.(.*))", ("1",)),
    ],
)
def test_one_capture_group_yields_a_group_value(text, groups):
    assert selector.parse(text).match(SAVA, 0) == groups


@pytest.mark.parametrize(
    ("text", "groups"),
    [
        ("label(app)(sava) && label(version)((.*))", ("1.0.0",)),
        ("label(app)((.*)) && label(version)((.*))", ("1.0.0", "sava")),
        ("label(app)((.*)) && label(version)((.*)) && port(8081)", None),
        ("label(app)((.*)) || label(version)((.*))", ("1.0.0", "sava")),
        ("label(app)((.*)) || label(nothing)((.*))", ("sava",)),
        ("label(app)((.*)) || label(app)((.*))", ("sava",)),
        ("false || name((.*))", ("sava-1-0-abc",)),
        ("!label(app)((nothing))", ()),
        ("!!label(app)((.*))", ()),  # negation yields no groups, even twice
        ("!(label(app)((.*)) && f)", ()),
        ("(label(app)((.*)) || f) && !port(8081)", ("sava",)),
    ],
)
def test_and_merges_groups_or_keeps_those_that_match_not_yields_none(text, groups):
    assert selector.parse(text).match(SAVA, 0) == groups


@pytest.mark.parametrize("port_index", [-1, 2])
def test_matching_a_port_the_instance_does_not_have_is_a_mistake(port_index):
    with pytest.raises(IndexError, match=f"instance 'sava-1-0-abc' has no port at position {port_index}"):
        selector.parse("true").match(SAVA, port_index)


def test_the_first_matching_label_by_key_gives_the_group():
    instance = observed("x", labels={"b-version": "2", "a-version": "1"})
    assert selector.parse("label(.*-version)((.*))").match(instance, 0) == ("1",)


@pytest.mark.parametrize(
    ("namespace", "groups"),
    [("vamp-prod", ()), ("vamp-test", None), (None, None)],
)
def test_namespace_dollar_namespace_is_the_current_namespace(namespace, groups):
    for text in ("namespace($namespace)", "namespace(${namespace})", "group( $namespace )"):
        assert selector.parse(text).match(SAVA, 0, namespace=namespace) == groups


@pytest.mark.parametrize(
    ("global_text", "groups"),
    [("true", ("1.0.0",)), ("namespace($namespace)", ("1.0.0",)), ("kind(service)", None)],
)
def test_and_combines_a_global_selector(global_text, groups):
    combined = selector.and_(selector.parse(global_text), selector.parse("label(version)((.*))"))
    assert combined.text == f"({global_text}) && (label(version)((.*)))"
    assert combined.match(SAVA, 0, namespace="vamp-prod") == groups
    assert selector.parse(combined.text).match(SAVA, 0, namespace="vamp-prod") == groups
