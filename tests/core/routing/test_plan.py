"""The routing plan itself: balance names, content-hash versions and the plain-data round trip."""

import json

import pytest

from vamp import errors
from vamp.core import condition, model
from vamp.core.routing import plan

HTTP, TCP = model.Protocol.HTTP, model.Protocol.TCP


@pytest.mark.parametrize(
    ("text", "protocol", "expected"),
    [
        (None, HTTP, plan.Balance.ROUND_ROBIN),
        (None, TCP, plan.Balance.LEAST_REQUEST),
        ("default", HTTP, plan.Balance.ROUND_ROBIN),
        (" Default ", TCP, plan.Balance.LEAST_REQUEST),
        ("roundrobin", TCP, plan.Balance.ROUND_ROBIN),
        ("static-rr", HTTP, plan.Balance.ROUND_ROBIN),
        ("leastconn", HTTP, plan.Balance.LEAST_REQUEST),
        ("random", HTTP, plan.Balance.RANDOM),
        ("source", HTTP, plan.Balance.RING_HASH),
        ("uri", HTTP, plan.Balance.RING_HASH),
        ("hdr(X-User)", HTTP, plan.Balance.RING_HASH),
        ("least_request", HTTP, plan.Balance.LEAST_REQUEST),
        ("ring_hash", TCP, plan.Balance.RING_HASH),
    ],
)
def test_balance_reads_vamp_and_haproxy_names(text, protocol, expected):
    assert plan.Balance.of(text, protocol) is expected


@pytest.mark.parametrize("text", ["first", "hdr()", "rdp-cookie", ""])
def test_other_balance_names_are_refused_with_the_valid_ones(text):
    with pytest.raises(errors.RoutingError) as raised:
        plan.Balance.of(text, HTTP)
    assert str(raised.value) == (
        f"Unsupported balance {text!r}. Use one of: default, roundrobin, static-rr, leastconn, random, "
        "source, uri, round_robin, least_request, ring_hash or hdr(<name>)."
    )


FIREFOX = condition.Match(
    (
        condition.Conjunction(
            (condition.Matcher(condition.Field.HEADER, "user-agent", condition.Op.CONTAINS, "Firefox"),)
        ),
    )
)
V1 = condition.Match(
    (condition.Conjunction((condition.Matcher(condition.Field.PATH, None, condition.Op.PREFIX, "/v1"),)),)
)


def sample(weight_a: int = 9000, problems: tuple[str, ...] = ()) -> plan.RoutingPlan:
    routes = (
        plan.PlanRoute("shop//b", FIREFOX, 5000, (plan.WeightedCluster("shop//b", 10000),)),
        plan.PlanRoute(
            "shop",
            None,
            10000,
            (plan.WeightedCluster("shop//a", weight_a), plan.WeightedCluster("shop//b", 10000 - weight_a)),
        ),
    )
    return plan.RoutingPlan.of(
        (
            plan.Listener(
                "shop",
                9050,
                HTTP,
                (plan.VirtualHost("shop", "shop", ("*",), routes, model.Sticky.ROUTE),),
                plan.Tls("/etc/vamp/shop.pem", "/etc/vamp/shop.key"),
            ),
            plan.Listener(
                "[virtual hosts]",
                80,
                HTTP,
                (plan.VirtualHost("shop", "shop", ("shop.vamp",), routes, model.Sticky.ROUTE),),
            ),
        ),
        (
            plan.TargetCluster(
                "shop//a",
                (plan.Endpoint("10.0.0.1", 8080, "a-1"), plan.Endpoint("10.0.0.2", 8080, "a-2")),
                plan.Balance.ROUND_ROBIN,
                HTTP,
                rewrites=(condition.PathRewrite(V1, "/api%[path]"),),
            ),
            plan.TargetCluster(
                "shop//b",
                (plan.Endpoint("b.example", 443, "b.example:443"),),
                plan.Balance.RING_HASH,
                HTTP,
                external=True,
                hash_on="header:x-user",
            ),
            plan.TargetCluster(
                "shop//c",
                (plan.Endpoint("127.0.0.1", 9051, "c"),),
                plan.Balance.LEAST_REQUEST,
                TCP,
                gateway="c",
            ),
        ),
        problems,
    )


def test_a_plan_reads_back_from_its_plain_data_through_json():
    original = sample()
    data = json.loads(json.dumps(original.to_data()))
    assert plan.RoutingPlan.from_data(data) == original


def test_a_plan_s_text_is_its_plain_data_written_once_and_reads_back():
    original = sample(problems=("gateway 'ü': broken",))
    assert json.loads(original.to_text()) == original.to_data()
    assert "text" not in original.to_data()
    assert plan.RoutingPlan.from_data(json.loads(original.to_text())) == original
    made = plan.RoutingPlan(original.version, original.listeners, original.clusters, original.problems)
    assert made == original
    assert json.loads(made.to_text()) == original.to_data()


def test_the_version_is_a_hash_of_the_content():
    assert sample().version == sample().version
    assert len(sample().version) == 16
    assert int(sample().version, 16) >= 0
    versions = {
        sample().version,
        sample(weight_a=8000).version,
        sample(problems=("gateway 'x': broken",)).version,
    }
    assert len(versions) == 3


def test_plans_are_values():
    assert hash(sample()) == hash(sample())
    assert {sample(), sample()} == {sample()}


def first_matcher(data):
    return data["match"]["disjuncts"][0]["matchers"][0]


def corrupt(change):
    data = json.loads(json.dumps(sample().to_data()))
    change(data)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "A routing plan must be a mapping, not list."),
        (
            corrupt(lambda data: data.update(version="0000000000000000")),
            f"Invalid routing plan: version '0000000000000000' does not match its content "
            f"(expected {sample().version!r}).",
        ),
        (
            corrupt(lambda data: data["listeners"][0].update(port="9050")),
            "Invalid routing plan: $.listeners[0].port: expected int, found str '9050'.",
        ),
        (
            corrupt(lambda data: data["clusters"][0].update(external=1)),
            "Invalid routing plan: $.clusters[0].external: expected bool, found int 1.",
        ),
        (
            corrupt(lambda data: data["clusters"][0].update(balance="sticky")),
            "Invalid routing plan: $.clusters[0].balance: expected one of 'round_robin', 'least_request', "
            "'random', 'ring_hash', found 'sticky'.",
        ),
        (
            corrupt(lambda data: data["clusters"][0].pop("endpoints")),
            "Invalid routing plan: $.clusters[0]: missing keys ['endpoints'].",
        ),
        (
            corrupt(lambda data: data["clusters"][0].update(weight=3)),
            "Invalid routing plan: $.clusters[0]: unexpected keys ['weight']; expected ['balance', "
            "'endpoints', 'external', 'gateway', 'hash_on', 'name', 'protocol', 'rewrites'].",
        ),
        (
            corrupt(lambda data: data.update(problems="none")),
            "Invalid routing plan: $.problems: expected list, found str 'none'.",
        ),
        (
            corrupt(lambda data: first_matcher(data["clusters"][0]["rewrites"][0]).update(name="x")),
            "Invalid routing plan: $.clusters[0].rewrites[0].match.disjuncts[0].matchers[0]: "
            "a path matcher takes no name.",
        ),
    ],
)
def test_data_that_is_no_plan_is_refused_with_where_it_went_wrong(data, message):
    with pytest.raises(errors.RoutingError) as raised:
        plan.RoutingPlan.from_data(data)
    assert str(raised.value) == message
