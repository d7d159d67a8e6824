"""The renderer: representative plans against golden files, determinism, names, the maps back to gateways and
routes, the options, and plans it refuses.

The golden files in ``golden/render-*.json`` are the whole rendering of the plans of ``render_plans.py``.
They change only on purpose: after changing the renderer, regenerate them with
``VAMP_REGENERATE_GOLDEN=1 .venv/bin/pytest tests/adapters/envoy/test_render.py`` and read the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.adapters.envoy.render_plans import PLANS, conditions, deployment, edges
from vamp import errors
from vamp.adapters.envoy import layout, render, render_names
from vamp.core import condition, model
from vamp.core.routing import plan

GOLDEN = Path(__file__).parent / "golden"
XDS = layout.Layout(Path("/var/lib/vamp/xds"))
HTTP, TCP = model.Protocol.HTTP, model.Protocol.TCP
FULL = plan.FULL


def as_data(rendering: render.Rendering) -> dict[str, Any]:
    snapshot = rendering.snapshot
    return {
        "version": snapshot.version,
        "listeners": list(snapshot.listeners),
        "routes": list(snapshot.routes),
        "clusters": list(snapshot.clusters),
        "endpoints": list(snapshot.endpoints),
        "origins": {name: dataclasses.astuple(origin) for name, origin in rendering.clusters.items()},
        "gateways": dict(rendering.listeners),
    }


@pytest.mark.parametrize("name", PLANS)
def test_a_representative_plan_renders_as_its_golden_file(name: str):
    golden = GOLDEN / f"render-{name}.json"
    rendered = json.loads(json.dumps(as_data(render.render(PLANS[name](), XDS))))

    if os.environ.get("VAMP_REGENERATE_GOLDEN") == "1":
        golden.write_text(json.dumps(rendered, indent=1) + "\n")
    assert rendered == json.loads(golden.read_text())


@pytest.mark.parametrize("name", PLANS)
def test_the_same_plan_always_renders_the_same_snapshot(name: str):
    assert render.render(PLANS[name](), XDS) == render.render(PLANS[name](), XDS)


@pytest.mark.parametrize("name", PLANS)
def test_every_resource_has_a_valid_name_of_its_own(name: str):
    snapshot = render.render(PLANS[name](), XDS).snapshot
    names = {
        "listeners": [listener["name"] for listener in snapshot.listeners],
        "clusters": [cluster["name"] for cluster in snapshot.clusters],
        "routes": [route["name"] for route in snapshot.routes],
        "endpoints": [assignment["cluster_name"] for assignment in snapshot.endpoints],
    }

    for kind in names.values():
        assert len(set(kind)) == len(kind)
        assert all(layout.check_name(name) for name in kind)


def test_clusters_and_listeners_map_back_to_their_gateways_and_routes():
    rendering = render.render(deployment(), XDS)

    assert rendering.clusters == {
        render_names.envoy_name("sava/9050//sava/sava/webport"): render.Origin(
            "sava/9050", "sava/sava/webport"
        ),
        render_names.envoy_name("sava/sava/webport//sava/sava/sava:1.0.0/webport"): render.Origin(
            "sava/sava/webport", "sava/sava/sava:1.0.0/webport"
        ),
        render_names.envoy_name("sava/sava/webport//sava/sava/sava:1.1.0/webport"): render.Origin(
            "sava/sava/webport", "sava/sava/sava:1.1.0/webport"
        ),
    }
    assert rendering.listeners == {
        render_names.envoy_name("[virtual hosts]"): "[virtual hosts]",
        render_names.envoy_name("sava/9050"): "sava/9050",
        render_names.envoy_name("sava/sava/webport"): "sava/sava/webport",
        render_names.internal_listener("sava/sava/webport"): "sava/sava/webport",
    }


def test_rewrite_hops_are_left_out_of_the_maps():
    rendering = render.render(edges(), XDS)
    hop = render_names.rewrite_hop("secure//shop/web/a/http")

    assert hop in {cluster["name"] for cluster in rendering.snapshot.clusters}
    assert hop in {listener["name"] for listener in rendering.snapshot.listeners}
    assert hop not in rendering.clusters
    assert hop not in rendering.listeners


def resources(rendering: render.Rendering) -> str:
    return json.dumps(
        [*rendering.snapshot.listeners, *rendering.snapshot.routes, *rendering.snapshot.clusters]
    )


@pytest.mark.parametrize(
    ("options", "present", "absent"),
    [
        (
            render.RenderOptions(),
            ['"retry_policy"', '"health_checks"', '"x-vamp-route"', '"address": "127.0.0.1"'],
            [],
        ),
        (render.RenderOptions(retries=0), [], ['"retry_policy"']),
        (render.RenderOptions(health_check_interval_s=None), [], ['"health_checks"']),
        (render.RenderOptions(route_header=False), [], ['"x-vamp-route"']),
        (render.RenderOptions(listen_host="10.1.2.3"), ['"address": "10.1.2.3"'], ['"address": "127.0.0.1"']),
        (
            render.RenderOptions(stats_prefix="vamp-", connect_timeout_s=0.25, route_timeout_s=2.5),
            ['"stat_prefix": "vamp-shop-', '"connect_timeout": "0.25s"', '"timeout": "2.5s"'],
            ['"connect_timeout": "5s"'],
        ),
    ],
)
def test_the_options_shape_what_is_rendered(
    options: render.RenderOptions, present: list[str], absent: list[str]
):
    rendered = resources(render.render(conditions(), XDS, options=options))

    assert [text for text in present if text not in rendered] == []
    assert [text for text in absent if text in rendered] == []


def target(name: str, protocol: model.Protocol = HTTP, **fields: Any) -> plan.TargetCluster:
    return plan.TargetCluster(
        name, (plan.Endpoint("10.0.0.1", 80, "i"),), plan.Balance.ROUND_ROBIN, protocol, **fields
    )


def listener(
    name: str, port: int, *routes: plan.PlanRoute, protocol: model.Protocol = HTTP, **host: Any
) -> plan.Listener:
    virtual_host = plan.VirtualHost(name, name, ("*",), routes, host.get("sticky"))
    return plan.Listener(name, port, protocol, (virtual_host,))


def to(cluster: str) -> plan.PlanRoute:
    gateway = cluster.partition("//")[0]
    return plan.PlanRoute(gateway, None, FULL, (plan.WeightedCluster(cluster, FULL),))


FIREFOX = condition.compile("user-agent == Firefox")


@pytest.mark.parametrize(
    ("listeners", "clusters", "message"),
    [
        (
            (listener("a", 9000, to("a//x")), listener("b", 9000, to("b//x"))),
            (target("a//x"), target("b//x")),
            "listeners 'a' and 'b' both use port 9000; give each its own",
        ),
        (
            (listener("a", 0, to("a//x")),),
            (target("a//x"),),
            "listener 'a' has port 0; a port is a number from 1 to 65535",
        ),
        (
            (listener("a", 9000, to("a//gone")),),
            (target("a//x"),),
            "gateway 'a' route 'a': the plan has no target cluster named 'a//gone'",
        ),
        (
            (
                listener(
                    "db",
                    5432,
                    plan.PlanRoute("db//x", FIREFOX, FULL, (plan.WeightedCluster("db//x", FULL),)),
                    to("db//x"),
                    protocol=TCP,
                ),
            ),
            (target("db//x", TCP),),
            "TCP gateway 'db': conditions, condition strengths and sticky sessions need an HTTP port",
        ),
        (
            (listener("db", 5432, to("db//x"), protocol=TCP, sticky=model.Sticky.ROUTE),),
            (target("db//x", TCP),),
            "TCP gateway 'db': conditions, condition strengths and sticky sessions need an HTTP port",
        ),
        (
            (listener("db", 5432, to("db//x"), protocol=TCP),),
            (target("db//x", TCP, rewrites=(condition.parse_rewrite("/ if path == /x"),)),),
            "gateway 'db' route 'x': path rewrites need an HTTP port",
        ),
        (
            (listener("a", 9000, to("a")),),
            (target("a"),),
            "target cluster 'a' is not named '<gateway>//<route>'",
        ),
    ],
)
def test_a_plan_envoy_cannot_serve_is_refused_saying_where(
    listeners: tuple[plan.Listener, ...], clusters: tuple[plan.TargetCluster, ...], message: str
):
    with pytest.raises(errors.RoutingError) as raised:
        render.render(plan.RoutingPlan.of(listeners, clusters, ()), XDS)

    assert str(raised.value) == message


def test_a_tcp_listener_serves_one_gateway():
    doubled = plan.Listener("db", 5432, TCP, listener("db", 5432, to("db//x")).virtual_hosts * 2)

    with pytest.raises(errors.RoutingError) as raised:
        render.render(plan.RoutingPlan.of((doubled,), (target("db//x", TCP),), ()), XDS)

    assert str(raised.value) == "TCP listener 'db' must serve exactly one gateway, not 2"


def weighted_clusters(rendering: render.Rendering) -> list[dict[str, Any]]:
    routes = rendering.snapshot.routes[0]["virtual_hosts"][0]["routes"]
    return [route for route in routes if "weighted_clusters" in route.get("route", {})]


weights = st.lists(st.integers(0, 3000), min_size=2, max_size=6).filter(lambda w: sum(w) > 0)


@settings(max_examples=200, deadline=None)
@given(weights, st.integers(1, FULL - 1))
def test_weights_after_a_drawn_condition_total_9999_and_keep_their_shares(
    given_weights: list[int], strength: int
):
    whole = sum(given_weights)
    hundredths = [weight * FULL // whole for weight in given_weights]
    hundredths[0] += FULL - sum(hundredths)
    names = [f"g//{index}" for index in range(len(hundredths))]
    routes = (
        plan.PlanRoute("g//0", FIREFOX, strength, (plan.WeightedCluster("g//0", FULL),)),
        plan.PlanRoute(
            "g", None, FULL, tuple(plan.WeightedCluster(n, w) for n, w in zip(names, hundredths, strict=True))
        ),
    )
    rendering = render.render(
        plan.RoutingPlan.of((listener("g", 9000, *routes),), tuple(map(target, names)), ()), XDS
    )

    rendered = {
        cluster["name"]: cluster["weight"]
        for route in weighted_clusters(rendering)
        for cluster in route["route"]["weighted_clusters"]["clusters"]
    }
    expected = {render_names.envoy_name(n): w for n, w in zip(names, hundredths, strict=True) if w}
    if len(expected) > 1:
        assert sum(rendered.values()) == 9999
        assert all(abs(rendered[name] - weight * 0.9999) < 1 for name, weight in expected.items())


def test_weights_without_a_drawn_condition_stay_in_hundredths():
    names = ["g//a", "g//b", "g//c"]
    route = plan.PlanRoute("g", None, FULL, tuple(map(plan.WeightedCluster, names, (3333, 6617, 50))))

    rendering = render.render(
        plan.RoutingPlan.of((listener("g", 9000, route),), tuple(map(target, names)), ()), XDS
    )

    [weighted] = weighted_clusters(rendering)
    assert [cluster["weight"] for cluster in weighted["route"]["weighted_clusters"]["clusters"]] == [
        3333,
        6617,
        50,
    ]


@pytest.mark.parametrize("name", PLANS)
def test_a_plan_rendered_with_reuse_equals_the_plan_rendered_whole(name: str):
    reuse = render.Reuse()
    first = PLANS[name]()
    render.render(first, XDS, reuse=reuse)
    shifted = dataclasses.replace(first, version="other", listeners=first.listeners[1:])

    assert render.render(first, XDS, reuse=reuse) == render.render(first, XDS)
    assert render.render(shifted, XDS, reuse=reuse) == render.render(shifted, XDS)
    assert render.render(first, XDS, reuse=reuse) == render.render(first, XDS)


def test_reuse_takes_the_unchanged_resources_again_and_renders_the_changed_route_configuration():
    targets = [target(f"{gateway}//{route}") for gateway in ("g1", "g2") for route in ("a", "b")]

    def split(first_weight: int) -> plan.RoutingPlan:
        def host(gateway: str, weight: int) -> plan.VirtualHost:
            weighted = (
                plan.WeightedCluster(f"{gateway}//a", weight),
                plan.WeightedCluster(f"{gateway}//b", FULL - weight),
            )
            return plan.VirtualHost(
                gateway, gateway, ("*",), (plan.PlanRoute("r", None, FULL, weighted),), None
            )

        listeners = tuple(
            plan.Listener(gateway, port, HTTP, (host(gateway, first_weight if gateway == "g1" else FULL),))
            for gateway, port in (("g1", 8080), ("g2", 8081))
        )
        return plan.RoutingPlan.of(listeners, tuple(targets), ())

    reuse = render.Reuse()
    before = render.render(split(FULL), XDS, reuse=reuse).snapshot
    after = render.render(split(FULL // 2), XDS, reuse=reuse).snapshot

    renewed = [
        (kind, new["name"])
        for kind in ("listeners", "clusters", "routes")
        for new, old in zip(getattr(after, kind), getattr(before, kind), strict=True)
        if new is not old
    ]
    assert renewed == [("routes", render_names.envoy_name("g1"))]
    assert all(new is old for new, old in zip(after.endpoints, before.endpoints, strict=True))
    assert after == render.render(split(FULL // 2), XDS).snapshot


def test_reuse_renders_everything_again_for_other_options():
    reuse = render.Reuse()
    routing = PLANS["deployment"]()
    render.render(routing, XDS, reuse=reuse)
    other = render.RenderOptions(health_check_interval_s=None)

    assert render.render(routing, XDS, options=other, reuse=reuse) == render.render(
        routing, XDS, options=other
    )
