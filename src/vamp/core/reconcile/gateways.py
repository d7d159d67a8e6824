"""Deciding what the gateways of one namespace need before they are compiled (vamp.md §3.4, gateway part).

``synchronise`` takes the stored free-standing gateways, the deployments and the observed instances, and
returns every gateway to compile, full-named (``routing.deployment_gateways``), plus what must be stored
for that to hold after a restart:

1. ports: every gateway without a port gets a free one (``routing.ports``, 40000–45000 by default);
   a free-standing gateway keeps it on itself, a deployment keeps it in ``ports`` (``cluster.port``) for
   its internal gateways and on the gateway for its external ones, so the same gateway keeps its port;
2. selector routes: a gateway with a selector gets a route per group of instances it selects, new ones
   at 0 % (``routing.selection``), so users see and weigh them through the API.

Stored gateways named like a deployment's gateway are the deployment's: the deployment wins. Problems
(no port left, a selector that does not parse) are reported and never stop the other gateways.
``addressable`` (``addressing``) is the instances as the namespace's compile sees them.
``lookup_name`` is Vamp's stable hash of an artifact's name, as the API shows it and as the runtime labels
what it makes for a gateway. Pure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from vamp import errors
from vamp.core import model, selector
from vamp.core.reconcile.addressing import addressable as addressable
from vamp.core.routing import deployment_gateways, ports, selection


@dataclass(frozen=True, slots=True)
class GatewaySync:
    """The gateways to compile, and the artifacts to store so that they stay as they are."""

    gateways: tuple[model.Gateway, ...]
    """Every gateway of the namespace: full-named, with its port and its selector routes."""
    changed_gateways: tuple[model.Gateway, ...]
    """Free-standing gateways that got a port or selector routes."""
    changed_deployments: tuple[model.Deployment, ...]
    """Deployments whose gateways got ports."""
    problems: tuple[str, ...]
    refreshed: Mapping[str, Refreshed] = field(default_factory=dict)
    """How each free-standing gateway was refreshed, by name: for the next ``synchronise`` (``previous``)."""


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One free-standing gateway refreshed: as stored, as given a port, what its selector selected, the
    gateway with its selector routes, and whether that differs from the stored one. The same gateway
    given (the very object) with equal selections refreshes the same again."""

    stored: model.Gateway
    given: model.Gateway
    selections: Mapping[str, selector.Selection] | None
    refreshed: model.Gateway
    changed: bool


def synchronise(
    stored: Iterable[model.Gateway],
    deployments: Iterable[model.Deployment],
    instances: Iterable[model.ObservedInstance],
    *,
    namespace: str,
    global_selector: str = "true",
    taken: Collection[int] = (),
    first_port: int = ports.FIRST_PORT,
    last_port: int = ports.LAST_PORT,
    previous: GatewaySync | None = None,
) -> GatewaySync:
    """The gateways of ``namespace``, with ports assigned and selector routes refreshed.

    Args:
        stored: the stored gateways of the namespace.
        deployments: the stored deployments of the namespace.
        instances: what the runtime reports, in every namespace (selectors see them all).
        global_selector: ANDed with every gateway selector.
        taken: ports no gateway may be given (the shared virtual-host port).
        previous: the namespace's last ``synchronise``: a gateway stored as it was, selecting what it
            selected, keeps how it was refreshed (one changed instance re-decides the gateways that may
            select it, not all).
    """
    deployments = tuple(deployments)
    owned = {
        gateway.name for deployment in deployments for gateway in deployment_gateways.gateways_of(deployment)
    }
    free = [gateway for gateway in stored if gateway.name not in owned]
    problems: list[str] = []
    everything = [*free, *(g for d in deployments for g in deployment_gateways.gateways_of(d))]
    assigned = _assigned(everything, taken, first_port, last_port, problems)
    instances = tuple(instances)
    index = selector.Index.of(instances)
    before = {} if previous is None else previous.refreshed
    refreshed = [
        _refreshed(
            gateway,
            _with_port(gateway, assigned),
            index,
            namespace,
            global_selector,
            problems,
            before.get(gateway.name or ""),
        )
        for gateway in free
    ]
    placed = [with_ports(deployment, assigned) for deployment in deployments]
    return GatewaySync(
        gateways=(
            *(found.refreshed for found in refreshed),
            *(g for d in placed for g in deployment_gateways.gateways_of(d)),
        ),
        changed_gateways=tuple(found.refreshed for found in refreshed if found.changed),
        changed_deployments=tuple(
            after for before, after in zip(deployments, placed, strict=True) if after != before
        ),
        problems=tuple(problems),
        refreshed={found.stored.name or "": found for found in refreshed},
    )


def lookup_name(kind: str, name: str) -> str:
    """Vamp's lookup name: a SHA-1 of the kind and name, stable across releases."""
    return hashlib.sha1(f"{kind}@{name}".encode(), usedforsecurity=False).hexdigest()


def with_ports(deployment: model.Deployment, assigned: Mapping[str, int]) -> model.Deployment:
    """The deployment keeping the ports ``assigned`` (by full gateway name) to its gateways."""
    numbers = dict(deployment.ports)
    for cluster_name, cluster in deployment.clusters.items():
        for port in cluster.gateways:
            number = assigned.get(f"{deployment.name}/{cluster_name}/{port}")
            if number is not None:
                numbers[f"{cluster_name}.{port}"] = number
    external = {
        key: _with_port(gateway, assigned, f"{deployment.name}/{key}")
        for key, gateway in deployment.gateways.items()
    }
    return deployment.model_copy(update={"ports": numbers, "gateways": external})


def _assigned(
    gateways: Sequence[model.Gateway], taken: Collection[int], first: int, last: int, problems: list[str]
) -> dict[str, int]:
    """Ports for the gateways without one, by name; a gateway the range has no port left for is reported."""
    used = set(taken) | {number for gateway in gateways if (number := gateway.port.number)}
    assigned: dict[str, int] = {}
    for gateway in sorted(gateways, key=lambda gateway: gateway.name or ""):
        if gateway.port.number:
            continue
        try:
            found = ports.assign_ports([gateway], used, first, last)
        except errors.RoutingError as exc:
            problems.extend(f"gateway '{gateway.name}': {problem}" for problem in exc.problems)
            continue
        assigned.update(found)
        used.update(found.values())
    return assigned


def _with_port(gateway: model.Gateway, assigned: Mapping[str, int], name: str | None = None) -> model.Gateway:
    number = assigned.get(name or gateway.name or "")
    if number is None:
        return gateway
    return gateway.model_copy(update={"port": gateway.port.model_copy(update={"number": number})})


def _refreshed(
    stored: model.Gateway,
    gateway: model.Gateway,
    index: selector.Index,
    namespace: str,
    global_selector: str,
    problems: list[str],
    previous: Refreshed | None,
) -> Refreshed:
    """``gateway`` (``stored`` given its port) with its selector routes; ``previous`` when it is the same."""
    try:
        selections = selection.gateway_selections(
            gateway, index, namespace=namespace, global_selector=global_selector
        )
    except errors.SelectorSyntaxError as exc:
        problems.append(f"gateway '{gateway.name}': {exc}")
        return Refreshed(stored, gateway, None, gateway, gateway != stored)
    if (
        previous is not None
        and previous.stored is stored
        and previous.given is gateway
        and previous.selections == selections
    ):
        return previous
    after = selection.with_selections(gateway, selections)
    return Refreshed(stored, gateway, selections, after, after != stored)
