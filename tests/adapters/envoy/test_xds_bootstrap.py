"""The ADS bootstrap (``bootstrap.bootstrap_ads``): a valid Envoy Bootstrap that takes every type over one
stream from the agent's Unix domain socket, and shares the rest with the file bootstrap."""

from __future__ import annotations

from pathlib import Path

from envoy.config.bootstrap.v3 import bootstrap_pb2  # type: ignore[import-untyped]
from envoy.extensions.bootstrap.internal_listener.v3 import (  # type: ignore[import-untyped]
    internal_listener_pb2,
)
from envoy.extensions.upstreams.http.v3 import http_protocol_options_pb2  # type: ignore[import-untyped]
from google.protobuf import json_format

from vamp.adapters.envoy import bootstrap, layout

SOCKET = Path("/var/lib/vamp/agent/ads.sock")
ADMIN = Path("/var/lib/vamp/agent/admin.sock")
# Registered for the bootstrap's typed configs.
TYPED = (internal_listener_pb2.InternalListener, http_protocol_options_pb2.HttpProtocolOptions)


def test_the_ads_bootstrap_is_a_valid_bootstrap_taking_everything_from_the_socket():
    config = bootstrap.bootstrap_ads(node_id="agent-1", admin_socket=ADMIN, socket_path=SOCKET)

    parsed = json_format.ParseDict(config, bootstrap_pb2.Bootstrap())

    ads = parsed.dynamic_resources.ads_config
    assert (ads.api_type, ads.grpc_services[0].envoy_grpc.cluster_name) == (
        ads.GRPC,
        bootstrap.XDS_CLUSTER,
    )
    assert ads.set_node_on_first_message_only
    for source in (parsed.dynamic_resources.lds_config, parsed.dynamic_resources.cds_config):
        assert source.WhichOneof("config_source_specifier") == "ads"
    (cluster,) = parsed.static_resources.clusters
    address = cluster.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address
    assert (cluster.name, address.pipe.path) == ("vamp_xds", str(SOCKET))
    assert (
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions" in cluster.typed_extension_protocol_options
    )


def test_both_bootstraps_share_everything_but_where_resources_come_from():
    ads = bootstrap.bootstrap_ads(node_id="agent-1", admin_socket=ADMIN, socket_path=SOCKET)
    from_files = bootstrap.bootstrap(layout.Layout(Path("/x")), node_id="agent-1", admin_socket=ADMIN)

    shared = {key for key in ads if key not in ("dynamic_resources", "static_resources")}
    assert {key: ads[key] for key in shared} == {key: from_files[key] for key in from_files if key in shared}
    assert set(from_files) == shared | {"dynamic_resources"}
