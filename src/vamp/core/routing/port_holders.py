"""``PortHolders``: which gateway holds which port, built once, so many gateways are checked in linear time.

A body of N gateways used to be checked gateway by gateway against every gateway stored (N × all). The
index is built once from the gateways of a namespace (free-standing and of its deployments) and those of
every other namespace, and then answers, for each gateway of the body in turn, exactly what checking it
against all of them would have answered (``namespace_gateways.check_ports``, then
``check_ports_elsewhere``): the same refusals with the same sentences, naming the same holder. A gateway
that passes is then ``hold``-ed, so the ones after it in the body are checked against it too, as they
would have been had it been stored before them.
"""

from __future__ import annotations

from collections.abc import Iterable

from vamp import errors
from vamp.core import model
from vamp.core.routing import ports


class PortHolders:
    """The ports held by the gateways of one namespace (by name) and by those of every other namespace."""

    def __init__(
        self, gateways: Iterable[model.Gateway], elsewhere: Iterable[tuple[str, model.Gateway]]
    ) -> None:
        """``gateways``: those of the namespace; ``elsewhere``: those of the others, with their namespace."""
        self._names: dict[int, set[str]] = {}
        """The names of the namespace's gateways on each port (more than one only if stored so)."""
        self._ports: dict[str, int] = {}
        """The port of each of the namespace's gateways, by name."""
        self._elsewhere: dict[int, tuple[str, str]] = {}
        """The first (namespace, name) in name order holding each port in another namespace."""
        for gateway in gateways:
            self.hold(gateway)
        for namespace, gateway in elsewhere:
            number = gateway.port.number
            if number:
                held = (namespace, gateway.name or "")
                self._elsewhere[number] = min(self._elsewhere.get(number, held), held)

    def check(self, gateway: model.Gateway) -> None:
        """Refuse ``gateway`` when a gateway of another name holds its port, here or in another namespace.

        Raises:
            errors.RoutingError: with the sentence of ``ports.clash_message`` for a gateway of this
                namespace (the first by name holding the port), else of ``ports.clash_elsewhere_message``.
        """
        number = gateway.port.number
        if not number:
            return
        others = self._names.get(number, set()) - {gateway.name or ""}
        if others:
            raise errors.RoutingError([ports.clash_message(number, min(others))])
        if number in self._elsewhere:
            namespace, holder = self._elsewhere[number]
            raise errors.RoutingError([ports.clash_elsewhere_message(number, namespace, holder)])

    def hold(self, gateway: model.Gateway) -> None:
        """Count ``gateway`` in from now on, in place of what its name held before."""
        name = gateway.name or ""
        before = self._ports.pop(name, None)
        if before is not None:
            self._names[before].discard(name)
        number = gateway.port.number
        if number:
            self._ports[name] = number
            self._names.setdefault(number, set()).add(name)
