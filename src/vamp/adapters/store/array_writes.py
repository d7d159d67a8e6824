"""PostgreSQL's statements for ``batch_writes``: each step of a bulk write as one statement over arrays.

On PostgreSQL, psycopg runs an ``executemany`` row by row (pipelined, but every row bound, sent and
answered on its own), and SQLAlchemy's many-values ``INSERT … RETURNING`` builds, for each thousand rows,
a statement of thousands of placeholders that psycopg parses again. A write of 10,000 gateways (10,000
artifacts, 10,000 archive events, some 60,000 event tags) spent most of its time there. Here each step is
one statement whose every column is one array parameter, turned back into rows by ``unnest``, so the
database, not Python, goes over the rows:

* ``take_revisions``: the ``INSERT … ON CONFLICT DO UPDATE`` of the revision rows (one row per artifact,
  counting its puts), locking them until commit, as ``put`` does;
* ``revisions`` and ``stored``: the revision rows and the artifacts of the (kind, name) pairs written,
  joined with the pairs;
* ``insert_artifacts`` and ``update_artifacts``: each artifact created or updated to its last put;
* ``append_events``: the events, in order, and their tags. The ids come from the events' sequence as the
  rows arrive in the given order (``ORDER BY`` their place, as SQLAlchemy's own ordered many-values insert
  relies on), so the ids, sorted, are the events' in order.

JSON goes in as the text SQLAlchemy's JSON type would send (``json.dumps``) and times as they are (in
UTC already): what is stored is what the row-by-row statements stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vamp.adapters.store.tables import UtcDateTime
from vamp.core import model

Key = tuple[str, str]
"""An artifact of the namespace written: (kind, name)."""

Row = tuple[str, str, int, Any]
"""An artifact to write: kind, name, revision and its data (plain JSON values)."""

_TAKE_REVISIONS = sa.text(
    "INSERT INTO artifact_revisions (namespace, kind, name, revision) "
    "SELECT :namespace, given.kind, given.name, given.puts "
    "FROM unnest(CAST(:kinds AS varchar[]), CAST(:names AS varchar[]), CAST(:puts AS integer[])) "
    "AS given(kind, name, puts) "
    "ON CONFLICT (namespace, kind, name) DO UPDATE "
    "SET revision = artifact_revisions.revision + excluded.revision"
)
_REVISIONS = sa.text(
    "SELECT revisions.kind, revisions.name, revisions.revision FROM artifact_revisions AS revisions "
    "JOIN unnest(CAST(:kinds AS varchar[]), CAST(:names AS varchar[])) AS given(kind, name) "
    "ON revisions.kind = given.kind AND revisions.name = given.name "
    "WHERE revisions.namespace = :namespace"
)
_STORED = sa.text(
    "SELECT stored.kind, stored.name, stored.revision, stored.created FROM artifacts AS stored "
    "JOIN unnest(CAST(:kinds AS varchar[]), CAST(:names AS varchar[])) AS given(kind, name) "
    "ON stored.kind = given.kind AND stored.name = given.name "
    "WHERE stored.namespace = :namespace"
).columns(
    sa.column("kind", sa.String),
    sa.column("name", sa.String),
    sa.column("revision", sa.Integer),
    sa.column("created", UtcDateTime()),
)
_GIVEN_ARTIFACTS = (
    "unnest(CAST(:kinds AS varchar[]), CAST(:names AS varchar[]), CAST(:revisions AS integer[]), "
    "CAST(CAST(:data AS text[]) AS json[])) AS given(kind, name, revision, data)"
)
_INSERT_ARTIFACTS = sa.text(
    "INSERT INTO artifacts (namespace, kind, name, revision, data, created, updated) "
    "SELECT :namespace, given.kind, given.name, given.revision, given.data, :now, :now "
    f"FROM {_GIVEN_ARTIFACTS}"
)
_UPDATE_ARTIFACTS = sa.text(
    "UPDATE artifacts SET revision = given.revision, data = given.data, updated = :now "
    f"FROM {_GIVEN_ARTIFACTS} "
    "WHERE artifacts.namespace = :namespace AND artifacts.kind = given.kind AND artifacts.name = given.name"
)
_APPEND_EVENTS = sa.text(
    'INSERT INTO events (namespace, type, value, "timestamp", version, digest) '
    'SELECT :namespace, given.type, given.value, given."timestamp", given.version, given.digest '
    "FROM unnest(CAST(:types AS varchar[]), CAST(CAST(:values AS text[]) AS json[]), "
    "CAST(:timestamps AS timestamptz[]), CAST(:versions AS varchar[]), CAST(:digests AS varchar[])) "
    'WITH ORDINALITY AS given(type, value, "timestamp", version, digest, place) '
    "ORDER BY given.place RETURNING events.id"
)
_APPEND_TAGS = sa.text(
    "INSERT INTO event_tags (event_id, tag, position) "
    "SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:tags AS varchar[]), CAST(:positions AS integer[]))"
)


def take_revisions(connection: sa.Connection, namespace: str, puts: dict[Key, int]) -> None:
    """Count ``puts[key]`` revisions more for each artifact, locking its revision row until commit."""
    connection.execute(
        _TAKE_REVISIONS,
        {
            "namespace": namespace,
            "kinds": [kind for kind, _ in puts],
            "names": [name for _, name in puts],
            "puts": list(puts.values()),
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
            "types": [event.type for event in archived],
            "values": [json.dumps(event.value) for event in archived],
            "timestamps": [event.timestamp for event in archived],
            "versions": [event.version for event in archived],
            "digests": [event.digest for event in archived],
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
                "ids": [event_id for event_id, _, _ in tagged],
                "tags": [tag for _, tag, _ in tagged],
                "positions": [at for _, _, at in tagged],
            },
        )
    return ids


def _keys(namespace: str, keys: Sequence[Key]) -> dict[str, Any]:
    unique = list(dict.fromkeys(keys))
    return {
        "namespace": namespace,
        "kinds": [kind for kind, _ in unique],
        "names": [name for _, name in unique],
    }


def _artifacts(rows: Sequence[Row]) -> dict[str, list[Any]]:
    return {
        "kinds": [kind for kind, _, _, _ in rows],
        "names": [name for _, name, _, _ in rows],
        "revisions": [revision for _, _, revision, _ in rows],
        "data": [json.dumps(data) for _, _, _, data in rows],
    }
