"""Events: kept in the store, and handed at once to whoever in this process listens (vamp.md §1.16).

``Events.publish`` stores an event (the store expands its tags and stamps it). Every event the store
keeps — published here or elsewhere in this process, and the archive events of every artifact change —
is offered, as stored, to each open ``Subscription`` of its namespace whose tags and type it matches: the
SSE stream ``/api/v1/events/stream`` and tests listen this way. Offering never waits for a listener: a
listener that falls behind by more than its buffer loses the oldest events, and ``missed`` counts them.

Events written by another server on a shared database are not offered here (they are in the store).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence

from vamp.core import model
from vamp.ports import store


class Subscription:
    """The events of one namespace that carry every one of ``tags`` (and are of ``type``), as published."""

    def __init__(self, namespace: str, tags: tuple[str, ...], type: str | None, buffer: int) -> None:
        self.namespace = namespace
        self.tags = tags
        self.type = type
        self.missed = 0
        """Events dropped because this listener fell behind by more than its buffer."""
        self._queue: asyncio.Queue[model.Event] = asyncio.Queue(maxsize=buffer)

    def offer(self, namespace: str, event: model.Event) -> None:
        """Take ``event`` if it is one this subscription wants, dropping the oldest when full."""
        if namespace != self.namespace or (self.type is not None and event.type != self.type):
            return
        if not set(self.tags) <= set(event.tags):
            return
        if self._queue.full():
            self._queue.get_nowait()
            self.missed += 1
        self._queue.put_nowait(event)

    async def get(self) -> model.Event:
        """The next event, when it comes."""
        return await self._queue.get()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> model.Event:
        return await self.get()


class Events:
    """Publishes events to the store, and offers the store's events to the subscriptions open here."""

    def __init__(self, events_store: store.ArtifactStore, *, buffer: int = 1000) -> None:
        self._store = events_store
        self._buffer = buffer
        self._subscriptions: set[Subscription] = set()
        events_store.listen(self._offer)

    async def publish(self, namespace: str, event: model.Event) -> model.Event:
        """Store ``event`` in ``namespace``; it is broadcast as stored (tags expanded, with id and time).

        Raises:
            errors.DslError: the event has no tags, an invalid type or a value that is not JSON.
            errors.StoreError: the store cannot take it.
        """
        return await self._store.publish(namespace, event)

    async def publish_all(self, namespace: str, events: Sequence[model.Event]) -> tuple[model.Event, ...]:
        """Store several events in one write (all or none), each broadcast as stored, in order."""
        return await self._store.publish_all(namespace, events)

    @property
    def subscribed(self) -> int:
        """How many subscriptions are open (streams and WebSocket subscriptions alike)."""
        return len(self._subscriptions)

    @contextlib.contextmanager
    def subscribe(
        self, namespace: str, *, tags: tuple[str, ...] = (), type: str | None = None
    ) -> Iterator[Subscription]:
        """Listen, within the ``with`` block, to the events published from now on (see ``Subscription``)."""
        subscription = Subscription(namespace, tags, type, self._buffer)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    def _offer(self, namespace: str, event: model.Event) -> None:
        for subscription in tuple(self._subscriptions):
            subscription.offer(namespace, event)
