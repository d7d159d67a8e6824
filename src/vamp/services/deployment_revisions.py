"""Changing a stored deployment by compare-and-set, trying again when someone else changed it first.

Deployments are written by several hands: the API (merge, slice, scale, gateway weights) and the
reconciler (statuses, instances, ports). Each change is a step from the deployment as read to the
deployment to store; the write names the revision read, and when it loses (``errors.ConflictError``)
the step runs again on what is stored now, so no one's change is lost. After each write the
``Notifier`` hears that the deployment, and with it the namespace's gateways, changed.

``Revisions`` loads and changes deployments for the deployment and gateway services, each revision read
as a model once (``stored_models``); ``deployment_of`` reads a stored one, for them and for the reconciler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from vamp import errors
from vamp.core import dsl, model
from vamp.ports import store
from vamp.services import artifacts, changes, stored_models

KIND = "deployments"
ATTEMPTS = 5
"""How many times a step runs before a conflict is given up on (and reported as one)."""

Step = Callable[[model.Deployment | None], Awaitable[model.Deployment | None]]
"""From the stored deployment (``None``: there is none) to the one to store (``None``: leave it)."""


def deployment_of(
    stored: store.StoredArtifact, models: stored_models.StoredModels | None = None
) -> model.Deployment:
    """The deployment ``stored`` holds, read through ``models`` (once per revision) when given."""
    found = artifacts.model_of(stored) if models is None else models.model_of(stored)
    if not isinstance(found, model.Deployment):
        raise errors.StoreError(
            f"{KIND}/{stored.name} holds a {found.kind} artifact; delete it and deploy again."
        )
    return found


class Revisions:
    """The deployments of every namespace in ``store``, changed step by step; ``notifier`` hears of each."""

    def __init__(self, store: store.ArtifactStore, notifier: changes.Notifier) -> None:
        self._store = store
        self._notifier = notifier
        self._models = stored_models.StoredModels(artifacts.model_of)

    async def load(self, namespace: str, name: str) -> model.Deployment | None:
        """The stored deployment, or ``None`` when there is none."""
        stored = await self._store.get(namespace, KIND, name)
        return None if stored is None else deployment_of(stored, self._models)

    async def change(
        self, namespace: str, name: str, step: Step, *, validate_only: bool = False
    ) -> model.Deployment | None:
        """Run ``step`` on deployment ``name`` and store its result; return the deployment as it now is.

        A step that returns ``None``, or the deployment unchanged, stores nothing. With ``validate_only``
        the step runs once and its result is returned without being stored.

        Raises:
            errors.ConflictError: the deployment changed under every one of ``ATTEMPTS`` tries.
            Whatever ``step`` raises.
        """
        attempt = 1
        while True:
            stored = await self._store.get(namespace, KIND, name)
            current = None if stored is None else deployment_of(stored, self._models)
            changed = await step(current)
            if changed is None or changed == current:
                return current
            if validate_only:
                return changed
            revision = 0 if stored is None else stored.revision
            try:
                await self._store.put(namespace, KIND, name, dsl.to_data(changed), revision=revision)
            except errors.ConflictError:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1
                continue
            # Routing first: a weight change reaches the gateway agents before the reconciler, which
            # has nothing to start or stop for it, takes its turn on the loop.
            self._notifier.gateways_changed(namespace)
            self._notifier.deployment_changed(namespace, name)
            return changed
