"""HAProxy's backend statistics added up per route and gateway (``traffic``)."""

from __future__ import annotations

from vamp.adapters.haproxy.runtime import ProxyType, StatRow
from vamp.adapters.haproxy.traffic import NO_LATENCY, traffic
from vamp.core.routing.plan import Origin

BACKENDS = {
    "be-a": Origin("shop", "shop/web/a/http"),
    "be-b": Origin("shop", "shop/web/b/http"),
    "be-c": Origin("admin", "shop/web/c/http"),
}


def row(proxy: str, server: str, kind: ProxyType, requests: int, **codes: int) -> StatRow:
    responses = {f"{n}xx": codes.get(f"r{n}xx", 0) for n in range(1, 6)}
    return StatRow(proxy, server, kind, "UP", None, requests, responses, 0, 0, None, None, None, None, "")


def test_routes_and_gateways_add_up_their_backends_and_ignore_the_rest() -> None:
    rows = [
        row("shop-fe", "FRONTEND", ProxyType.FRONTEND, 99, r2xx=99),
        row("be-a", "a-1", ProxyType.SERVER, 7, r2xx=7),
        row("be-a", "BACKEND", ProxyType.BACKEND, 10, r2xx=9, r5xx=1),
        row("be-b", "BACKEND", ProxyType.BACKEND, 5, r4xx=5),
        row("leftover", "BACKEND", ProxyType.BACKEND, 50, r2xx=50),
    ]

    found = {(t.gateway, t.route): t for t in traffic(BACKENDS, rows)}

    assert list(found) == [
        ("admin", None),
        ("admin", "shop/web/c/http"),
        ("shop", None),
        ("shop", "shop/web/a/http"),
        ("shop", "shop/web/b/http"),
    ]
    assert found["shop", None].requests == 15
    assert found["shop", None].codes == {"1xx": 0, "2xx": 9, "3xx": 0, "4xx": 5, "5xx": 1}
    assert found["shop", "shop/web/a/http"].requests == 10
    assert found["admin", None].requests == 0
    assert found["shop", None].latency == NO_LATENCY
