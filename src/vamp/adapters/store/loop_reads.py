"""SQLite reads run on the event loop's own thread, on a read-only connection.

A read through aiosqlite hands every statement, fetch and commit to the connection's worker thread and
back: half a dozen hand-offs for a one-row query, each far slower than the query itself (a transaction
cost 1–2 ms where SQLite needs tens of microseconds). In WAL mode a reader never waits for a writer, so
the SQL store runs its reads here, synchronously, on one read-only connection (``query_only``), each in a
transaction of its own so that a read of several statements sees one snapshot. Writes stay on aiosqlite:
a writer can wait for SQLite's lock, and must not wait on the loop.

A reader can still meet a lock now and then (a checkpoint that truncates the WAL, recovery after a
crash): the connection's busy timeout is a few milliseconds, and a read that meets "database is locked"
raises ``Busy`` for the caller to run it the slow way, where waiting blocks nothing. The connection is the
loop's: it is used from that one thread only.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5
"""How long a read on the loop may wait for a lock before it is handed to aiosqlite instead."""


class Busy(Exception):
    """SQLite answered "database is locked" to a read on the loop: run it where waiting is harmless."""


class LoopReader:
    """Runs reads on a read-only connection to the SQLite file at ``path``; ``close`` it with the store."""

    def __init__(self, path: Path) -> None:
        self._engine = sa.create_engine(
            f"sqlite+pysqlite:///file:{path.resolve()}?mode=ro&uri=true",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        sa.event.listen(self._engine, "connect", _configure)
        sa.event.listen(self._engine, "begin", _begin)

    def read(self, fn: Callable[[sa.Connection], T]) -> T:
        """``fn`` run in a read transaction on the loop's connection.

        Raises:
            Busy: the file was locked for longer than ``BUSY_TIMEOUT_MS``.
            sqlalchemy.exc.SQLAlchemyError: any other failure, for the caller to translate.
        """
        try:
            with self._engine.connect() as connection, connection.begin():
                return fn(connection)
        except sa_exc.OperationalError as exc:
            if isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig):
                raise Busy(str(exc.orig)) from exc
            raise

    def close(self) -> None:
        self._engine.dispose()


def _configure(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def _begin(connection: sa.Connection) -> None:
    connection.exec_driver_sql("BEGIN")
