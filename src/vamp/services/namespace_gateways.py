"""Every gateway of a namespace, and the rule that no two gateways listen on one port (vamp.md §1.9).

A namespace's gateways are the free-standing ones that are stored, plus the gateways of its deployments
(internal ``deployment/cluster/port`` and external ``deployment/port``), which are views of the
deployments: a deployment is their single source of truth. Before a gateway is stored, or a deployment
whose gateways it changes, its ports are checked against every other gateway's: those of its namespace
(``check_ports``), and those of every other namespace (``check_ports_elsewhere``), since the gateway
agents may serve every namespace at once and all namespaces are one port space.
"""

from __future__ import annotations

from collections.abc import Iterable

from vamp import errors
from vamp.core import model
from vamp.core.routing import deployment_gateways, ports
from vamp.services import artifacts


async def deployments(service: artifacts.ArtifactService, namespace: str) -> list[model.Deployment]:
    """Every deployment of the namespace, in name order."""
    page = await service.page(namespace, "deployments")
    return [item for item in page.items if isinstance(item, model.Deployment)]


async def gateways(service: artifacts.ArtifactService, namespace: str) -> list[model.Gateway]:
    """Every gateway of the namespace, free-standing and of deployments, in name order."""
    free = [
        item for item in (await service.page(namespace, "gateways")).items if isinstance(item, model.Gateway)
    ]
    views = [
        gateway
        for deployment in await deployments(service, namespace)
        for gateway in deployment_gateways.gateways_of(deployment)
    ]
    return sorted([*free, *views], key=lambda gateway: gateway.name or "")


async def elsewhere(service: artifacts.ArtifactService, namespace: str) -> list[tuple[str, model.Gateway]]:
    """Every gateway of every namespace but ``namespace``, with its namespace."""
    found: list[tuple[str, model.Gateway]] = []
    for other in await service.namespaces():
        if other != namespace:
            found.extend((other, gateway) for gateway in await gateways(service, other))
    return found


def check_ports_elsewhere(
    elsewhere: Iterable[tuple[str, model.Gateway]], candidates: Iterable[model.Gateway]
) -> None:
    """Refuse ``candidates`` when a gateway of another namespace (``elsewhere``) holds one of their ports.

    Raises:
        errors.RoutingError: naming, for each port taken, the gateway holding it and its namespace.
    """
    holders: dict[int, tuple[str, str]] = {}
    for namespace, gateway in elsewhere:
        if gateway.port.number:
            holders.setdefault(gateway.port.number, (namespace, gateway.name or ""))
    problems = [
        ports.clash_elsewhere_message(number, namespace, holder)
        for candidate in candidates
        if (number := candidate.port.number) and number in holders
        for namespace, holder in [holders[number]]
    ]
    if problems:
        raise errors.RoutingError(problems)


def check_ports(others: Iterable[model.Gateway], candidates: Iterable[model.Gateway]) -> None:
    """Refuse ``candidates`` (gateways about to be stored) when another gateway holds one of their ports.

    Raises:
        errors.RoutingError: with Vamp's message for each port taken ("Gateway port '9050' is/was in use
            by deployment: 'sava/9050'. …").
    """
    candidates = list(candidates)
    names = {gateway.name for gateway in candidates}
    clashes = ports.clashing_gateways([*others, *candidates])
    problems = [message for gateway, message in clashes if gateway.name in names]
    if problems:
        raise errors.RoutingError(problems)
