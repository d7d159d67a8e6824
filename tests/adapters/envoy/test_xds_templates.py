"""Clusters and load assignments made from a converted shape: the same messages as converted whole, with
one whole conversion per shape, and a whole conversion where a shape does not fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from envoy.config.cluster.v3 import cluster_pb2  # type: ignore[import-untyped]
from google.protobuf import json_format

from tests.adapters.envoy.render_plans import PLANS
from vamp.adapters.envoy import layout, render, xds_resources, xds_templates
from vamp.adapters.envoy.layout import ResourceType

XDS = layout.Layout(Path("/var/lib/vamp/xds"))


@pytest.mark.parametrize("name", PLANS)
def test_every_resource_converts_as_it_does_whole(name: str):
    snapshot = render.render(PLANS[name](), XDS).snapshot
    resources = {
        ResourceType.LISTENERS: snapshot.listeners,
        ResourceType.CLUSTERS: snapshot.clusters,
        ResourceType.ROUTES: snapshot.routes,
        ResourceType.ENDPOINTS: snapshot.endpoints,
    }
    converter = xds_resources.Converter()
    converted = converter.convert(resources)

    for kind, items in resources.items():
        for item in items:
            named = xds_resources.name_of(kind, item)
            assert converted[kind][named].body == xds_resources._pack(kind, named, item), named


class Counting:
    """``ParseDict`` into a cluster, counting the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, value: Any) -> Any:
        self.calls += 1
        return json_format.ParseDict(value, cluster_pb2.Cluster())


def cluster(name: str, **more: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "EDS",
        "eds_cluster_config": {"service_name": name, "eds_config": {"ads": {}}},
        "connect_timeout": "5s",
        **more,
    }


def test_clusters_of_one_shape_are_converted_whole_once():
    templates, parse = xds_templates.Templates(), Counting()
    made = [templates.convert(cluster(f"c{index}"), f"c{index}", parse) for index in range(50)]

    assert made == [json_format.ParseDict(cluster(f"c{index}"), cluster_pb2.Cluster()) for index in range(50)]
    assert parse.calls == 2  # the first whole and its shape blank; the others are copies

    templates.turn()
    templates.convert(cluster("next"), "next", parse)
    assert parse.calls == 2  # the shape is known from the last conversion


def test_a_shape_whose_name_is_not_in_a_plain_string_field_is_converted_whole_each_time():
    templates, parse = xds_templates.Templates(), Counting()
    # The name is also a metadata value, inside a Struct: no field to set it in.
    shaped = [
        cluster(name, metadata={"filter_metadata": {"vamp": {"route": name}}}) for name in ("a", "b", "c")
    ]

    made = [templates.convert(item, item["name"], parse) for item in shaped]

    assert made == [json_format.ParseDict(item, cluster_pb2.Cluster()) for item in shaped]
    assert parse.calls == 2 + 2  # the first whole and its shape blank, then each whole


def test_a_resource_without_its_name_in_it_is_converted_whole():
    templates, parse = xds_templates.Templates(), Counting()

    templates.convert(cluster("a"), "other", parse)

    assert parse.calls == 1
