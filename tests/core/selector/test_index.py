"""The index: selecting through it gives exactly what scanning every instance gives (same routes, groups,
targets, order), over random fleets and selectors, whatever the selectors asked it before; and one tuple of
instances is indexed once however many namespaces select over it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.selector.instances import FLEET, observed
from vamp.core import model, selector
from vamp.core.reconcile import gateways
from vamp.core.routing import compile
from vamp.core.units import Percentage

PROPERTY = settings(max_examples=300, deadline=None)


class Scan(selector.Index):
    """An index that narrows nothing: every selector is evaluated on every ready instance."""

    __slots__ = ()

    def candidates(self, root, namespace=None):
        return self.instances


def scanned(text: str, instances, namespace: str | None) -> dict[str, selector.Selection]:
    return selector.select(selector.parse(text), Scan(instances), namespace=namespace)


KEYS = ["app", "version", "tier", "zone"]
VALUES = ["app1", "app2", "1.0", "2.0", "web", "db", ""]

KEY = st.sampled_from(KEYS)
VALUE = st.sampled_from(VALUES)
LEAVES = st.one_of(
    st.builds("label({})({})".format, KEY, VALUE),
    st.builds("label({})((.*))".format, KEY),
    st.builds("label({})(({}|{}))".format, KEY, VALUE, VALUE),
    st.builds("label({})(.*)".format, KEY),
    st.sampled_from([
        "label((.*))(app1)", "label((app|tier))((.*))", "label(.*)(web)", "label(zone)(2\\.0)",
        "name(i1)", "name(i(.*))", "namespace(ns1)", "namespace($namespace)", "kind(service)",
        "image(img\\.1)", "image((.*))", "ip(10\\.0\\.0\\.1)", "port(80)", "index(1)", "true", "false",
    ]),
)  # fmt: skip


def selectors() -> st.SearchStrategy[str]:
    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        joined = st.lists(children, min_size=2, max_size=3)
        return st.one_of(
            children.map("!({})".format),
            joined.map(lambda parts: " && ".join(f"({part})" for part in parts)),
            joined.map(lambda parts: " || ".join(f"({part})" for part in parts)),
        )

    return st.recursive(LEAVES, extend, max_leaves=8)


def grouping_selectors() -> st.SearchStrategy[str]:
    """Selectors, often with a group on a label's value somewhere, so that they make several routes."""
    return st.one_of(
        selectors(),
        st.builds("({}) && label({})((.*))".format, selectors(), KEY),
        st.builds("label({})({}) && label({})((.*))".format, KEY, VALUE, KEY),
        st.builds("({}) || label({})((.*))".format, selectors(), KEY),
        st.builds("!({}) && label((.*))({})".format, selectors(), VALUE),
    )


FLEETS = st.lists(
    st.builds(
        observed,
        name=st.sampled_from(["i1", "i2", "i3", "j1"]),
        ip=st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        ports=st.lists(st.sampled_from([80, 8080]), min_size=1, max_size=2).map(tuple),
        kind=st.sampled_from(["container", "service"]),
        namespace=st.sampled_from(["ns1", "ns2"]),
        image=st.sampled_from([None, "img.1", "img-1"]),
        labels=st.dictionaries(KEY, VALUE, min_size=1, max_size=4),
        ready=st.booleans(),
    ),
    min_size=1,
    max_size=30,
).map(tuple)
NAMESPACES = st.sampled_from([None, "ns1", "ns2", "elsewhere"])


@PROPERTY
@given(grouping_selectors(), FLEETS, NAMESPACES)
def test_selecting_through_the_index_is_selecting_by_scanning(text, fleet, namespace):
    indexed = selector.select(selector.parse(text), selector.Index(fleet), namespace=namespace)
    assert indexed == scanned(text, fleet, namespace)
    assert list(indexed) == list(scanned(text, fleet, namespace))


@PROPERTY
@given(st.lists(st.tuples(grouping_selectors(), NAMESPACES), min_size=2, max_size=6), FLEETS)
def test_one_index_answers_many_selectors_as_fresh_scans_do(asked, fleet):
    shared = selector.Index.of(fleet)
    for text, namespace in asked:
        assert selector.select(selector.parse(text), shared, namespace=namespace) == scanned(
            text, fleet, namespace
        )


@PROPERTY
@given(
    st.lists(st.tuples(grouping_selectors(), NAMESPACES), min_size=1, max_size=6),
    FLEETS,
    st.lists(st.booleans(), min_size=30, max_size=30),
    FLEETS,
)
def test_selections_kept_from_the_fleet_before_a_few_changes_are_fresh_scans_of_the_fleet_after(
    asked, fleet, kept, added
):
    before = selector.Index.of(fleet)
    for text, namespace in asked:
        selector.select(selector.parse(text), before, namespace=namespace)
    # Instances that stay are the very same objects (as the driver keeps them); others go and come.
    after = tuple(instance for instance, keep in zip(fleet, kept, strict=False) if keep) + added[:3]
    changed = selector.Index.of(after)
    for text, namespace in [*asked, *reversed(asked)]:
        assert selector.select(selector.parse(text), changed, namespace=namespace) == scanned(
            text, after, namespace
        )


def test_one_instance_more_keeps_the_selections_of_every_selector_that_cannot_select_it():
    fleet = tuple(
        observed(f"app{a}-{v}", labels={"app": f"app{a}", "version": f"{v}.0"})
        for a in range(20)
        for v in range(3)
    )
    wanted = {a: selector.parse(f"label(app)(app{a}) && label(version)((.*))") for a in range(20)}
    before = selector.Index.of(fleet)
    for parsed in wanted.values():
        selector.select(parsed, before)
    after = selector.Index.of((*fleet, observed("app7-3", labels={"app": "app7", "version": "3.0"})))

    assert set(after.selected) == {(parsed.root, None) for a, parsed in wanted.items() if a != 7}
    assert list(selector.select(wanted[7], after)) == ["(0.0)", "(1.0)", "(2.0)", "(3.0)"]


def test_an_answer_kept_by_the_index_is_the_same_again_whatever_its_reader_did():
    index = selector.Index(FLEET)
    wanted = selector.parse("label(app)(foo) && label(version)((.*))")
    first = selector.select(wanted, index)
    first.clear()
    assert selector.select(wanted, index) == scanned(wanted.text, FLEET, None)
    assert selector.select(wanted, index, namespace="other") == scanned(wanted.text, FLEET, "other")
    assert selector.select(selector.parse("label(app)(bar)"), index) == scanned(
        "label(app)(bar)", FLEET, None
    )


def test_the_common_selector_takes_only_its_apps_instances_as_candidates():
    fleet = tuple(
        observed(f"app{a}-{v}", labels={"app": f"app{a}", "version": f"{v}.0"})
        for a in range(50)
        for v in range(4)
    )
    wanted = selector.parse("label(app)(app7) && label(version)((.*))")
    candidates = selector.Index(fleet).candidates(wanted.root)
    assert [instance.name for instance in candidates] == ["app7-0", "app7-1", "app7-2", "app7-3"]
    assert list(selector.select(wanted, selector.Index(fleet))) == ["(0.0)", "(1.0)", "(2.0)", "(3.0)"]


def test_an_instance_without_the_label_key_is_no_candidate_for_a_regex_on_its_value():
    fleet = (observed("a", labels={"app": "x"}), observed("b", labels={"tier": "x"}), observed("c"))
    index = selector.Index(fleet)
    assert [i.name for i in index.candidates(selector.parse("label(app)(.*)").root)] == ["a"]
    assert [i.name for i in index.candidates(selector.parse("name(b) || label(tier)(x)").root)] == ["b"]
    assert [i.name for i in index.candidates(selector.parse("name(b) && !name(c)").root)] == ["b"]
    assert index.candidates(selector.parse("label((.*))(x)").root) == fleet


def test_unready_instances_are_never_selected():
    fleet = (observed("a", labels={"app": "x"}), observed("b", labels={"app": "x"}, ready=False))
    assert selector.Index(fleet).instances == fleet[:1]
    found = selector.select(selector.parse("label(app)(x)"), selector.Index(fleet))
    assert [target.instance for target in found["()"].targets] == ["a"]


def test_the_same_tuple_is_indexed_once_and_other_sequences_each_time():
    fleet = tuple(FLEET)
    assert selector.Index.of(fleet) is selector.Index.of(fleet)
    assert selector.Index.of(tuple(FLEET[:3]) + FLEET[3:]) is not selector.Index.of(fleet)
    assert selector.Index.of(list(fleet)) is not selector.Index.of(list(fleet))
    assert selector.Index.of(list(fleet)).instances == fleet


def test_two_tuples_are_remembered_the_latest_used_first():
    first, second, third = (tuple(FLEET[:n]) for n in (1, 2, 3))
    index = selector.Index.of(first)
    selector.Index.of(second)
    assert selector.Index.of(first) is index  # used again: now the latest
    selector.Index.of(third)
    assert selector.Index.of(first) is index
    remembered_second = selector.Index.of(second)  # forgotten when third came: indexed anew
    assert selector.Index.of(third) is not selector.Index.of(tuple(FLEET[:3]))
    assert remembered_second.instances == second


def test_a_copy_without_route_paths_is_indexed_like_the_tuple_it_came_from():
    owned = tuple(
        observed(
            f"{app}-{n}", namespace=f"ns{n}", labels={"app": app}, deployment=app, service="s", ready=n != 1
        )
        for app in ("a", "b")
        for n in range(3)
    )
    view = tuple(i.model_copy(update={"deployment": None, "service": None}) for i in owned)
    selector.Index.remember(view, like=owned)
    index = selector.Index.of(view)
    assert index.instances == tuple(i for i in view if i.ready)
    assert all(
        mine is theirs for mine, theirs in zip(index.instances, (i for i in view if i.ready), strict=True)
    )
    for text in ("label(app)(a)", "label(app)((.*)) && namespace($namespace)", "!label(app)(b)"):
        parsed = selector.parse(text)
        assert selector.select(parsed, index, namespace="ns2") == scanned(text, view, "ns2")
    ready = tuple(i.model_copy(update={"ready": True}) for i in owned)
    ready_view = tuple(i.model_copy(update={"deployment": None}) for i in ready)
    selector.Index.remember(ready_view, like=ready)
    assert selector.Index.of(ready_view).instances is ready_view


def test_only_as_many_instances_can_be_indexed_like_others():
    with pytest.raises(ValueError, match="2 instances cannot be indexed like 4"):
        selector.Index.remember(FLEET[:2], like=FLEET)


# In a pass: the instances as the namespace's compile sees them, and the plan after one instance changed.

NS = "ns0"


def fleet_of(apps: int, versions: int, **fields) -> tuple[model.ObservedInstance, ...]:
    return tuple(
        observed(
            f"app{a}-{v}",
            ip=f"10.0.{a}.{v + 1}",
            namespace=f"ns{a % 3}",
            labels={"app": f"app{a}", "version": f"{v}.0"},
            **fields,
        )
        for a in range(apps)
        for v in range(versions)
    )


def plan_of(instances, stored):
    sync = gateways.synchronise(stored, (), instances, namespace=NS)
    plan = compile.compile_plan(sync.gateways, gateways.addressable(instances, NS), namespace=NS)
    return sync, plan


def test_a_pass_after_one_instance_changed_equals_a_pass_over_fresh_instances():
    created = [
        model.Gateway(name=f"app{a}", selector=f"label(app)(app{a}) && label(version)((.*))")
        for a in range(0, 9, 3)
    ]
    before = fleet_of(9, 3)
    stored = plan_of(before, created)[0].changed_gateways  # and the index of ``before`` is warm
    app3 = before.index(next(i for i in before if i.name == "app3-1"))
    changed = (*before[:app3], before[app3].model_copy(update={"labels": {"app": "app3", "version": "9.0"}}))
    changed += before[app3 + 1 :]
    warm_sync, warm_plan = plan_of(changed, stored)
    fresh = tuple(instance.model_copy() for instance in changed)
    assert (warm_sync, warm_plan) == plan_of(fresh, stored)
    assert [gateway.name for gateway in warm_sync.changed_gateways] == ["app3"]
    routes = warm_sync.changed_gateways[0].routes
    assert {name: route.weight for name, route in routes.items()} == {
        "(0.0)": Percentage.of(100),
        "(2.0)": Percentage.of(0),
        "(9.0)": Percentage.of(0),
    }
    assert sorted(c.name for c in warm_plan.clusters if c.name.startswith("app3//")) == [
        "app3//(0.0)",
        "app3//(2.0)",
        "app3//(9.0)",
    ]
