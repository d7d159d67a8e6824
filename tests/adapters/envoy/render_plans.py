"""Representative routing plans, compiled from gateways as a user writes them, for the renderer's golden
files (``test_render.py``) and for proving on a real Envoy that every rendered resource is accepted
(``tests/e2e/test_gateway_plans.py``).

Each builder takes ``port``, which maps each port the plan uses to the one to listen on (the golden
files keep the nominal ports; the e2e test picks free ones), and ``files``, the directory of the TLS
certificate and key.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.core.routing.build import gateway, instance
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan

Ports = Callable[[int], int]
BETA_TESTERS = "user-agent == Firefox or (has cookie beta and not has header x-internal)"


def _same(port: int) -> int:
    return port


def deployment(port: Ports = _same, files: Path = Path("/etc/vamp")) -> plan.RoutingPlan:
    """Vamp's sava example: an external gateway chained to the cluster's internal gateway, 90/10 between two
    versions, and a virtual host on the shared port."""
    return compile_plan(
        [
            gateway("sava/9050", port(9050), ["sava/sava/webport"], virtual_hosts=["sava.example"]),
            gateway(
                "sava/sava/webport",
                port(40000),
                {
                    "sava/sava/sava:1.0.0/webport": {"weight": "90%"},
                    "sava/sava/sava:1.1.0/webport": {"weight": "10%"},
                },
            ),
        ],
        [
            instance("sava-1-0-0-a", "10.0.0.1", {"webport": 8080}, service="sava/sava/sava:1.0.0"),
            instance("sava-1-0-0-b", "10.0.0.2", {"webport": 8080}, service="sava/sava/sava:1.0.0"),
            instance("sava-1-1-0-a", "10.0.0.3", {"webport": 8080}, service="sava/sava/sava:1.1.0"),
        ],
        shared_port=port(80),
    )


def conditions(port: Ports = _same, files: Path = Path("/etc/vamp")) -> plan.RoutingPlan:
    """A sticky A/B gateway: weights 70/30, a condition with strength 50 % (alternatives and a negation),
    and a route for API debugging hashed on a header."""
    return compile_plan(
        [
            gateway(
                "shop",
                port(9050),
                {
                    "shop/web/a/http": {"weight": "70%"},
                    "shop/web/b/http": {
                        "weight": "30%",
                        "condition": {"definition": BETA_TESTERS},
                        "condition_strength": "50%",
                    },
                    "shop/web/c/http": {
                        "weight": "0%",
                        "condition": {"definition": "path prefix /api and query debug == 1"},
                        "balance": "hdr(X-User)",
                    },
                },
                sticky="route",
            )
        ],
        [
            instance("a-1", "10.0.1.1", {"http": 8080}, service="shop/web/a"),
            instance("b-1", "10.0.1.2", {"http": 8080}, service="shop/web/b"),
            instance("c-1", "10.0.1.3", {"http": 8080}, service="shop/web/c"),
            instance("c-2", "10.0.1.4", {"http": 8080}, service="shop/web/c"),
        ],
        shared_port=None,
    )


def edges(port: Ports = _same, files: Path = Path("/etc/vamp")) -> plan.RoutingPlan:
    """The rest: TLS with sticky instances and a path rewrite, a TCP gateway over external targets (by
    address and by name), an external HTTP target by name, and a gateway without weight."""
    tls = {"certificate": str(files / "secure.pem"), "private_key": str(files / "secure.key")}
    return compile_plan(
        [
            gateway(
                "secure",
                port(8443),
                {"shop/web/a/http": {"rewrites": [{"path": "/api%[path] if { path_beg /v1 }"}]}},
                sticky="instance",
                tls=tls,
            ),
            gateway(
                "db",
                f"{port(5432)}/tcp",
                {
                    "[10.0.2.1:5432]": {"weight": "60%", "balance": "source"},
                    "[localhost:5432]": {"weight": "40%"},
                },
            ),
            gateway("out", port(9001), ["[localhost:8080]"]),
            gateway("dark", port(9000), {"shop/web/a/http": {"weight": "0%"}}),
        ],
        [
            instance("a-1", "10.0.1.1", {"http": 8080}, service="shop/web/a"),
            instance("a-2", "10.0.1.5", {"http": 8080}, service="shop/web/a"),
        ],
        shared_port=None,
    )


PLANS = {"deployment": deployment, "conditions": conditions, "edges": edges}
