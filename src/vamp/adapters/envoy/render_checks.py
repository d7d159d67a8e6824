"""The checks a plan passes before Envoy is given it, made on what changed since the last plan that passed.

Every plan is checked for listener ports (``plan.check_ports``: each a port, no two on one) and for
gateways with raw HAProxy conditions (``haproxy_only.reasons``), which Envoy cannot run. Both walk every
listener and target cluster, 11,000 of them at 1,000 gateways × 10 routes, though a weight change on
one gateway changes one listener. ``Checks`` remembers the nodes of the last plan that passed, and checks
only the nodes of the next plan that are not the very same objects (``plan_reading.PlanReader`` gives
the unchanged ones again), found by their identities in C:

* a node's HAProxy conditions are its own, so the plan has none if its new nodes have none;
* the ports pass if every new listener is on the port of the listener of its name it replaces.

Anything else (a new node with a raw condition, a listener on another port, a listener added) is
checked whole by the functions themselves, so their answers and messages are always theirs. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from vamp.core.routing import haproxy_only
from vamp.core.routing import plan as routing_plan

_Node = TypeVar("_Node")


class Checks:
    """The checks of the plans given one after another; not safe to share between threads."""

    def __init__(self) -> None:
        self._listeners: dict[int, routing_plan.Listener] = {}
        self._ports: dict[str, int] = {}
        """The port of each listener of the last plan whose ports passed."""
        self._clean = (_Nodes(), _Nodes())
        """The listeners and target clusters of the last plan without raw HAProxy conditions."""

    def haproxy_only(self, plan: routing_plan.RoutingPlan) -> dict[str, str]:
        """``haproxy_only.reasons(plan)``."""
        listeners, clusters = self._clean
        fresh_listeners, fresh_clusters = listeners.fresh(plan.listeners), clusters.fresh(plan.clusters)
        if fresh_listeners or fresh_clusters:
            fresh = routing_plan.RoutingPlan("", tuple(fresh_listeners), tuple(fresh_clusters), ())
            if haproxy_only.reasons(fresh):
                return haproxy_only.reasons(plan)
        self._clean = (_Nodes(plan.listeners), _Nodes(plan.clusters))
        return {}

    def ports(self, plan: routing_plan.RoutingPlan) -> None:
        """``plan.check_ports(plan.listeners)``.

        Raises:
            errors.RoutingError: as ``check_ports`` does.
        """
        listeners = dict(zip(map(id, plan.listeners), plan.listeners, strict=True))
        fresh = listeners.keys() - self._listeners.keys()
        gone = self._listeners.keys() - listeners.keys()
        names = {listeners[key].name for key in fresh}
        # The last plan's listeners, each of a name of its own, with some replaced by one of the same name
        # on the same port: the same ports, each valid and taken once.
        same = (
            len(self._ports) == len(self._listeners)
            and len(fresh) == len(gone) == len(names)
            and names == {self._listeners[key].name for key in gone}
            and all(self._ports[listeners[key].name] == listeners[key].port for key in fresh)
        )
        if not same:
            routing_plan.check_ports(plan.listeners)
            self._ports = {listener.name: listener.port for listener in plan.listeners}
        self._listeners = listeners


class _Nodes:
    """Nodes of one kind of a plan that passed, kept alive so that their identities stay theirs."""

    def __init__(self, nodes: Sequence[object] = ()) -> None:
        self.nodes = nodes
        self.ids = identities(nodes)
        self._known: set[int] | None = None

    def fresh(self, nodes: Sequence[_Node]) -> list[_Node]:
        """The nodes of ``nodes`` that are not among these, in order (an identity pass in C first)."""
        if nodes is self.nodes:
            return []
        ids = identities(nodes)
        if ids == self.ids:
            return []
        if self._known is None:
            self._known = set(self.ids)
        new = set(ids).difference(self._known)
        return [node for node in nodes if id(node) in new] if new else []


_IDENTITIES: list[tuple[Sequence[object], list[int]]] = []
_IDENTITIES_KEPT = 4


def identities(nodes: Sequence[object]) -> list[int]:
    """``list(map(id, nodes))``, made once for the last few sequences asked about (a plan's listeners
    and target clusters are asked about by the checks and by ``render_reuse``, plan after plan)."""
    for known, ids in _IDENTITIES:
        if known is nodes:
            return ids
    ids = list(map(id, nodes))
    del _IDENTITIES[: -_IDENTITIES_KEPT + 1]
    _IDENTITIES.append((nodes, ids))
    return ids
