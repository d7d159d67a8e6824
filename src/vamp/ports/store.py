"""The store port: artifacts with compare-and-set revisions, and events (Vamp's archive and pulse).

Artifacts are stored as their canonical plain data (``vamp.core.dsl.to_data``) under
(namespace, kind, name), each with a revision that every write increments. Writes are compare-and-set:
a writer names the revision it read (0 for "must not exist yet"), and a write against any other revision
raises ``errors.ConflictError`` instead of losing someone's change. A revision is never given twice to
one (namespace, kind, name): an artifact deleted and created again goes on counting, so a writer still
holding a revision of the deleted one is refused. Every create, update and delete also appends an
archive event in the same transaction (vamp.md §1.1). Whoever ``listen``s hears of every event the store
keeps, archive events included, once it is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar

from vamp.core import model


@dataclass(frozen=True, slots=True)
class StoredArtifact:
    namespace: str
    kind: str
    name: str
    revision: int
    data: Mapping[str, Any]
    created: datetime
    updated: datetime


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int


@dataclass(frozen=True, slots=True)
class Put:
    """One artifact of a ``put_many``, with what ``put`` takes for it."""

    kind: str
    name: str
    data: Mapping[str, Any]
    revision: int | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Changed:
    """What ``ArtifactStore.changed`` answers: the revision of every artifact of a kind (in name order),
    and, in full, only those of them whose revision is not the one the caller knew."""

    revisions: Mapping[str, int]
    artifacts: Sequence[StoredArtifact]


class Aggregate(StrEnum):
    MIN = "min"
    MAX = "max"
    AVERAGE = "average"
    SUM = "sum"
    COUNT = "count"


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Events with every one of ``tags``, of ``type``, in a time range; newest first."""

    tags: tuple[str, ...] = ()
    type: str | None = None
    after: datetime | None = None
    after_inclusive: bool = False
    before: datetime | None = None
    before_inclusive: bool = False


actor: ContextVar[str | None] = ContextVar("vamp_store_actor", default=None)
"""Who makes the store writes of the current task: the API sets it to the request's token
(``<scope>/<name>``), and each archive event records it as the tag ``token:<scope>/<name>``. The
server's own loops write as nobody (``None``)."""

verb: ContextVar[str | None] = ContextVar("vamp_store_verb", default=None)
"""The HTTP method of the request whose store writes these are (``PUT``, ``POST``, ``DELETE``), set by the
API with ``actor``. Archive events are tagged by it as Vamp tags them: every put of a ``PUT`` is an
``archive:update`` (a new artifact too), of a ``POST`` an ``archive:create``, of a ``DELETE`` (a sliced
deployment) an ``archive:delete``; a delete is always an ``archive:delete``. Without a verb (the
server's own loops) a write is tagged by what it did."""

EventListener = Callable[[str, model.Event], None]
"""Told ``(namespace, event)`` of each event a store has kept; must return at once and never raise."""


class ArtifactStore(Protocol):
    async def get(self, namespace: str, kind: str, name: str) -> StoredArtifact | None:
        """The artifact, or ``None`` when there is none."""
        ...

    async def list(
        self, namespace: str, kind: str, *, offset: int = 0, limit: int | None = None
    ) -> Page[StoredArtifact]:
        """Artifacts of one kind in name order, and how many there are in all."""
        ...

    async def changed(self, namespace: str, kind: str, known: Mapping[str, int]) -> Changed:
        """The revision of every artifact of one kind, and in full those whose revision is not ``known``
        (name → the revision the caller read last; new artifacts too), each as ``get`` returns it.

        For a reader that keeps what it read (the gateway passes): an artifact that did not change is not
        decoded again. An artifact changed by another process on the same database is given in full.
        """
        ...

    async def put(
        self,
        namespace: str,
        kind: str,
        name: str,
        data: Mapping[str, Any],
        *,
        revision: int | None,
        source: str | None = None,
    ) -> StoredArtifact:
        """Create or replace an artifact.

        ``revision`` is the revision the writer read: 0 means "must not exist", ``None`` means "whatever is
        there" (an upsert). ``source`` is the text the user sent, kept as the archive event's value.
        Raises ``errors.ConflictError`` when the stored revision differs.
        """
        ...

    async def put_many(self, namespace: str, puts: Sequence[Put]) -> Sequence[StoredArtifact]:
        """Create or replace several artifacts in one transaction, all or none; return them as stored.

        Each is written as ``put`` writes it, in order (an artifact given twice is created, then
        replaced), each with its archive event; listeners hear the events once all are committed.
        Raises ``errors.ConflictError`` when a stored revision differs from a put's, and then stores
        nothing.
        """
        ...

    async def delete(
        self, namespace: str, kind: str, name: str, *, revision: int | None = None
    ) -> StoredArtifact | None:
        """Delete an artifact and return what was stored; ``None`` when there was nothing (not an error)."""
        ...

    async def namespaces(self) -> Sequence[str]:
        """Every namespace that holds at least one artifact, in name order."""
        ...

    async def publish(self, namespace: str, event: model.Event) -> model.Event:
        """Store an event and return it as stored: tags expanded, timestamp in UTC (now when missing).

        The id is the store's to give (ids are output only; one sent is replaced). Raises
        ``errors.DslError`` for an event without tags, with an invalid type or a value that is not JSON.
        """
        ...

    async def publish_all(self, namespace: str, events: Sequence[model.Event]) -> tuple[model.Event, ...]:
        """Store several events at once (one write, all or none), as ``publish`` stores one; in order."""
        ...

    async def events(
        self, namespace: str, query: EventQuery, *, offset: int = 0, limit: int | None = None
    ) -> Page[model.Event]:
        """Matching events, newest first (then last published first), and how many match in all."""
        ...

    async def aggregate(
        self, namespace: str, query: EventQuery, aggregate: Aggregate, field: str | None
    ) -> float | None:
        """``aggregate`` over ``value[field]`` (or the value itself) of the matching events.

        Only numbers count; over none, count and sum are 0 and the others ``None``.
        """
        ...

    def listen(self, listener: EventListener) -> None:
        """Tell ``listener`` of every event this store keeps from now on, as ``events`` would return it (with
        its id): the archive events of ``put`` and ``delete`` and the published ones, each once its write
        has committed (a refused or failed write tells nothing). Only writes through this store object
        are heard, not those of another process on the same database."""
        ...

    async def close(self) -> None: ...
