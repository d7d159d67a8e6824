"""The SQL store's database: from the address a user gives to an engine, and transactions on it.

Owns: reading a store address (a file path, ``sqlite:///PATH``, ``postgresql://…`` or ``postgres://…``)
into a SQLAlchemy URL for aiosqlite or psycopg (3, async); connection settings (SQLite: WAL, a busy
timeout, foreign keys; PostgreSQL: a connect timeout and a liveness check on checkout); write
transactions that take SQLite's write lock up front (``BEGIN IMMEDIATE``), so concurrent writers wait
their turn instead of failing; and turning every library error (SQLAlchemy, the drivers, the file
system) into ``errors.StoreError`` naming the store; and how long transactions take, reads and writes
apart (``Database.durations``, for the server's ``/metrics``). Queries live in sql.py, the schema in
tables.py.

On SQLite, the write transactions of one process also queue on an asyncio lock before they take a
connection: SQLite has one writer at a time anyway, and its busy handler (sleeping and polling) is not a
queue: under 20 concurrent writers some waited past the busy timeout and failed with "database is
locked", and waiting writers held pooled connections the readers needed. The busy timeout still covers
writers in other processes (another server on the same file). PostgreSQL writers run concurrently; its
row locks order the writes of one artifact.

On SQLite, ``read`` and ``write`` run their transactions on the event loop's own connection
(``loop_transactions``: aiosqlite's hand-offs to its thread cost far more than SQLite's work), and the SQL
store keeps what it read while nothing is committed (``reads``, ``read_cache``). ``transaction`` stays on
aiosqlite for the rest: migrations, event queries, and transactions that meet another process's lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.store import loop_transactions, read_cache
from vamp.core.durations import Durations

SQLITE = "sqlite+aiosqlite"
POSTGRESQL = "postgresql+psycopg"
USAGE = "Give a file path (vamp.db), sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE."

LIBRARY_ERRORS = (sa_exc.SQLAlchemyError, OSError)
"""What the libraries under a store raise; the drivers' own errors arrive wrapped in SQLAlchemy's."""

_WRITE = "vamp_write"
T = TypeVar("T")
# The busy timeout first: switching a new database to WAL needs its lock, and a server started beside
# another one (or three stores opened at once) must wait for it rather than fail with "database is locked".
_SQLITE_SETTINGS = ("busy_timeout=10000", "journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON")
_PASSWORD = re.compile(r"(//[^:/@]*):[^@/]*@")
_PSYCOPG_PREAMBLE = re.compile(r"^connection failed: (?:connection to server at .*? failed: )?(?:FATAL: +)?")


@dataclass(frozen=True, slots=True)
class Database:
    """An engine and the name that error messages give its store (``SQLite at /path``).

    ``writes`` is the lock write transactions queue on (SQLite), ``None`` when writers run at once.
    """

    engine: AsyncEngine
    name: str
    writes: asyncio.Lock | None = None
    reads: read_cache.ReadCache = field(default_factory=read_cache.ReadCache.disabled)
    """Reads kept while nothing is committed (SQLite only: ``read_cache``)."""
    data_version: read_cache.DataVersion | None = None
    loop: loop_transactions.LoopTransactions | None = None
    """Where SQLite's transactions run without leaving the event loop (``loop_transactions``)."""
    durations: dict[str, Durations] = field(
        default_factory=lambda: {"read": Durations(), "write": Durations()}
    )
    """How long transactions took, from asking for a connection to its release: ``read`` and ``write``."""

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self, doing: str, *, write: bool = False) -> AsyncIterator[AsyncConnection]:
        """A connection in a transaction, committed when the block ends and rolled back if it raises.

        ``doing`` says what the transaction is for, as in "PostgreSQL at … failed to {doing}: …".
        A ``write`` transaction holds SQLite's write lock from its start, and waits for the other writes
        of this process to end first.
        """
        started = time.perf_counter()
        try:
            if write and self.writes is not None:
                async with self.writes, self._transaction(doing, write=True) as connection:
                    yield connection
            else:
                async with self._transaction(doing, write=write) as connection:
                    yield connection
        finally:
            self.durations["write" if write else "read"].observe(time.perf_counter() - started)

    @asynccontextmanager
    async def _transaction(self, doing: str, *, write: bool) -> AsyncIterator[AsyncConnection]:
        try:
            connection = await self.engine.connect()
        except LIBRARY_ERRORS as exc:
            verb = "open" if self.dialect == "sqlite" else "reach"
            raise errors.StoreError(f"Cannot {verb} {self.name} ({reason(exc)}). Check --store.") from exc
        try:
            try:
                if write:
                    await connection.execution_options(**{_WRITE: True})
                async with connection.begin():
                    yield connection
            finally:
                await connection.close()
        except LIBRARY_ERRORS as exc:
            raise errors.StoreError(f"{self.name} failed to {doing}: {reason(exc)}.") from exc

    async def read(self, doing: str, fn: Callable[[sa.Connection], T]) -> T:
        """``fn`` run on a connection in a read transaction: on the event loop for SQLite
        (``loop_transactions``), on the driver's connection otherwise, or when another process holds
        SQLite's file locked for a moment.

        ``doing`` says what the read is for, as in ``transaction``.
        """
        if self.loop is not None:
            with contextlib.suppress(loop_transactions.Busy):
                return self._on_loop(doing, "read", self.loop.read, fn)
        async with self.transaction(doing) as connection:
            return await connection.run_sync(fn)

    async def write(self, doing: str, fn: Callable[[sa.Connection], T]) -> T:
        """``fn`` run on a connection in a write transaction, committed when it returns, rolled back if it
        raises (its exception is raised on). Where, as ``read``; SQLite's writes of this process take
        their turns first.
        """
        if self.loop is not None and self.writes is not None:
            async with self.writes:
                with contextlib.suppress(loop_transactions.Busy):
                    return self._on_loop(doing, "write", self.loop.write, fn)
        async with self.transaction(doing, write=True) as connection:
            return await connection.run_sync(fn)

    def _on_loop(
        self,
        doing: str,
        kind: str,
        run: Callable[[Callable[[sa.Connection], T]], T],
        fn: Callable[[sa.Connection], T],
    ) -> T:
        """``run(fn)`` timed as a ``kind`` transaction, its library errors as ``errors.StoreError``;
        ``loop_transactions.Busy`` is raised on, for the caller to go the slow way."""
        started = time.perf_counter()
        try:
            found = run(fn)
        except LIBRARY_ERRORS as exc:
            raise errors.StoreError(f"{self.name} failed to {doing}: {reason(exc)}.") from exc
        self.durations[kind].observe(time.perf_counter() - started)
        return found

    async def close(self) -> None:
        if self.loop is not None:
            self.loop.close()
        if self.data_version is not None:
            self.data_version.close()
        await self.engine.dispose()


async def connect(address: str) -> Database:
    """The database at a store address; its engine connects on the first transaction.

    Raises ``errors.StoreError`` when the address is not one of the forms in ``USAGE``, or names a
    SQLite file that cannot be opened (its folder is made when missing).
    """
    url = _url(address)
    if url.drivername == SQLITE:
        return await _sqlite(url)
    engine = create_async_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    return Database(engine, f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}")


def reason(exc: BaseException) -> str:
    """The library's own words for what went wrong: the first line, without psycopg's preamble."""
    cause = exc.orig if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None else exc
    if isinstance(cause, FileExistsError):
        text = f"{cause.filename} is not a directory"
    elif isinstance(cause, OSError) and cause.strerror:
        text = cause.strerror
    else:
        text = next(iter(str(cause).strip().splitlines()), type(cause).__name__)
    text = _PSYCOPG_PREAMBLE.sub("", text)
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _url(address: str) -> sa.URL:
    if not address.strip():
        raise errors.StoreError(f"No store given. {USAGE}")
    if "://" not in address:
        return sa.URL.create(SQLITE, database=str(Path(address).expanduser()))
    shown = _PASSWORD.sub(r"\1:***@", address)
    try:
        url = sa.make_url(address)
    except (sa_exc.ArgumentError, ValueError) as exc:
        raise errors.StoreError(f"Cannot read the store address {shown!r}. {USAGE}") from exc
    if url.drivername in ("sqlite", SQLITE):
        if url.database in (None, "", ":memory:"):
            raise errors.StoreError(
                f"The store address {shown!r} names no file; SQLite needs one (sqlite:///PATH). "
                "For a store that lives in memory only, use --ephemeral."
            )
        return url.set(drivername=SQLITE, database=str(Path(url.database).expanduser()))
    if url.drivername in ("postgresql", "postgres", POSTGRESQL):
        return url.set(drivername=POSTGRESQL)
    raise errors.StoreError(f"Unsupported store address {shown!r}. {USAGE}")


async def _sqlite(url: sa.URL) -> Database:
    assert url.database is not None, "_url gives SQLite a file"
    path = Path(url.database)
    name = f"SQLite at {path}"
    try:
        await asyncio.to_thread(_check_sqlite_file, path)
        data_version = await asyncio.to_thread(read_cache.DataVersion, path)
        loop = loop_transactions.LoopTransactions(path)
    except (OSError, sqlite3.Error) as exc:
        raise errors.StoreError(f"Cannot open {name} ({reason(exc)}). Check --store.") from exc
    # Every transaction ends in a commit or a rollback of its own: the pool's rollback on return would
    # only add a round trip to aiosqlite's thread.
    engine = create_async_engine(url, pool_reset_on_return=None)
    sa.event.listen(engine.sync_engine, "connect", _configure_sqlite)
    sa.event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return Database(
        engine,
        name,
        writes=asyncio.Lock(),
        reads=read_cache.ReadCache(data_version),
        data_version=data_version,
        loop=loop,
    )


def _check_sqlite_file(path: Path) -> None:
    """Make the file's folder (0700 when new), and fail here, clearly, if SQLite cannot open the file.

    Failing here rather than in the engine also spares aiosqlite a failed connect, after which its
    worker thread can outlive the event loop. The file is its owner's alone (0600), and so are its WAL
    and shared-memory files, which SQLite creates with the database file's mode.
    """
    path.parent.mkdir(mode=private_files.FOLDER_MODE, parents=True, exist_ok=True)
    _into_wal(path)
    private_files.restrict(path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")))


def _into_wal(path: Path, *, seconds: float = 10.0) -> None:
    """Switch the file into WAL mode (it stays so), before any engine connects to it.

    The switch needs the file's exclusive lock, and SQLite answers "database is locked" at once, without
    waiting its busy timeout, to a connection that would otherwise deadlock with another store opened at
    the same moment (seen as a failed start, now and then, when several stores open one new file). So it
    is tried again, briefly, for up to ``seconds``; on a file in WAL mode already it is a no-op.
    """
    deadline = time.monotonic() + seconds
    while True:
        connection = sqlite3.connect(path, timeout=seconds)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        finally:
            connection.close()
        time.sleep(0.02)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _begin_sqlite, not by the driver, so that writers can lock up front.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for setting in _SQLITE_SETTINGS:
        cursor.execute(f"PRAGMA {setting}")
    cursor.close()


def _begin_sqlite(connection: sa.Connection) -> None:
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
