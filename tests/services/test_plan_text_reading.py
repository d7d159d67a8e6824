"""The agent's reading of a plan's JSON text: for any text, the plan (or the error) that ``json.loads`` and
``RoutingPlan.from_data`` make of it, with every node the last text had unchanged the very object read
then."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.adapters.envoy.render_plans import PLANS
from tests.services.agent_fakes import V1, V2, plan_of
from vamp.core import model
from vamp.core.routing import plan as routing_plan
from vamp.services import plan_reading, plan_texts

_SAMPLES = [build() for build in PLANS.values()] + [V1, V2]
LISTENERS = [listener for plan in _SAMPLES for listener in plan.listeners]
CLUSTERS = [cluster for plan in _SAMPLES for cluster in plan.clusters]
# Names and instances of any text: quotes, backslashes, control characters and non-ASCII in the JSON.
NAMES = st.text(max_size=6)
Draw = Callable[[st.SearchStrategy[Any]], Any]


def outcome(read: Any, text: bytes) -> tuple[object, ...]:
    """What reading ``text`` gives: the plan with its text, or the type and words of the error."""
    try:
        plan = read(text)
    except Exception as exc:  # any error: it must be the whole read's own
        return ("refused", type(exc), str(exc))
    return ("read", plan, plan.text)


def whole(text: bytes) -> routing_plan.RoutingPlan:
    return routing_plan.RoutingPlan.from_data(json.loads(text))


@st.composite
def listeners(draw: st.DrawFn) -> routing_plan.Listener:
    listener = draw(st.sampled_from(LISTENERS))
    if draw(st.booleans()):
        return listener
    return dataclasses.replace(listener, name=draw(NAMES), port=draw(st.integers(-1, 70_000)))


@st.composite
def clusters(draw: st.DrawFn) -> routing_plan.TargetCluster:
    cluster = draw(st.sampled_from(CLUSTERS))
    if draw(st.booleans()):
        return cluster
    endpoints = draw(
        st.lists(st.builds(routing_plan.Endpoint, NAMES, st.integers(0, 65_535), NAMES), max_size=3)
    )
    return dataclasses.replace(
        cluster,
        name=draw(NAMES),
        endpoints=tuple(endpoints),
        protocol=draw(st.sampled_from(model.Protocol)),
        hash_on=draw(st.none() | NAMES),
    )


def edited(draw: Draw, nodes: list[Any], new: st.SearchStrategy[Any]) -> list[Any]:
    """``nodes`` with one node changed, added or removed, or all reordered (or as they were)."""
    nodes = list(nodes)
    edit = draw(st.sampled_from(["same", "change", "add", "remove", "reorder"]))
    if edit == "add" or (edit in ("change", "remove") and not nodes):
        nodes.insert(draw(st.integers(0, len(nodes))), draw(new))
    elif edit == "change":
        nodes[draw(st.integers(0, len(nodes) - 1))] = draw(new)
    elif edit == "remove":
        del nodes[draw(st.integers(0, len(nodes) - 1))]
    elif edit == "reorder":
        nodes = draw(st.permutations(nodes))
    return nodes


def written(draw: Draw, plan: routing_plan.RoutingPlan) -> str:
    """The plan as a server, a tool or a person may write it."""
    form = draw(st.sampled_from(["server", "dumps", "sorted", "indented", "spaced"]))
    if form == "server":
        return plan.to_text()
    data = plan.to_data()
    if form == "dumps":  # the version first, ", " and ": " between items
        return json.dumps(data)
    if form == "sorted":
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    if form == "indented":
        return json.dumps(data, indent=draw(st.integers(0, 2)))
    return " \n" + json.dumps(data, separators=(" ,\t", " : ")) + "\r\n"


def spoiled(draw: Draw, text: str, plan: routing_plan.RoutingPlan) -> str:
    """``text`` as written, or spoiled so that it is not a plan, or not JSON at all."""
    spoil = draw(st.sampled_from(["none", "none", "none", "cut", "insert", "version", "key", "twice"]))
    if spoil == "cut":
        return text[: draw(st.integers(0, len(text) - 1))]
    if spoil == "insert":
        at = draw(st.integers(0, len(text)))
        inserted: str = draw(st.sampled_from(['"', ",", "]", "}", "x", "1", "{", "\\", " "]))
        return text[:at] + inserted + text[at:]
    if spoil == "version":
        return text.replace(plan.version, draw(st.sampled_from(["0" * 16, plan.version[:-1], ""])))
    if spoil == "key":  # a key no plan has
        return text.replace('"listeners"', '"listeners2"', 1)
    if spoil == "twice":  # the last of a key given twice is the one read
        return text[: text.rindex("}")] + ',"problems":["again"]}'
    return text


@given(st.data())
def test_every_text_reads_as_json_loads_and_from_data_read_it(data: st.DataObject):
    # The hash of a plan's own text is kept in parts, every 64 KiB: here every few bytes, to try them.
    every = data.draw(st.sampled_from([1, 7, 100, 1 << 16]))
    with mock.patch.object(plan_texts, "_HASHED_EVERY", every):
        read_in_turn(data)


def read_in_turn(data: st.DataObject) -> None:
    """Read plans one after another, each a random edit of the one before, written and spoiled at random."""
    reader = plan_reading.PlanReader()
    listed = data.draw(st.lists(listeners(), max_size=5))
    clustered = data.draw(st.lists(clusters(), max_size=6))
    last: routing_plan.RoutingPlan | None = None
    for _ in range(data.draw(st.integers(1, 5))):
        problems = data.draw(st.lists(NAMES, max_size=2))
        plan = routing_plan.RoutingPlan.of(tuple(listed), tuple(clustered), tuple(problems))
        text = spoiled(data.draw, written(data.draw, plan), plan).encode()

        read = outcome(reader.read_text, text)

        assert read == outcome(whole, text)
        if read[0] == "read":
            new = read[1]
            assert isinstance(new, routing_plan.RoutingPlan)
            if last is not None:  # what the last plan read had is taken from it
                assert all(kept(node, last.listeners) for node in new.listeners)
                assert all(kept(node, last.clusters) for node in new.clusters)
            last = new
        listed = edited(data.draw, listed, listeners())
        clustered = edited(data.draw, clustered, clusters())


def kept(node: object, before: tuple[object, ...]) -> bool:
    """``node`` is new, or the very object of ``before`` that it equals."""
    return node not in before or any(node is old for old in before if old == node)


def test_a_large_plan_read_after_a_change_keeps_every_unchanged_node():
    reader = plan_reading.PlanReader()
    clusters = tuple(
        dataclasses.replace(cluster, name=f"{cluster.name}-{index}")
        for index in range(50)
        for cluster in CLUSTERS
    )
    listeners = tuple(dataclasses.replace(LISTENERS[0], name=f"l{index}", port=index) for index in range(300))
    first = reader.read_text(routing_plan.RoutingPlan.of(listeners, clusters, ()).to_text().encode())
    changed = (*listeners[:150], plan_of(1234).listeners[0], *listeners[151:])

    second = reader.read_text(routing_plan.RoutingPlan.of(changed, clusters, ()).to_text().encode())

    assert second == routing_plan.RoutingPlan.of(changed, clusters, ())
    kept = [index for index in range(300) if index != 150]
    assert all(second.listeners[index] is first.listeners[index] for index in kept)
    assert second.listeners[150] is not first.listeners[150]
    assert all(new is old for new, old in zip(second.clusters, first.clusters, strict=True))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("a listener added first", lambda ls: (plan_of(1234).listeners[0], *ls)),
        ("a listener removed", lambda ls: ls[1:]),
        ("the listeners reordered", lambda ls: tuple(reversed(ls))),
    ],
)
def test_nodes_added_removed_or_moved_leave_the_others_the_objects_read_before(change, expected):
    reader = plan_reading.PlanReader()
    plan = PLANS["edges"]()
    first = reader.read_text(plan.to_text())
    listeners = expected(plan.listeners)

    second = reader.read_text(routing_plan.RoutingPlan.of(listeners, plan.clusters, ()).to_text())

    assert second == routing_plan.RoutingPlan.of(listeners, plan.clusters, ())
    before = {id(listener) for listener in first.listeners}
    assert sum(id(listener) in before for listener in second.listeners) == len(
        [listener for listener in listeners if listener in plan.listeners]
    )
    assert all(new is old for new, old in zip(second.clusters, first.clusters, strict=True))


def test_a_plan_written_otherwise_reads_as_the_same_nodes():
    reader = plan_reading.PlanReader()
    plan = PLANS["conditions"]()
    first = reader.read_text(plan.to_text())

    again = reader.read_text(json.dumps(plan.to_data(), indent=2))

    assert again == plan
    assert all(new is old for new, old in zip(again.listeners, first.listeners, strict=True))
    assert all(new is old for new, old in zip(again.clusters, first.clusters, strict=True))


@pytest.mark.parametrize("text", [b"", b"{", b"\xff\xfe\x00", b'{"version": "v1"} x', b"[1, 2"])
def test_a_text_that_is_not_json_raises_what_json_loads_raises(text: bytes):
    reader = plan_reading.PlanReader()
    reader.read_text(V1.to_text())

    assert outcome(reader.read_text, text) == outcome(json.loads, text)
    assert outcome(json.loads, text)[1] in (json.JSONDecodeError, UnicodeDecodeError)


def test_a_bad_plan_between_two_good_ones_leaves_the_last_good_one_to_read_from():
    reader = plan_reading.PlanReader()
    first = reader.read_text(V1.to_text())
    with pytest.raises(Exception, match="does not match its content"):
        reader.read_text(V1.to_text().replace(V1.version, "0" * 16))

    second = reader.read_text(V2.to_text())

    assert second == V2
    assert second.clusters == first.clusters
    assert all(new is old for new, old in zip(second.clusters, first.clusters, strict=True))


def test_a_plan_as_the_server_writes_it_keeps_that_text_and_is_not_written_again():
    reader = plan_reading.PlanReader()
    reader.read_text(V1.to_text())
    text = V2.to_text()

    read = reader.read_text(text)

    assert read == V2
    assert read.text is text
    assert reader.read_text(json.dumps(V1.to_data())).text == V1.to_text()


def test_a_large_plan_changed_early_late_or_in_length_has_the_version_of_its_whole_text():
    reader = plan_reading.PlanReader()
    clusters = [dataclasses.replace(CLUSTERS[0], name=f"c{index}") for index in range(2_000)]
    listeners = [dataclasses.replace(LISTENERS[0], name=f"l{index}", port=index) for index in range(200)]
    edits = [
        lambda: None,
        lambda: clusters.__setitem__(0, CLUSTERS[1]),  # the first bytes hashed
        lambda: listeners.__setitem__(-1, LISTENERS[1]),  # the last
        lambda: clusters.__delitem__(1_000),  # shorter from the middle on
        lambda: listeners.append(LISTENERS[2]),  # longer at the end
    ]
    for edit in edits:
        edit()
        plan = routing_plan.RoutingPlan.of(tuple(listeners), tuple(clusters), ())
        text = plan.to_text().encode()
        assert len(text) > 4 * plan_texts._HASHED_EVERY

        assert outcome(reader.read_text, text) == outcome(whole, text) == ("read", plan, plan.text)
