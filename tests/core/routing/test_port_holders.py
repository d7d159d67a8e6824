"""``PortHolders`` answers what checking a gateway against every gateway would: same refusals, same words."""

from __future__ import annotations

import random

import pytest

from vamp import errors
from vamp.core import model
from vamp.core.routing.port_holders import PortHolders
from vamp.services import namespace_gateways


def gateway(name: str, port: int | None) -> model.Gateway:
    return model.Gateway(name=name, port=model.GatewayPort(number=port))


def refusal(check: object) -> list[str] | None:
    """The sentences ``check()`` refuses with, or ``None`` when it accepts."""
    try:
        check()  # type: ignore[operator]
    except errors.RoutingError as exc:
        return list(exc.problems)
    return None


@pytest.mark.parametrize("seed", range(20))
def test_a_body_checked_in_turn_is_refused_as_when_each_was_checked_against_all(seed: int) -> None:
    draw = random.Random(seed)
    ports = range(9000, 9012)
    stored = {f"s{n}": gateway(f"s{n}", draw.choice([None, *ports])) for n in range(5)}
    elsewhere = [(f"ns{n % 2}", gateway(f"e{n}", draw.choice(ports))) for n in range(3)]
    body = [
        gateway(draw.choice(["s1", "b1", "b2", "b3", "b4"]), draw.choice([None, *ports])) for _ in range(6)
    ]
    holders = PortHolders(sorted(stored.values(), key=lambda g: g.name or ""), elsewhere)
    current = dict(stored)

    for candidate in body:
        others = sorted((g for g in current.values() if g.name != candidate.name), key=lambda g: g.name or "")

        def one_by_one(candidate: model.Gateway = candidate, others: list[model.Gateway] = others) -> None:
            namespace_gateways.check_ports(others, [candidate])
            namespace_gateways.check_ports_elsewhere(elsewhere, [candidate])

        expected = refusal(one_by_one)
        assert refusal(lambda candidate=candidate: holders.check(candidate)) == expected
        if expected is not None:
            return  # the body stops at its first refusal
        holders.hold(candidate)
        current[candidate.name or ""] = candidate
