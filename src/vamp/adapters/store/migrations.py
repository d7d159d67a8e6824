"""Creating and upgrading the SQL store's schema on start: ordered steps, each applied once.

Every start calls ``migrate``: each step whose version is above the database's runs in a transaction
of its own and records itself in ``schema_version``, so a start is idempotent and a step that fails
leaves the database at the version before it. Starts that race (several server replicas on one
PostgreSQL) queue on an advisory lock; on SQLite the write lock does the same. A database whose schema
is newer than this code is refused rather than guessed at.

How to change the schema: never edit a released step; append a step with the next version that
changes what the earlier ones made (plain DDL through the connection it is given), and make tables.py
describe the result. Steps 1 to 3 create their tables as tables.py describes them, so the day a
later step changes one of those tables, the step that created it must first be frozen to the
definition it was released with. No Alembic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from vamp import errors
from vamp.adapters.store import rules, tables
from vamp.adapters.store.database import Database

_LOCK = 0x76616D70  # "vamp": the advisory lock that serialises migrations on one PostgreSQL database


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[sa.Connection], None]


def _create_tables(connection: sa.Connection) -> None:
    created = [tables.artifacts, tables.events, tables.event_tags]
    tables.metadata.create_all(connection, tables=created, checkfirst=False)


def _keep_revisions(connection: sa.Connection) -> None:
    """Revisions outlive their artifact: each stored artifact's count starts at its current revision.

    An artifact deleted before this step left no count behind: created again, it counts from 1.
    """
    kept = tables.artifact_revisions
    tables.metadata.create_all(connection, tables=[kept], checkfirst=False)
    stored = tables.artifacts.c
    current = sa.select(stored.namespace, stored.kind, stored.name, stored.revision)
    connection.execute(sa.insert(kept).from_select(["namespace", "kind", "name", "revision"], current))


def _create_tokens(connection: sa.Connection) -> None:
    tables.metadata.create_all(connection, tables=[tables.tokens], checkfirst=False)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "artifacts, events and event tags", _create_tables),
    Migration(2, "revisions that outlive a deleted artifact", _keep_revisions),
    Migration(3, "API tokens", _create_tokens),
)
LATEST = MIGRATIONS[-1].version


async def migrate(database: Database, clock: rules.Clock) -> None:
    """Bring the database's schema to ``LATEST``.

    Raises ``errors.StoreError`` when the store cannot be reached or its schema is newer than ``LATEST``.
    """
    for step in MIGRATIONS:
        doing = f"migrate its schema to version {step.version} ({step.description})"
        async with database.transaction(doing, write=True) as connection:
            current = await _version(connection)
            if current > LATEST:
                raise errors.StoreError(
                    f"{database.name} has schema version {current}, newer than this Vamp knows ({LATEST}); "
                    "upgrade Vamp, or give --store another database."
                )
            if current >= step.version:
                continue
            await connection.run_sync(step.apply)
            await connection.execute(
                sa.insert(tables.schema_version).values(
                    version=step.version, description=step.description, applied=clock()
                )
            )


async def _version(connection: AsyncConnection) -> int:
    """The schema version, 0 for a new database; waits for any other start migrating the same one."""
    if connection.dialect.name == "postgresql":
        await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_LOCK)))
    await connection.run_sync(tables.schema_version.create, checkfirst=True)
    version = await connection.scalar(sa.select(sa.func.max(tables.schema_version.c.version)))
    return int(version or 0)
