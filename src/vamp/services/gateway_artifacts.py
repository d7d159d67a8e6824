"""Gateways through the API: free-standing ones are stored, deployment gateways are views of a deployment.

A gateway named ``deployment/cluster/port`` (internal) or ``deployment/port`` (external, of a deployment
that exists) is part of that deployment, its single source of truth (vamp.md §1.9):

* an internal gateway cannot be created or removed through the API, and the set of its routes (one per
  service of the cluster) cannot change; its weights, conditions, condition strengths, stickiness and
  virtual hosts can, and that is how a canary's weights move;
* a deployment's external gateway is added, changed or removed in the deployment.

Either change is a compare-and-set step on the deployment, checked by the deployment rules (weights total
0 % or 100 %) before anything is stored. Any other name is a free-standing gateway, stored as it is.
No gateway may take a port another gateway holds. This module is not the gateway synchroniser
(``gateways.py``), which turns gateways into routing plans.
"""

from __future__ import annotations

from collections.abc import Mapping

from vamp import errors
from vamp.core import model, validation
from vamp.core.deployments import messages
from vamp.core.routing import deployment_gateways, port_holders, weights
from vamp.ports import store
from vamp.services import artifacts, changes, deployment_revisions, namespace_gateways

KIND = "gateways"
INTERNAL_CREATE = (
    "Gateway is an internal deployment gateway - it can be created only when deployment cluster is created."
)
INTERNAL_ROUTES = (
    "Gateway is an internal deployment gateway - routes can be added or removed only when cluster services "
    "are created or removed."
)
INTERNAL_REMOVE = (
    "Gateway is an internal deployment gateway - it can be removed only when deployment cluster is removed."
)


class GatewayService:
    """The gateways of every namespace: stored ones in ``store``, the others in their deployments."""

    def __init__(
        self, store: store.ArtifactStore, artifacts: artifacts.ArtifactService, notifier: changes.Notifier
    ) -> None:
        self._revisions = deployment_revisions.Revisions(store, notifier)
        self._artifacts = artifacts

    async def page(
        self, namespace: str, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Gateway]:
        """Every gateway of the namespace in name order, free-standing and of deployments, and their count."""
        found = await namespace_gateways.gateways(self._artifacts, namespace)
        end = None if limit is None else offset + limit
        return store.Page(found[offset:end], len(found))

    async def get(self, namespace: str, name: str) -> model.Gateway:
        """The gateway. Raises ``errors.NotFoundError`` when there is none."""
        if "/" in name:
            deployment = await self._deployment(namespace, name)
            view = None if deployment is None else _view(deployment, name)
            if view is not None:
                return view
        found = await self._artifacts.find(namespace, KIND, name)
        if not isinstance(found, model.Gateway):
            raise artifacts.not_found(KIND, name)
        return found

    async def save(
        self,
        namespace: str,
        gateway: model.Gateway,
        *,
        source: str | None = None,
        validate_only: bool = False,
    ) -> model.Gateway:
        """Create or change a gateway; return it as it is now.

        Raises:
            errors.DeploymentError: an internal gateway would be created, or its routes changed.
            errors.DslError: the deployment it belongs to would break a rule, or a reference is missing.
            errors.RoutingError: the gateway would take another gateway's port (of any namespace).
        """
        name = artifacts.name_of(gateway)
        segments = name.split("/")
        if len(segments) == 3:
            return await self._save_internal(namespace, name, gateway, validate_only)
        if not await self.is_free_standing(namespace, name):
            return await self._save_external(namespace, name, gateway, validate_only)
        (await self.port_holders(namespace)).check(gateway)
        await self._artifacts.save(namespace, [gateway], source=source, validate_only=validate_only)
        return gateway

    async def is_free_standing(self, namespace: str, name: str) -> bool:
        """Whether ``save`` stores a gateway of this name as it is (not as part of a deployment)."""
        segments = name.split("/")
        if len(segments) == 3:
            return False
        deployment = await self._deployment(namespace, name) if len(segments) == 2 else None
        return deployment is None or not _is_external_port(deployment, segments[1])

    async def port_holders(self, namespace: str) -> port_holders.PortHolders:
        """The ports every gateway holds now, of this namespace and of every other one: what a
        free-standing gateway is checked against before it is stored (``save``; ``bulk`` for many)."""
        return port_holders.PortHolders(
            await self._gateways(namespace), await namespace_gateways.elsewhere(self._artifacts, namespace)
        )

    async def delete(self, namespace: str, name: str, *, validate_only: bool = False) -> None:
        """Remove a gateway; nothing happens when there is none.

        Raises:
            errors.DeploymentError: it is the internal gateway of a deployment cluster.
        """
        segments = name.split("/")
        deployment = await self._deployment(namespace, name) if len(segments) > 1 else None
        if deployment is not None and len(segments) == 3 and _view(deployment, name) is not None:
            raise errors.DeploymentError(
                f"{INTERNAL_REMOVE} Slice the services of cluster '{segments[0]}/{segments[1]}' out instead."
            )
        if deployment is not None and len(segments) == 2 and segments[1] in deployment.gateways:

            async def step(current: model.Deployment | None) -> model.Deployment | None:
                if current is None:
                    return None
                left = {key: g for key, g in current.gateways.items() if key != segments[1]}
                return current.model_copy(update={"gateways": left})

            await self._revisions.change(namespace, segments[0], step, validate_only=validate_only)
            return
        await self._artifacts.delete(namespace, KIND, name, validate_only=validate_only)

    async def _save_internal(
        self, namespace: str, name: str, gateway: model.Gateway, validate_only: bool
    ) -> model.Gateway:
        deployment_name, cluster, port = name.split("/")
        resolved = await self._resolved(namespace, gateway)

        async def step(current: model.Deployment | None) -> model.Deployment:
            found = None if current is None else current.clusters.get(cluster)
            existing = None if found is None else found.gateways.get(port)
            if current is None or found is None or existing is None:
                raise errors.DeploymentError(
                    f"{INTERNAL_CREATE} There is no cluster port '{cluster}/{port}' in deployment "
                    f"'{deployment_name}'; deploy a blueprint with it."
                )
            routes = _service_routes(name, resolved.routes, existing.routes)
            updated = existing.model_copy(
                update={
                    "routes": _filled(name, routes),
                    "sticky": resolved.sticky,
                    "virtual_hosts": resolved.virtual_hosts,
                    "metadata": resolved.metadata,
                }
            )
            clusters = {
                **current.clusters,
                cluster: found.model_copy(update={"gateways": {**found.gateways, port: updated}}),
            }
            return _checked(current.model_copy(update={"clusters": clusters}))

        return await self._stored_view(namespace, deployment_name, name, step, validate_only)

    async def _save_external(
        self, namespace: str, name: str, gateway: model.Gateway, validate_only: bool
    ) -> model.Gateway:
        deployment_name, key = name.split("/")
        resolved = await self._resolved(namespace, gateway)
        others = [other for other in await self._gateways(namespace) if other.name != name]
        elsewhere = await namespace_gateways.elsewhere(self._artifacts, namespace)

        async def step(current: model.Deployment | None) -> model.Deployment:
            if current is None:
                raise artifacts.not_found(deployment_revisions.KIND, deployment_name)
            routes = {_cluster_key(path, deployment_name): route for path, route in resolved.routes.items()}
            number = resolved.port.number or (int(key) if key.isdigit() else None)
            external = resolved.model_copy(
                update={
                    "name": None,
                    "port": model.GatewayPort(number=number, protocol=resolved.port.protocol),
                    "routes": _filled(name, routes),
                }
            )
            changed = _checked(current.model_copy(update={"gateways": {**current.gateways, key: external}}))
            view = _view(changed, name)
            namespace_gateways.check_ports(others, [] if view is None else [view])
            namespace_gateways.check_ports_elsewhere(elsewhere, [] if view is None else [view])
            return changed

        return await self._stored_view(namespace, deployment_name, name, step, validate_only)

    async def _stored_view(
        self, namespace: str, deployment: str, name: str, step: deployment_revisions.Step, validate_only: bool
    ) -> model.Gateway:
        changed = await self._revisions.change(namespace, deployment, step, validate_only=validate_only)
        view = None if changed is None else _view(changed, name)
        if view is None:
            raise artifacts.not_found(KIND, name)
        return view

    async def _resolved(self, namespace: str, gateway: model.Gateway) -> model.Gateway:
        """The gateway with its routes, conditions and rewrites by reference replaced by the stored ones."""
        found = await self._artifacts.expanded(namespace, gateway)
        assert isinstance(found, model.Gateway), "expanding keeps the kind"
        return found

    async def _deployment(self, namespace: str, name: str) -> model.Deployment | None:
        """The deployment a gateway name starts with, if there is one."""
        return await self._revisions.load(namespace, name.split("/")[0])

    async def _gateways(self, namespace: str) -> list[model.Gateway]:
        return await namespace_gateways.gateways(self._artifacts, namespace)


def _view(deployment: model.Deployment, name: str) -> model.Gateway | None:
    return next(
        (gateway for gateway in deployment_gateways.gateways_of(deployment) if gateway.name == name), None
    )


def _is_external_port(deployment: model.Deployment, key: str) -> bool:
    return key in deployment.gateways or (key.isascii() and key.isdigit())


def _service_routes(
    name: str, given: Mapping[str, model.Route | model.Ref], existing: Mapping[str, model.Route | model.Ref]
) -> dict[str, model.Route | model.Ref]:
    """The routes of internal gateway ``name`` keyed by service, in the order the deployment has them.

    Routes may be given by full path (``sava/sava/sava:1.0.0/webport``, as GET shows them) or by service.

    Raises:
        errors.DeploymentError: the routes are not exactly the services the gateway routes to.
    """
    prefix, _, port = name.rpartition("/")
    by_service = {_service_key(path, prefix, port): route for path, route in given.items()}
    if set(by_service) != set(existing):
        raise errors.DeploymentError(
            f"{INTERNAL_ROUTES} Gateway '{name}' routes to services {messages.listing(existing)}; "
            f"give routes for exactly those (you gave {messages.listing(by_service)})."
        )
    return {service: by_service[service] for service in existing}


def _service_key(path: str, prefix: str, port: str) -> str:
    """``deployment/cluster/service/port`` → ``service``; a key without ``/`` is a service already."""
    head, slash, tail = path.rpartition("/")
    if slash and tail == port and head.startswith(f"{prefix}/") and "/" not in head[len(prefix) + 1 :]:
        return head[len(prefix) + 1 :]
    return path


def _cluster_key(path: str, deployment: str) -> str:
    """``deployment/cluster/port`` → ``cluster/port``, as a deployment keeps its external routes."""
    return path.removeprefix(f"{deployment}/") if path.count("/") == 2 else path


def _filled(name: str, routes: Mapping[str, model.Route | model.Ref]) -> dict[str, model.Route | model.Ref]:
    """The routes with a weight each: routes without one share what the others leave."""
    given = [route.weight if isinstance(route, model.Route) else None for route in routes.values()]
    filled = weights.fill(given)
    problem = weights.total_problem(given)
    if filled is None or problem is not None:
        raise errors.DeploymentError(f"Invalid route weights of gateway '{name}': {problem}.")
    return {
        key: route.model_copy(update={"weight": weight}) if isinstance(route, model.Route) else route
        for (key, route), weight in zip(routes.items(), filled, strict=True)
    }


def _checked(deployment: model.Deployment) -> model.Deployment:
    issues = validation.deployment_issues(deployment)
    if issues:
        raise errors.DslError(issues)
    return deployment
