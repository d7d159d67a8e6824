"""The routing plans of several namespaces combined into one, for agents that serve them all (pure).

Each namespace's plan is compiled on its own (``compile.py``); an agent that serves several namespaces
receives one plan made of theirs. Names must not clash in it, so every name of a namespace other than
the server's default is qualified with the namespace: gateway ``sava/9050`` of ``acme-prod`` becomes
``[acme-prod]sava/9050`` (brackets cannot occur in gateway names, so a qualified name never equals a
name of the default namespace), its clusters ``[acme-prod]sava/9050//<route>``, and its automatic host
``9050.sava.acme-prod.vamp`` instead of ``9050.sava.vamp``. ``split`` reads a qualified name back into
namespace and gateway, so the traffic an agent measures is attributed to the right namespace.

All namespaces are one port space: the plans are taken in the order given (the caller puts the default
namespace first, then the others by name), and a gateway whose port an earlier namespace's gateway
holds is left out and reported in the plan's problems, with the gateways of its namespace that chain
to it, never making the plan unusable. The shared virtual-host listeners of the namespaces become one;
a host name two namespaces claim goes to the earlier one, likewise reported. Problems of a non-default
namespace are prefixed with it (``namespace 'acme-prod': …``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from vamp.core import model
from vamp.core.routing import hosts, plan
from vamp.core.routing.compile import SHARED_LISTENER

_QUALIFIED = re.compile(r"^\[([^\[\]]+)\](.+)$")


def qualified(namespace: str, gateway: str, *, default: str) -> str:
    """The name of ``gateway`` of ``namespace`` in a combined plan: unchanged in the default namespace.

    >>> qualified("acme-prod", "sava/9050", default="default")
    '[acme-prod]sava/9050'
    """
    return gateway if namespace == default else f"[{namespace}]{gateway}"


def split(name: str, *, default: str) -> tuple[str, str]:
    """The namespace and the gateway a combined plan's gateway name stands for (``qualified`` reversed).

    >>> split("[acme-prod]sava/9050", default="default")
    ('acme-prod', 'sava/9050')
    >>> split("sava/9050", default="default")
    ('default', 'sava/9050')
    """
    found = _QUALIFIED.match(name)
    return (found.group(1), found.group(2)) if found else (default, name)


def combine(plans: Sequence[tuple[str, plan.RoutingPlan]], *, default: str) -> plan.RoutingPlan:
    """One plan serving every ``(namespace, plan)`` given, earlier ones first when ports clash."""
    board = _Board(default)
    for namespace, part in plans:
        board.add(namespace, part)
    return board.result()


@dataclass(slots=True)
class _Board:
    """The combined plan so far: listeners by port, the shared listener's hosts, clusters and problems."""

    default: str
    listeners: dict[int, tuple[str, plan.Listener]] = field(default_factory=dict)
    """Port → the namespace holding it and its listener (qualified)."""
    shared: list[plan.VirtualHost] = field(default_factory=list)
    shared_port: int | None = None
    host_owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Host name → the namespace and the (unqualified) gateway that serves it on the shared port."""
    clusters: list[plan.TargetCluster] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, namespace: str, part: plan.RoutingPlan) -> None:
        self.problems.extend(self._about(namespace, problem) for problem in part.problems)
        left_out = self._clashing(namespace, part)
        chaining = _chaining_to(left_out, part.clusters)
        self.problems.extend(
            self._about(
                namespace,
                f"gateway '{gateway}': it routes to gateway '{target}', which is left out; "
                "the gateway is left out of the plan",
            )
            for gateway, target in sorted(chaining.items())
        )
        left_out |= set(chaining)
        for listener in part.listeners:
            if listener.name == SHARED_LISTENER:
                self._share(namespace, listener, left_out)
            elif listener.name not in left_out:
                renamed = self._listener(namespace, listener)
                self.listeners[listener.port] = (namespace, renamed)
        self.clusters.extend(
            self._cluster(namespace, cluster)
            for cluster in part.clusters
            if _gateway_of(cluster) not in left_out
        )

    def result(self) -> plan.RoutingPlan:
        listeners = [listener for _, listener in self.listeners.values()]
        if self.shared and self.shared_port is not None:
            listeners.append(
                plan.Listener(SHARED_LISTENER, self.shared_port, model.Protocol.HTTP, tuple(self.shared))
            )
        return plan.RoutingPlan.of(
            tuple(sorted(listeners, key=lambda listener: listener.port)),
            tuple(sorted(self.clusters, key=lambda cluster: cluster.name)),
            tuple(self.problems),
        )

    def _clashing(self, namespace: str, part: plan.RoutingPlan) -> set[str]:
        """The gateways of ``part`` on a port an earlier namespace holds, each reported."""
        left_out: set[str] = set()
        for listener in part.listeners:
            if listener.name == SHARED_LISTENER:
                if self.shared_port is None and listener.port not in self.listeners:
                    self.shared_port = listener.port
                if listener.port == self.shared_port:
                    continue
            holder = self._holder(listener.port)
            if holder is None:
                continue
            left_out.add(listener.name)
            self.problems.append(
                self._about(
                    namespace,
                    f"gateway '{listener.name}': port {listener.port} is held by {holder}; "
                    "the gateway is left out of the plan",
                )
            )
        return left_out

    def _holder(self, port: int) -> str | None:
        if port == self.shared_port:
            return "the shared virtual-host listener"
        held = self.listeners.get(port)
        if held is None:
            return None
        owner, listener = held
        return f"gateway '{split(listener.name, default=self.default)[1]}' of namespace '{owner}'"

    def _share(self, namespace: str, listener: plan.Listener, left_out: set[str]) -> None:
        if listener.port != self.shared_port:
            return
        for host in listener.virtual_hosts:
            if host.gateway in left_out:
                continue
            domains: list[str] = []
            for domain in (self._domain(namespace, host.gateway, domain) for domain in host.domains):
                owner = self.host_owners.setdefault(domain, (namespace, host.gateway))
                if owner == (namespace, host.gateway):
                    domains.append(domain)
                else:
                    self.problems.append(
                        self._about(
                            namespace,
                            f"gateway '{host.gateway}': virtual host '{domain}' is already served by "
                            f"gateway '{owner[1]}' of namespace '{owner[0]}'",
                        )
                    )
            if domains:
                self.shared.append(replace(self._host(namespace, host), domains=tuple(domains)))

    def _domain(self, namespace: str, gateway: str, domain: str) -> str:
        """A host name of ``gateway``; its automatic one names the namespace outside the default."""
        if namespace == self.default or domain != hosts.automatic_host(gateway):
            return domain
        return f"{domain.removesuffix('.' + hosts.SUFFIX)}.{namespace}.{hosts.SUFFIX}"

    def _listener(self, namespace: str, listener: plan.Listener) -> plan.Listener:
        return replace(
            listener,
            name=self._name(namespace, listener.name),
            virtual_hosts=tuple(self._host(namespace, host) for host in listener.virtual_hosts),
        )

    def _host(self, namespace: str, host: plan.VirtualHost) -> plan.VirtualHost:
        return replace(
            host,
            name=self._name(namespace, host.name),
            gateway=self._name(namespace, host.gateway),
            routes=tuple(
                replace(
                    route,
                    clusters=tuple(
                        replace(weighted, cluster=self._name(namespace, weighted.cluster))
                        for weighted in route.clusters
                    ),
                )
                for route in host.routes
            ),
        )

    def _cluster(self, namespace: str, cluster: plan.TargetCluster) -> plan.TargetCluster:
        if cluster.gateway is None:
            endpoints = cluster.endpoints
        else:
            endpoints = tuple(
                replace(endpoint, instance=self._name(namespace, endpoint.instance))
                for endpoint in cluster.endpoints
            )
        return replace(
            cluster,
            name=self._name(namespace, cluster.name),
            gateway=None if cluster.gateway is None else self._name(namespace, cluster.gateway),
            endpoints=endpoints,
        )

    def _name(self, namespace: str, name: str) -> str:
        return qualified(namespace, name, default=self.default)

    def _about(self, namespace: str, problem: str) -> str:
        return problem if namespace == self.default else f"namespace '{namespace}': {problem}"


def _gateway_of(cluster: plan.TargetCluster) -> str:
    return cluster.name.partition("//")[0]


def _chaining_to(left_out: set[str], clusters: Iterable[plan.TargetCluster]) -> dict[str, str]:
    """The gateways whose routes lead, directly or through others, to a gateway ``left_out``: each with
    the gateway left out that it routes to."""
    clusters = tuple(clusters)
    found: dict[str, str] = {}
    while True:
        gone = left_out | set(found)
        more = {
            _gateway_of(cluster): cluster.gateway
            for cluster in clusters
            if cluster.gateway in gone and _gateway_of(cluster) not in gone
        }
        if not more:
            return found
        found.update(more)
