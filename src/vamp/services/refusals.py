"""Events for the gateways the gateway agents refuse, and for those they take again.

The metrics collector hands over, after each poll of the agents, every gateway each agent's data plane
refused (``ports.metrics.Refusal``). ``RefusalEvents.observe`` compares that with what it saw last and
publishes, in the gateway's namespace:

* ``gateways:<name>`` and ``refused`` once when a gateway becomes refused by an agent (no agent refused
  it before); the value names the agent and its reason;
* ``gateways:<name>`` and ``deployed`` once when no agent refuses it any more: it is served again.

Only changes are published, so a gateway refused for an hour is one event, and only by the leader among
several servers (each polls the agents). What this server saw is kept in memory: a server that starts
again (or becomes the leader) publishes the refusals it finds at its next poll once more.
An event the store cannot take is logged and not tried again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from vamp import errors
from vamp.core import model
from vamp.ports import metrics
from vamp.services import events

log = logging.getLogger("vamp.refusals")

REFUSED = "refused"
DEPLOYED = "deployed"

_Key = tuple[str, str]
"""A gateway: its namespace and its name."""


class RefusalEvents:
    """Publishes an event when a gateway becomes refused and when it is served again."""

    def __init__(self, publisher: events.Events, *, leading: Callable[[], bool] = lambda: True) -> None:
        self._publisher = publisher
        self._leading = leading
        self._refused: dict[_Key, metrics.Refusal] = {}

    async def observe(self, refused: Iterable[metrics.Refusal]) -> None:
        """Take every agent's refused gateways as they are now; publish what changed."""
        now: dict[_Key, metrics.Refusal] = {}
        for item in refused:
            now.setdefault((item.namespace, item.gateway), item)
        if not self._leading():
            self._refused = {}  # a new leader tells them all
            return
        before, self._refused = self._refused, now
        for key in sorted(now.keys() - before.keys()):
            item = now[key]
            await self._publish(
                item.namespace, item.gateway, REFUSED, {"agent": item.agent, "reason": item.reason}
            )
        for key in sorted(before.keys() - now.keys()):
            namespace, gateway = key
            await self._publish(namespace, gateway, DEPLOYED, {"agent": before[key].agent, "refused": False})

    async def _publish(self, namespace: str, gateway: str, what: str, value: dict[str, object]) -> None:
        event = model.Event(tags=(f"gateways:{gateway}", what), value=value)
        try:
            await self._publisher.publish(namespace, event)
        except errors.VampError as exc:
            log.warning("Cannot record that gateway %r in %s is %s: %s", gateway, namespace, what, exc)
