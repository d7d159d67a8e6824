"""Routing plans for the HAProxy renderer's tests, compiled from gateways as a user writes them: every
feature the renderer serves (weights down to 0.5 %, every condition form, strengths, virtual hosts,
chained gateways, external targets, every balance, a gateway without weight or without instances, sticky
routes and instances, rewrites, TCP gateways; TLS is in ``test_haproxy_check``, which has the files).
"""

from __future__ import annotations

from tests.adapters.envoy import render_plans as envoy_plans
from tests.core.routing.build import gateway, instance
from vamp.core import model
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

CONDITIONS = (
    "user-agent == Firefox or (has cookie beta and not has header x-internal)",
    "header x-user == alice and header x-team != ops",
    'header x-user != ""',
    "misses header x-beta or header x-beta has ye",
    "cookie group == beta or cookie group ~ b.*",
    "has query debug or query debug ~ [0-9]+ or misses query trace",
    "host == www.example.com",
    "path == /login or path prefix /api or path ~ /v[0-9]+/.*",
    "method == POST and method != GET",
    'header x-quote == "it\'s $HOME #1"',
)


def weights() -> plan.RoutingPlan:
    """Three versions at 99.5 / 0.5 / 0 %, on the shared virtual-host port too."""
    return compile_plan(
        [
            gateway(
                "shop",
                9050,
                {
                    "shop/web/a/http": {"weight": "99.5%"},
                    "shop/web/b/http": {"weight": "0.5%"},
                    "shop/web/c/http": {"weight": "0%"},
                },
                virtual_hosts=["shop.example", "*.shop.example"],
            )
        ],
        _instances(),
        shared_port=80,
    )


def conditions() -> plan.RoutingPlan:
    """One route per condition form, each with a strength, and a default route over the rest."""
    routes = {
        f"shop/web/{'bc'[index % 2]}/http": {
            "weight": "0%",
            "condition": {"definition": text},
            "condition_strength": f"{(index + 1) * 7.5}%",
        }
        for index, text in enumerate(CONDITIONS[:2])
    }
    gateways = [gateway("shop", 9050, {"shop/web/a/http": {"weight": "100%"}, **routes})]
    gateways += [
        gateway(
            f"form{index}",
            9100 + index,
            {
                "shop/web/a/http": {"weight": "100%"},
                "shop/web/b/http": {
                    "weight": "0%",
                    "condition": {"definition": text},
                    "condition_strength": "50%",
                },
            },
        )
        for index, text in enumerate(CONDITIONS)
    ]
    return compile_plan(gateways, _instances(), shared_port=None)


def balances() -> plan.RoutingPlan:
    """Every balance algorithm, an external target by name and by address, and a gateway without
    instances."""
    return compile_plan(
        [
            gateway("rr", 9201, {"shop/web/a/http": {"balance": "roundrobin"}}),
            gateway("least", 9202, {"shop/web/a/http": {"balance": "leastconn"}}),
            gateway("random", 9203, {"shop/web/a/http": {"balance": "random"}}),
            gateway("source", 9204, {"shop/web/a/http": {"balance": "source"}}),
            gateway("uri", 9205, {"shop/web/a/http": {"balance": "uri"}}),
            gateway("header", 9206, {"shop/web/a/http": {"balance": "hdr(X-User)"}}),
            gateway("out", 9207, ["[localhost:8080]", "[10.0.9.9:8080]"]),
            gateway("empty", 9208, ["shop/web/none/http"]),
        ],
        _instances(),
        shared_port=None,
    )


def features() -> plan.RoutingPlan:
    """Sticky route and instance, rewrites, TCP gateways (weighted, hashing, without weight, chained)."""
    rewrites = [
        {"path": "/api%[path] if { path_beg /v1 }"},
        {"path": "/100% if path == /old or has cookie old"},
    ]
    return compile_plan(
        [
            gateway(
                "route",
                9301,
                {
                    "shop/web/c/http": {"weight": "0%", "condition": {"definition": "has header x-c"}},
                    "shop/web/a/http": {"weight": "90%", "rewrites": rewrites},
                    "shop/web/b/http": {"weight": "10%"},
                },
                sticky="route",
                virtual_hosts=["route.example"],
            ),
            gateway("instance", 9302, ["shop/web/a/http"], sticky="instance"),
            gateway(
                "db", "9303/tcp", {"shop/web/a/http": {"weight": "70%"}, "[10.0.2.1:5432]": {"weight": "30%"}}
            ),
            gateway("hash", "9304/tcp", {"shop/web/a/http": {"balance": "source"}}),
            gateway("idle", "9305/tcp", {"shop/web/a/http": {"weight": "0%"}}),
            gateway("tcp-front", "9306/tcp", ["hash"]),
            gateway("front", 9307, {"route": {"weight": "50%"}, "instance": {"weight": "50%"}}),
        ],
        _instances(),
        shared_port=80,
    )


def _instances() -> list[model.ObservedInstance]:
    return [
        instance("a-1", "10.0.1.1", {"http": 8080}, service="shop/web/a"),
        instance("a-2", "10.0.1.5", {"http": 8080}, service="shop/web/a"),
        instance("b-1", "10.0.1.2", {"http": 8080}, service="shop/web/b"),
        instance("c-1", "10.0.1.3", {"http": 8080}, service="shop/web/c"),
    ]


PLANS = {
    "deployment": envoy_plans.deployment,
    "weights": weights,
    "conditions": conditions,
    "balances": balances,
    "features": features,
    "envoy conditions": envoy_plans.conditions,
}
