"""Release policies and their statuses in the store: what the API shows and the release controller calls.

A release's policy is an artifact (``releases``, stored by the artifact service like every kind, with its
revision and archive events). Its status (``model.ReleaseStatus``) is stored apart, under the internal
kind ``STATUS_KIND`` with the release's name, so that a user's PUT of the policy never wipes it and the
controller's frequent writes never make a new policy revision. The status is deleted with the policy
(``artifacts.COMPANIONS``). A release with no status stored yet is ``Pending`` since the policy was
stored, with no decisions (revision 0: "not stored yet", for compare-and-set).

For the controller (another module of this package runs the policies; nothing here moves weights):

* ``all()`` — every release of every namespace, each with its policy, the policy's revision, its status
  and the status's revision (``Tracked``);
* ``tracked(namespace, name)`` — one of them, freshly read;
* ``write_status(namespace, name, status, revision=...)`` — compare-and-set: ``revision`` is the status
  revision the writer read (0: none was stored); a write against any other raises ``errors.ConflictError``,
  so the controller and a user's ``request`` never lose each other's change: read again, redo, write;
* ``record(namespace, name, decision, status=..., revision=...)`` — ``status`` with ``decision``
  appended (bounded, ``ReleaseStatus.with_decision``) written by compare-and-set, then the decision
  published as an event tagged ``releases:<name>`` and ``release:<action>`` whose value is the decision
  (``decision_data``): the status first, so an event never announces a decision that is not stored.

A user acts by hand through ``request`` (``PUT /api/v1/releases/{name}/status``): it sets the status's
``requested`` (retrying on conflicts with the controller) and publishes an event tagged
``releases:<name>`` and ``release:requested``. The controller acts on ``requested`` at its next look,
records the decision it took (``paused``, ``resumed``, ``promoted``, ``aborted``) and clears
``requested``. A request on a release in a final phase is refused (it is over; store it again to rerun).

A policy stored again while the release runs has a newer revision than the status's ``policy_revision``.
The controller should then keep the weights it set, take the new policy from the step whose weight is
the first at least the candidate's current weight, set ``policy_revision`` and record a ``resumed``
decision whose reason names the new revision; a changed ``gateway``, ``from`` or ``to`` is a new release:
the controller should abort the old one (weights back to the baseline) and start again from Pending.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vamp import errors
from vamp.core import model
from vamp.ports import store
from vamp.services import artifacts, events

KIND = "releases"
STATUS_KIND = artifacts.COMPANIONS[KIND][0]
ATTEMPTS = 5
"""How many times a hand request is tried against a controller writing the same status at once."""


@dataclass(frozen=True, slots=True)
class Tracked:
    """A release as stored: its policy (and the policy's revision), its status (and the status's revision;
    0 when none is stored yet), in ``namespace``."""

    namespace: str
    policy: model.Release
    policy_revision: int
    status: model.ReleaseStatus
    status_revision: int


def decision_data(decision: model.Decision) -> dict[str, Any]:
    """A decision as plain JSON data: the value of its event, and how the API shows it."""
    return decision.model_dump(mode="json")


def status_data(status: model.ReleaseStatus) -> dict[str, Any]:
    """A status as plain JSON data, as it is stored and as the API shows it."""
    return status.model_dump(mode="json")


def status_of(stored: store.StoredArtifact) -> model.ReleaseStatus:
    """A stored status read back; data this version cannot read is the store's problem."""
    try:
        return model.ReleaseStatus.model_validate(dict(stored.data))
    except ValueError as exc:
        raise errors.StoreError(
            f"The status of release {stored.name!r} in namespace {stored.namespace!r} is stored in a form "
            f"this version cannot read ({exc}); set it again with PUT /api/v1/releases/{stored.name}/status."
        ) from exc


class Releases:
    """The releases of every namespace in ``release_store``; decisions and requests are published through
    ``publisher``; ``now`` is the clock (UTC)."""

    def __init__(
        self,
        release_store: store.ArtifactStore,
        publisher: events.Events,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = release_store
        self._publisher = publisher
        self._now = now

    async def all(self) -> list[Tracked]:
        """Every release of every namespace, in namespace and name order."""
        found: list[Tracked] = []
        for namespace in await self._store.namespaces():
            for stored in (await self._store.list(namespace, KIND)).items:
                found.append(await self._tracked(stored))
        return found

    async def tracked(self, namespace: str, name: str) -> Tracked:
        """The release ``name`` of ``namespace``. Raises ``errors.NotFoundError`` when there is none."""
        stored = await self._store.get(namespace, KIND, name)
        if stored is None:
            raise artifacts.not_found(KIND, name)
        return await self._tracked(stored)

    async def status(self, namespace: str, name: str) -> model.ReleaseStatus:
        """The status of the release ``name`` (``Pending`` when none is stored). Raises
        ``errors.NotFoundError`` when there is no such release."""
        return (await self.tracked(namespace, name)).status

    async def write_status(
        self, namespace: str, name: str, status: model.ReleaseStatus, *, revision: int
    ) -> int:
        """Store ``status`` if the stored status is still at ``revision`` (0: none stored); the new revision.

        Raises:
            errors.ConflictError: someone wrote the status since it was read at ``revision``.
            errors.NotFoundError: the release is gone.
        """
        if await self._store.get(namespace, KIND, name) is None:
            raise artifacts.not_found(KIND, name)
        written = await self._store.put(namespace, STATUS_KIND, name, status_data(status), revision=revision)
        return written.revision

    async def record(
        self,
        namespace: str,
        name: str,
        decision: model.Decision,
        *,
        status: model.ReleaseStatus,
        revision: int,
    ) -> tuple[model.ReleaseStatus, int]:
        """Store ``status`` with ``decision`` appended (compare-and-set at ``revision``, as
        ``write_status``), then publish the decision's event; the status as stored and its revision."""
        kept = status.with_decision(decision)
        written = await self.write_status(namespace, name, kept, revision=revision)
        await self._publisher.publish(
            namespace,
            model.Event(
                tags=(f"{KIND}:{name}", f"release:{decision.action.value}"),
                type="release",
                value=decision_data(decision),
            ),
        )
        return kept, written

    async def request(self, namespace: str, name: str, requested: model.Requested) -> model.ReleaseStatus:
        """Ask the controller for ``requested`` by hand; the status with the request recorded.

        Raises:
            errors.NotFoundError: there is no such release.
            errors.ConflictError: the release is over (a final phase), or the controller kept writing.
        """
        for _ in range(ATTEMPTS):
            found = await self.tracked(namespace, name)
            if found.status.final:
                raise errors.ConflictError(
                    f"Release {name!r} is over ({found.status.phase.value}); it cannot be set {requested}. "
                    f"Store the release again to run it again."
                )
            status = found.status.model_copy(update={"requested": requested})
            try:
                await self.write_status(namespace, name, status, revision=found.status_revision)
            except errors.ConflictError:
                continue
            await self._publisher.publish(
                namespace,
                model.Event(
                    tags=(f"{KIND}:{name}", "release:requested"),
                    type="release",
                    value={"requested": requested.value, "phase": status.phase.value, "step": status.step},
                ),
            )
            return status
        raise errors.ConflictError(
            f"The status of release {name!r} changed {ATTEMPTS} times while being set; try again."
        )

    async def _tracked(self, stored: store.StoredArtifact) -> Tracked:
        policy = artifacts.model_of(stored)
        if not isinstance(policy, model.Release):
            raise errors.StoreError(f"{KIND}/{stored.name} holds a {policy.kind} artifact; store it again.")
        found = await self._store.get(stored.namespace, STATUS_KIND, stored.name)
        if found is None:
            pending = model.ReleaseStatus(since=stored.created, policy_revision=None)
            return Tracked(stored.namespace, policy, stored.revision, pending, 0)
        return Tracked(stored.namespace, policy, stored.revision, status_of(found), found.revision)
