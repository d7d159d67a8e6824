"""SQLite transactions run on the event loop's own thread, on a connection of their own.

Through aiosqlite, every statement, fetch and commit of a transaction is handed to the connection's
worker thread and back: half a dozen hand-offs for a one-row read, a dozen for a write, each far slower
than SQLite's own work (a read transaction took 1–2 ms, a write 5 ms, where SQLite needs tens of
microseconds). So the SQL store runs its transactions here, synchronously, on one connection that only
the loop's thread uses, each read in a transaction of its own (a read of several statements sees one
snapshot) and each write in ``BEGIN IMMEDIATE``.

Nothing here may wait, or the whole loop would: the connection's busy timeout is zero. In WAL mode a
reader never waits for a writer, and the writers of this process take their turns on an asyncio lock
before they come here, so a lock is met only when another process holds it (another server on the file,
a checkpoint that truncates the WAL, recovery after a crash). Then ``Busy`` is raised before anything
was done, for the caller to run the transaction on aiosqlite, where waiting blocks nothing.
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

_WRITE = "vamp_loop_write"


class Busy(Exception):
    """SQLite answered "database is locked": run the transaction where waiting is harmless."""


class LoopTransactions:
    """Runs transactions on a connection to the SQLite file at ``path``; ``close`` it with the store."""

    def __init__(self, path: Path) -> None:
        self._engine = sa.create_engine(
            f"sqlite+pysqlite:///{path.resolve()}",
            poolclass=StaticPool,
            connect_args={"check_same_thread": False, "timeout": 0},
        )
        sa.event.listen(self._engine, "connect", _configure)
        sa.event.listen(self._engine, "begin", _begin)

    def read(self, fn: Callable[[sa.Connection], T]) -> T:
        """``fn`` run in a read transaction.

        Raises:
            Busy: the file is locked by another process right now.
            sqlalchemy.exc.SQLAlchemyError: any other failure, for the caller to translate.
        """
        return self._run(fn, write=False)

    def write(self, fn: Callable[[sa.Connection], T]) -> T:
        """``fn`` run in a write transaction (``BEGIN IMMEDIATE``), committed when it returns and rolled
        back if it raises. The caller holds the process's write turn.

        Raises:
            Busy: another process holds the write lock; nothing was done.
            sqlalchemy.exc.SQLAlchemyError: any other failure, for the caller to translate.
        """
        return self._run(fn, write=True)

    def _run(self, fn: Callable[[sa.Connection], T], *, write: bool) -> T:
        try:
            with self._engine.connect() as connection:
                if write:
                    connection = connection.execution_options(**{_WRITE: True})
                with connection.begin():
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
    for setting in ("busy_timeout=0", "synchronous=NORMAL", "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {setting}")
    cursor.close()


def _begin(connection: sa.Connection) -> None:
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
