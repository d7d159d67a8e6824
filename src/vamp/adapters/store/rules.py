"""What every store does alike, so that ``sql.SqlStore`` and ``memory.MemoryStore`` cannot drift apart.

Owns: time (the default clock; a time without a zone is UTC), plain JSON (what a store keeps is what
JSON gives back), the compare-and-set conflict message, archive events (vamp.md §1.1, with a bounded
copy of the source), the rules for publishing an event (vamp.md §1.16), telling listeners of kept
events, matching an event against a query, paging arguments and the aggregation of event values. It
does no I/O; the stores call it on the way in and out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from vamp import errors
from vamp.core import access, model
from vamp.ports import store

Clock = Callable[[], datetime]
"""Where a store reads the time: for ``created``/``updated`` and for events published without one."""

Action = Literal["create", "update", "delete"]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a time without a zone is taken to be in UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def json_text(value: Any) -> str:
    """``value`` as JSON text. Raises ``ValueError`` or ``TypeError`` when it is not plain JSON."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, default=_mapping_as_dict)


def _mapping_as_dict(value: Any) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


def artifact_text(kind: str, name: str, data: Mapping[str, Any]) -> str:
    """The JSON text a store keeps for an artifact's data."""
    try:
        return json_text(data)
    except (ValueError, TypeError) as exc:
        raise errors.StoreError(
            f"Cannot store {kind}/{name}: its data is not plain JSON ({exc}); "
            "only maps, lists, strings, numbers, booleans and null can be stored."
        ) from exc


def conflict(namespace: str, kind: str, name: str, read: int, now: int | None) -> errors.ConflictError:
    """The error for a write that names revision ``read`` of an artifact now at ``now`` (``None``: gone)."""
    if now is None:
        change, state = "deleted", "now gone"
    else:
        change, state = ("created" if read == 0 else "changed"), f"now {now}"
    return errors.ConflictError(
        f"{kind}/{name} in namespace {namespace!r} was {change} by someone else since you read it "
        f"(revision {read}, {state}); read it again and retry."
    )


MAX_ARCHIVED_SOURCE = 64 * 1024
"""The largest source text (in UTF-8 bytes) an archive event keeps as the user sent it."""


def archived_value(source: str | None, data_text: str) -> str:
    """What an archive event keeps of a write: a bounded copy of what was sent.

    The source text as the user sent it (comments, order and all) when there is one of at most
    ``MAX_ARCHIVED_SOURCE`` bytes; else the canonical data as JSON (``data_text``), which the DSL reads
    back just the same and which is no larger than what is stored. A source is never cut short.
    """
    small = source is not None and len(source) <= MAX_ARCHIVED_SOURCE  # no encoding of a large text
    if small and source is not None and len(source.encode("utf-8", "surrogatepass")) <= MAX_ARCHIVED_SOURCE:
        return source
    return data_text


VERB_ACTIONS: dict[str, Action] = {"PUT": "update", "POST": "create", "DELETE": "delete"}
"""The archive action Vamp tags each write of a request with, by the request's method."""


def tagged_action(action: Action, verb: str | None) -> Action:
    """The action an archive event is tagged with: a delete is a delete; a put is tagged by the request's
    verb (``VERB_ACTIONS``: a ``PUT`` of a new artifact is an update), else by what it did."""
    return action if action == "delete" else VERB_ACTIONS.get((verb or "").upper(), action)


def archive_event(kind: str, name: str, action: Action, value: str, timestamp: datetime) -> model.Event:
    """The event that records a change of an artifact (vamp.md §1.1).

    ``value`` is text the DSL reads back: the source the user sent, or the JSON of the data. The token
    that made the change, when there is one (``store.actor``), is the tag ``token:<scope>/<name>`` (before
    the archive tags, so ``archive:<action>`` stays the last). The action is the request's verb's when a
    request made the change (``store.verb``, ``tagged_action``).
    """
    token = access.made_by(store.actor.get())
    tagged = tagged_action(action, store.verb.get())
    tags = model.expand_tags((kind, f"{kind}:{name}", *token, "archive", f"archive:{tagged}"))
    return model.Event(tags=tags, type="archive", value=value, timestamp=timestamp)


class Listeners:
    """The listeners of one store (``ArtifactStore.listen``), told of each event once it is kept."""

    def __init__(self) -> None:
        self._listeners: list[store.EventListener] = []

    def add(self, listener: store.EventListener) -> None:
        self._listeners.append(listener)

    def tell(self, namespace: str, event: model.Event) -> None:
        for listener in tuple(self._listeners):
            listener(namespace, event)


def published(event: model.Event, clock: Clock) -> model.Event:
    """``event`` as a store keeps it: checked, tags expanded, value plain JSON, timestamp in UTC.

    The id is left for the store to give (ids are output only, vamp.md §1.16).
    """
    if not event.tags:
        raise errors.DslError.single("Publishing an event without tags is not allowed.", "tags")
    if not model.event.EVENT_TYPE.fullmatch(event.type):
        raise errors.DslError.single(
            f"Unsupported event type {event.type!r}, only alphanumerics, '-' and '_' are allowed.", "type"
        )
    try:
        value = json.loads(json_text(event.value))
    except (ValueError, TypeError) as exc:
        raise errors.DslError.single(
            f"The event value is not plain JSON ({exc}); "
            "use maps, lists, strings, numbers, booleans and null.",
            "value",
        ) from exc
    timestamp = as_utc(clock() if event.timestamp is None else event.timestamp)
    return event.model_copy(
        update={"id": None, "tags": model.expand_tags(event.tags), "value": value, "timestamp": timestamp}
    )


def matches(query: store.EventQuery, event: model.Event) -> bool:
    """Whether a stored event (its tags expanded, its timestamp set) answers ``query``."""
    if query.type is not None and event.type != query.type:
        return False
    if not set(query.tags) <= set(event.tags):
        return False
    assert event.timestamp is not None, "stored events have a timestamp"
    if query.after is not None:
        after = as_utc(query.after)
        if event.timestamp < after or (event.timestamp == after and not query.after_inclusive):
            return False
    if query.before is not None:
        before = as_utc(query.before)
        if event.timestamp > before or (event.timestamp == before and not query.before_inclusive):
            return False
    return True


def check_window(offset: int, limit: int | None) -> None:
    """Reject a page that cannot exist; callers (the API) check what users send before this."""
    if offset < 0 or (limit is not None and limit < 0):
        raise ValueError(f"offset and limit must be 0 or more, got offset={offset}, limit={limit}.")


class Aggregation:
    """Folds event values one by one into ``aggregate`` over ``value[field]`` (or the value itself).

    Values that are not numbers (booleans included) are skipped, as a search engine would. Over no
    numbers at all, count and sum are 0 and min, max and average ``None``.
    """

    __slots__ = ("_aggregate", "_count", "_field", "_max", "_min", "_sum")

    def __init__(self, aggregate: store.Aggregate, field: str | None) -> None:
        self._aggregate = aggregate
        self._field = field
        self._count = 0
        self._sum = 0.0
        self._min: float | None = None
        self._max: float | None = None

    def add(self, value: Any) -> None:
        if self._field is not None:
            value = value.get(self._field) if isinstance(value, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return
        self._count += 1
        self._sum += value
        self._min = value if self._min is None else min(self._min, value)
        self._max = value if self._max is None else max(self._max, value)

    def result(self) -> float | None:
        match self._aggregate:
            case store.Aggregate.COUNT:
                return float(self._count)
            case store.Aggregate.SUM:
                return self._sum
            case store.Aggregate.AVERAGE:
                return self._sum / self._count if self._count else None
            case store.Aggregate.MIN:
                return None if self._min is None else float(self._min)
            case store.Aggregate.MAX:
                return None if self._max is None else float(self._max)
