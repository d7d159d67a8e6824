"""Reading and writing events (vamp.md §1.16): ``{tags, type, value, timestamp}``, not an artifact kind.

At least one tag; a type of letters, digits, ``-`` and ``_`` (default ``event``); any value; an
ISO-8601 timestamp (default: when the event is stored). Tags are kept as written: expanding ``a:b`` to
``a`` and ``a:b`` is the store's job (``model.expand_tags``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from vamp import errors
from vamp.core import model
from vamp.core.dsl import source
from vamp.core.dsl.cursor import ISO_EXAMPLE, Context, Cursor
from vamp.core.model import event as event_model

NO_TAGS = "Publishing an event without tags is not allowed."


def read_events(text: str) -> list[model.Event]:
    """Every event in ``text`` (one, several documents, or a list).

    Raises:
        errors.DslError: with every problem found.
    """
    loaded = source.load(text)
    issues = list(loaded.issues)
    found = [event(Context(document, issues).root(document.data)) for document in loaded.documents]
    if issues:
        raise errors.DslError(issues)
    return [item for item in found if item is not None]


def event(cursor: Cursor) -> model.Event | None:
    fields = cursor.fields("event")
    if fields is None:
        return None
    tags = fields.get("tags")
    version = fields.read("version", Cursor.text)
    return fields.build(
        model.Event,
        id=fields.read("id", Cursor.text),
        tags=_tags(cursor, tags),
        type=fields.read("type", _type, event_model.DEFAULT_EVENT_TYPE),
        value=fields.read("value", lambda found: found.value),
        timestamp=fields.read("timestamp", _timestamp),
        digest=fields.read("digest", Cursor.string),
        **({} if version is None else {"version": version}),
    )


def _tags(event: Cursor, cursor: Cursor | None) -> tuple[str, ...] | None:
    if cursor is None or not cursor.value:
        (cursor or event).error(NO_TAGS)
        return None
    if isinstance(cursor.value, str):
        return (cursor.value,)
    return cursor.list_of(Cursor.string, "tags: a list of strings")


def _type(cursor: Cursor) -> str | None:
    text = cursor.string()
    if text is not None and not event_model.EVENT_TYPE.match(text):
        cursor.error(f"Unsupported event type '{text}', only alphanumerics, '-' and '_' are allowed.")
        return None
    return text


def _timestamp(cursor: Cursor) -> datetime | None:
    if isinstance(cursor.value, str):
        try:
            return datetime.fromisoformat(cursor.value)
        except ValueError:
            pass
    cursor.error(f"Event timestamp cannot be parsed: '{cursor.value}'. Use ISO-8601, such as {ISO_EXAMPLE}.")
    return None


def event_to_data(event: model.Event) -> dict[str, Any]:
    """An event as plain data (the REST API's JSON shape); fields without a value are left out."""
    data: dict[str, Any] = {}
    if event.id is not None:
        data["id"] = event.id
    data["tags"] = list(event.tags)
    data["type"] = event.type
    data["value"] = event.value
    if event.timestamp is not None:
        data["timestamp"] = event.timestamp.isoformat()
    data["version"] = event.version
    if event.digest is not None:
        data["digest"] = event.digest
    return data
