"""Snapshot dictionaries → protocol buffers for the ADS stream: every type the renderer makes, file config
sources turned into the stream, conversions reused, and what protobuf refuses reported by name."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from envoy.config.listener.v3 import listener_pb2  # type: ignore[import-untyped]
from envoy.extensions.filters.network.http_connection_manager.v3 import (  # type: ignore[import-untyped]
    http_connection_manager_pb2,
)

from tests.adapters.envoy.render_plans import PLANS
from vamp import errors
from vamp.adapters.envoy import bootstrap, layout, render, xds_resources
from vamp.adapters.envoy.layout import ResourceType

XDS = layout.Layout(Path("/var/lib/vamp/xds"))
LDS, CDS, RDS, EDS = (
    ResourceType.LISTENERS,
    ResourceType.CLUSTERS,
    ResourceType.ROUTES,
    ResourceType.ENDPOINTS,
)


def kinds(snapshot):
    return {LDS: snapshot.listeners, CDS: snapshot.clusters, RDS: snapshot.routes, EDS: snapshot.endpoints}


@pytest.mark.parametrize("build", PLANS.values(), ids=PLANS.keys())
def test_every_resource_of_the_representative_plans_converts(build):
    snapshot = render.render(build(), XDS).snapshot

    converted = xds_resources.Converter().convert(kinds(snapshot))

    assert {kind: sorted(items) for kind, items in converted.items()} == {
        kind: sorted(xds_resources.name_of(kind, item) for item in items)
        for kind, items in kinds(snapshot).items()
    }
    assert {body.body.type_url for items in converted.values() for body in items.values()} == {
        xds_resources.TYPE_URLS[kind] for kind, items in kinds(snapshot).items() if items
    }


def test_file_config_sources_become_the_ads_stream():
    snapshot = render.render(PLANS["deployment"](), XDS).snapshot
    listener = next(item for item in snapshot.listeners if "internal_listener" not in item)

    body = xds_resources.Converter().convert({LDS: [listener]})[LDS][listener["name"]].body
    manager = http_connection_manager_pb2.HttpConnectionManager()
    body_listener = listener_pb2.Listener()
    body.Unpack(body_listener)
    body_listener.filter_chains[0].filters[0].typed_config.Unpack(manager)

    assert manager.rds.route_config_name == listener["name"]
    assert manager.rds.config_source.WhichOneof("config_source_specifier") == "ads"
    assert xds_resources.over_ads({"rds": bootstrap.rds(XDS, "r"), "keep": [1, "x"]}) == {
        "rds": {"route_config_name": "r", "config_source": {"resource_api_version": "V3", "ads": {}}},
        "keep": [1, "x"],
    }


def test_an_unchanged_resource_is_not_converted_again():
    converter = xds_resources.Converter()
    first = converter.convert({RDS: [{"name": "r1"}, {"name": "r2"}]})[RDS]

    second = converter.convert({RDS: [{"name": "r1"}, {"name": "r2", "virtual_hosts": []}]})[RDS]

    assert second["r1"].body is first["r1"].body
    assert second["r2"].digest != first["r2"].digest


def test_the_very_same_resource_is_taken_as_it_was_without_serialising_it(monkeypatch):
    converter = xds_resources.Converter()
    r1, r2 = {"name": "r1"}, {"name": "r2"}
    first = converter.convert({RDS: [r1, r2]})[RDS]
    serialised: list[object] = []

    def dumps(value: object, **options: Any) -> str:
        serialised.append(value)
        return json.dumps(value, **options)

    monkeypatch.setattr(xds_resources, "json", SimpleNamespace(dumps=dumps))

    second = converter.convert({RDS: [r1, {"name": "r2"}]})[RDS]

    assert second["r1"] is first["r1"]
    assert second["r2"] == first["r2"]
    assert serialised == [{"name": "r2"}]  # the equal copy is digested, the same object is not


LISTENER = {"name": "l", "address": bootstrap.socket_address(8080)}
REDIS = "type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy"


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        (
            {
                LDS: [
                    {
                        **LISTENER,
                        "filter_chains": [
                            {
                                "filters": [
                                    {
                                        "name": "f",
                                        "typed_config": {"@type": REDIS},
                                    }
                                ]
                            }
                        ],
                    }
                ]
            },
            "The listener 'l' cannot be sent to Envoy: Can not find message descriptor by type_url: "
            "type.googleapis.com/envoy.extensions.filters.network.redis_proxy.v3.RedisProxy at "
            "Listener.filter_chains[0].filters[0].typed_config; the ADS server knows the typed configs "
            "listed in xds_resources._TYPED_CONFIGS.",
        ),
        (
            {CDS: [{"name": "a", "connect_timeout": "soon"}]},
            "The cluster 'a' cannot be sent to Envoy: Duration must end with letter \"s\": soon. at "
            "Cluster.connect_timeout.",
        ),
        (
            {EDS: [{"cluster_name": "a", "endpoints": [{"priority": -1}]}]},
            "The load assignment 'a' cannot be sent to Envoy: Value out of range: -1.",
        ),
        (
            {RDS: [{"name": "r1"}, {"name": "r1"}]},
            "The snapshot has two route configurations named 'r1'; names must be unique.",
        ),
        (
            {CDS: [{"name": "sava.1"}]},
            "Envoy resource name 'sava.1' is not valid: use 1 to 200 letters, digits, '_' or '-', "
            "not starting with '-'.",
        ),
    ],
    ids=["typed-config-not-known", "bad-value", "out-of-range", "name-twice", "bad-name"],
)
def test_what_protobuf_refuses_is_a_publish_error_naming_the_resource(resources, message: str):
    with pytest.raises(errors.PublishError) as raised:
        xds_resources.Converter().convert(resources)

    assert str(raised.value) == message
