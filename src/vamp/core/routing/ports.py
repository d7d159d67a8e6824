"""Gateway ports: assigning free ports and finding gateways that claim the same one (vamp.md §1.9, "Ports").

Gateways without a port number (internal ones, and any other left without one) get the next free port
of a range, by name order, so the same gateways always get the same ports. Two different gateways may
not listen on one port; a gateway keeps its own port when it is stored again (a re-deploy).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from vamp import errors
from vamp.core import model

FIRST_PORT = 40000
LAST_PORT = 45000


def assign_ports(
    gateways: Iterable[model.Gateway], taken: Collection[int], first: int = FIRST_PORT, last: int = LAST_PORT
) -> dict[str, int]:
    """A free port in ``[first, last]`` for every named gateway without a port number, keyed by name.

    Ports in ``taken`` and ports the given gateways already have are not used.

    Raises:
        errors.RoutingError: the range has no free port left for some gateway.
    """
    gateways = list(gateways)
    used = set(taken) | {number for gateway in gateways if (number := gateway.port.number)}
    waiting = sorted({gateway.name for gateway in gateways if gateway.name and not gateway.port.number})
    assigned: dict[str, int] = {}
    candidate = first
    for name in waiting:
        while candidate in used:
            candidate += 1
        if candidate > last:
            raise errors.RoutingError(
                [
                    f"No port available in the range [{first}-{last}]. "
                    "Remove unused gateways or widen the range with --gateway-ports."
                ]
            )
        assigned[name] = candidate
        used.add(candidate)
    return assigned


def port_clashes(gateways: Iterable[model.Gateway]) -> list[str]:
    """Why gateways cannot have their ports: one sentence for each gateway whose port another holds.

    In the order given, the first gateway on a port holds it; a later one of the same name (the same
    gateway, stored again) may keep it.
    """
    return [message for _, message in clashing_gateways(gateways)]


def clashing_gateways(gateways: Iterable[model.Gateway]) -> list[tuple[model.Gateway, str]]:
    """Like ``port_clashes``, with each gateway that cannot have its port next to the sentence."""
    holders: dict[int, str | None] = {}
    clashes: list[tuple[model.Gateway, str]] = []
    for gateway in gateways:
        number = gateway.port.number
        if not number:
            continue
        holder = holders.setdefault(number, gateway.name)
        if holder != gateway.name:
            clashes.append((gateway, clash_message(number, holder)))
    return clashes


def clash_message(number: int, holder: str | None) -> str:
    """Vamp's sentence for a gateway that cannot have port ``number``: gateway ``holder`` holds it."""
    return (
        f"Gateway port '{number}' is/was in use by deployment: '{holder}'. "
        f"Remove '{holder}' gateway first or use different port."
    )


def clash_elsewhere_message(number: int, namespace: str, holder: str) -> str:
    """The sentence for a gateway that cannot have port ``number``: ``holder`` of another namespace has it."""
    return (
        f"Gateway port '{number}' is in use by gateway '{holder}' of namespace '{namespace}': the gateway "
        "agents serve every namespace on one set of ports. Use a different port, or remove that gateway "
        "first."
    )
