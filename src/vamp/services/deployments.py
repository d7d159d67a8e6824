"""The deployment service: deploy, merge and slice blueprints, and set a service's scale or a cluster's SLA.

``POST /deployments`` and ``PUT /deployments/{name}`` merge a blueprint into a deployment (vamp.md §3.1):
references are resolved in the namespace (a missing one is ``Artifact cannot be found``), the merge is the
core's, with the time from the injected clock and the gateway host from settings, and its gateways must
not take another gateway's port. ``DELETE`` with a blueprint slices its services out (§3.2); with the
deployment's name alone, all of them. Every change is a compare-and-set step (``deployment_revisions``),
so it is stored with a new revision and an archive event, and the ``Notifier`` hears about it; a scale
change also marks the service for deployment again (Vamp #915, #798). What runs the services is the
reconciler's business, not this one's, but a server that does not allow command deployables
(``allow_commands``) refuses a merge that would deploy one, naming the breed and the flag that allows it.
A new deployment may not take a workflow's name (vamp.md §1.15).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from vamp import errors
from vamp.core import deployments, model
from vamp.core.deployments import messages
from vamp.core.routing import deployment_gateways
from vamp.core.workflows import rules as workflow_rules
from vamp.ports import store
from vamp.services import artifacts, changes, deployment_revisions, documents, namespace_gateways

KIND = deployment_revisions.KIND

Sla = model.Sla | model.SlaReference | model.Ref
A = TypeVar("A", model.Scale, model.Sla)


class DeploymentService:
    """Deployments of every namespace in ``store``.

    Args:
        clock: the time of every status set here.
        gateway_host: the host clusters are reached on, for a deployment's ``hosts``.
        allow_commands: whether breeds with a ``{type: command}`` deployable may be deployed.
    """

    def __init__(
        self,
        store: store.ArtifactStore,
        artifacts: artifacts.ArtifactService,
        notifier: changes.Notifier,
        *,
        clock: Callable[[], datetime],
        gateway_host: str,
        allow_commands: bool = True,
    ) -> None:
        self._revisions = deployment_revisions.Revisions(store, notifier)
        self._artifacts = artifacts
        self._clock = clock
        self._host = gateway_host
        self._allow_commands = allow_commands

    async def read(self, namespace: str, text: str) -> list[model.Blueprint]:
        """The blueprints of a deployment body: inline, a deployment document, or ``{name: stored}``.

        Raises:
            errors.DslError: the body has issues, or names a blueprint that is not stored.
        """
        loaded = await documents.parsed(text)
        if len(loaded) == 1 and documents.blueprint_name(loaded[0]) is not None:
            return await self.read_data(namespace, loaded[0])
        read = await self._artifacts.read(namespace, text, kind="blueprints", merging=True)
        return [blueprint for blueprint in read if isinstance(blueprint, model.Blueprint)]

    async def read_data(self, namespace: str, data: object) -> list[model.Blueprint]:
        """Like ``read``, for one document already parsed into plain data."""
        named = documents.blueprint_name(data)
        if named is None:
            read = await self._artifacts.read_data(namespace, data, kind="blueprints", merging=True)
            return [blueprint for blueprint in read if isinstance(blueprint, model.Blueprint)]
        found = await self._artifacts.find(namespace, "blueprints", named)
        if not isinstance(found, model.Blueprint):
            raise errors.DslError.single(
                messages.MISSING_ARTIFACT.format(kind="blueprints", name=named), "name"
            )
        return [found]

    async def page(
        self, namespace: str, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Deployment]:
        page = await self._artifacts.page(namespace, KIND, offset=offset, limit=limit)
        return store.Page([item for item in page.items if isinstance(item, model.Deployment)], page.total)

    async def get(self, namespace: str, name: str) -> model.Deployment:
        """The deployment. Raises ``errors.NotFoundError`` when there is none."""
        return _existing(await self._revisions.load(namespace, name), name)

    async def deploy(
        self,
        namespace: str,
        blueprints: Sequence[model.Blueprint],
        *,
        name: str | None = None,
        validate_only: bool = False,
    ) -> list[model.Artifact]:
        """Merge each blueprint into deployment ``name`` (default: the blueprint's name), creating it if new.

        Returns the inline breeds that were stored and the deployments as stored.

        Raises:
            errors.DslError: a reference cannot be resolved, or the merged deployment breaks a rule.
            errors.DeploymentError: the merge cannot be done (weights, dependencies).
            errors.RoutingError: a gateway of the deployment would take another gateway's port.
        """
        await self.check_commands(namespace, blueprints)
        stored: list[model.Artifact] = []
        for blueprint in blueprints:
            stored += await self._merge(namespace, name or blueprint.name, blueprint, validate_only)
        return stored

    async def check_commands(self, namespace: str, blueprints: Sequence[model.Blueprint]) -> None:
        """Refuse blueprints that would deploy a command deployable on a server that does not allow them.

        A blueprint whose references cannot be resolved yet (a bulk body may store them first) is left to
        the merge, which checks it again and reports what is missing.

        Raises:
            errors.DeploymentError: naming the breeds and ``--allow-command-deployables``.
        """
        if self._allow_commands:
            return
        found: dict[str, None] = {}
        for blueprint in blueprints:
            try:
                resolved = await self._artifacts.resolve(namespace, blueprint)
            except errors.DslError:
                continue
            found.update(dict.fromkeys(deployments.command_breeds(resolved)))
        if found:
            raise errors.DeploymentError(deployments.not_allowed(list(found)))

    async def slice(
        self, namespace: str, name: str, blueprints: Sequence[model.Blueprint], *, validate_only: bool = False
    ) -> list[model.Artifact]:
        """Mark the services the blueprints name for undeployment; ``[]`` when there is no such deployment.

        Raises:
            errors.DeploymentError: the services left on a port would not have all of its weight.
        """

        async def step(current: model.Deployment | None) -> model.Deployment | None:
            if current is None:
                return None
            sliced = current
            for blueprint in blueprints:
                sliced = deployments.slice_services(sliced, blueprint, now=self._clock())
            return sliced

        found = await self._revisions.change(namespace, name, step, validate_only=validate_only)
        return [] if found is None else [found]

    async def undeploy(
        self, namespace: str, name: str, *, validate_only: bool = False
    ) -> list[model.Artifact]:
        """Mark every service of deployment ``name`` for undeployment; ``[]`` when there is none.

        This is a ``DELETE`` of a deployment document that gives only its name.
        """

        async def step(current: model.Deployment | None) -> model.Deployment | None:
            if current is None:
                return None
            everything = deployments.as_blueprint(current)
            return deployments.slice_services(current, everything, now=self._clock())

        found = await self._revisions.change(namespace, name, step, validate_only=validate_only)
        return [] if found is None else [found]

    async def scale(self, namespace: str, name: str, cluster: str, service: str) -> model.Scale:
        deployment = await self.get(namespace, name)
        return _service(deployment, cluster, service).scale

    async def set_scale(
        self,
        namespace: str,
        name: str,
        cluster: str,
        service: str,
        scale: model.Scale | model.Ref,
        *,
        validate_only: bool = False,
    ) -> model.Scale:
        """Give a service a new scale and deploy it again with it.

        Raises:
            errors.NotFoundError: there is no such deployment, cluster or service.
            errors.DslError: ``scale`` refers to a scale that is not stored.
        """
        resolved = await self._stored(namespace, "scales", scale, model.Scale)

        async def step(current: model.Deployment | None) -> model.Deployment:
            deployment = _existing(current, name)
            status = model.ServiceStatus.initiated(model.Intention.DEPLOYMENT, self._clock())
            found = _service(deployment, cluster, service)
            return _with_service(
                deployment, cluster, found.model_copy(update={"scale": resolved, "status": status})
            )

        await self._revisions.change(namespace, name, step, validate_only=validate_only)
        return resolved

    async def sla(self, namespace: str, name: str, cluster: str) -> Sla:
        found = cluster_of(await self.get(namespace, name), cluster).sla
        if found is None:
            raise errors.NotFoundError(f"Cluster '{name}/{cluster}' has no SLA; set one with POST or PUT.")
        return found

    async def set_sla(
        self,
        namespace: str,
        name: str,
        cluster: str,
        sla: model.Sla | model.Ref,
        *,
        validate_only: bool = False,
    ) -> model.Sla:
        """Give a cluster an SLA (inline, or a stored one by reference).

        Raises:
            errors.NotFoundError: there is no such deployment or cluster.
            errors.DslError: ``sla`` refers to an SLA that is not stored.
        """
        resolved = await self._stored(namespace, "slas", sla, model.Sla)
        step = self._cluster_sla(name, cluster, resolved)
        await self._revisions.change(namespace, name, step, validate_only=validate_only)
        return resolved

    async def remove_sla(
        self, namespace: str, name: str, cluster: str, *, validate_only: bool = False
    ) -> None:
        step = self._cluster_sla(name, cluster, None)
        await self._revisions.change(namespace, name, step, validate_only=validate_only)

    def _cluster_sla(self, name: str, cluster: str, sla: model.Sla | None) -> deployment_revisions.Step:
        async def step(current: model.Deployment | None) -> model.Deployment:
            deployment = _existing(current, name)
            changed = cluster_of(deployment, cluster).model_copy(update={"sla": sla})
            return deployment.model_copy(update={"clusters": {**deployment.clusters, cluster: changed}})

        return step

    async def _merge(
        self, namespace: str, name: str, blueprint: model.Blueprint, validate_only: bool
    ) -> list[model.Artifact]:
        resolved = await self._artifacts.resolve(namespace, blueprint)

        async def step(current: model.Deployment | None) -> model.Deployment:
            if current is None and await self._artifacts.find(namespace, "workflows", name) is not None:
                raise errors.ConflictError(workflow_rules.name_clash(name))
            merged = deployments.merge(current, resolved, name=name, now=self._clock(), host=self._host)
            await self._check_ports(namespace, merged)
            return merged

        deployment = await self._revisions.change(namespace, name, step, validate_only=validate_only)
        assert deployment is not None, "a merge always gives a deployment"
        breeds = deployments.inline_breeds(blueprint)
        return [*await self._artifacts.save(namespace, breeds, validate_only=validate_only), deployment]

    async def _check_ports(self, namespace: str, deployment: model.Deployment) -> None:
        own = f"{deployment.name}/"
        others = [
            gateway
            for gateway in await namespace_gateways.gateways(self._artifacts, namespace)
            if not (gateway.name or "").startswith(own)
        ]
        own_gateways = deployment_gateways.gateways_of(deployment)
        namespace_gateways.check_ports(others, own_gateways)
        elsewhere = await namespace_gateways.elsewhere(self._artifacts, namespace)
        namespace_gateways.check_ports_elsewhere(elsewhere, own_gateways)

    async def _stored(self, namespace: str, kind: str, part: A | model.Ref, wanted: type[A]) -> A:
        """``part`` itself, or the stored artifact of ``kind`` it refers to."""
        if not isinstance(part, model.Ref):
            return part
        found = await self._artifacts.find(namespace, kind, part.name)
        if not isinstance(found, wanted):
            raise errors.DslError.single(
                messages.MISSING_ARTIFACT.format(kind=kind, name=part.name), "reference"
            )
        return found


def _existing(deployment: model.Deployment | None, name: str) -> model.Deployment:
    if deployment is None:
        raise artifacts.not_found(KIND, name)
    return deployment


def cluster_of(deployment: model.Deployment, cluster: str) -> model.DeploymentCluster:
    """A cluster of the deployment. Raises ``errors.NotFoundError`` when it has no such cluster."""
    return deployments.cluster_of(deployment, cluster, missing=errors.NotFoundError)


def _service(deployment: model.Deployment, cluster: str, breed: str) -> model.DeploymentService:
    return deployments.service_of(deployment, cluster, breed, missing=errors.NotFoundError)


def _with_service(
    deployment: model.Deployment, cluster: str, service: model.DeploymentService
) -> model.Deployment:
    found = deployment.clusters[cluster]
    services = tuple(service if s.breed.name == service.breed.name else s for s in found.services)
    changed = found.model_copy(update={"services": services})
    return deployment.model_copy(update={"clusters": {**deployment.clusters, cluster: changed}})
