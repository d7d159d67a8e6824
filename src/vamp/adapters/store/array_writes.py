"""PostgreSQL's statements for ``batch_writes``: each step of a bulk write as one statement over lists.

On PostgreSQL, psycopg runs an ``executemany`` row by row (pipelined, but every row bound, sent and
answered on its own), and SQLAlchemy's many-values ``INSERT … RETURNING`` builds, for each thousand rows,
a statement of thousands of placeholders that psycopg parses again; a write of 10,000 gateways (10,000
artifacts, 10,000 archive events, 40,000 event tags) spent most of its time there. Here each step is
one statement, each of its columns one parameter: a JSON list of the column's values, made by
``json.dumps`` (psycopg writes a Python list as an array in Python, quoting item by item, which cost
more than the statements). ``_given`` turns the lists back into rows side by side (``ROWS FROM``
``json_array_elements_text``, and ``json_array_elements`` for JSON values, which gives each item's text
as written), so the database, not Python, goes over the rows:

* ``take_revisions``: the ``INSERT … ON CONFLICT DO UPDATE`` of the revision rows (one row per artifact,
  counting its puts), locking them until commit, as ``put`` does;
* ``revisions`` and ``stored``: the revision rows and the artifacts of the (kind, name) pairs written,
  joined with the pairs;
* ``insert_artifacts`` and ``update_artifacts``: each artifact created or updated to its last put;
* ``append_events``: the events, in order, and their tags. The ids come from the events' sequence as the
  rows arrive in the given order (``ORDER BY`` their place, as SQLAlchemy's own ordered many-values insert
  relies on), so the ids, sorted, are the events' in order.

What is stored is what the row-by-row statements stored: each JSON value is the text SQLAlchemy's JSON
type sends (``json.dumps``), each time the same instant in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vamp.adapters.store import rules
from vamp.adapters.store.tables import UtcDateTime
from vamp.core import model

Key = tuple[str, str]
"""An artifact of the namespace written: (kind, name)."""

Row = tuple[str, str, int, Any]
"""An artifact to write: kind, name, revision and its data (plain JSON values)."""


def _given(*columns: str, ordinality: bool = False) -> str:
    """The rows of the parameters ``columns``, each a JSON list (``_json_list``) of one column's values, side
    by side: ``given.<column>`` is text (cast it), or JSON for the columns named ``data`` or ``value``."""
    lists = ", ".join(
        f"json_array_elements{'' if column in _JSON_COLUMNS else '_text'}(CAST(:{column} AS json))"
        for column in columns
    )
    names = ", ".join(f'"{column}"' for column in (*columns, *(("place",) if ordinality else ())))
    return f"ROWS FROM ({lists}){' WITH ORDINALITY' if ordinality else ''} AS given({names})"


_JSON_COLUMNS = frozenset({"data", "value"})
_TAKE_REVISIONS = sa.text(
    "INSERT INTO artifact_revisions (namespace, kind, name, revision) "
    "SELECT :namespace, given.kind, given.name, CAST(given.puts AS integer) "
    f"FROM {_given('kind', 'name', 'puts')} "
    "ON CONFLICT (namespace, kind, name) DO UPDATE "
    "SET revision = artifact_revisions.revision + excluded.revision"
)
_REVISIONS = sa.text(
    "SELECT revisions.kind, revisions.name, revisions.revision FROM artifact_revisions AS revisions "
    f"JOIN {_given('kind', 'name')} ON revisions.kind = given.kind AND revisions.name = given.name "
    "WHERE revisions.namespace = :namespace"
)
_STORED = sa.text(
    "SELECT stored.kind, stored.name, stored.revision, stored.created FROM artifacts AS stored "
    f"JOIN {_given('kind', 'name')} ON stored.kind = given.kind AND stored.name = given.name "
    "WHERE stored.namespace = :namespace"
).columns(
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("revision", sa.Integer),
    sa.column("created", UtcDateTime()),
)
_GIVEN_ARTIFACTS = _given("kind", "name", "revision", "data")
_INSERT_ARTIFACTS = sa.text(
    "INSERT INTO artifacts (namespace, kind, name, revision, data, created, updated) "
    "SELECT :namespace, given.kind, given.name, CAST(given.revision AS integer), given.data, :now, :now "
    f"FROM {_GIVEN_ARTIFACTS}"
)
_UPDATE_ARTIFACTS = sa.text(
    "UPDATE artifacts SET revision = CAST(given.revision AS integer), data = given.data, updated = :now "
    f"FROM {_GIVEN_ARTIFACTS} "
    "WHERE artifacts.namespace = :namespace AND artifacts.kind = given.kind AND artifacts.name = given.name"
)
_APPEND_EVENTS = sa.text(
    'INSERT INTO events (namespace, type, value, "timestamp", version, digest) '
    'SELECT :namespace, given.type, given.value, CAST(given."timestamp" AS timestamptz), given.version, '
    "given.digest "
    f"FROM {_given('type', 'value', 'timestamp', 'version', 'digest', ordinality=True)} "
    "ORDER BY given.place RETURNING events.id"
)
_APPEND_TAGS = sa.text(
    "INSERT INTO event_tags (event_id, tag, position) "
    "SELECT CAST(given.event_id AS bigint), given.tag, CAST(given.position AS integer) "
    f"FROM {_given('event_id', 'tag', 'position')}"
)


def take_revisions(connection: sa.Connection, namespace: str, puts: dict[Key, int]) -> None:
    """Count ``puts[key]`` revisions more for each artifact, locking its revision row until commit."""
    connection.execute(
        _TAKE_REVISIONS,
        {
            "namespace": namespace,
            "kind": _json_list(kind for kind, _ in puts),
            "name": _json_list(name for _, name in puts),
            "puts": _json_list(puts.values()),
        },
    )


def revisions(connection: sa.Connection, namespace: str, keys: Sequence[Key]) -> dict[Key, int]:
    """The revision each of ``keys`` has taken now."""
    rows = connection.execute(_REVISIONS, _keys(namespace, keys))
    return {(row.kind, row.name): int(row.revision) for row in rows}


def stored(connection: sa.Connection, namespace: str, keys: Sequence[Key]) -> dict[Key, tuple[int, datetime]]:
    """The revision and creation time of each of ``keys`` stored."""
    rows = connection.execute(_STORED, _keys(namespace, keys))
    return {(row.kind, row.name): (int(row.revision), row.created) for row in rows}


def insert_artifacts(connection: sa.Connection, namespace: str, rows: Sequence[Row], now: datetime) -> None:
    connection.execute(_INSERT_ARTIFACTS, {"namespace": namespace, "now": now, **_artifacts(rows)})


def update_artifacts(connection: sa.Connection, namespace: str, rows: Sequence[Row], now: datetime) -> None:
    connection.execute(_UPDATE_ARTIFACTS, {"namespace": namespace, "now": now, **_artifacts(rows)})


def append_events(connection: sa.Connection, namespace: str, archived: Sequence[model.Event]) -> list[int]:
    """Insert ``archived`` in order, and their tags; the ids they got, in the same order."""
    inserted = connection.execute(
        _APPEND_EVENTS,
        {
            "namespace": namespace,
            "type": _json_list(event.type for event in archived),
            "value": _json_list(event.value for event in archived),
            "timestamp": _json_list(_timestamp(event.timestamp) for event in archived),
            "version": _json_list(event.version for event in archived),
            "digest": _json_list(event.digest for event in archived),
        },
    )
    ids = sorted(int(row.id) for row in inserted)
    tagged = [
        (event_id, tag, at)
        for event_id, event in zip(ids, archived, strict=True)
        for at, tag in enumerate(event.tags)
    ]
    if tagged:
        connection.execute(
            _APPEND_TAGS,
            {
                "event_id": _json_list(event_id for event_id, _, _ in tagged),
                "tag": _json_list(tag for _, tag, _ in tagged),
                "position": _json_list(at for _, _, at in tagged),
            },
        )
    return ids


def _keys(namespace: str, keys: Sequence[Key]) -> dict[str, Any]:
    unique = dict.fromkeys(keys)
    return {
        "namespace": namespace,
        "kind": _json_list(kind for kind, _ in unique),
        "name": _json_list(name for _, name in unique),
    }


def _artifacts(rows: Sequence[Row]) -> dict[str, Any]:
    return {
        "kind": _json_list(kind for kind, _, _, _ in rows),
        "name": _json_list(name for _, name, _, _ in rows),
        "revision": _json_list(revision for _, _, revision, _ in rows),
        "data": _json_list(data for _, _, _, data in rows),
    }


def _timestamp(at: datetime | None) -> str | None:
    """A time as PostgreSQL reads it (``None``: none, which the table refuses, as it did row by row)."""
    return None if at is None else rules.as_utc(at).isoformat()


def _json_list(values: Iterable[Any]) -> str:
    """``values`` as one JSON list, for ``_given``. Each item's text is what SQLAlchemy's JSON type writes
    for it (``json.dumps``), and what ``json_array_elements`` gives back for it."""
    return json.dumps(list(values))
