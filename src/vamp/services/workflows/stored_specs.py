"""The specs of stored workflows, made once per revision of what they are made of.

Making a workflow's spec (``core.workflows.specs``) takes its breed and a named scale from the store, and
its digest hashes the whole spec; the workflow controller needs both for every running workflow at every
pass. ``StoredSpecs`` makes them again only when the workflow, or the breed or scale it names, has
another revision than when they were last made (a revision is never given twice to one artifact), and
reads a named breed or scale once per pass over a namespace (``begin_pass``).
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import TypeVar

from vamp import errors
from vamp.core import model
from vamp.core.workflows import runs, specs
from vamp.ports import store
from vamp.services import stored_models

_Found = TypeVar("_Found", model.Breed, model.Scale)


@dataclass(frozen=True, slots=True)
class Made:
    """A workflow's spec and its digest."""

    spec: runs.WorkflowSpec
    digest: str


class StoredSpecs:
    """The specs of the workflows of ``workflow_store`` (read through ``models``), their runs calling
    ``api_url``."""

    def __init__(
        self, workflow_store: store.ArtifactStore, models: stored_models.StoredModels, *, api_url: str
    ) -> None:
        self._store = workflow_store
        self._models = models
        self._api_url = api_url
        self._made: dict[runs.WorkflowKey, tuple[tuple[int, int | None, int | None], Made]] = {}
        """The spec last made of each workflow, by the revisions it was made of."""
        self._referrals: dict[tuple[str, str, str], store.StoredArtifact | None] = {}
        """The breeds and scales read in the current pass over a namespace."""

    def begin_pass(self) -> None:
        """Read named breeds and scales again from now on."""
        self._referrals.clear()

    def keep(self, namespace: str, names: Set[str]) -> None:
        """Forget the specs of the workflows of ``namespace`` not in ``names`` (gone from the store)."""
        for key in [key for key in self._made if key.namespace == namespace and key.name not in names]:
            del self._made[key]

    async def spec(
        self, key: runs.WorkflowKey, workflow: model.Workflow, stored: store.StoredArtifact
    ) -> Made:
        """The spec of ``workflow`` (``stored``, of ``key``) and its digest.

        Raises:
            errors.NotFoundError: the breed or scale it names is not stored.
            errors.DslError: the spec cannot be made (``specs.workflow_spec``).
        """
        breed_found = scale_found = None
        if isinstance(workflow.breed, model.Ref):
            breed_found = await self._referred(key, "breeds", workflow.breed.name)
        if isinstance(workflow.scale, model.Ref):
            scale_found = await self._referred(key, "scales", workflow.scale.name)
        fingerprint = (stored.revision, _revision(breed_found), _revision(scale_found))
        held = self._made.get(key)
        if held is not None and held[0] == fingerprint:
            return held[1]
        breed = workflow.breed
        if isinstance(breed, model.Ref):
            breed = self._read(key, "breeds", breed.name, breed_found, model.Breed)
        scale = None
        if isinstance(workflow.scale, model.Ref):
            scale = self._read(key, "scales", workflow.scale.name, scale_found, model.Scale)
        spec = specs.workflow_spec(
            workflow,
            breed,
            namespace=key.namespace,
            api_url=self._api_url,
            created=stored.created,
            scale=scale,
        )
        made = Made(spec, spec.digest)
        self._made[key] = (fingerprint, made)
        return made

    async def _referred(self, key: runs.WorkflowKey, kind: str, name: str) -> store.StoredArtifact | None:
        """What the workflow ``key`` names, read once per pass over its namespace."""
        where = (key.namespace, kind, name)
        if where not in self._referrals:
            self._referrals[where] = await self._store.get(key.namespace, kind, name)
        return self._referrals[where]

    def _read(
        self,
        key: runs.WorkflowKey,
        kind: str,
        name: str,
        found: store.StoredArtifact | None,
        wanted: type[_Found],
    ) -> _Found:
        read = None if found is None else self._models.model_of(found)
        if not isinstance(read, wanted):
            singular = kind.removesuffix("s")
            raise errors.NotFoundError(
                f"Workflow '{key.name}' names the {singular} '{name}', which namespace '{key.namespace}' "
                f"does not hold; store the {singular}, or give it inline."
            )
        return read


def _revision(found: store.StoredArtifact | None) -> int | None:
    return None if found is None else found.revision
