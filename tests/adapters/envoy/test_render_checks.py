"""The checks of plan after plan on their changes (``render_checks.Checks``) answer as the whole checks do
(``plan.check_ports``, ``haproxy_only.reasons``), with the same messages, when one node changes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.core.routing.build import gateway
from vamp import errors
from vamp.adapters.envoy import render_checks
from vamp.core.routing import haproxy_only
from vamp.core.routing import plan as routing_plan
from vamp.core.routing.compile import compile_plan

RAW = "< hdr(x-user) -m str alice >"
ROUTES = {"[10.0.0.1:80]": {"weight": "50%"}, "[10.0.0.2:80]": {"weight": "50%"}}


def base(**changed: dict[str, Any]) -> routing_plan.RoutingPlan:
    """Gateways ``g0``…``g4`` on ports 9000…9004; ``changed`` gives some of them other fields."""
    return compile_plan(
        [
            gateway(
                name,
                changed.get(name, {}).get("port", 9000 + index),
                changed.get(name, {}).get("routes", ROUTES),
            )
            for index, name in enumerate(f"g{index}" for index in range(5))
        ],
        [],
        shared_port=None,
    )


BASE = base()


def with_listener(listener: routing_plan.Listener, at: int) -> routing_plan.RoutingPlan:
    """``BASE`` with the listener at ``at`` replaced by ``listener`` (every other node the same object)."""
    listeners = list(BASE.listeners)
    listeners[at] = listener
    return dataclasses.replace(BASE, version="changed", listeners=tuple(listeners))


def with_raw_condition() -> routing_plan.RoutingPlan:
    raw = base(
        g2={
            "routes": {
                "[10.0.0.1:80]": {"weight": "50%", "condition": {"definition": RAW}},
                "[10.0.0.2:80]": {"weight": "50%"},
            }
        }
    )
    return with_listener(raw.listeners[2], 2)


CHANGED = {
    "a copy": lambda: with_listener(dataclasses.replace(BASE.listeners[2]), 2),
    "a raw condition": with_raw_condition,
    "a taken port": lambda: with_listener(dataclasses.replace(BASE.listeners[2], port=9003), 2),
    "a free port": lambda: with_listener(dataclasses.replace(BASE.listeners[2], port=9100), 2),
    "a bad port": lambda: with_listener(dataclasses.replace(BASE.listeners[2], port=70000), 2),
    "a name twice": lambda: with_listener(dataclasses.replace(BASE.listeners[2], name="g3", port=9003), 2),
    "one left out": lambda: dataclasses.replace(BASE, listeners=BASE.listeners[1:]),
}


def whole(plan: routing_plan.RoutingPlan) -> tuple[str, dict[str, str]]:
    try:
        routing_plan.check_ports(plan.listeners)
    except errors.RoutingError as exc:
        return str(exc), haproxy_only.reasons(plan)
    return "", haproxy_only.reasons(plan)


def by_changes(checks: render_checks.Checks, plan: routing_plan.RoutingPlan) -> tuple[str, dict[str, str]]:
    try:
        checks.ports(plan)
    except errors.RoutingError as exc:
        return str(exc), checks.haproxy_only(plan)
    return "", checks.haproxy_only(plan)


@pytest.mark.parametrize("change", CHANGED)
def test_checks_on_the_changes_answer_as_the_whole_checks(change: str):
    checks = render_checks.Checks()
    changed = CHANGED[change]()

    assert by_changes(checks, BASE) == whole(BASE) == ("", {})
    assert by_changes(checks, changed) == whole(changed)
    assert by_changes(checks, BASE) == whole(BASE)
    assert by_changes(checks, changed) == whole(changed)


def test_a_plan_of_unchanged_nodes_is_not_checked_again(monkeypatch: pytest.MonkeyPatch):
    checks = render_checks.Checks()
    by_changes(checks, BASE)
    called: list[str] = []
    monkeypatch.setattr(routing_plan, "check_ports", lambda listeners: called.append("ports"))

    def reasons(plan: routing_plan.RoutingPlan) -> dict[str, str]:
        called.append("reasons")
        return {}

    monkeypatch.setattr(haproxy_only, "reasons", reasons)

    assert by_changes(checks, dataclasses.replace(BASE, version="other")) == ("", {})
    assert by_changes(checks, CHANGED["a copy"]()) == ("", {})
    assert called == ["reasons"]  # of the one new listener, alone
