"""Gateways reached from outside the data plane: the leading server exposes them, the others ask where.

On Kubernetes each gateway of a routing plan gets a Service (``ports.exposure.GatewayExposure``). After
every pass of the gateway synchroniser (``vamp.services.gateways``), ``Exposure.addresses`` has the
leader expose exactly the plan's gateways, and a server that does not lead only read where the leader
exposed them; either way it returns where each gateway is reached, for the API's ``service {host, port}``.
The runtime is asked only when the exposed gateways (or the leadership) changed, when an address was
still missing, or ``recheck`` seconds after it last answered (someone may have removed a Service).
A gateway the runtime refuses to expose (its Service: a full IP range, a quota) is that gateway's
problem (``problems``), not the pass's: the others are exposed and located, and the refused one is asked
for again after ``recheck`` seconds or when the exposed gateways change.
Through the port only: no adapter is imported here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from vamp import errors
from vamp.core.reconcile import gateways as decisions
from vamp.core.reconcile import messages
from vamp.core.routing import compile
from vamp.core.routing import plan as routing_plan
from vamp.ports import exposure as exposure_port


@dataclass(frozen=True, slots=True)
class _Asked:
    """What the runtime was last asked for one namespace (complete answers only), when it answered, and
    the answer."""

    gateways: tuple[exposure_port.ExposedGateway, ...]
    leading: bool
    at: float
    addresses: Mapping[str, exposure_port.ServiceAddress]
    refused: Mapping[str, str]
    """Gateways the runtime refused to expose, with its reason."""


class Exposure:
    """Exposes the gateways of each namespace's plans through ``exposure``, and remembers where they are.

    Args:
        recheck: seconds after which the runtime is asked again though nothing changed.
    """

    def __init__(self, exposure: exposure_port.GatewayExposure, *, recheck: float = 10.0) -> None:
        self._exposure = exposure
        self._recheck = recheck
        self._asked: dict[str, _Asked] = {}

    def problems(self, namespace: str) -> tuple[str, ...]:
        """Why gateways of ``namespace`` are not exposed, one sentence each (as last asked)."""
        last = self._asked.get(namespace)
        if last is None:
            return ()
        return tuple(
            messages.NOT_EXPOSED.format(name=name, reason=reason)
            for name, reason in sorted(last.refused.items())
        )

    async def addresses(
        self, namespace: str, plan: routing_plan.RoutingPlan, *, leading: bool
    ) -> Mapping[str, exposure_port.ServiceAddress]:
        """Where the gateways of ``plan`` are reached, by gateway name (those not exposed yet left out);
        exposed first when this server is ``leading``.

        A gateway the runtime refuses to expose is left out, and said in ``problems``.

        Raises:
            errors.DriverError: the runtime failed to expose the gateways or to say where they are.
        """
        wanted = exposed_gateways(plan)
        now = time.monotonic()
        last = self._asked.get(namespace)
        if (
            last is not None
            and (last.gateways, last.leading) == (wanted, leading)
            and now - last.at < self._recheck
        ):
            return last.addresses
        refused: Mapping[str, str] = {}
        if leading:
            try:
                found = await self._exposure.sync(namespace, wanted)
            except errors.GatewaysNotExposed as exc:  # those gateways' problem: the others are exposed
                found, refused = exc.addresses, exc.gateways
        else:
            found = await self._exposure.addresses(namespace, [gateway.name for gateway in wanted])
        if all(gateway.name in found or gateway.name in refused for gateway in wanted):
            # Counted from the answer: a runtime that took longer than ``recheck`` to answer is not asked
            # again by every pass that follows.
            self._asked[namespace] = _Asked(wanted, leading, time.monotonic(), found, refused)
        else:  # not all exposed yet (by the leader, or by the runtime): ask again next time
            self._asked.pop(namespace, None)
        return found


def exposed_gateways(plan: routing_plan.RoutingPlan) -> tuple[exposure_port.ExposedGateway, ...]:
    """Every gateway of ``plan`` with a port of its own (not the shared virtual-host listener)."""
    return tuple(
        exposure_port.ExposedGateway(
            listener.name, listener.port, listener.protocol, decisions.lookup_name("gateways", listener.name)
        )
        for listener in plan.listeners
        if listener.name != compile.SHARED_LISTENER
    )
