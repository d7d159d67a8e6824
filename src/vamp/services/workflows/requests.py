"""What users ask of workflows through the API (vamp.md §1.15, §2.2, §7.1): read and set their status,
stop them, read their executions, and Vamp's rules on storing them.

A workflow's status is the stored workflow's ``status`` field. A user sets it to ``running``,
``suspended``, ``restarting`` or ``stopping`` (or another status Vamp allowed: ``starting``,
``suspending``); the workflow controller acts on it — schedules or unschedules the workflow on the
workflow runtime, writes ``running`` or ``suspended`` back, and deletes a ``stopping`` workflow once its
runs are gone. Every write here is compare-and-set on the stored workflow's revision, read again and
tried again when the controller wrote in between, so neither loses the other's change.

``stop`` is what ``DELETE`` does to a workflow: its status becomes ``stopping``, and the controller
deletes it. A server that runs no workflows (no runtime) has nothing to stop, and deletes it at once.

Rules on storing (``check_storable``, for the bulk service): a workflow is created or updated only while
it does not exist or is ``suspended``, and never under a deployment's name (``DeploymentService``
refuses the other way round). Executions come from the runtime (``ports.workflows.WorkflowRuntime``);
nothing here knows HTTP.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from vamp import errors
from vamp.core import dsl, model
from vamp.core.workflows import rules, runs
from vamp.ports import store, workflows
from vamp.services import artifacts

KIND = "workflows"
DEPLOYMENTS = "deployments"
ATTEMPTS = 5
"""How many times a status write is tried when the workflow keeps changing under it."""


class WorkflowRequests:
    """The workflows of every namespace in ``store``; ``runtime`` runs them (``None``: this server runs
    no workflows, so it has no executions to show and nothing to stop)."""

    def __init__(self, store: store.ArtifactStore, runtime: workflows.WorkflowRuntime | None) -> None:
        self._store = store
        self._runtime = runtime

    async def get(self, namespace: str, name: str) -> model.Workflow:
        """The stored workflow. Raises ``errors.NotFoundError`` when there is none."""
        workflow, _ = await self._stored(namespace, name)
        return workflow

    async def status(self, namespace: str, name: str) -> model.WorkflowStatus:
        """The workflow's status. Raises ``errors.NotFoundError`` when there is no such workflow."""
        return (await self.get(namespace, name)).status

    async def set_status(
        self, namespace: str, name: str, word: str, *, validate_only: bool = False
    ) -> model.Workflow:
        """Give the workflow the status ``word`` names; the workflow as stored.

        Raises:
            errors.RequestError: ``word`` is no workflow status (the message lists them).
            errors.NotFoundError: there is no such workflow.
            errors.ConflictError: the workflow changed under every one of ``ATTEMPTS`` writes.
        """
        status = rules.status_of(word)
        if status is None:
            raise errors.RequestError(rules.illegal_status(word))
        return await self._write(namespace, name, status, validate_only=validate_only)

    async def stop(self, namespace: str, name: str, *, validate_only: bool = False) -> model.Workflow | None:
        """Stop the workflow (``DELETE``): status ``stopping``, for the controller to unschedule and delete
        it; deleted at once when this server runs no workflows. The workflow as it now is (as it was, when
        deleted); ``None`` when there is none (not an error)."""
        try:
            found, _ = await self._stored(namespace, name)
        except errors.NotFoundError:
            return None
        if self._runtime is None:
            if not validate_only:
                await self._store.delete(namespace, KIND, name)
            return found
        try:
            return await self._write(
                namespace, name, model.WorkflowStatus.STOPPING, validate_only=validate_only
            )
        except errors.NotFoundError:
            return None

    async def executions(self, namespace: str, name: str, *, failed: bool = False) -> list[runs.Execution]:
        """The workflow's last executions, newest first (``failed``: only those that failed or timed out).

        Raises:
            errors.NotFoundError: there is no such workflow.
            errors.UnavailableError: this server runs no workflows.
            errors.DriverError: the runtime cannot tell.
        """
        await self.get(namespace, name)
        if self._runtime is None:
            raise errors.UnavailableError(
                f"This server runs no workflows, so workflow '{name}' has no executions to show; "
                "a server started by `vamp up` or `vamp server` runs them."
            )
        found = await self._runtime.executions(runs.WorkflowKey(namespace, name))
        newest_first = sorted(found, key=lambda execution: execution.started, reverse=True)
        return [execution for execution in newest_first if execution.status.failed or not failed]

    async def check_storable(
        self, namespace: str, candidates: Sequence[model.Artifact], *, deploying: Collection[str] = ()
    ) -> None:
        """Refuse to store the workflows among ``candidates`` where Vamp refused to; ``deploying`` names the
        deployments stored with them (in one bulk body).

        Raises:
            errors.ConflictError: a workflow is stored already and not suspended, or a deployment has its
                name.
        """
        for candidate in candidates:
            if not isinstance(candidate, model.Workflow):
                continue
            stored = await self._store.get(namespace, KIND, candidate.name)
            current = None if stored is None else _workflow_of(stored).status
            refusal = rules.update_refusal(candidate.name, current)
            if refusal is not None:
                raise errors.ConflictError(refusal)
            if (
                candidate.name in deploying
                or await self._store.get(namespace, DEPLOYMENTS, candidate.name) is not None
            ):
                raise errors.ConflictError(rules.name_clash(candidate.name))

    async def _write(
        self, namespace: str, name: str, status: model.WorkflowStatus, *, validate_only: bool
    ) -> model.Workflow:
        for _ in range(ATTEMPTS):
            workflow, revision = await self._stored(namespace, name)
            changed = workflow.model_copy(update={"status": status})
            if validate_only or changed == workflow:
                return changed
            try:
                await self._store.put(namespace, KIND, name, dsl.to_data(changed), revision=revision)
            except errors.ConflictError:
                continue
            return changed
        raise errors.ConflictError(
            f"Workflow '{name}' changed {ATTEMPTS} times while its status was being set to {status.value}; "
            "try again."
        )

    async def _stored(self, namespace: str, name: str) -> tuple[model.Workflow, int]:
        stored = await self._store.get(namespace, KIND, name)
        if stored is None:
            raise artifacts.not_found(KIND, name)
        return _workflow_of(stored), stored.revision


def _workflow_of(stored: store.StoredArtifact) -> model.Workflow:
    found = artifacts.model_of(stored)
    if not isinstance(found, model.Workflow):
        raise errors.StoreError(
            f"{KIND}/{stored.name} holds a {found.kind} artifact; delete it and store it again."
        )
    return found
