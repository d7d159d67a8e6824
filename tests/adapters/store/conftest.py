"""Fixtures of the store adapter's suite: one suite, run against memory, SQLite and a real PostgreSQL.

``store`` is a fresh, empty store of each ``backend`` in turn, reading a ``Clock`` the test controls.
``durable_backend`` is SQLite and PostgreSQL only, a database of the test's own, for what must survive
a close and reopen. The PostgreSQL server is started once per session (tests/postgres.py; its tests
carry the ``e2e`` marker); ``backend`` tests share one database, emptied after each test, because
creating a database costs more than most tests. SQLite gets a file in the test's temp folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import postgres
from vamp.adapters.store import memory, sql, tables
from vamp.ports import store as store_port

START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
TICK = timedelta(seconds=1)


class Clock:
    """A clock that stands at ``START`` until the test moves it."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta = TICK) -> None:
        self.now += by


@dataclass(frozen=True, slots=True)
class Backend:
    """Where a test's store lives: ``address`` is ``None`` for memory, else what ``SqlStore.open`` takes."""

    name: str
    address: str | None = None

    async def open(self, clock: Clock) -> store_port.ArtifactStore:
        if self.address is None:
            return memory.MemoryStore(clock=clock)
        return await sql.SqlStore.open(self.address, clock=clock)

    def engine(self) -> sa.Engine:
        """A plain (synchronous) engine on the same database, to look behind the store's back."""
        assert self.address is not None, "memory has no database"
        url = sa.make_url(self.address)
        driver = "sqlite" if url.drivername == "sqlite" else "postgresql+psycopg"
        return sa.create_engine(url.set(drivername=driver))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.PostgresServer]:
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_database(postgres_server: postgres.PostgresServer) -> str:
    """One database for the tests that start from an empty store; emptied after each of them."""
    return postgres_server.create_database()


POSTGRESQL = pytest.param("postgresql", marks=pytest.mark.e2e)


@pytest.fixture(params=["memory", "sqlite", POSTGRESQL])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        yield Backend("memory")
    elif request.param == "sqlite":
        yield Backend("sqlite", f"sqlite:///{tmp_path / 'vamp.db'}")
    else:
        server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
        database: str = request.getfixturevalue("postgres_database")
        yield Backend("postgresql", server.url(database))
        emptied = [
            tables.artifacts,
            tables.artifact_revisions,
            tables.events,
            tables.event_tags,
            tables.tokens,
        ]
        server.empty_tables(database, [table.name for table in emptied])


@pytest.fixture(params=["sqlite", POSTGRESQL])
def durable_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A database of the test's own, for tests that reopen it or change it behind the store's back."""
    if request.param == "sqlite":
        return Backend("sqlite", f"sqlite:///{tmp_path / 'vamp.db'}")
    server: postgres.PostgresServer = request.getfixturevalue("postgres_server")
    return Backend("postgresql", server.url(server.create_database()))


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store(backend: Backend, clock: Clock) -> AsyncIterator[store_port.ArtifactStore]:
    opened = await backend.open(clock)
    yield opened
    await opened.close()
