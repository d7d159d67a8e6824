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

``combine_build`` hands back, with the combined plan, each namespace's nodes with their names qualified
and their texts for the version; given the previous build, a namespace whose plan is the same keeps
them, so a change in one namespace renames and writes out only that namespace's nodes. The plan is the
one ``combine`` gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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
    return combine_build(plans, default=default).plan


@dataclass(frozen=True, slots=True)
class CombinedBuild:
    """A combined plan and each namespace's qualified nodes, for combining the next one incrementally."""

    plan: plan.RoutingPlan
    default: str
    renamed: Mapping[str, _Renamed]


def combine_build(
    plans: Sequence[tuple[str, plan.RoutingPlan]], *, default: str, previous: CombinedBuild | None = None
) -> CombinedBuild:
    """``combine``, keeping the qualified nodes of ``previous`` for every namespace whose plan is the same."""
    kept = previous.renamed if previous is not None and previous.default == default else {}
    board = _Board(default)
    for namespace, part in plans:
        before = kept.get(namespace)
        renamed = (
            before if before is not None and before.source is part else _Renamed(namespace, default, part)
        )
        board.add(namespace, part, renamed)
    return CombinedBuild(board.result(), default, board.renamed)


class _Renamed:
    """One namespace's plan with its names qualified, and the texts of its nodes, made as they are asked
    for and kept while the namespace's plan stays the same."""

    __slots__ = ("_default", "_hosts", "_listeners", "_namespace", "clusters", "source")

    def __init__(self, namespace: str, default: str, source: plan.RoutingPlan) -> None:
        self._namespace = namespace
        self._default = default
        self.source = source
        self._listeners: dict[str, tuple[plan.Listener, str]] = {}
        self._hosts: dict[tuple[str, tuple[str, ...]], tuple[plan.VirtualHost, str]] = {}
        self.clusters: tuple[tuple[plan.TargetCluster, str], ...] = tuple(
            (named := self._cluster(cluster), plan.node_text(named)) for cluster in source.clusters
        )

    def listener(self, listener: plan.Listener) -> tuple[plan.Listener, str]:
        """A listener of the plan (not the shared one), qualified, with its text."""
        found = self._listeners.get(listener.name)
        if found is None:
            named = listener
            if self._namespace != self._default:
                named = replace(
                    listener,
                    name=self._name(listener.name),
                    virtual_hosts=tuple(self._host(host) for host in listener.virtual_hosts),
                )
            found = self._listeners[listener.name] = (named, plan.node_text(named))
        return found

    def shared_host(self, host: plan.VirtualHost, domains: tuple[str, ...]) -> tuple[plan.VirtualHost, str]:
        """A virtual host of the shared listener, qualified and serving ``domains``, with its text."""
        key = (host.gateway, domains)
        found = self._hosts.get(key)
        if found is None:
            named = self._host(host)
            named = named if named.domains == domains else replace(named, domains=domains)
            found = self._hosts[key] = (named, plan.node_text(named))
        return found

    def _host(self, host: plan.VirtualHost) -> plan.VirtualHost:
        if self._namespace == self._default:
            return host
        return replace(
            host,
            name=self._name(host.name),
            gateway=self._name(host.gateway),
            routes=tuple(
                replace(
                    route,
                    clusters=tuple(
                        replace(weighted, cluster=self._name(weighted.cluster)) for weighted in route.clusters
                    ),
                )
                for route in host.routes
            ),
        )

    def _cluster(self, cluster: plan.TargetCluster) -> plan.TargetCluster:
        if self._namespace == self._default:
            return cluster
        if cluster.gateway is None:
            endpoints = cluster.endpoints
        else:
            endpoints = tuple(
                replace(endpoint, instance=self._name(endpoint.instance)) for endpoint in cluster.endpoints
            )
        return replace(
            cluster,
            name=self._name(cluster.name),
            gateway=None if cluster.gateway is None else self._name(cluster.gateway),
            endpoints=endpoints,
        )

    def _name(self, name: str) -> str:
        return qualified(self._namespace, name, default=self._default)


@dataclass(slots=True)
class _Board:
    """The combined plan so far: listeners by port, the shared listener's hosts, clusters and problems."""

    default: str
    listeners: dict[int, tuple[str, plan.Listener, str]] = field(default_factory=dict)
    """Port → the namespace holding it, its listener (qualified) and the listener's text."""
    shared: list[tuple[plan.VirtualHost, str]] = field(default_factory=list)
    shared_port: int | None = None
    host_owners: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Host name → the namespace and the (unqualified) gateway that serves it on the shared port."""
    clusters: list[tuple[plan.TargetCluster, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    renamed: dict[str, _Renamed] = field(default_factory=dict)

    def add(self, namespace: str, part: plan.RoutingPlan, renamed: _Renamed) -> None:
        self.renamed[namespace] = renamed
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
                self._share(namespace, listener, left_out, renamed)
            elif listener.name not in left_out:
                self.listeners[listener.port] = (namespace, *renamed.listener(listener))
        self.clusters.extend(
            named
            for cluster, named in zip(part.clusters, renamed.clusters, strict=True)
            if _gateway_of(cluster) not in left_out
        )

    def result(self) -> plan.RoutingPlan:
        listeners = [(listener, text) for _, listener, text in self.listeners.values()]
        if self.shared and self.shared_port is not None:
            shared = plan.Listener(
                SHARED_LISTENER, self.shared_port, model.Protocol.HTTP, tuple(host for host, _ in self.shared)
            )
            listeners.append((shared, plan.listener_text(shared, [text for _, text in self.shared])))
        listeners.sort(key=lambda pair: pair[0].port)
        clusters = sorted(self.clusters, key=lambda pair: pair[0].name)
        return plan.RoutingPlan.of_texts(
            tuple(listener for listener, _ in listeners),
            tuple(cluster for cluster, _ in clusters),
            tuple(self.problems),
            listener_texts=[text for _, text in listeners],
            cluster_texts=[text for _, text in clusters],
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
        owner, listener, _ = held
        return f"gateway '{split(listener.name, default=self.default)[1]}' of namespace '{owner}'"

    def _share(self, namespace: str, listener: plan.Listener, left_out: set[str], renamed: _Renamed) -> None:
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
                self.shared.append(renamed.shared_host(host, tuple(domains)))

    def _domain(self, namespace: str, gateway: str, domain: str) -> str:
        """A host name of ``gateway``; its automatic one names the namespace outside the default."""
        if namespace == self.default or domain != hosts.automatic_host(gateway):
            return domain
        return f"{domain.removesuffix('.' + hosts.SUFFIX)}.{namespace}.{hosts.SUFFIX}"

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
