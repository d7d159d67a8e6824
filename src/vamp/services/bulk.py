"""Bulk requests: many artifacts in one body, each handled by the service of its kind (vamp.md §2.2).

``POST``/``PUT``/``DELETE /api/v1`` take documents of any kinds, each saying its kind (``breed`` and
``breeds`` alike); ``/api/v1/{kind}`` takes documents of that one kind. Every document is read and
checked before anything is stored, so a body with one bad document changes nothing. Then, in order:
static kinds and workflows are stored or deleted; gateways go through the gateway service (with its
internal-gateway rules); deployment documents are blueprints to merge into (``POST``, ``PUT``) or slice
out of (``DELETE``) the deployment of their name.

A save takes time linear in the size of the body: the documents between two deployment documents (or
deployment gateways, which are compare-and-set steps on their deployment) are checked, then stored in
one store transaction, all or none, and the gateway synchroniser hears of them once. Free-standing
gateways are checked against one index of the ports held (``port_holders``: every gateway of every
namespace, and the body's own gateways before them), built once, not against every gateway per
document; so a body of gateways with one port clash stores nothing, with the message the clash has always
had. Workflows keep Vamp's rules (``workflows.requests``):
stored only while new or suspended, never under a deployment's name, and deleted by stopping them.

``DELETE`` goes by kind and name, as Vamp's does: a document that gives only ``kind`` and ``name``
(``kind: breed``, ``name: probe:1``) deletes that artifact, and the rest of a full document is not read,
but for a deployment's, whose clusters say which services to slice out (with its name alone, every
service goes). A document whose kind or name cannot be told is read in full, for the reader's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from vamp import errors
from vamp.core import model
from vamp.core.routing import port_holders
from vamp.services import artifacts, deployments, documents, gateway_artifacts
from vamp.services.workflows import requests as workflow_requests

DEPLOYMENTS = "deployments"
GATEWAYS = "gateways"
WORKFLOWS = "workflows"
NAME_KEYS = frozenset({"kind", "name"})


@dataclass(frozen=True, slots=True)
class Deletion:
    """One document of a ``DELETE`` body: the artifact of ``kind`` (plural) and ``name`` to delete.

    ``blueprint`` is a deployment document's clusters, whose services are sliced out of the deployment;
    ``None`` for every other kind, and for a deployment named alone (all of its services go).
    """

    kind: str
    name: str
    blueprint: model.Blueprint | None = None


class Bulk:
    """Dispatches the documents of one body to the artifact, gateway and deployment services."""

    def __init__(
        self,
        artifacts: artifacts.ArtifactService,
        gateways: gateway_artifacts.GatewayService,
        deployments: deployments.DeploymentService,
        workflows: workflow_requests.WorkflowRequests,
    ) -> None:
        self._artifacts = artifacts
        self._gateways = gateways
        self._deployments = deployments
        self._workflows = workflows

    async def read(self, namespace: str, text: str, *, kind: str | None) -> list[tuple[str, model.Artifact]]:
        """Every artifact of ``text`` with the kind of service it goes to; deployments come as blueprints.

        ``kind`` is the one kind every document must be, or ``None`` when each says its own.

        Raises:
            errors.DslError: with the issues of every document.
        """
        if kind == DEPLOYMENTS:
            return [(DEPLOYMENTS, blueprint) for blueprint in await self._deployments.read(namespace, text)]
        if kind is not None:
            return [(found.kind, found) for found in await self._artifacts.read(namespace, text, kind=kind)]
        items: list[tuple[str, model.Artifact]] = []
        issues: list[errors.Issue] = []
        for index, data in enumerate(await documents.parsed(text)):
            given = _kind(data)
            read: list[model.Artifact]
            try:
                if given == DEPLOYMENTS:
                    read = list(await self._deployments.read_data(namespace, data))
                else:
                    read = await self._artifacts.read_data(namespace, data, kind=None)
            except errors.DslError as exc:
                issues += [replace(issue, document=index) for issue in exc.issues]
                continue
            items += [(given if given == DEPLOYMENTS else found.kind, found) for found in read]
        if issues:
            raise errors.DslError(issues)
        return items

    async def save(
        self,
        namespace: str,
        items: Sequence[tuple[str, model.Artifact]],
        *,
        source: str | None = None,
        validate_only: bool = False,
    ) -> list[model.Artifact]:
        """Store ``items`` (as ``read`` gives them) in order; return everything stored.

        ``source`` is the text they were read from, kept in the archive when it holds one artifact.
        """
        # Nothing is stored when a deployment of the body would run a command the server does not allow.
        await self._deployments.check_commands(
            namespace,
            [item for kind, item in items if kind == DEPLOYMENTS and isinstance(item, model.Blueprint)],
        )
        # Nor when a workflow of the body runs now or would take a deployment's name.
        deploying = {
            item.name for kind, item in items if kind == DEPLOYMENTS and isinstance(item, model.Blueprint)
        }
        await self._workflows.check_storable(namespace, [item for _, item in items], deploying=deploying)
        done: list[model.Artifact] = []
        source = source if len(items) == 1 else None
        batch: list[model.Artifact] = []
        """Artifacts checked and waiting to be stored in one write (static kinds, free-standing gateways)."""
        free: list[model.Gateway] = []
        """The free-standing gateways of the body checked so far."""
        holders: port_holders.PortHolders | None = None
        """The ports held now, with those of ``free``; built when the first free gateway needs it."""

        async def store_batch() -> None:
            if batch:
                done.extend(
                    await self._artifacts.save(namespace, batch, source=source, validate_only=validate_only)
                )
                batch.clear()

        for kind, artifact in items:
            if kind == DEPLOYMENTS and isinstance(artifact, model.Blueprint):
                await store_batch()
                done += await self._deployments.deploy(namespace, [artifact], validate_only=validate_only)
                holders = None  # its gateways hold ports now
            elif isinstance(artifact, model.Gateway) and await self._gateways.is_free_standing(
                namespace, artifacts.name_of(artifact)
            ):
                if holders is None:
                    holders = await self._gateways.port_holders(namespace)
                    for checked in free:
                        holders.hold(checked)
                holders.check(artifact)
                holders.hold(artifact)
                free.append(artifact)
                batch.append(artifact)
            elif isinstance(artifact, model.Gateway):
                await store_batch()
                view = await self._gateways.save(
                    namespace, artifact, source=source, validate_only=validate_only
                )
                done.append(view)
                if holders is not None:
                    holders.hold(view)
            else:
                batch.append(artifact)
        await store_batch()
        return done

    async def read_deletions(self, namespace: str, text: str, *, kind: str | None) -> list[Deletion]:
        """What a ``DELETE`` body names, by kind and name (``kind`` as for ``read``).

        Raises:
            errors.DslError: with the issues of every document whose kind or name cannot be told.
        """
        found: list[Deletion] = []
        issues: list[errors.Issue] = []
        for index, data in enumerate(await documents.parsed(text)):
            try:
                found += await self._deletions(namespace, data, kind)
            except errors.DslError as exc:
                issues += [replace(issue, document=index) for issue in exc.issues]
        if issues:
            raise errors.DslError(issues)
        return found

    async def _deletions(self, namespace: str, data: object, kind: str | None) -> list[Deletion]:
        named = _named(data, kind)
        if named is not None and named.kind != DEPLOYMENTS:
            return [named]
        if named is not None and isinstance(data, dict) and set(data) <= NAME_KEYS:
            return [named]
        if named is not None or kind == DEPLOYMENTS or _kind(data) == DEPLOYMENTS:
            return [
                Deletion(DEPLOYMENTS, blueprint.name, blueprint)
                for blueprint in await self._deployments.read_data(namespace, data)
            ]
        read = await self._artifacts.read_data(namespace, data, kind=kind)
        return [Deletion(item.kind, artifacts.name_of(item)) for item in read]

    async def delete(
        self, namespace: str, items: Sequence[Deletion], *, validate_only: bool = False
    ) -> list[model.Artifact]:
        """Delete ``items`` in order (slice the services of deployments); return what went, as it was."""
        done: list[model.Artifact] = []
        for item in items:
            if item.kind == DEPLOYMENTS:
                done += await (
                    self._deployments.undeploy(namespace, item.name, validate_only=validate_only)
                    if item.blueprint is None
                    else self._deployments.slice(
                        namespace, item.name, [item.blueprint], validate_only=validate_only
                    )
                )
            elif item.kind == WORKFLOWS:
                stopped = await self._workflows.stop(namespace, item.name, validate_only=validate_only)
                done += [] if stopped is None else [stopped]
            elif item.kind == GATEWAYS:
                try:
                    gateway: model.Artifact | None = await self._gateways.get(namespace, item.name)
                except errors.NotFoundError:
                    gateway = None
                await self._gateways.delete(namespace, item.name, validate_only=validate_only)
                done += [] if gateway is None else [gateway]
            else:
                deleted = await self._artifacts.delete(
                    namespace, item.kind, item.name, validate_only=validate_only
                )
                done += [] if deleted is None else [deleted]
        return done


def _named(data: object, kind: str | None) -> Deletion | None:
    """The kind and name a document gives (its kind agreeing with ``kind``), or ``None`` when it does not."""
    if not isinstance(data, dict) or "import" in data:
        return None
    given = _kind(data) if "kind" in data else kind
    name = data.get("name")
    if given is None or (kind is not None and given != kind) or not isinstance(name, str) or not name:
        return None
    return Deletion(given, name)


def _kind(data: object) -> str | None:
    """The plural kind a document says it is (``breed`` → ``breeds``), if it says a known one."""
    given = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(given, str):
        return None
    return given if given in model.KINDS else given + "s" if given + "s" in model.KINDS else None
