"""The agent's plan reader: the same plans and errors as ``RoutingPlan.from_data``, with the nodes of the
last plan read taken again where their data did not change."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from tests.adapters.envoy.render_plans import PLANS
from tests.services.agent_fakes import V1, V2
from vamp import errors
from vamp.core.routing import plan as routing_plan
from vamp.services import plan_reading


@pytest.mark.parametrize("name", PLANS)
def test_a_plan_reads_as_from_data_reads_it(name: str):
    plan = PLANS[name]()
    data = json.loads(json.dumps(plan.to_data()))

    read = plan_reading.PlanReader().read(data)

    assert read == routing_plan.RoutingPlan.from_data(data) == plan
    assert read.version == plan.version


def test_the_unchanged_nodes_of_the_next_plan_are_the_ones_read_before():
    reader = plan_reading.PlanReader()
    plan = PLANS["deployment"]()
    first = reader.read(plan.to_data())
    fewer = routing_plan.RoutingPlan.of(plan.listeners[1:], plan.clusters, ("a problem",))

    second = reader.read(fewer.to_data())

    assert second == fewer
    assert all(new is old for new, old in zip(second.listeners, first.listeners[1:], strict=True))
    assert all(new is old for new, old in zip(second.clusters, first.clusters, strict=True))


def test_a_weight_change_reads_the_changed_listener_only():
    reader = plan_reading.PlanReader()
    first, second = reader.read(V1.to_data()), reader.read(V2.to_data())

    assert (first, second) == (V1, V2)
    assert second.clusters[0] is first.clusters[0]
    assert second.listeners[0] is not first.listeners[0]


def _wrong_version(data: dict[str, Any]) -> None:
    data["version"] = "0" * 16


def _bad_port(data: dict[str, Any]) -> None:
    data["listeners"][0]["port"] = "eighty"


def _float_port(data: dict[str, Any]) -> None:
    data["listeners"][0]["port"] = float(data["listeners"][0]["port"])


def _extra_key(data: dict[str, Any]) -> None:
    data["listeners"][0]["colour"] = "blue"


def _problems_not_text(data: dict[str, Any]) -> None:
    data["problems"] = [1]


def _no_clusters(data: dict[str, Any]) -> None:
    del data["clusters"]


@pytest.mark.parametrize(
    "spoil", [_wrong_version, _bad_port, _float_port, _extra_key, _problems_not_text, _no_clusters]
)
def test_what_from_data_refuses_is_refused_with_its_words(spoil):
    reader = plan_reading.PlanReader()
    reader.read(V1.to_data())
    data = copy.deepcopy(V1.to_data())
    spoil(data)

    with pytest.raises(errors.RoutingError) as expected:
        routing_plan.RoutingPlan.from_data(data)
    with pytest.raises(errors.RoutingError) as refused:
        reader.read(data)

    assert str(refused.value) == str(expected.value)


@pytest.mark.parametrize("data", [None, [], "plan", {"version": "x"}])
def test_what_is_not_a_plan_is_refused_as_from_data_refuses_it(data: object):
    with pytest.raises(errors.RoutingError) as expected:
        routing_plan.RoutingPlan.from_data(data)
    with pytest.raises(errors.RoutingError) as refused:
        plan_reading.PlanReader().read(data)

    assert str(refused.value) == str(expected.value)
