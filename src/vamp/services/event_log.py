"""The event log through the API: publishing events, and querying or aggregating them (vamp.md §1.16).

A query comes from ``?tag=…&type=…`` or from a document::

    tags: [deployments:sava, synchronization]   # every one of them (a single string is one tag)
    type: synchronization
    timestamp: {gte: 2024-05-01T12:00:00Z, lt: 2024-05-02T00:00:00Z}
    aggregator: {type: average, field: rate}      # min | max | average | sum | count

Publishing goes through ``events.Events``, so listeners of the SSE stream see what is published. An
event that claims to be the server's record of a change (``SERVERS_TAGS``) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from vamp import errors
from vamp.core import dsl, model
from vamp.ports import store
from vamp.services import documents, events, reader_thread

SERVERS_TAGS = ("archive", "token")
"""Tags (and their ``tag:…`` forms) and types only the server writes: the archive of changes, and the
token that made each; a published event may not carry them, so the audit trail cannot be forged."""
_QUERY_KEYS = ("tags", "type", "timestamp", "aggregator")
_RANGE_KEYS = ("lt", "lte", "gt", "gte")
_ISO_EXAMPLE = "2024-01-31T12:00:00Z"
INVALID_RANGE = (
    "Event query time range is not valid: "
    "give at most one of 'lt' and 'lte', and at most one of 'gt' and 'gte'."
)


@dataclass(frozen=True, slots=True)
class Aggregator:
    aggregate: store.Aggregate
    field: str | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """Which events, and, with an ``aggregator``, what single value to compute over them."""

    events: store.EventQuery
    aggregator: Aggregator | None = None


def query_of(tags: tuple[str, ...], type: str | None) -> Query:
    """The query ``?tag=a&tag=b&type=t`` asks."""
    return Query(store.EventQuery(tags=tags, type=type))


async def read_query(text: str) -> Query:
    """The query a document asks (see the module's docstring); an empty document asks for every event.

    Raises:
        errors.DslError: with every problem of the document.
    """
    found = await documents.parsed(text)
    if not found:
        return Query(store.EventQuery())
    if len(found) > 1 or not isinstance(found[0], dict):
        raise errors.DslError.single(
            "An event query is one map with any of: tags, type, timestamp, aggregator."
        )
    reader = _QueryReader(found[0])
    query = reader.query()
    if reader.issues:
        raise errors.DslError(reader.issues)
    return query


class EventLog:
    """Events of every namespace: published through ``publisher``, read from ``store``."""

    def __init__(self, store: store.ArtifactStore, publisher: events.Events) -> None:
        self._store = store
        self._publisher = publisher

    async def publish(self, namespace: str, text: str) -> model.Event:
        """Publish the one event of ``text`` and return it as stored (with id, expanded tags and time).

        Raises:
            errors.DslError: the text is not one valid event (no tags, a bad type or timestamp…).
        """
        found = await reader_thread.run(dsl.read_events, text)
        if len(found) != 1:
            raise errors.DslError.single(f"Expected exactly one event, found {len(found)}.")
        event = found[0]
        forged = [tag for tag in event.tags if tag.partition(":")[0] in SERVERS_TAGS]
        if forged or event.type in SERVERS_TAGS:
            claimed = f"The tag {forged[0]!r}" if forged else f"The type {event.type!r}"
            raise errors.DslError.single(
                f"{claimed} is the server's: archive events and 'token:' tags record who changed what, and "
                "only the server writes them.",
                "tags",
            )
        return await self._publisher.publish(namespace, event)

    async def page(
        self, namespace: str, query: store.EventQuery, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Event]:
        """Matching events, newest first, and how many match in all."""
        return await self._store.events(namespace, query, offset=offset, limit=limit)

    async def aggregate(
        self, namespace: str, query: store.EventQuery, aggregator: Aggregator
    ) -> float | None:
        return await self._store.aggregate(namespace, query, aggregator.aggregate, aggregator.field)


class _QueryReader:
    """Reads a query document, collecting every problem with its path."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self.issues: list[errors.Issue] = []

    def query(self) -> Query:
        for key in self._data:
            if key not in _QUERY_KEYS:
                self._report(key, f"Unexpected key {key!r} in an event query; use: {', '.join(_QUERY_KEYS)}.")
        bounds = self._range(self._data.get("timestamp"))
        after, after_inclusive = bounds.get("gte", bounds.get("gt")), "gte" in bounds
        before, before_inclusive = bounds.get("lte", bounds.get("lt")), "lte" in bounds
        events = store.EventQuery(
            tags=self._tags(self._data.get("tags")),
            type=self._type(self._data.get("type")),
            after=after,
            after_inclusive=after_inclusive,
            before=before,
            before_inclusive=before_inclusive,
        )
        return Query(events, self._aggregator(self._data.get("aggregator")))

    def _report(self, path: str, message: str) -> None:
        self.issues.append(errors.Issue(message, path))

    def _tags(self, value: object) -> tuple[str, ...]:
        tags = [value] if isinstance(value, str) else [] if value is None else value
        if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
            return tuple(tags)
        self._report("tags", f"Expected a tag or a list of tags, not {value!r}.")
        return ()

    def _type(self, value: object) -> str | None:
        if value is None or (isinstance(value, str) and model.event.EVENT_TYPE.fullmatch(value)):
            return value
        self._report(
            "type", f"Unsupported event type {value!r}, only alphanumerics, '-' and '_' are allowed."
        )
        return None

    def _range(self, value: object) -> dict[str, datetime]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._report(
                "timestamp", f"Expected a time range such as {{gte: {_ISO_EXAMPLE}}}, not {value!r}."
            )
            return {}
        bounds: dict[str, datetime] = {}
        for key, given in value.items():
            if key not in _RANGE_KEYS:
                self._report(f"timestamp.{key}", f"Unexpected key {key!r}; use: {', '.join(_RANGE_KEYS)}.")
                continue
            moment = _timestamp(given)
            if moment is None:
                self._report(
                    f"timestamp.{key}",
                    f"Event timestamp cannot be parsed: '{given}'. Use ISO-8601, such as {_ISO_EXAMPLE}.",
                )
                continue
            bounds[key] = moment
        if {"lt", "lte"} <= bounds.keys() or {"gt", "gte"} <= bounds.keys():
            self._report("timestamp", INVALID_RANGE)
        return bounds

    def _aggregator(self, value: object) -> Aggregator | None:
        if value is None:
            return None
        kinds = ", ".join(aggregate.value for aggregate in store.Aggregate)
        kind = value.get("type") if isinstance(value, dict) else None
        field = value.get("field") if isinstance(value, dict) else None
        if kind not in {aggregate.value for aggregate in store.Aggregate}:
            self._report("aggregator.type", f"Unsupported aggregator type {kind!r}; use one of: {kinds}.")
            return None
        if field is not None and not isinstance(field, str):
            self._report(
                "aggregator.field", f"Expected the name of a field of the event values, not {field!r}."
            )
            return None
        return Aggregator(store.Aggregate(kind), field)


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
