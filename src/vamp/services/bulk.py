"""Bulk requests: many artifacts in one body, each handled by the service of its kind (vamp.md §2.2).

``POST``/``PUT``/``DELETE /api/v1`` take documents of any kinds, each saying its kind (``breed`` and
``breeds`` alike); ``/api/v1/{kind}`` takes documents of that one kind. Every document is read and
checked before anything is stored, so a body with one bad document changes nothing. Then, in order:
static kinds and workflows are stored or deleted; gateways go through the gateway service (with its
internal-gateway rules); deployment documents are blueprints to merge into (``POST``, ``PUT``) or slice
out of (``DELETE``) the deployment of their name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from vamp import errors
from vamp.core import model
from vamp.services import artifacts, deployments, documents, gateway_artifacts

DEPLOYMENTS = "deployments"
GATEWAYS = "gateways"


class Bulk:
    """Dispatches the documents of one body to the artifact, gateway and deployment services."""

    def __init__(
        self,
        artifacts: artifacts.ArtifactService,
        gateways: gateway_artifacts.GatewayService,
        deployments: deployments.DeploymentService,
    ) -> None:
        self._artifacts = artifacts
        self._gateways = gateways
        self._deployments = deployments

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
        done: list[model.Artifact] = []
        source = source if len(items) == 1 else None
        for kind, artifact in items:
            if kind == DEPLOYMENTS and isinstance(artifact, model.Blueprint):
                done += await self._deployments.deploy(namespace, [artifact], validate_only=validate_only)
            elif isinstance(artifact, model.Gateway):
                done.append(
                    await self._gateways.save(namespace, artifact, source=source, validate_only=validate_only)
                )
            else:
                done += await self._artifacts.save(
                    namespace, [artifact], source=source, validate_only=validate_only
                )
        return done

    async def delete(
        self, namespace: str, items: Sequence[tuple[str, model.Artifact]], *, validate_only: bool = False
    ) -> list[model.Artifact]:
        """Delete ``items`` in order (slice the services of deployment documents); return what went."""
        done: list[model.Artifact] = []
        for kind, artifact in items:
            name = artifacts.name_of(artifact)
            if kind == DEPLOYMENTS and isinstance(artifact, model.Blueprint):
                done += await self._deployments.slice(
                    namespace, name, [artifact], validate_only=validate_only
                )
            elif isinstance(artifact, model.Gateway):
                await self._gateways.delete(namespace, name, validate_only=validate_only)
                done.append(artifact)
            else:
                deleted = await self._artifacts.delete(namespace, kind, name, validate_only=validate_only)
                done += [] if deleted is None else [deleted]
        return done


def _kind(data: object) -> str | None:
    """The plural kind a document says it is (``breed`` → ``breeds``), if it says a known one."""
    given = data.get("kind") if isinstance(data, dict) else None
    if not isinstance(given, str):
        return None
    return given if given in model.KINDS else given + "s" if given + "s" in model.KINDS else None
