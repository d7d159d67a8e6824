"""The SQL store's tables (SQLAlchemy Core): one schema for SQLite and PostgreSQL.

Owns the table definitions only, as they stand at the newest schema version. Creating and changing
them in a database is migrations.py's job; reading and writing them is sql.py's. Times go in and come
out timezone-aware in UTC (``UtcDateTime``: SQLite keeps them as text, which sorts in time order
because every one is in UTC). JSON columns keep their text as given on both engines (``json``, not
``jsonb``, on PostgreSQL) so artifact data comes back with its keys in the order they were written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from vamp.adapters.store import rules


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware time, stored and read back in UTC on every engine."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else rules.as_utc(value)

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        return None if value is None else rules.as_utc(value)


EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""64 bits on PostgreSQL; SQLite counts rows by its ``INTEGER PRIMARY KEY`` (64 bits there too)."""

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.String, nullable=False),
    sa.Column("applied", UtcDateTime, nullable=False),
)
"""One row for every migration applied; the highest version is the schema's."""

artifacts = sa.Table(
    "artifacts",
    metadata,
    sa.Column("namespace", sa.String, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("updated", UtcDateTime, nullable=False),
)
"""Every stored artifact, unique by (namespace, kind, name), at the revision its last write took."""

artifact_revisions = sa.Table(
    "artifact_revisions",
    metadata,
    sa.Column("namespace", sa.String, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
)
"""The last revision taken by each (namespace, kind, name) ever stored, counted from 1 and kept after a
delete: an artifact created again goes on counting, so a writer still holding a revision of the deleted
one is refused rather than taken for current. Every write of an artifact locks its row first, so the
writes of one artifact queue there on PostgreSQL (SQLite's write lock queues every write anyway).
"""

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", EventId, primary_key=True, autoincrement=True),
    sa.Column("namespace", sa.String, nullable=False),
    sa.Column("type", sa.String, nullable=False),
    sa.Column("value", sa.JSON, nullable=True),
    sa.Column("timestamp", UtcDateTime, nullable=False),
    sa.Column("version", sa.String, nullable=False),
    sa.Column("digest", sa.String, nullable=True),
    sa.Index("events_by_time", "namespace", "timestamp", "id"),
    sa.Index("events_by_type", "namespace", "type", "timestamp"),
)
"""Events of every namespace, archive events among them; read newest first."""

event_tags = sa.Table(
    "event_tags",
    metadata,
    sa.Column("event_id", EventId, sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("tag", sa.String, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Index("event_tags_by_tag", "tag", "event_id"),
)
"""The (expanded) tags of each event, one row each, so "all of these tags" is one lookup per tag.

``position`` keeps the order the tags were published in.
"""

tokens = sa.Table(
    "tokens",
    metadata,
    sa.Column("digest", sa.String, primary_key=True),
    sa.Column("scope", sa.String, nullable=False),
    sa.Column("scope_kind", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("created", UtcDateTime, nullable=False),
    sa.Column("expires", UtcDateTime, nullable=True),
    sa.Column("last_used", UtcDateTime, nullable=True),
    sa.Column("created_by", sa.String, nullable=True),
    sa.UniqueConstraint("scope", "name", name="tokens_by_name"),
)
"""API tokens: the SHA-256 of each secret (never the secret), unique by (scope, name)."""
