"""Many puts in one SQL transaction, in a handful of statements whatever their number (``put_many``).

``sql.SqlStore.put`` writes one artifact in five statements; 10,000 artifacts written that way spent
their time building and compiling 50,000 statements. Here the same writes go in bulk, each step one
statement over every put (``executemany``, or ``IN`` lists of at most ``CHUNK`` names):

1. the revision rows are taken, as ``put`` takes them (``INSERT … ON CONFLICT DO UPDATE`` adding 1, once
   per put, so an artifact given twice takes two revisions): their rows stay locked until commit;
2. the new revisions, and the artifacts as they are now, are read back;
3. each put's revision is checked in order against what is stored (or what an earlier put of the same
   transaction wrote): a difference raises ``errors.ConflictError`` and rolls everything back;
4. each artifact is inserted or updated once, to its last put's data and revision;
5. every put's archive event is appended, in order, with its tags.

What it stores and returns is what the same puts one after another would have (the store suite checks
both). On PostgreSQL each step is one statement over arrays (array_writes.py: psycopg sends an
``executemany`` row by row); on SQLite, whose statements run in the process, ``executemany`` it is. Rules
shared with the memory store are rules.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from vamp.adapters.store import array_writes, rules
from vamp.adapters.store.tables import artifact_revisions, artifacts, event_tags, events
from vamp.core import model
from vamp.ports import store

CHUNK = 500
"""The most names in one ``IN`` list (SQLite's bound on parameters is 32,766, PostgreSQL's 65,535)."""

Key = tuple[str, str]
"""An artifact of the namespace written: (kind, name)."""


def write(
    connection: sa.Connection, namespace: str, puts: Sequence[store.Put], texts: Sequence[str], now: datetime
) -> list[tuple[store.StoredArtifact, model.Event]]:
    """``puts`` (their data as JSON ``texts``) written on ``connection``, in its transaction; each as
    stored, with its archive event.

    Raises:
        errors.ConflictError: a put's revision differs from what is stored; nothing is to be committed.
    """
    keys = [(put.kind, put.name) for put in puts]
    _take_revisions(connection, namespace, keys)
    taken = _revisions(connection, namespace, keys)
    found = _artifacts(connection, namespace, keys)
    issued = _issued(keys, taken)
    now_at: dict[Key, int | None] = {key: found[key][0] if key in found else None for key in keys}
    for put, key, revision in zip(puts, keys, issued, strict=True):
        if put.revision is not None and put.revision != (now_at[key] or 0):
            raise rules.conflict(namespace, put.kind, put.name, put.revision, now_at[key])
        now_at[key] = revision
    last = {key: at for at, key in enumerate(keys)}
    plain = [json.loads(text) for text in texts]
    created = [
        (kind, name, issued[at], plain[at]) for (kind, name), at in last.items() if (kind, name) not in found
    ]
    updated = [
        (kind, name, issued[at], plain[at]) for (kind, name), at in last.items() if (kind, name) in found
    ]
    _write_artifacts(connection, namespace, created, updated, now)
    seen: set[Key] = set()
    stored: list[store.StoredArtifact] = []
    archived: list[model.Event] = []
    for put, key, revision, data, text in zip(puts, keys, issued, plain, texts, strict=True):
        existed = key in found or key in seen
        seen.add(key)
        since = found[key][1] if key in found else now
        stored.append(store.StoredArtifact(namespace, put.kind, put.name, revision, data, since, now))
        action: rules.Action = "update" if existed else "create"
        value = rules.archived_value(put.source, text)
        archived.append(rules.archive_event(put.kind, put.name, action, value, now))
    return list(zip(stored, append_all(connection, namespace, archived), strict=True))


def _write_artifacts(
    connection: sa.Connection,
    namespace: str,
    created: Sequence[array_writes.Row],
    updated: Sequence[array_writes.Row],
    now: datetime,
) -> None:
    """Insert the artifacts ``created`` and update those ``updated``, each to its last put's data."""
    if _on_postgresql(connection):
        if created:
            array_writes.insert_artifacts(connection, namespace, created, now)
        if updated:
            array_writes.update_artifacts(connection, namespace, updated, now)
        return
    if created:
        connection.execute(
            sa.insert(artifacts),
            [
                {"namespace": namespace, "kind": kind, "name": name, "revision": revision, "data": data,
                 "created": now, "updated": now}
                for kind, name, revision, data in created
            ],
        )  # fmt: skip
    if updated:
        connection.execute(
            sa.update(artifacts)
            .where(
                artifacts.c.namespace == namespace,
                artifacts.c.kind == sa.bindparam("at_kind"),
                artifacts.c.name == sa.bindparam("at_name"),
            )
            .values(revision=sa.bindparam("new_revision"), data=sa.bindparam("new_data"), updated=now),
            [
                {"at_kind": kind, "at_name": name, "new_revision": revision, "new_data": data}
                for kind, name, revision, data in updated
            ],
        )


def _take_revisions(connection: sa.Connection, namespace: str, keys: Sequence[Key]) -> None:
    """Count one revision more for each put (as ``put`` does), locking the rows until commit.

    One row per artifact, counting its puts, so no statement meets one row twice (PostgreSQL refuses
    that when rows are sent together).
    """
    puts: dict[Key, int] = {}
    for key in keys:
        puts[key] = puts.get(key, 0) + 1
    if _on_postgresql(connection):
        array_writes.take_revisions(connection, namespace, puts)
        return
    statement = sqlite.insert(artifact_revisions)
    statement = statement.on_conflict_do_update(
        index_elements=["namespace", "kind", "name"],
        set_={"revision": artifact_revisions.c.revision + statement.excluded.revision},
    )
    connection.execute(
        statement,
        [
            {"namespace": namespace, "kind": kind, "name": name, "revision": n}
            for (kind, name), n in puts.items()
        ],
    )


def _revisions(connection: sa.Connection, namespace: str, keys: Sequence[Key]) -> dict[Key, int]:
    """The revision each artifact has taken now (its last put's)."""
    if _on_postgresql(connection):
        return array_writes.revisions(connection, namespace, keys)
    wanted = set(keys)
    columns = artifact_revisions.c
    found: dict[Key, int] = {}
    for names in _chunks(sorted({name for _, name in wanted})):
        query = sa.select(columns.kind, columns.name, columns.revision).where(
            columns.namespace == namespace, columns.name.in_(names)
        )
        for row in connection.execute(query):
            if (row.kind, row.name) in wanted:
                found[(row.kind, row.name)] = int(row.revision)
    return found


def _artifacts(
    connection: sa.Connection, namespace: str, keys: Sequence[Key]
) -> dict[Key, tuple[int, datetime]]:
    """The revision and creation time of each artifact stored before these puts."""
    if _on_postgresql(connection):
        return array_writes.stored(connection, namespace, keys)
    wanted = set(keys)
    columns = artifacts.c
    found: dict[Key, tuple[int, datetime]] = {}
    for names in _chunks(sorted({name for _, name in wanted})):
        query = sa.select(columns.kind, columns.name, columns.revision, columns.created).where(
            columns.namespace == namespace, columns.name.in_(names)
        )
        for row in connection.execute(query):
            if (row.kind, row.name) in wanted:
                found[(row.kind, row.name)] = (int(row.revision), row.created)
    return found


def _issued(keys: Sequence[Key], taken: dict[Key, int]) -> list[int]:
    """The revision each put took: an artifact put n times took the last n up to ``taken``."""
    left: dict[Key, int] = {}
    for key in keys:
        left[key] = left.get(key, 0) + 1
    issued: list[int] = []
    for key in keys:
        issued.append(taken[key] - left[key] + 1)
        left[key] -= 1
    return issued


def append_all(
    connection: sa.Connection, namespace: str, archived: Sequence[model.Event]
) -> list[model.Event]:
    """Insert events (made by ``rules.archive_event``) in order; return them with the ids they got."""
    if not archived:
        return []
    if _on_postgresql(connection):
        ids = array_writes.append_events(connection, namespace, archived)
        return [
            event.model_copy(update={"id": str(event_id)})
            for event_id, event in zip(ids, archived, strict=True)
        ]
    rows: list[dict[str, Any]] = [
        {"namespace": namespace, "type": event.type, "value": event.value, "timestamp": event.timestamp,
         "version": event.version, "digest": event.digest}
        for event in archived
    ]  # fmt: skip
    inserted = connection.execute(
        sa.insert(events).returning(events.c.id, sort_by_parameter_order=True), rows
    )
    ids = [row.id for row in inserted]
    tags = [
        {"event_id": event_id, "tag": tag, "position": at}
        for event_id, event in zip(ids, archived, strict=True)
        for at, tag in enumerate(event.tags)
    ]
    connection.execute(sa.insert(event_tags), tags)
    return [
        event.model_copy(update={"id": str(event_id)}) for event_id, event in zip(ids, archived, strict=True)
    ]


def _chunks(names: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(names), CHUNK):
        yield names[start : start + CHUNK]


def _on_postgresql(connection: sa.Connection) -> bool:
    return connection.dialect.name == "postgresql"
