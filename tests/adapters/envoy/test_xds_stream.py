"""The ADS stream state machine (``xds_stream.Stream``) by hand: ACK, NACK, stale nonces, subscriptions."""

from __future__ import annotations

from collections.abc import Iterable

import pytest
from envoy.service.discovery.v3 import discovery_pb2  # type: ignore[import-untyped]
from google.protobuf import any_pb2

from vamp.adapters.envoy import xds_resources, xds_stream
from vamp.adapters.envoy.layout import ResourceType
from vamp.adapters.envoy.xds_resources import Resource

LDS, CDS, RDS, EDS = (
    ResourceType.LISTENERS,
    ResourceType.CLUSTERS,
    ResourceType.ROUTES,
    ResourceType.ENDPOINTS,
)


def resource(name: str, content: str = "1") -> Resource:
    """A resource whose packed body carries ``name=content``, so responses can be read back."""
    return Resource(
        name, f"{name}={content}", any_pb2.Any(type_url="test", value=f"{name}={content}".encode())
    )


def catalog(version: str = "v1", **kinds: Iterable[Resource]) -> xds_stream.Catalog:
    """A catalog at ``version``; keyword ``lds``, ``cds``, ``rds``, ``eds`` give each type's resources."""
    return {
        kind: xds_stream.Resources(version, {item.name: item for item in kinds.get(kind.value, ())})
        for kind in ResourceType
    }


def request(
    kind: ResourceType, names: Iterable[str] = (), nonce: str = "", error: str = "", node: str = ""
) -> discovery_pb2.DiscoveryRequest:
    message = discovery_pb2.DiscoveryRequest(
        type_url=xds_resources.TYPE_URLS[kind], resource_names=list(names), response_nonce=nonce
    )
    if error:
        message.error_detail.message = error
    if node:
        message.node.id = node
    return message


def listening() -> xds_stream.Stream:
    """A stream whose Envoy asked for listeners and clusters (recorded before there was a catalog), so
    that it is expected to hold the route configurations and load assignments it subscribes to."""
    stream = xds_stream.Stream()
    stream.receive(request(LDS), None)
    stream.receive(request(CDS), None)
    return stream


def contents(response: discovery_pb2.DiscoveryResponse | None) -> tuple[str, str, list[str]] | None:
    """A response as (version, nonce, [name=content, ...])."""
    if response is None:
        return None
    return response.version_info, response.nonce, [body.value.decode() for body in response.resources]


def test_a_wildcard_request_gets_every_resource_and_an_ack_settles_it():
    stream = xds_stream.Stream()
    served = catalog(lds=[resource("x"), resource("y")])

    answer = stream.receive(request(LDS, node="edge-1"), served)

    assert contents(answer.response) == ("v1", "1", ["x=1", "y=1"])
    assert answer.response is not None
    assert answer.response.type_url == "type.googleapis.com/envoy.config.listener.v3.Listener"
    assert stream.node == "edge-1"
    assert stream.behind(LDS, served) == ["x", "y"]
    assert stream.receive(request(LDS, nonce="1"), served) == xds_stream.Answer()
    assert stream.holds(LDS, served)


def test_a_wildcard_response_always_holds_everything_even_when_one_resource_changed():
    stream = xds_stream.Stream()
    stream.receive(request(CDS), catalog(cds=[resource("a"), resource("b")]))
    stream.receive(request(CDS, nonce="1"), catalog(cds=[resource("a"), resource("b")]))

    response = stream.push(CDS, catalog("v2", cds=[resource("a", "2"), resource("b")]))

    assert contents(response) == ("v2", "2", ["a=2", "b=1"])


def test_a_named_request_gets_only_the_resources_it_names():
    stream = xds_stream.Stream()
    served = catalog(rds=[resource("r1"), resource("r2"), resource("r3")])

    answer = stream.receive(request(RDS, ["r1", "r3", "unknown"]), served)

    assert contents(answer.response) == ("v1", "1", ["r1=1", "r3=1"])


def test_a_named_response_holds_only_the_resources_that_changed():
    stream = listening()
    stream.receive(request(RDS, ["r1", "r2"]), catalog(rds=[resource("r1"), resource("r2")]))
    stream.receive(request(RDS, ["r1", "r2"], nonce="1"), catalog(rds=[resource("r1"), resource("r2")]))
    changed = catalog("v2", rds=[resource("r1"), resource("r2", "2")])

    response = stream.push(RDS, changed)

    assert contents(response) == ("v2", "2", ["r2=2"])
    assert stream.behind(RDS, changed) == ["r2"]


def test_nothing_is_sent_while_a_response_is_in_flight_and_the_ack_brings_the_rest():
    stream = xds_stream.Stream()
    stream.receive(request(LDS), catalog(lds=[resource("x")]))
    newer = catalog("v2", lds=[resource("x", "2")])

    assert stream.push(LDS, newer) is None
    answer = stream.receive(request(LDS, nonce="1"), newer)

    assert contents(answer.response) == ("v2", "2", ["x=2"])


def test_a_request_with_an_older_nonce_is_stale_and_ignored():
    stream = listening()
    served = catalog(rds=[resource("r1"), resource("r2")])
    stream.receive(request(RDS, ["r1"]), served)
    stream.receive(request(RDS, ["r1"], nonce="1"), served)
    stream.push(RDS, catalog("v2", rds=[resource("r1", "2"), resource("r2")]))

    stale = stream.receive(request(RDS, ["r1", "r2"], nonce="1"), served)

    assert stale == xds_stream.Answer()
    assert stream.behind(RDS, served, ["r2"]) == ["r2"]


def test_a_nack_is_reported_and_the_refused_content_is_not_sent_again_until_it_changes():
    stream = listening()
    good = catalog(rds=[resource("r1")])
    bad = catalog("v2", rds=[resource("r1", "bad")])
    stream.receive(request(RDS, ["r1"], node="edge-1"), good)
    stream.receive(request(RDS, ["r1"], nonce="1"), good)
    stream.push(RDS, bad)

    answer = stream.receive(request(RDS, ["r1"], nonce="2", error="Sum of weights must be > 0."), bad)

    assert answer == xds_stream.Answer(
        rejection=xds_stream.Rejection("edge-1", RDS, "v2", "Sum of weights must be > 0.", ("r1",))
    )
    assert str(answer.rejection) == (
        "Envoy 'edge-1' refused the route configurations of version 'v2': Sum of weights must be > 0."
    )
    assert not stream.holds(RDS, bad)
    assert not stream.holds(RDS, good)
    assert stream.push(RDS, bad) is None
    assert contents(stream.push(RDS, good)) == ("v1", "3", ["r1=1"])


def test_what_a_refused_response_left_unchanged_stays_acknowledged():
    stream = listening()
    good = catalog(eds=[resource("a"), resource("b")])
    bad = catalog("v2", eds=[resource("a"), resource("b"), resource("c", "bad")])
    stream.receive(request(EDS, ["a", "b"]), good)
    stream.receive(request(EDS, ["a", "b"], nonce="1"), good)

    stream.receive(request(EDS, ["a", "b", "c"], nonce="1"), bad)  # asks anew: gets a, b and c
    stream.receive(request(EDS, ["a", "b", "c"], nonce="2", error="malformed IP address: c"), bad)

    assert stream.behind(EDS, bad) == ["c"]
    assert stream.holds(EDS, bad, ["a", "b"])


def test_a_wildcard_nack_leaves_acknowledged_only_what_it_did_not_change():
    stream = xds_stream.Stream()
    good = catalog(cds=[resource("a"), resource("b")])
    bad = catalog("v2", cds=[resource("a"), resource("b", "bad")])
    stream.receive(request(CDS), good)
    stream.receive(request(CDS, nonce="1"), good)
    stream.push(CDS, bad)

    answer = stream.receive(request(CDS, nonce="2", error="bad cluster"), bad)

    assert answer.rejection is not None
    assert stream.behind(CDS, good) == ["b"]
    assert contents(stream.push(CDS, good)) == ("v1", "3", ["a=1", "b=1"])


def test_a_grown_subscription_answering_a_response_gets_the_new_names_only():
    stream = xds_stream.Stream()
    served = catalog(eds=[resource("a"), resource("b")])
    stream.receive(request(EDS, ["a"]), served)

    answer = stream.receive(request(EDS, ["a", "b"], nonce="1"), served)

    assert contents(answer.response) == ("v1", "2", ["b=1"])


def test_a_fresh_request_gets_everything_it_names_again():
    """Envoy asks anew for a load assignment it has, under the same name, when its cluster changed."""
    stream = xds_stream.Stream()
    served = catalog(eds=[resource("a"), resource("b")])
    stream.receive(request(EDS, ["a", "b"]), served)
    stream.receive(request(EDS, ["a", "b"], nonce="1"), served)

    answer = stream.receive(request(EDS, ["a", "b"], nonce="1"), served)

    assert contents(answer.response) == ("v1", "2", ["a=1", "b=1"])


def test_a_request_that_only_drops_names_gets_nothing_and_a_dropped_name_is_sent_again_later():
    stream = xds_stream.Stream()
    served = catalog(eds=[resource("a"), resource("b")])
    stream.receive(request(EDS, ["a", "b"]), served)
    stream.receive(request(EDS, ["a", "b"], nonce="1"), served)

    dropped = stream.receive(request(EDS, ["a"], nonce="1"), served)
    again = stream.receive(request(EDS, ["a", "b"], nonce="1"), served)

    assert dropped == xds_stream.Answer()
    assert contents(again.response) == ("v1", "2", ["a=1", "b=1"])


def test_a_changed_cluster_gets_its_load_assignment_in_the_next_endpoint_response():
    stream = xds_stream.Stream()
    served = catalog(cds=[resource("a"), resource("b")], eds=[resource("a"), resource("b")])
    stream.receive(request(CDS), served)
    stream.receive(request(CDS, nonce="1"), served)
    stream.receive(request(EDS, ["a", "b"]), served)
    stream.receive(request(EDS, ["a", "b"], nonce="2"), served)
    changed = catalog("v2", cds=[resource("a", "2"), resource("b")], eds=[resource("a"), resource("b")])

    stream.push(CDS, changed)
    # Envoy's request for the warming cluster may come folded into the ACK of the clusters.
    stream.receive(request(CDS, nonce="3"), changed)

    assert contents(stream.push(EDS, changed)) == ("v2", "4", ["a=1"])


def test_without_a_catalog_requests_are_recorded_and_answered_by_the_first_push():
    stream = xds_stream.Stream()

    answer = stream.receive(request(LDS), None)

    assert answer == xds_stream.Answer()
    assert contents(stream.push(LDS, catalog())) == ("v1", "1", [])


def test_a_request_for_a_type_the_server_does_not_serve_is_ignored():
    stream = xds_stream.Stream()
    secrets = discovery_pb2.DiscoveryRequest(
        type_url="type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
    )

    assert stream.receive(secrets, catalog()) == xds_stream.Answer()


@pytest.mark.parametrize(
    ("requests", "kind", "names", "behind"),
    [
        ([], LDS, None, []),
        ([], RDS, ["r1"], []),
        ([request(LDS)], LDS, None, ["x"]),
        ([request(LDS), request(LDS, nonce="1")], RDS, ["r1"], ["r1"]),
        ([request(LDS), request(LDS, nonce="1"), request(RDS, ["r1"])], RDS, ["r1"], ["r1"]),
        (
            [request(LDS), request(LDS, nonce="1"), request(RDS, ["r1"]), request(RDS, ["r1"], nonce="2")],
            RDS,
            ["r1"],
            [],
        ),
        (
            [request(LDS), request(LDS, nonce="1"), request(RDS, ["r1"]), request(RDS, ["r1"], nonce="2")],
            RDS,
            ["r2"],
            ["r2"],
        ),
    ],
    ids=[
        "never-asked",
        "named-before-its-wildcard",
        "wildcard-unanswered",
        "named-not-subscribed",
        "named-unanswered",
        "named-acknowledged",
        "named-missing",
    ],
)
def test_an_envoy_holds_what_it_acknowledged_or_has_not_asked_for_yet(
    requests: list[discovery_pb2.DiscoveryRequest],
    kind: ResourceType,
    names: list[str] | None,
    behind: list[str],
):
    stream = xds_stream.Stream()
    served = catalog(lds=[resource("x")], rds=[resource("r1")])
    for sent in requests:
        stream.receive(sent, served)

    assert stream.behind(kind, served, names) == behind
    assert stream.holds(kind, served, names) is (behind == [])


def test_a_refused_route_configuration_does_not_hold_a_wait_for_every_subscribed_one_past_refused():
    stream = listening()
    good = catalog(rds=[resource("r1"), resource("r2")])
    bad = catalog("v2", rds=[resource("r1"), resource("r2", "bad")])
    stream.receive(request(RDS, ["r1", "r2"], node="edge-1"), good)
    stream.receive(request(RDS, ["r1", "r2"], nonce="1"), good)
    stream.push(RDS, bad)
    stream.receive(request(RDS, ["r1", "r2"], nonce="2", error="invalid perl operator: (?<"), bad)

    assert stream.behind(RDS, bad) == ["r2"]
    assert stream.holds(RDS, bad, past_refused=True)
    assert not stream.holds(RDS, bad, ["r2"], past_refused=True)  # asked for by name, it still counts
    assert not stream.holds(
        RDS, catalog("v3", rds=[resource("r1"), resource("r2", "fixed")]), past_refused=True
    )
