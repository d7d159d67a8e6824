"""``SqlStore``: the artifact store on SQLite (embedded) or PostgreSQL (production), through SQLAlchemy Core.

Implements ``vamp.ports.store.ArtifactStore`` (and, through tokens.py, ``vamp.ports.access.TokenStore``). Owns
the queries: compare-and-set writes, so two writers never lose each other's change, each with its archive
event appended in the same transaction; event publishing and queries; aggregates, folded in Python over a
stream of the matching values (the engines' JSON functions differ too much to share one SQL form).

Every write of an artifact first locks the artifact's row of ``artifact_revisions``: a put takes the
next revision there (``INSERT … ON CONFLICT DO UPDATE``, in batch_writes.py), a delete reads it
``FOR UPDATE``. So the writes of one artifact run one at a time, each checks the revision its writer
read against what is stored now, and a revision, kept there after a delete, is never given twice to one
name.

Connections, transactions and error translation are database.py's, the schema is tables.py's and its
upgrades migrations.py's; the statements of a put (one or many in a transaction) are batch_writes.py's; the
rules shared with the memory store are rules.py's.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vamp.adapters.store import batch_writes, database, migrations, rules, tokens
from vamp.adapters.store.tables import artifact_revisions, artifacts, event_tags, events
from vamp.core import model
from vamp.core.durations import Durations
from vamp.ports import store

_NAMES_AT_ONCE = 500
"""Names asked for in one statement at most (``changed``): far below every engine's bound on parameters."""

_STREAM_BATCH = 500
"""Rows fetched at a time when aggregating, so memory stays flat however many events match."""


class SqlStore(tokens.SqlTokens):
    """The store in a SQL database: ``await SqlStore.open(address)``, and ``close`` it at the end.

    Also the ``vamp.ports.access.TokenStore`` of the server (``tokens.SqlTokens``)."""

    def __init__(self, db: database.Database, clock: rules.Clock) -> None:
        super().__init__(db)
        self._listeners = rules.Listeners()
        self._clock = clock

    @classmethod
    async def open(cls, address: str, *, clock: rules.Clock = rules.utc_now) -> SqlStore:
        """Open the store at ``address``, creating or upgrading its schema.

        Args:
            address: a file path or ``sqlite:///PATH`` (SQLite, made with its folder if missing), or
                ``postgresql://USER:PASSWORD@HOST:PORT/DATABASE`` (``postgres://`` too).
            clock: where the store reads the time.

        Raises:
            errors.StoreError: the address is wrong, the database cannot be reached or its schema is
                newer than this code.
        """
        db = await database.connect(address)
        try:
            await migrations.migrate(db, clock)
        except BaseException:
            await db.close()
            raise
        return cls(db, clock)

    @property
    def durations(self) -> dict[str, Durations]:
        """How long the store's transactions took, ``read`` and ``write`` (``Database.durations``)."""
        return self._db.durations

    def listen(self, listener: store.EventListener) -> None:
        self._listeners.add(listener)

    async def close(self) -> None:
        await self._db.close()

    async def get(self, namespace: str, kind: str, name: str) -> store.StoredArtifact | None:
        def query(connection: sa.Connection) -> _Kept | None:
            row = connection.execute(_KEPT_COLUMNS.where(*_key(namespace, kind, name))).one_or_none()
            return None if row is None else _Kept.of(row)

        async def load() -> _Kept | None:
            return await self._db.read(f"read {_where(namespace, kind, name)}", query)

        kept = await self._db.reads.read(("get", namespace, kind, name), load)
        return None if kept is None else kept.artifact()

    async def list(
        self, namespace: str, kind: str, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[store.StoredArtifact]:
        rules.check_window(offset, limit)
        of_kind = (artifacts.c.namespace == namespace, artifacts.c.kind == kind)

        def query(connection: sa.Connection) -> tuple[tuple[_Kept, ...], int]:
            page = _KEPT_COLUMNS.where(*of_kind).order_by(artifacts.c.name)
            rows = connection.execute(page.offset(offset).limit(limit)).all()
            if offset == 0 and limit is None:
                total = len(rows)  # the whole kind: no need to count it apart
            else:
                count = sa.select(sa.func.count()).select_from(artifacts).where(*of_kind)
                total = int(connection.scalar(count) or 0)
            return tuple(_Kept.of(row) for row in rows), total

        async def load() -> tuple[tuple[_Kept, ...], int]:
            return await self._db.read(f"list {kind} in namespace {namespace!r}", query)

        kept, total = await self._db.reads.read(("list", namespace, kind, offset, limit), load)
        return store.Page(items=[item.artifact() for item in kept], total=total)

    async def changed(self, namespace: str, kind: str, known: Mapping[str, int]) -> store.Changed:
        of_kind = (artifacts.c.namespace == namespace, artifacts.c.kind == kind)

        def listed(connection: sa.Connection) -> tuple[tuple[str, int], ...]:
            query = (
                sa.select(artifacts.c.name, artifacts.c.revision).where(*of_kind).order_by(artifacts.c.name)
            )
            return tuple((row.name, row.revision) for row in connection.execute(query))

        async def load() -> tuple[tuple[str, int], ...]:
            return await self._db.read(f"list the revisions of {kind} in namespace {namespace!r}", listed)

        revisions = await self._db.reads.read(("revisions", namespace, kind), load)
        names = [name for name, revision in revisions if known.get(name) != revision]
        if not names:
            return store.Changed(dict(revisions), ())
        whole = 2 * len(names) > len(revisions)

        def query(connection: sa.Connection) -> list[_Kept]:
            if whole:  # most of the kind: one statement for all of it
                page = _KEPT_COLUMNS.where(*of_kind).order_by(artifacts.c.name)
                return [_Kept.of(row) for row in connection.execute(page)]
            return [
                _Kept.of(row)
                for at in range(0, len(names), _NAMES_AT_ONCE)
                for row in connection.execute(
                    _KEPT_COLUMNS.where(*of_kind, artifacts.c.name.in_(names[at : at + _NAMES_AT_ONCE]))
                )
            ]

        kept = await self._db.read(f"read {len(names)} {kind} in namespace {namespace!r}", query)
        return _changed(revisions, names, kept, known, whole=whole)

    async def put(
        self,
        namespace: str,
        kind: str,
        name: str,
        data: Mapping[str, Any],
        *,
        revision: int | None,
        source: str | None = None,
    ) -> store.StoredArtifact:
        stored = await self._put_all(
            namespace, [store.Put(kind, name, data, revision, source)], _where(namespace, kind, name)
        )
        return stored[0]

    async def put_many(self, namespace: str, puts: Sequence[store.Put]) -> Sequence[store.StoredArtifact]:
        if not puts:
            return []
        return await self._put_all(namespace, puts, f"{len(puts)} artifacts in namespace {namespace!r}")

    async def _put_all(
        self, namespace: str, puts: Sequence[store.Put], what: str
    ) -> Sequence[store.StoredArtifact]:
        """``puts`` written in one transaction, in order; the archive events told once it committed."""
        texts = [rules.artifact_text(put.kind, put.name, put.data) for put in puts]
        now = rules.as_utc(self._clock())

        def write(connection: sa.Connection) -> list[tuple[store.StoredArtifact, model.Event]]:
            return batch_writes.write(connection, namespace, puts, texts, now)

        written = await self._db.write(f"save {what}", write)
        for _, archived in written:
            self._listeners.tell(namespace, archived)
        return [stored for stored, _ in written]

    async def delete(
        self, namespace: str, kind: str, name: str, *, revision: int | None = None
    ) -> store.StoredArtifact | None:
        now = rules.as_utc(self._clock())
        condition = _key(namespace, kind, name)
        if revision is not None:
            condition = (*condition, artifacts.c.revision == revision)

        def write(connection: sa.Connection) -> tuple[store.StoredArtifact, model.Event] | None:
            connection.execute(_locked_revision(namespace, kind, name))
            row = connection.execute(
                sa.delete(artifacts).where(*condition).returning(*artifacts.c)
            ).one_or_none()
            if row is None:
                if revision is not None and (now_at := _revision(connection, namespace, kind, name)):
                    raise rules.conflict(namespace, kind, name, revision, now_at)
                return None
            stored = _stored(row)
            value = rules.json_text(stored.data)
            return stored, _append(
                connection, namespace, rules.archive_event(kind, name, "delete", value, now)
            )

        deleted = await self._db.write(f"delete {_where(namespace, kind, name)}", write)
        if deleted is None:
            return None
        stored, archived = deleted
        self._listeners.tell(namespace, archived)
        return stored

    async def namespaces(self) -> Sequence[str]:
        query = sa.select(artifacts.c.namespace).distinct().order_by(artifacts.c.namespace)
        async with self._db.transaction("list the namespaces") as connection:
            return list((await connection.scalars(query)).all())

    async def publish(self, namespace: str, event: model.Event) -> model.Event:
        event = rules.published(event, self._clock)
        doing = f"publish an event in namespace {namespace!r}"
        stored = await self._db.write(doing, lambda connection: _append(connection, namespace, event))
        self._listeners.tell(namespace, stored)
        return stored

    async def publish_all(self, namespace: str, events: Sequence[model.Event]) -> tuple[model.Event, ...]:
        checked = [rules.published(event, self._clock) for event in events]
        if not checked:
            return ()
        doing = f"publish {len(checked)} events in namespace {namespace!r}"

        def write(connection: sa.Connection) -> tuple[model.Event, ...]:
            # Two statements for them all (as a put_many appends its archive events), not two per event.
            return tuple(batch_writes.append_all(connection, namespace, checked))

        stored = await self._db.write(doing, write)
        for event in stored:
            self._listeners.tell(namespace, event)
        return stored

    async def events(
        self, namespace: str, query: store.EventQuery, *, offset: int = 0, limit: int | None = None
    ) -> store.Page[model.Event]:
        rules.check_window(offset, limit)
        matching = _matching(namespace, query)
        newest_first = (events.c.timestamp.desc(), events.c.id.desc())
        page = sa.select(events).where(*matching).order_by(*newest_first).offset(offset).limit(limit)
        page_rows = page.subquery()
        # One statement for the page and its tags, so both come from the same snapshot.
        with_tags = (
            sa.select(page_rows, event_tags.c.tag)
            .join(event_tags, event_tags.c.event_id == page_rows.c.id)
            .order_by(page_rows.c.timestamp.desc(), page_rows.c.id.desc(), event_tags.c.position)
        )
        async with self._db.transaction(f"query events in namespace {namespace!r}") as connection:
            total = await connection.scalar(sa.select(sa.func.count()).select_from(events).where(*matching))
            rows = (await connection.execute(with_tags)).all()
        items = [_event(list(group)) for _, group in itertools.groupby(rows, key=lambda row: row.id)]
        return store.Page(items=items, total=int(total or 0))

    async def aggregate(
        self, namespace: str, query: store.EventQuery, aggregate: store.Aggregate, field: str | None
    ) -> float | None:
        aggregation = rules.Aggregation(aggregate, field)
        values = sa.select(events.c.value).where(*_matching(namespace, query))
        async with self._db.transaction(f"aggregate events in namespace {namespace!r}") as connection:
            result = await connection.stream(values.execution_options(yield_per=_STREAM_BATCH))
            async for value in result.scalars():
                aggregation.add(value)
        return aggregation.result()


def _changed(
    listed: Sequence[tuple[str, int]],
    names: Sequence[str],
    kept: Sequence[_Kept],
    known: Mapping[str, int],
    *,
    whole: bool,
) -> store.Changed:
    """What ``changed`` answers from the revisions ``listed``, the ``names`` whose revision was not
    ``known`` and those artifacts as read ``kept`` a moment later: each as it is now (read again if
    written in between, left out if deleted in between)."""
    if whole:  # every artifact of the kind, as it is now
        revisions = {item.name: item.revision for item in kept}
    else:
        revisions = dict(listed)
        for name in set(names) - {item.name for item in kept}:
            del revisions[name]
        revisions.update((item.name, item.revision) for item in kept)
    changed = [item.artifact() for item in kept if known.get(item.name) != item.revision]
    return store.Changed(revisions, changed)


def _where(namespace: str, kind: str, name: str) -> str:
    return f"{kind}/{name} in namespace {namespace!r}"


def _key(namespace: str, kind: str, name: str) -> tuple[sa.ColumnElement[bool], ...]:
    return (artifacts.c.namespace == namespace, artifacts.c.kind == kind, artifacts.c.name == name)


def _locked_revision(namespace: str, kind: str, name: str) -> sa.Select[tuple[int]]:
    """The revision row of an artifact, locked until commit (SQLite has no ``FOR UPDATE``: its write
    transactions hold the lock of the whole database already)."""
    revisions = artifact_revisions.c
    key = (revisions.namespace == namespace, revisions.kind == kind, revisions.name == name)
    return sa.select(revisions.revision).where(*key).with_for_update()


def _revision(connection: sa.Connection, namespace: str, kind: str, name: str) -> int | None:
    query = sa.select(artifacts.c.revision).where(*_key(namespace, kind, name))
    revision = connection.scalar(query)
    return None if revision is None else int(revision)


@dataclass(frozen=True, slots=True)
class _Kept:
    """An artifact as the read cache keeps it: its data as JSON text, parsed anew for every reader, so
    no reader can change what another one is given."""

    namespace: str
    kind: str
    name: str
    revision: int
    text: str
    created: datetime
    updated: datetime

    @classmethod
    def of(cls, row: sa.Row[Any]) -> _Kept:
        """From a row of ``_KEPT_COLUMNS``."""
        return cls(row.namespace, row.kind, row.name, row.revision, row.text, row.created, row.updated)

    def artifact(self) -> store.StoredArtifact:
        return store.StoredArtifact(
            namespace=self.namespace,
            kind=self.kind,
            name=self.name,
            revision=self.revision,
            data=json.loads(self.text),
            created=self.created,
            updated=self.updated,
        )


_KEPT_COLUMNS: sa.Select[Any] = sa.select(
    *(column for column in artifacts.c if column.name != "data"),
    sa.cast(artifacts.c.data, sa.Text).label("text"),
)
"""An artifact's columns with its data as the JSON text stored (not parsed: ``_Kept`` parses per reader)."""


def _stored(row: sa.Row[Any]) -> store.StoredArtifact:
    return store.StoredArtifact(
        namespace=row.namespace,
        kind=row.kind,
        name=row.name,
        revision=row.revision,
        data=row.data,
        created=row.created,
        updated=row.updated,
    )


def _append(connection: sa.Connection, namespace: str, event: model.Event) -> model.Event:
    """Insert an event (already checked by ``rules.published`` or made by ``rules.archive_event``) and
    return it with the id it got."""
    row = {
        "namespace": namespace,
        "type": event.type,
        "value": event.value,
        "timestamp": event.timestamp,
        "version": event.version,
        "digest": event.digest,
    }
    event_id = connection.scalar(sa.insert(events).values(row).returning(events.c.id))
    tags = [{"event_id": event_id, "tag": tag, "position": at} for at, tag in enumerate(event.tags)]
    connection.execute(sa.insert(event_tags), tags)
    return event.model_copy(update={"id": str(event_id)})


def _matching(namespace: str, query: store.EventQuery) -> list[sa.ColumnElement[bool]]:
    conditions = [events.c.namespace == namespace]
    if query.type is not None:
        conditions.append(events.c.type == query.type)
    if query.after is not None:
        after = rules.as_utc(query.after)
        conditions.append(
            events.c.timestamp >= after if query.after_inclusive else events.c.timestamp > after
        )
    if query.before is not None:
        before = rules.as_utc(query.before)
        conditions.append(
            events.c.timestamp <= before if query.before_inclusive else events.c.timestamp < before
        )
    for tag in dict.fromkeys(query.tags):
        tagged = (event_tags.c.event_id == events.c.id) & (event_tags.c.tag == tag)
        conditions.append(sa.exists().where(tagged))
    return conditions


def _event(rows: Sequence[sa.Row[Any]]) -> model.Event:
    """One event from its rows in the page, one row per tag."""
    first = rows[0]
    return model.Event(
        id=str(first.id),
        tags=tuple(row.tag for row in rows),
        type=first.type,
        value=first.value,
        timestamp=first.timestamp,
        version=first.version,
        digest=first.digest,
    )
