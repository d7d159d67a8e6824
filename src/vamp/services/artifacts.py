"""The artifact service: documents read against the store, and artifacts stored, listed and deleted.

Owns the static kinds (breeds, blueprints, scales, slas, escalations, conditions, routes, rewrites,
templates) and workflows, which are only stored; free-standing gateways are stored here too, after
``gateway_artifacts`` checked them. Artifacts are kept as their canonical data (``dsl.to_data``) and read
back through the DSL, once per revision (``stored_models``). A blueprint is stored with its inline breeds
split off and stored on their own (vamp.md §1.4), so it refers to them by name. Writes are upserts, as
Vamp's POST and PUT are; the artifacts of one ``save`` are written in one transaction (``put_many``: all
or none); every write and delete is an archive event (the store's). After a write that
may change a routing plan (gateways, routes, conditions, rewrites) the ``Notifier`` hears about it.

Every artifact read is also held to the server's scale limits (``validation.ScaleLimits``: instances,
CPU and memory), so no document asks a driver for more than the operator allows.

Reading goes through ``lookups.with_lookup``: what a document imports (``import: breeds/sava``) and what a
blueprint refers to are fetched from the store of the same namespace. Nothing here knows HTTP.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from vamp import errors
from vamp.core import deployments, dsl, model, validation
from vamp.ports import store
from vamp.services import changes, lookups, references, stored_models

ROUTING_KINDS = frozenset({"gateways", "routes", "conditions", "rewrites"})
"""Kinds whose changes may change a routing plan."""

COMPANIONS: dict[str, tuple[str, ...]] = {"releases": ("release-statuses",)}
"""Internal kinds stored under an artifact's name next to it (a release's status), deleted with it."""


def not_found(kind: str, name: str) -> errors.NotFoundError:
    return errors.NotFoundError(f"{kind} '{name}' not found.")


def name_of(artifact: model.Artifact) -> str:
    """The name a stored artifact has (the DSL requires one for every stored kind)."""
    if artifact.name is None:
        raise errors.DslError.single(f"A stored {artifact.kind} artifact needs a name.", "name")
    return artifact.name


class ArtifactService:
    """Artifacts of every namespace in ``store``; ``notifier`` hears about routing changes; no scale read
    may go beyond ``limits``."""

    def __init__(
        self,
        store: store.ArtifactStore,
        notifier: changes.Notifier,
        *,
        limits: validation.ScaleLimits = validation.DEFAULT_LIMITS,
    ) -> None:
        self._store = store
        self._notifier = notifier
        self._limits = limits
        self._models = stored_models.StoredModels(model_of)

    async def read(
        self, namespace: str, text: str, *, kind: str | None, merging: bool = False
    ) -> list[model.Artifact]:
        """The artifacts of ``text`` (``dsl.read``), with imports found in ``namespace``.

        Raises:
            errors.DslError: with every issue of every document, or scales beyond the server's limits.
        """
        found = await self._import_lookups(namespace).run(
            lambda lookup: dsl.read(text, kind=kind, lookup=lookup, merging=merging)
        )
        return self._within_limits(found)

    async def read_data(
        self, namespace: str, data: object, *, kind: str | None, merging: bool = False
    ) -> list[model.Artifact]:
        """Like ``read``, for a document already parsed into plain data."""
        found = await self._import_lookups(namespace).run(
            lambda lookup: dsl.read_data(data, kind=kind, lookup=lookup, merging=merging)
        )
        return self._within_limits(found)

    def _within_limits(self, found: list[model.Artifact]) -> list[model.Artifact]:
        """``found``, when every scale in it is within the server's limits.

        Raises:
            errors.DslError: one issue per value beyond a limit, in the document of its artifact.
        """
        issues = [
            issue
            for index, artifact in enumerate(found)
            for issue in validation.problems.issues(validation.scale_problems(artifact, self._limits), index)
        ]
        if issues:
            raise errors.DslError(issues)
        return found

    async def find(self, namespace: str, kind: str, name: str) -> model.Artifact | None:
        stored = await self._store.get(namespace, kind, name)
        return None if stored is None else self._models.model_of(stored)

    async def get(self, namespace: str, kind: str, name: str) -> model.Artifact:
        """The artifact. Raises ``errors.NotFoundError`` when there is none."""
        found = await self.find(namespace, kind, name)
        if found is None:
            raise not_found(kind, name)
        return found

    async def page(
        self, namespace: str, kind: str, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Artifact]:
        """Artifacts of one kind in name order, and how many there are in all."""
        page = await self._store.list(namespace, kind, offset=offset, limit=limit)
        return store.Page(items=[self._models.model_of(stored) for stored in page.items], total=page.total)

    async def namespaces(self) -> Sequence[str]:
        """Every namespace that holds at least one artifact, in name order."""
        return await self._store.namespaces()

    async def resolve(self, namespace: str, blueprint: model.Blueprint) -> model.Blueprint:
        """The blueprint with every reference replaced by the stored artifact it names.

        Raises:
            errors.DslError: one issue per reference that names nothing stored.
        """
        return await self._stored_lookups(namespace).run(
            lambda lookup: deployments.resolve_blueprint(blueprint, lookup)
        )

    async def expanded(self, namespace: str, artifact: model.Artifact) -> model.Artifact:
        """``artifact`` with its references replaced by what they name (``?expand_references=true``)."""
        return await self._stored_lookups(namespace).run(lambda lookup: references.expanded(artifact, lookup))

    async def save(
        self,
        namespace: str,
        artifacts: Sequence[model.Artifact],
        *,
        source: str | None = None,
        validate_only: bool = False,
    ) -> list[model.Artifact]:
        """Store (create or replace) ``artifacts`` and return what was stored, inline breeds included.

        Args:
            source: the text the artifacts were read from, kept in the archive when it holds one artifact
                (the store keeps it as sent up to 64 KiB, else the artifact's canonical data).
            validate_only: check and return, but store nothing.
        """
        stored = [part for artifact in artifacts for part in _as_stored(artifact)]
        if validate_only:
            return stored
        # The source is the one artifact's (after its inline breeds), not theirs.
        kept_source = source if len(artifacts) == 1 else None
        puts = [_put(part, kept_source if at == len(stored) - 1 else None) for at, part in enumerate(stored)]
        await self._store.put_many(namespace, puts)
        if any(artifact.kind in ROUTING_KINDS for artifact in stored):
            self._notifier.gateways_changed(namespace)
        return stored

    async def delete(
        self, namespace: str, kind: str, name: str, *, validate_only: bool = False
    ) -> model.Artifact | None:
        """Delete an artifact; what was stored, or ``None`` when there was nothing (not an error)."""
        if validate_only:
            return await self.find(namespace, kind, name)
        deleted = await self._store.delete(namespace, kind, name)
        if deleted is None:
            return None
        for companion in COMPANIONS.get(kind, ()):
            await self._store.delete(namespace, companion, name)
        if kind in ROUTING_KINDS:
            self._notifier.gateways_changed(namespace)
        return model_of(deleted)

    def _stored_lookups(self, namespace: str) -> lookups.Prefetch[model.Artifact]:
        """Lookups of stored artifacts (for resolving references)."""
        return lookups.Prefetch(functools.partial(self.find, namespace))

    def _import_lookups(self, namespace: str) -> lookups.Prefetch[Mapping[str, Any]]:
        """Lookups of what ``import`` names."""
        return lookups.Prefetch(functools.partial(self._imported, namespace))

    async def _imported(self, namespace: str, kind: str, name: str) -> Mapping[str, Any] | None:
        """What ``import: kind/name`` merges in: a template's definition, or a stored artifact's data."""
        stored = await self._store.get(namespace, kind, name)
        if stored is None:
            return None
        if kind == "templates":
            definition = stored.data.get("definition")
            return definition if isinstance(definition, Mapping) else {}
        return stored.data


def _put(artifact: model.Artifact, source: str | None) -> store.Put:
    """How ``artifact`` is written: as its canonical data, over whatever is stored (an upsert)."""
    return store.Put(artifact.kind, name_of(artifact), dsl.to_data(artifact), revision=None, source=source)


def _as_stored(artifact: model.Artifact) -> list[model.Artifact]:
    """What storing ``artifact`` stores: a blueprint's inline breeds first, then the artifact itself."""
    if isinstance(artifact, model.Blueprint):
        return [*deployments.inline_breeds(artifact), deployments.with_breed_references(artifact)]
    return [artifact]


def model_of(stored: store.StoredArtifact) -> model.Artifact:
    """A stored artifact read back; data this version cannot read is the store's problem, not the user's."""
    try:
        found = dsl.read_data(dict(stored.data), kind=stored.kind)
    except errors.DslError as exc:
        raise errors.StoreError(
            f"{stored.kind}/{stored.name} in namespace {stored.namespace!r} is stored in a form this "
            f"version cannot read ({exc}); store it again."
        ) from exc
    if len(found) != 1:
        raise errors.StoreError(
            f"{stored.kind}/{stored.name} in namespace {stored.namespace!r} is stored empty; store it again."
        )
    return found[0]
