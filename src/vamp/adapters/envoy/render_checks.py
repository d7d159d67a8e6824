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

from vamp.core.routing import haproxy_only
from vamp.core.routing import plan as routing_plan


class Checks:
    """The checks of the plans given one after another; not safe to share between threads."""

    def __init__(self) -> None:
        self._listeners: dict[int, routing_plan.Listener] = {}
        self._clusters: dict[int, routing_plan.TargetCluster] = {}
        self._ports: dict[str, int] = {}
        """The port of each listener of the last plan whose ports passed."""
        self._clean: dict[int, object] = {}
        """The nodes of the last plan without raw HAProxy conditions, by identity."""

    def haproxy_only(self, plan: routing_plan.RoutingPlan) -> dict[str, str]:
        """``haproxy_only.reasons(plan)``."""
        nodes = _by_id(plan)
        fresh = nodes.keys() - self._clean.keys()
        if fresh:
            listeners = tuple(node for key in fresh if isinstance(node := nodes[key], routing_plan.Listener))
            clusters = tuple(
                node for key in fresh if isinstance(node := nodes[key], routing_plan.TargetCluster)
            )
            if haproxy_only.reasons(routing_plan.RoutingPlan("", listeners, clusters, ())):
                return haproxy_only.reasons(plan)
        self._clean = nodes
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


def _by_id(plan: routing_plan.RoutingPlan) -> dict[int, object]:
    """Every listener and target cluster of ``plan``, by identity."""
    nodes: dict[int, object] = dict(zip(map(id, plan.listeners), plan.listeners, strict=True))
    nodes.update(zip(map(id, plan.clusters), plan.clusters, strict=True))
    return nodes
